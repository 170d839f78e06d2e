"""Registering a person through the web form: validation, duplicates, possible duplicates."""

import datetime

import pytest
from django.urls import reverse

from cases.models import Case, Person
from core.models import AuditEntry
from partners.roles import Role
from tests.factories import register_person

URL = reverse("cases:person_register")
# Mario Rossi, born 10/12/1985: the plain codice fiscale and an omocodic variant (last digit 2 -> N).
CF = "RSSMRA85T10A562S"
CF_OMOCODIC = "RSSMRA85T10A56NH"


@pytest.fixture
def manager_a(network, client):
    user = network.user("a", Role.CASE_MANAGER)
    client.force_login(user)
    return user


def form_data(network, **overrides):
    data = {
        "organisation": network.org_a.pk,
        "first_name": "Mario",
        "last_name": "Rossi",
        "birth_date": "1985-12-10",
        "sex": "M",
        "birth_place": "Milano",
        "codice_fiscale": "",
    }
    data.update(overrides)
    return data


def test_form_renders_for_a_case_manager(network, client, manager_a):
    response = client.get(URL)
    assert response.status_code == 200
    assert b'name="codice_fiscale"' in response.content


def test_volunteer_cannot_register(network, client):
    client.force_login(network.user("a", Role.VOLUNTEER))
    response = client.get(URL)
    assert response.status_code == 403


def test_invalid_codice_fiscale_is_shown_on_the_field(network, client, manager_a):
    response = client.post(URL, form_data(network, codice_fiscale="RSSMRA85T10A562X"))
    assert response.status_code == 200
    assert b"check character is wrong" in response.content
    assert b"is-invalid" in response.content
    assert not Person.objects.filter(last_name="Rossi").exists()


def test_missing_name_is_a_field_error(network, client, manager_a):
    response = client.post(URL, form_data(network, first_name=""))
    assert response.status_code == 200
    assert response.context["form"].errors["first_name"]
    assert not Person.objects.exists()


def test_no_identifier_at_all_is_a_form_error(network, client, manager_a):
    response = client.post(URL, form_data(network, birth_date="", codice_fiscale=""))
    assert response.status_code == 200
    assert b"another identifier or at least the birth date" in response.content


def test_valid_omocodic_codice_fiscale_registers_and_redirects_to_the_file(network, client, manager_a):
    response = client.post(URL, form_data(network, codice_fiscale=CF_OMOCODIC.lower()))
    person = Person.objects.get(codice_fiscale=CF_OMOCODIC)
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:person_detail", args=[person.pk]) + "?registered=1"
    assert person.registered_by == network.org_a
    assert AuditEntry.objects.filter(action="create", object_type="cases.person", object_id=str(person.pk)).exists()


def test_after_registration_the_file_offers_to_open_a_case(network, client, manager_a):
    response = client.post(URL, form_data(network, codice_fiscale=CF), follow=True)
    person = Person.objects.get(codice_fiscale=CF)
    assert f"{reverse('cases:case_open')}?person={person.pk}".encode() in response.content
    assert b"Open a case for them now?" in response.content


def test_duplicate_visible_codice_fiscale_links_to_the_existing_person(network, client, manager_a):
    existing = register_person(manager_a, network.org_a, codice_fiscale=CF, sex="M")
    response = client.post(URL, form_data(network, codice_fiscale=CF))
    assert response.status_code == 200
    assert Person.objects.count() == 1
    assert response.context["duplicate"] == existing
    assert reverse("cases:person_detail", args=[existing.pk]).encode() in response.content


def test_duplicate_hidden_codice_fiscale_offers_a_case_without_showing_the_person(network, client, manager_a):
    # given: Gianni Verdi from Torino, registered by organisation B only
    manager_b = network.user("b", Role.CASE_MANAGER)
    hidden = register_person(
        manager_b,
        network.org_b,
        first_name="Gianni",
        last_name="Verdi",
        birth_place="Torino",
        codice_fiscale=CF,
        sex="M",
        phone="3331234567",
    )
    # when: A types the same codice fiscale with other names
    response = client.post(
        URL, form_data(network, first_name="Anna", last_name="Neri", birth_place="", codice_fiscale=CF)
    )
    # then
    content = response.content.decode()
    assert response.status_code == 200
    assert "already registered in the network" in content
    for secret in ("Gianni", "Verdi", "Torino", "3331234567"):
        assert secret not in content
    assert f'name="person" value="{hidden.pk}"' in content
    assert f'name="codice_fiscale_proof" value="{CF}"' in content
    assert reverse("cases:case_open") in content
    assert Person.objects.count() == 1


def test_the_offered_button_opens_a_case_for_the_hidden_person(network, client, manager_a):
    manager_b = network.user("b", Role.CASE_MANAGER)
    hidden = register_person(manager_b, network.org_b, codice_fiscale=CF, sex="M")
    response = client.post(
        reverse("cases:case_open"),
        {
            "person": hidden.pk,
            "codice_fiscale_proof": CF,
            "organisation": network.org_a.pk,
        },
    )
    case = Case.objects.get(person=hidden, lead_organisation=network.org_a)
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:case_detail", args=[case.pk])
    assert case.case_manager == manager_a


def test_case_open_for_a_hidden_person_with_a_wrong_proof_is_404(network, client, manager_a):
    manager_b = network.user("b", Role.CASE_MANAGER)
    hidden = register_person(manager_b, network.org_b, codice_fiscale=CF, sex="M")
    response = client.post(
        reverse("cases:case_open"),
        {
            "person": hidden.pk,
            "codice_fiscale_proof": CF_OMOCODIC,
            "organisation": network.org_a.pk,
        },
    )
    assert response.status_code == 404
    assert not Case.objects.exists()


def test_possible_duplicates_are_listed_then_confirmed(network, client, manager_a):
    # given: Maria Rossi born the same day
    similar = register_person(
        manager_a, network.org_a, first_name="Maria", last_name="Rossi", birth_date=datetime.date(1985, 12, 10)
    )
    # when: registering Mario Rossi without codice fiscale
    first = client.post(URL, form_data(network))
    # then: the candidate is listed with a link, nothing is created
    assert first.status_code == 200
    assert first.context["candidates"] == [similar]
    assert reverse("cases:person_detail", args=[similar.pk]).encode() in first.content
    assert b'name="confirmed_new"' in first.content
    assert Person.objects.count() == 1
    # when: confirming that none of them is the person
    second = client.post(URL, form_data(network, confirmed_new="on"))
    assert second.status_code == 302
    assert Person.objects.filter(first_name="Mario", last_name="Rossi").exists()


def test_organisation_is_a_choice_for_members_of_several_organisations(network, client, manager_a):
    from partners import services as partner_services

    partner_services.membership_add(organisation=network.org_b, user=manager_a, role=Role.CASE_MANAGER)
    response = client.get(URL)
    assert b'<select name="organisation"' in response.content
    # and a choice outside the user's organisations is refused
    response = client.post(URL, form_data(network, organisation=network.municipality.pk))
    assert response.status_code == 200
    assert response.context["form"].errors["organisation"]
