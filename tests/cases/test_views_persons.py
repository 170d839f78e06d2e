"""Person search, the registry part of the file, edit, merge and consents through the web pages."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases import services
from cases.models import Case, Consent, ConsentPurpose, Person, PersonMerge
from core.models import AuditEntry
from partners.roles import Role
from tests.factories import open_case, register_person

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def manager_a(network, client):
    user = network.user("a", Role.CASE_MANAGER)
    client.force_login(user)
    return user


# --- search ----------------------------------------------------------------------------------------


def test_search_finds_by_name_prefix_and_links_to_the_file(network, client, manager_a, case_a):
    response = client.get(reverse("cases:person_search"), {"q": "bian giu"})
    assert response.status_code == 200
    assert list(response.context["page"]) == [case_a.person]
    assert reverse("cases:person_detail", args=[case_a.person_id]).encode() in response.content
    assert reverse("cases:case_detail", args=[case_a.pk]).encode() in response.content


def test_search_by_codice_fiscale(network, client, manager_a, case_a):
    response = client.get(reverse("cases:person_search"), {"q": "bncgli80a41f205f"})
    assert list(response.context["page"]) == [case_a.person]


def test_search_audits_the_query_length_not_the_text(network, client, manager_a, case_a):
    client.get(reverse("cases:person_search"), {"q": "BNCGLI80A41F205F"})
    entry = AuditEntry.objects.get(action="search")
    assert entry.detail == {"query_length": 16}
    assert entry.user == manager_a
    assert entry.organisation == network.org_a
    assert "BNCGLI" not in str(entry.detail) and not entry.object_id


def test_search_does_not_find_another_organisations_people(network, client, case_a):
    client.force_login(network.user("b", Role.CASE_MANAGER))
    response = client.get(reverse("cases:person_search"), {"q": "Bianchi"})
    assert response.status_code == 200
    assert list(response.context["page"]) == []
    assert b"Giulia" not in response.content


def test_empty_search_shows_no_list_and_writes_no_audit(network, client, manager_a, case_a):
    response = client.get(reverse("cases:person_search"))
    assert response.context["page"] is None
    assert not AuditEntry.objects.filter(action="search").exists()


def test_volunteer_finds_the_case_but_not_a_link_to_the_file(network, client, case_a):
    client.force_login(network.user("a", Role.VOLUNTEER))
    response = client.get(reverse("cases:person_search"), {"q": "Bianchi"})
    assert reverse("cases:case_detail", args=[case_a.pk]).encode() in response.content
    assert reverse("cases:person_detail", args=[case_a.person_id]).encode() not in response.content


def test_search_is_paginated_by_25(network, client, manager_a):
    for i in range(30):
        register_person(
            manager_a,
            network.org_a,
            first_name=f"Nome{i:02d}",
            last_name="Esposito",
            birth_date=datetime.date(1970, 1, 1) + datetime.timedelta(days=i),
        )
    first = client.get(reverse("cases:person_search"), {"q": "esposito"})
    second = client.get(reverse("cases:person_search"), {"q": "esposito", "page": 2})
    assert len(first.context["page"]) == 25
    assert len(second.context["page"]) == 5
    assert b"page=2" in first.content


# --- person file -----------------------------------------------------------------------------------


def test_person_detail_renders_and_audits_the_read(network, client, manager_a, case_a):
    response = client.get(reverse("cases:person_detail", args=[case_a.person_id]))
    assert response.status_code == 200
    assert b"BNCGLI80A41F205F" in response.content
    assert case_a.code.encode() in response.content
    entry = AuditEntry.objects.get(action="read", object_type="cases.person")
    assert (entry.person_id, entry.organisation_id, entry.user) == (case_a.person_id, network.org_a.pk, manager_a)


def test_person_detail_is_404_for_another_organisation(network, client, case_a):
    client.force_login(network.user("b", Role.CASE_MANAGER))
    response = client.get(reverse("cases:person_detail", args=[case_a.person_id]))
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="read").exists()


def test_person_detail_is_404_for_a_volunteer(network, client, case_a):
    client.force_login(network.user("a", Role.VOLUNTEER))
    assert client.get(reverse("cases:person_detail", args=[case_a.person_id])).status_code == 404


@pytest.mark.parametrize(
    ("purposes", "badge"),
    [
        ((), "No consent"),
        ((ConsentPurpose.PROCESSING,), "processing only, no sharing"),
        ((ConsentPurpose.PROCESSING, ConsentPurpose.SHARE_NETWORK), "sharing with the network"),
    ],
)
def test_consent_badge(network, client, manager_a, case_a, purposes, badge):
    for purpose in purposes:
        services.consent_record(
            actor=manager_a, person=case_a.person, purpose=purpose, given_on=datetime.date(2024, 1, 1)
        )
    response = client.get(reverse("cases:person_detail", args=[case_a.person_id]))
    assert badge.encode() in response.content


def test_withdrawn_consent_badge(network, client, manager_a, case_a):
    consent = services.consent_record(
        actor=manager_a, person=case_a.person, purpose=ConsentPurpose.PROCESSING, given_on=datetime.date(2024, 1, 1)
    )
    services.consent_withdraw(actor=manager_a, consent=consent)
    response = client.get(reverse("cases:person_detail", args=[case_a.person_id]))
    assert b"Consent withdrawn" in response.content


def test_person_edit_saves_through_the_service(network, client, manager_a, case_a):
    url = reverse("cases:person_edit", args=[case_a.person_id])
    assert client.get(url).status_code == 200
    data = {
        "first_name": "Giulia",
        "last_name": "Bianchi",
        "codice_fiscale": "BNCGLI80A41F205F",
        "sex": "F",
        "phone": "02 1234",
        "is_homeless": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    person = Person.objects.get(pk=case_a.person_id)
    assert person.phone == "02 1234" and person.is_homeless
    assert AuditEntry.objects.filter(action="update", object_type="cases.person").exists()


def test_person_edit_is_403_for_an_operator(network, client, case_a):
    client.force_login(network.user("a", Role.OPERATOR))
    response = client.get(reverse("cases:person_edit", args=[case_a.person_id]))
    assert response.status_code == 403


def test_person_edit_is_404_for_another_organisation(network, client, case_a):
    client.force_login(network.user("b", Role.CASE_MANAGER))
    assert client.get(reverse("cases:person_edit", args=[case_a.person_id])).status_code == 404


# --- merge -----------------------------------------------------------------------------------------


def test_merge_through_the_ui(network, client, manager_a):
    # given: the same man registered twice, with a case on the duplicate
    kept = register_person(manager_a, network.org_a, first_name="Mario", last_name="Rossi")
    duplicate = register_person(manager_a, network.org_a, first_name="Mario", last_name="Rosi", phone="333")
    case = open_case(manager_a, network.org_a, duplicate)
    url = reverse("cases:person_merge", args=[kept.pk])
    # when: picking among the similar people
    pick = client.get(url)
    assert pick.context["similar"] == [duplicate]
    # and: looking at what will move
    preview = client.get(url, {"merged": duplicate.pk})
    assert preview.status_code == 200
    assert preview.context["preview"]["cases_total"] == 1
    assert case.code.encode() in preview.content
    assert "phone" in " ".join(preview.context["fields_filled"]).lower()
    # and: confirming with a reason
    response = client.post(
        url + f"?merged={duplicate.pk}", {"merged": duplicate.pk, "reason": "Same person, typo", "confirm": "on"}
    )
    # then
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).person_id == kept.pk
    assert Person.objects.get(pk=duplicate.pk).merged_into_id == kept.pk
    assert PersonMerge.objects.get().reason == "Same person, typo"


def test_merge_needs_the_confirmation_and_a_reason(network, client, manager_a):
    kept = register_person(manager_a, network.org_a, first_name="Mario", last_name="Rossi")
    duplicate = register_person(manager_a, network.org_a, first_name="Mario", last_name="Rosi")
    url = reverse("cases:person_merge", args=[kept.pk])
    response = client.post(url, {"merged": duplicate.pk, "reason": ""})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"reason", "confirm"}
    assert Person.objects.get(pk=duplicate.pk).merged_into_id is None


def test_merge_search_finds_a_candidate(network, client, manager_a):
    kept = register_person(manager_a, network.org_a, first_name="Mario", last_name="Rossi")
    other = register_person(
        manager_a, network.org_a, first_name="M.", last_name="Russo", birth_date=datetime.date(1990, 1, 1)
    )
    response = client.get(reverse("cases:person_merge", args=[kept.pk]), {"q": "russo"})
    assert response.context["found"] == [other]


def test_merge_with_a_hidden_person_is_404(network, client, manager_a):
    kept = register_person(manager_a, network.org_a)
    hidden = register_person(network.user("b", Role.CASE_MANAGER), network.org_b)
    response = client.get(reverse("cases:person_merge", args=[kept.pk]), {"merged": hidden.pk})
    assert response.status_code == 404


# --- consents --------------------------------------------------------------------------------------


def test_consent_add_for_named_organisations_with_a_signed_document(
    network, client, manager_a, case_a, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    url = reverse("cases:consent_add", args=[case_a.person_id])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "purpose": ConsentPurpose.SHARE_NAMED,
            "given_on": "2025-01-10",
            "organisations": [network.org_b.pk],
            "signed_document": SimpleUploadedFile("consenso.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    consent = Consent.objects.get(person=case_a.person)
    assert list(consent.organisations.all()) == [network.org_b]
    assert consent.signed_document


def test_consent_add_named_without_organisations_shows_the_error(network, client, manager_a, case_a):
    response = client.post(
        reverse("cases:consent_add", args=[case_a.person_id]),
        {"purpose": ConsentPurpose.SHARE_NAMED, "given_on": "2025-01-10"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["organisations"]
    assert not Consent.objects.exists()


def test_consent_expiry_before_given_date_is_a_field_error(network, client, manager_a, case_a):
    response = client.post(
        reverse("cases:consent_add", args=[case_a.person_id]),
        {"purpose": ConsentPurpose.PROCESSING, "given_on": "2025-01-10", "expires_on": "2024-01-10"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["expires_on"]


def test_consent_withdraw(network, client, manager_a, case_a):
    consent = services.consent_record(
        actor=manager_a, person=case_a.person, purpose=ConsentPurpose.PROCESSING, given_on=datetime.date(2024, 1, 1)
    )
    url = reverse("cases:consent_withdraw", args=[consent.pk])
    detail = client.get(reverse("cases:person_detail", args=[case_a.person_id]))
    assert url.encode() in detail.content
    response = client.post(url, {"note": "asked by phone"})
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_on is not None and consent.withdrawal_note == "asked by phone"


def test_consent_withdraw_is_404_for_another_organisation(network, client, manager_a, case_a):
    consent = services.consent_record(
        actor=manager_a, person=case_a.person, purpose=ConsentPurpose.PROCESSING, given_on=datetime.date(2024, 1, 1)
    )
    client.force_login(network.user("b", Role.CASE_MANAGER))
    assert client.post(reverse("cases:consent_withdraw", args=[consent.pk])).status_code == 404
    consent.refresh_from_db()
    assert consent.withdrawn_on is None
