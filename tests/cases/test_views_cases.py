"""The case list, opening a case, the case page by role, and changes to the case itself."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Case, CaseStatus
from cases.permissions.grants import grant_case_access
from core.models import AuditEntry
from partners.roles import Role
from tests.factories import login, make_member, open_case, register_person
from workflows.services import lifecycle

# --- list ------------------------------------------------------------------------------------------


def test_case_list_shows_the_visible_cases(network, client, case_a):
    login(client, network, "a", Role.VOLUNTEER)  # the summary is enough
    response = client.get(reverse("cases:case_list"))
    assert response.status_code == 200
    assert list(response.context["page"]) == [case_a]
    assert b"Bianchi" in response.content and b"Caritas Test" in response.content


def test_case_list_of_another_organisation_is_empty(network, client, case_a):
    login(client, network, "b", Role.CASE_MANAGER)
    response = client.get(reverse("cases:case_list"))
    assert list(response.context["page"]) == []
    assert case_a.code.encode() not in response.content


def test_case_list_filters(network, client, case_a):
    manager = login(client, network, "a", Role.CASE_MANAGER)
    other = open_case(
        manager,
        network.org_a,
        register_person(manager, network.org_a, last_name="Neri"),
        case_manager=make_member(network.org_a, Role.CASE_MANAGER),
    )
    lifecycle.case_set_status(actor=manager, case=other, status=CaseStatus.SUSPENDED)
    url = reverse("cases:case_list")
    assert list(client.get(url, {"q": "neri"}).context["page"]) == [other]
    assert list(client.get(url, {"status": "suspended"}).context["page"]) == [other]
    assert list(client.get(url, {"mine": "1"}).context["page"]) == [case_a]
    assert client.get(url, {"status": "nonsense"}).status_code == 200


def test_case_list_needs_login(client):
    response = client.get(reverse("cases:case_list"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


# --- open ------------------------------------------------------------------------------------------


def test_case_open_for_a_visible_person_with_household_and_manager(network, client):
    manager = login(client, network, "a", Role.CASE_MANAGER)
    colleague = make_member(network.org_a, Role.CASE_MANAGER)
    person = register_person(manager, network.org_a)
    household = services.household_create(
        actor=manager, organisation_id=network.org_a.pk, name="Rossi", reference_person=person
    )
    url = reverse("cases:case_open")
    page = client.get(url, {"person": person.pk})
    assert page.status_code == 200
    assert list(page.context["form"].fields["household"].queryset) == [household]
    response = client.post(
        url,
        {
            "person": person.pk,
            "organisation": network.org_a.pk,
            "title": "Casa",
            "household": household.pk,
            "case_manager": colleague.pk,
        },
    )
    case = Case.objects.get(person=person)
    assert response.status_code == 302
    assert (case.title, case.household, case.case_manager, case.lead_organisation) == (
        "Casa",
        household,
        colleague,
        network.org_a,
    )


def test_case_open_refuses_a_case_manager_of_another_organisation(network, client):
    manager = login(client, network, "a", Role.CASE_MANAGER)
    person = register_person(manager, network.org_a)
    response = client.post(
        reverse("cases:case_open"),
        {
            "person": person.pk,
            "organisation": network.org_a.pk,
            "case_manager": network.user("b", Role.CASE_MANAGER).pk,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["case_manager"]
    assert not Case.objects.exists()


def test_case_open_for_a_hidden_person_without_proof_is_404(network, client):
    login(client, network, "a", Role.CASE_MANAGER)
    hidden = register_person(network.user("b", Role.CASE_MANAGER), network.org_b)
    assert client.get(reverse("cases:case_open"), {"person": hidden.pk}).status_code == 404


def test_case_open_is_403_for_an_operator(network, client):
    manager = network.user("a", Role.CASE_MANAGER)
    person = register_person(manager, network.org_a)
    login(client, network, "a", Role.OPERATOR)
    assert client.get(reverse("cases:case_open"), {"person": person.pk}).status_code == 403


# --- detail by role --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.CASE_MANAGER, Role.OPERATOR, Role.VOLUNTEER, Role.ORG_ADMIN])
def test_case_detail_renders_for_each_role_of_the_lead_organisation(network, client, case_a, role):
    login(client, network, "a", role)
    response = client.get(reverse("cases:case_detail", args=[case_a.pk]))
    assert response.status_code == 200
    assert case_a.code.encode() in response.content


@pytest.mark.parametrize("role", [Role.CASE_MANAGER, Role.OPERATOR, Role.VOLUNTEER, Role.ORG_ADMIN])
def test_case_detail_is_404_for_another_organisation(network, client, case_a, role):
    login(client, network, "b", role)
    assert client.get(reverse("cases:case_detail", args=[case_a.pk])).status_code == 404


def test_case_detail_is_404_for_the_coordinator(network, client, case_a):
    login(client, network, "m", Role.COORDINATOR)
    assert client.get(reverse("cases:case_detail", args=[case_a.pk])).status_code == 404


def test_case_detail_audits_every_read(network, client, case_a):
    user = login(client, network, "a", Role.VOLUNTEER)
    url = reverse("cases:case_detail", args=[case_a.pk])
    client.get(url)
    client.get(url)
    entries = AuditEntry.objects.filter(action="read", object_type="cases.case", case_id=case_a.pk)
    assert entries.count() == 2
    assert {(e.user_id, e.organisation_id, e.person_id) for e in entries} == {
        (user.pk, network.org_a.pk, case_a.person_id)
    }


def test_case_manager_sees_every_section_and_form(network, client, case_a):
    login(client, network, "a", Role.CASE_MANAGER)
    content = client.get(reverse("cases:case_detail", args=[case_a.pk])).content.decode()
    for name in (
        "note_add",
        "document_upload",
        "intervention_add",
        "assessment_add",
        "goal_add",
        "case_edit",
        "case_status",
        "case_close",
        "timeline",
    ):
        assert reverse(f"cases:{name}", args=[case_a.pk]) in content, name


def test_volunteer_sees_the_summary_and_the_intervention_form_only(network, client, case_a):
    manager = network.user("a", Role.CASE_MANAGER)
    services.note_add(actor=manager, case=case_a, body="Colloquio riservato")
    services.assessment_record(actor=manager, case=case_a, domain="housing", severity=3)
    login(client, network, "a", Role.VOLUNTEER)
    response = client.get(reverse("cases:case_detail", args=[case_a.pk]))
    content = response.content.decode()
    assert "Giulia Bianchi" in content
    assert reverse("cases:intervention_add", args=[case_a.pk]) in content
    assert "Colloquio riservato" not in content
    assert "BNCGLI80A41F205F" not in content
    for name in ("note_add", "document_upload", "assessment_add", "goal_add", "case_edit", "case_close", "timeline"):
        assert reverse(f"cases:{name}", args=[case_a.pk]) not in content, name
    assert reverse("cases:person_detail", args=[case_a.person_id]) not in content
    assert "notes" not in response.context and "assessments" not in response.context


def test_operator_reads_and_writes_notes_but_cannot_change_the_case(network, client, case_a):
    login(client, network, "a", Role.OPERATOR)
    content = client.get(reverse("cases:case_detail", args=[case_a.pk])).content.decode()
    assert reverse("cases:note_add", args=[case_a.pk]) in content
    assert reverse("cases:case_edit", args=[case_a.pk]) not in content
    assert reverse("cases:assessment_add", args=[case_a.pk]) not in content


def test_org_admin_reads_without_forms(network, client, case_a):
    login(client, network, "a", Role.ORG_ADMIN)
    content = client.get(reverse("cases:case_detail", args=[case_a.pk])).content.decode()
    assert reverse("cases:timeline", args=[case_a.pk]) in content
    for name in ("note_add", "document_upload", "intervention_add", "case_edit"):
        assert reverse(f"cases:{name}", args=[case_a.pk]) not in content, name


def test_organisation_with_a_view_grant_reads_the_case(network, client, case_a):
    grant_case_access(case_a, network.org_b, change=False)
    login(client, network, "b", Role.OPERATOR)
    response = client.get(reverse("cases:case_detail", args=[case_a.pk]))
    assert response.status_code == 200
    assert reverse("cases:case_edit", args=[case_a.pk]).encode() not in response.content


# --- changes to the case ---------------------------------------------------------------------------


def test_case_edit(network, client, case_a):
    login(client, network, "a", Role.CASE_MANAGER)
    colleague = make_member(network.org_a, Role.CASE_MANAGER)
    url = reverse("cases:case_edit", args=[case_a.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"title": "Nuovo titolo", "case_manager": colleague.pk})
    assert response.status_code == 302
    case_a.refresh_from_db()
    assert (case_a.title, case_a.case_manager) == ("Nuovo titolo", colleague)


def test_case_edit_is_403_for_an_organisation_with_view_only(network, client, case_a):
    grant_case_access(case_a, network.org_b, change=False)
    login(client, network, "b", Role.CASE_MANAGER)
    response = client.post(reverse("cases:case_edit", args=[case_a.pk]), {"title": "x"})
    assert response.status_code == 403
    case_a.refresh_from_db()
    assert case_a.title == "Sostegno abitativo"


def test_case_status_change(network, client, case_a):
    login(client, network, "a", Role.CASE_MANAGER)
    response = client.post(reverse("cases:case_status", args=[case_a.pk]), {"status": "active"})
    assert response.status_code == 302
    case_a.refresh_from_db()
    assert case_a.status == CaseStatus.ACTIVE


def test_case_status_cannot_be_set_to_closed(network, client, case_a):
    login(client, network, "a", Role.CASE_MANAGER)
    response = client.post(reverse("cases:case_status", args=[case_a.pk]), {"status": "closed"})
    assert response.status_code == 200
    assert response.context["form"].errors["status"]


def test_case_status_is_403_for_an_operator(network, client, case_a):
    login(client, network, "a", Role.OPERATOR)
    assert client.post(reverse("cases:case_status", args=[case_a.pk]), {"status": "active"}).status_code == 403


def test_case_close_then_reopen(network, client, case_a):
    login(client, network, "a", Role.CASE_MANAGER)
    response = client.post(
        reverse("cases:case_close", args=[case_a.pk]), {"outcome": "goals_reached", "note": "Trovata casa"}
    )
    assert response.status_code == 302
    case_a.refresh_from_db()
    assert (case_a.status, case_a.closure_outcome, case_a.closed_on) == (
        CaseStatus.CLOSED,
        "goals_reached",
        timezone.localdate(),
    )
    page = client.get(reverse("cases:case_detail", args=[case_a.pk]))
    assert b"This case is closed" in page.content
    assert reverse("cases:note_add", args=[case_a.pk]).encode() not in page.content
    client.post(reverse("cases:case_status", args=[case_a.pk]), {"status": "open"})
    case_a.refresh_from_db()
    assert case_a.status == CaseStatus.OPEN and case_a.closed_on is None


def test_case_close_with_a_date_before_opening_is_a_field_error(network, client, case_a):
    login(client, network, "a", Role.CASE_MANAGER)
    response = client.post(
        reverse("cases:case_close", args=[case_a.pk]), {"outcome": "goals_reached", "closed_on": "2000-01-01"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["closed_on"]


def test_note_on_a_closed_case_is_a_clear_error(network, client, case_a):
    manager = login(client, network, "a", Role.CASE_MANAGER)
    lifecycle.case_close(actor=manager, case=case_a, outcome="withdrew")
    response = client.post(reverse("cases:note_add", args=[case_a.pk]), {"body": "late"})
    assert response.status_code == 200
    assert b"The case is closed" in response.content


def test_timeline_page(network, client, case_a):
    login(client, network, "a", Role.CASE_MANAGER)
    response = client.get(reverse("cases:timeline", args=[case_a.pk]))
    assert response.status_code == 200
    assert b"Case opened" in response.content
    assert AuditEntry.objects.filter(action="read", case_id=case_a.pk, user__username="a_case_manager").exists()


def test_timeline_is_403_for_a_volunteer_and_404_for_another_organisation(network, client, case_a):
    login(client, network, "a", Role.VOLUNTEER)
    assert client.get(reverse("cases:timeline", args=[case_a.pk])).status_code == 403
    login(client, network, "b", Role.CASE_MANAGER)
    assert client.get(reverse("cases:timeline", args=[case_a.pk])).status_code == 404
