from decimal import Decimal

from django.urls import reverse

from cases import services
from cases.models import CaseEvent, Intervention, Note
from cases.permissions import grants
from partners.roles import Role
from tests.factories import ServiceTypeFactory, open_case, register_person
from workflows.services import lifecycle


def test_add_note(network, case_a, client_for):
    manager = network.user("a", Role.CASE_MANAGER)
    response = client_for(manager).post(
        reverse("api-case-note-list", args=[case_a.pk]),
        {"body": "<b>Colloquio</b>", "is_sensitive": True},
        format="json",
    )
    assert response.status_code == 201, response.content
    note = Note.objects.get(pk=response.json()["id"])
    assert (note.body, note.is_sensitive, note.author, note.author_organisation) == (
        "<b>Colloquio</b>",
        True,
        manager,
        network.org_a,
    )
    assert CaseEvent.objects.filter(case=case_a, kind="note_added", is_sensitive=True).exists()


def test_note_on_a_closed_case_is_400(network, case_a, client_for):
    manager = network.user("a", Role.CASE_MANAGER)
    lifecycle.case_close(actor=manager, case=case_a, outcome="other")
    response = client_for(manager).post(reverse("api-case-note-list", args=[case_a.pk]), {"body": "x"}, format="json")
    assert response.status_code == 400
    assert not Note.objects.exists()


def test_sensitive_note_of_b_is_not_shown_to_a(network, case_a, client_for):
    # given a case shared with B, where B writes a sensitive note
    grants.grant_case_access(case_a, network.org_b, change=False)
    services.note_add(actor=network.user("b", Role.OPERATOR), case=case_a, body="Segreto di B", is_sensitive=True)
    services.note_add(actor=network.user("b", Role.OPERATOR), case=case_a, body="Aperto di B")
    # when A reads the notes
    response = client_for(network.user("a", Role.CASE_MANAGER)).get(reverse("api-case-note-list", args=[case_a.pk]))
    # then
    assert [row["body"] for row in response.json()["results"]] == ["Aperto di B"]
    b_response = client_for(network.user("b", Role.ORG_ADMIN)).get(reverse("api-case-note-list", args=[case_a.pk]))
    assert {row["body"] for row in b_response.json()["results"]} == {"Segreto di B", "Aperto di B"}


def test_record_intervention(network, case_a, client_for):
    service = ServiceTypeFactory(code="food", name="Food")
    volunteer = network.user("a", Role.VOLUNTEER)
    response = client_for(volunteer).post(
        reverse("api-case-intervention-list", args=[case_a.pk]),
        {"kind": "food_parcel", "quantity": 2, "value": "35.50", "service_type": service.pk, "note": "Pacco"},
        format="json",
    )
    assert response.status_code == 201, response.content
    intervention = Intervention.objects.get(pk=response.json()["id"])
    assert (intervention.kind, intervention.quantity, intervention.value, intervention.service_type) == (
        "food_parcel",
        2,
        Decimal("35.50"),
        service,
    )
    assert (intervention.organisation, intervention.recorded_by) == (network.org_a, volunteer)
    assert response.json()["case_code"] == case_a.code


def test_record_intervention_on_a_hidden_case_is_404(network, case_a, client_for):
    response = client_for(network.user("b", Role.CASE_MANAGER)).post(
        reverse("api-case-intervention-list", args=[case_a.pk]), {"kind": "meal"}, format="json"
    )
    assert response.status_code == 404
    assert not Intervention.objects.exists()


def test_org_admin_cannot_record_interventions(network, case_a, client_for):
    response = client_for(network.user("a", Role.ORG_ADMIN)).post(
        reverse("api-case-intervention-list", args=[case_a.pk]), {"kind": "meal"}, format="json"
    )
    assert response.status_code == 403
    assert not Intervention.objects.exists()


def test_interventions_by_household_from_every_visible_case(network, client_for):
    manager = network.user("a", Role.CASE_MANAGER)
    household = services.household_create(actor=manager, organisation_id=None, name="Rossi")
    first = open_case(manager, network.org_a, household=household)
    second = open_case(
        manager, network.org_a, register_person(manager, network.org_a, first_name="Anna"), household=household
    )
    elsewhere = open_case(manager, network.org_a, register_person(manager, network.org_a, first_name="Luca"))
    ids = {services.intervention_record(actor=manager, case=case, kind="meal").pk for case in (first, second)}
    services.intervention_record(actor=manager, case=elsewhere, kind="meal")
    response = client_for(manager).get(reverse("api-intervention-list"), {"household": household.pk})
    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == ids


def test_interventions_of_a_hidden_household_are_404(network, client_for):
    household = services.household_create(
        actor=network.user("a", Role.CASE_MANAGER), organisation_id=None, name="Rossi"
    )
    response = client_for(network.user("b", Role.CASE_MANAGER)).get(
        reverse("api-intervention-list"), {"household": household.pk}
    )
    assert response.status_code == 404


def test_interventions_household_filter_must_be_an_id(network, client_for):
    response = client_for(network.user("a", Role.CASE_MANAGER)).get(
        reverse("api-intervention-list"), {"household": "abc"}
    )
    assert response.status_code == 400
    assert "household" in response.json()["error"]["fields"]
