import datetime

from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Case, CaseEvent
from cases.permissions import grants
from core.models import AuditEntry
from partners.roles import Role
from tests.factories import make_member, open_case, register_person
from workflows.services import lifecycle

CF = "RSSMRA85T10A562S"


def test_open_case_for_a_visible_person(network, client_for):
    manager = network.user("a", Role.CASE_MANAGER)
    person = register_person(manager, network.org_a)
    response = client_for(manager).post(reverse("api-case-list"), {"person": person.pk, "title": "Casa"}, format="json")
    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=response.json()["id"])
    assert (case.person, case.lead_organisation, case.case_manager) == (person, network.org_a, manager)
    assert response.json()["code"] == case.code
    assert "change_case" in response.json()["capabilities"]
    assert CaseEvent.objects.filter(case=case, kind="case_opened").exists()


def test_open_case_for_a_hidden_person_is_not_found(network, client_for):
    person = register_person(network.user("a", Role.CASE_MANAGER), network.org_a, codice_fiscale=CF)
    response = client_for(network.user("b", Role.CASE_MANAGER)).post(
        reverse("api-case-list"), {"person": person.pk}, format="json"
    )
    assert response.status_code == 400
    assert "person" in response.json()["error"]["fields"]
    assert not Case.objects.exists()


def test_hidden_and_nonexistent_person_give_the_same_answer(network, client_for):
    person = register_person(network.user("a", Role.CASE_MANAGER), network.org_a, codice_fiscale=CF)
    client = client_for(network.user("b", Role.CASE_MANAGER))
    hidden = client.post(reverse("api-case-list"), {"person": person.pk}, format="json")
    missing = client.post(reverse("api-case-list"), {"person": person.pk + 999}, format="json")
    assert hidden.json() == missing.json()


def test_open_case_for_a_person_registered_elsewhere_with_the_codice_fiscale(network, client_for):
    person = register_person(network.user("a", Role.CASE_MANAGER), network.org_a, codice_fiscale=CF)
    open_case(network.user("a", Role.CASE_MANAGER), network.org_a, person)
    response = client_for(network.user("b", Role.CASE_MANAGER)).post(
        reverse("api-case-list"), {"codice_fiscale_proof": CF.lower()}, format="json"
    )
    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=response.json()["id"])
    assert (case.person, case.lead_organisation) == (person, network.org_b)


def test_open_case_for_a_person_registered_elsewhere_by_id_and_codice_fiscale(network, client_for):
    person = register_person(network.user("a", Role.CASE_MANAGER), network.org_a, codice_fiscale=CF)
    response = client_for(network.user("b", Role.CASE_MANAGER)).post(
        reverse("api-case-list"), {"person": person.pk, "codice_fiscale_proof": CF}, format="json"
    )
    assert response.status_code == 201, response.content
    assert Case.objects.get().person == person


def test_open_case_with_a_wrong_codice_fiscale_proof_is_not_found(network, client_for):
    person = register_person(network.user("a", Role.CASE_MANAGER), network.org_a, codice_fiscale=CF)
    response = client_for(network.user("b", Role.CASE_MANAGER)).post(
        reverse("api-case-list"), {"person": person.pk, "codice_fiscale_proof": "VRDLGU70A01F205R"}, format="json"
    )
    assert response.status_code == 400
    assert not Case.objects.exists()


def test_open_case_with_a_hidden_household_is_not_found(network, client_for):
    household = services.household_create(
        actor=network.user("b", Role.CASE_MANAGER), organisation_id=None, name="Famiglia B"
    )
    manager = network.user("a", Role.CASE_MANAGER)
    person = register_person(manager, network.org_a)
    response = client_for(manager).post(
        reverse("api-case-list"), {"person": person.pk, "household": household.pk}, format="json"
    )
    assert response.status_code == 400
    assert "household" in response.json()["error"]["fields"]
    assert not Case.objects.exists()


def test_open_case_without_a_person_is_400(network, client_for):
    response = client_for(network.user("a", Role.CASE_MANAGER)).post(
        reverse("api-case-list"), {"title": "x"}, format="json"
    )
    assert response.status_code == 400
    assert "person" in response.json()["error"]["fields"]


def test_case_detail_has_consent_summary_capabilities_and_writes_a_read_row(network, case_a, client_for):
    manager = network.user("a", Role.CASE_MANAGER)
    services.consent_record(actor=manager, person=case_a.person, purpose="processing", given_on=timezone.localdate())
    response = client_for(manager).get(reverse("api-case-detail", args=[case_a.pk]))
    assert response.status_code == 200
    body = response.json()
    assert body["consent"]["processing"] is True
    assert body["consent"]["network"] is False
    assert set(body["capabilities"]) >= {"view_file", "change_case", "add_note"}
    entry = AuditEntry.objects.get(action="read", object_type="cases.case")
    assert (entry.case_id, entry.person_id, entry.user, entry.organisation) == (
        case_a.pk,
        case_a.person_id,
        manager,
        network.org_a,
    )


def test_volunteer_sees_the_case_summary_without_the_file(network, case_a, client_for):
    response = client_for(network.user("a", Role.VOLUNTEER)).get(reverse("api-case-detail", args=[case_a.pk]))
    assert response.status_code == 200
    body = response.json()
    assert body["consent"] is None
    assert body["closure_note"] is None
    assert set(body["capabilities"]) == {"view_summary", "add_intervention"}


def test_coordinator_does_not_see_cases_without_a_grant(network, case_a, client_for):
    client = client_for(network.user("m", Role.COORDINATOR))
    assert client.get(reverse("api-case-list")).json()["count"] == 0
    grants.grant_user_case_view(case_a, network.user("m", Role.COORDINATOR))
    assert [row["id"] for row in client.get(reverse("api-case-list")).json()["results"]] == [case_a.pk]


def test_list_filters_by_status_query_and_mine(network, case_a, client_for):
    manager = network.user("a", Role.CASE_MANAGER)
    other_manager = make_member(network.org_a, Role.CASE_MANAGER, username="a_cm2")
    other = open_case(
        manager,
        network.org_a,
        register_person(manager, network.org_a, first_name="Anna", last_name="Verdi"),
        case_manager=other_manager,
    )
    lifecycle.case_set_status(actor=manager, case=other, status="active")
    client = client_for(manager)

    def ids(**params):
        response = client.get(reverse("api-case-list"), params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids(status="active") == [other.pk]
    assert ids(q="Bianchi") == [case_a.pk]
    assert ids(q=case_a.code) == [case_a.pk]
    assert ids(mine="1") == [case_a.pk]
    assert set(ids()) == {case_a.pk, other.pk}


def test_list_with_an_unknown_status_is_400(network, client_for):
    response = client_for(network.user("a", Role.CASE_MANAGER)).get(reverse("api-case-list"), {"status": "lost"})
    assert response.status_code == 400
    assert "status" in response.json()["error"]["fields"]


def test_partial_update_changes_title_and_household(network, case_a, client_for):
    manager = network.user("a", Role.CASE_MANAGER)
    household = services.household_create(actor=manager, organisation_id=None, name="Bianchi")
    client = client_for(manager)
    response = client.patch(
        reverse("api-case-detail", args=[case_a.pk]),
        {"title": "Nuovo titolo", "household": household.pk},
        format="json",
    )
    assert response.status_code == 200, response.content
    case_a.refresh_from_db()
    assert (case_a.title, case_a.household) == ("Nuovo titolo", household)
    response = client.patch(reverse("api-case-detail", args=[case_a.pk]), {"household": None}, format="json")
    assert response.status_code == 200
    case_a.refresh_from_db()
    assert case_a.household is None
    assert case_a.title == "Nuovo titolo"


def test_partial_update_case_manager_must_manage_cases_for_the_lead_organisation(network, case_a, client_for):
    response = client_for(network.user("a", Role.CASE_MANAGER)).patch(
        reverse("api-case-detail", args=[case_a.pk]),
        {"case_manager": network.user("b", Role.CASE_MANAGER).pk},
        format="json",
    )
    assert response.status_code == 400
    assert "case_manager" in response.json()["error"]["fields"]
    case_a.refresh_from_db()
    assert case_a.case_manager == network.user("a", Role.CASE_MANAGER)


def test_partial_update_with_view_only_access_is_forbidden(network, case_a, client_for):
    grants.grant_case_access(case_a, network.org_b, change=False)
    response = client_for(network.user("b", Role.CASE_MANAGER)).patch(
        reverse("api-case-detail", args=[case_a.pk]), {"title": "B was here"}, format="json"
    )
    assert response.status_code == 403
    case_a.refresh_from_db()
    assert case_a.title == "Sostegno abitativo"


def test_partial_update_of_a_hidden_case_is_404(network, case_a, client_for):
    response = client_for(network.user("b", Role.CASE_MANAGER)).patch(
        reverse("api-case-detail", args=[case_a.pk]), {"title": "B was here"}, format="json"
    )
    assert response.status_code == 404


def test_set_status(network, case_a, client_for):
    response = client_for(network.user("a", Role.CASE_MANAGER)).post(
        reverse("api-case-set-status", args=[case_a.pk]), {"status": "suspended"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "suspended"
    case_a.refresh_from_db()
    assert case_a.status == "suspended"
    assert CaseEvent.objects.filter(case=case_a, kind="status_changed").exists()


def test_set_status_to_closed_is_refused(network, case_a, client_for):
    response = client_for(network.user("a", Role.CASE_MANAGER)).post(
        reverse("api-case-set-status", args=[case_a.pk]), {"status": "closed"}, format="json"
    )
    assert response.status_code == 400
    case_a.refresh_from_db()
    assert case_a.status == "open"


def test_close_case(network, case_a, client_for):
    response = client_for(network.user("a", Role.CASE_MANAGER)).post(
        reverse("api-case-close", args=[case_a.pk]),
        {"closure_outcome": "goals_reached", "closure_note": "Casa trovata"},
        format="json",
    )
    assert response.status_code == 200, response.content
    case_a.refresh_from_db()
    assert (case_a.status, case_a.closure_outcome, case_a.closure_note) == ("closed", "goals_reached", "Casa trovata")
    assert case_a.closed_on == timezone.localdate()


def test_close_case_in_the_future_is_400(network, case_a, client_for):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client_for(network.user("a", Role.CASE_MANAGER)).post(
        reverse("api-case-close", args=[case_a.pk]),
        {"closure_outcome": "other", "closed_on": str(tomorrow)},
        format="json",
    )
    assert response.status_code == 400
    assert "closed_on" in response.json()["error"]["fields"]
    case_a.refresh_from_db()
    assert case_a.status == "open"


def test_close_by_operator_is_forbidden(network, case_a, client_for):
    response = client_for(network.user("a", Role.OPERATOR)).post(
        reverse("api-case-close", args=[case_a.pk]), {"closure_outcome": "other"}, format="json"
    )
    assert response.status_code == 403
    case_a.refresh_from_db()
    assert case_a.status == "open"
