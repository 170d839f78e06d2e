"""Malformed input gets a 400 with field messages (or a 404 for a malformed id in a URL): never a 500,
and nothing is written."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Consent, Household, Intervention, Note, Person
from partners.roles import Role
from tests.factories import register_person

TOMORROW = str(timezone.localdate() + datetime.timedelta(days=1))
HUGE = "x" * 200_000
PERSON = {"first_name": "Mario", "last_name": "Rossi", "birth_date": "1985-12-10"}

PERSON_CASES = [
    ("wrong type for a name", {**PERSON, "first_name": {"a": 1}}, "first_name"),
    ("missing last name", {"first_name": "Mario", "birth_date": "1985-12-10"}, "last_name"),
    ("blank first name", {**PERSON, "first_name": "   "}, "first_name"),
    ("date that is not a date", {**PERSON, "birth_date": "10/12/85x"}, "birth_date"),
    ("impossible date", {**PERSON, "birth_date": "1985-02-30"}, "birth_date"),
    ("future birth date", {**PERSON, "birth_date": TOMORROW}, "birth_date"),
    ("birth date before 1900", {**PERSON, "birth_date": "1850-01-01"}, "birth_date"),
    ("unknown sex", {**PERSON, "sex": "Q"}, "sex"),
    ("unknown identifier kind", {**PERSON, "other_id_kind": "library_card", "other_id_number": "1"}, "other_id_kind"),
    ("huge name", {**PERSON, "first_name": HUGE}, "first_name"),
    ("huge codice fiscale", {**PERSON, "codice_fiscale": HUGE}, "codice_fiscale"),
    ("codice fiscale with a wrong check character", {**PERSON, "codice_fiscale": "RSSMRA85T10A562A"}, "codice_fiscale"),
    ("codice fiscale too short", {**PERSON, "codice_fiscale": "RSSMRA85T10"}, "codice_fiscale"),
    ("codice fiscale of another birth date", {**PERSON, "codice_fiscale": "VRDLGU70A01F205R"}, "codice_fiscale"),
    ("invalid e-mail", {**PERSON, "email": "not-an-email"}, "email"),
    ("boolean that is not one", {**PERSON, "is_homeless": "maybe"}, "is_homeless"),
    ("organisation that is not an id", {**PERSON, "organisation": "Caritas"}, "organisation"),
    ("organisation that does not exist", {**PERSON, "organisation": 987654}, "organisation"),
    ("organisation id out of range", {**PERSON, "organisation": 10**30}, "organisation"),
    ("null byte", {**PERSON, "last_name": "Ros\x00si"}, "last_name"),
    ("no identifier at all", {"first_name": "Mario", "last_name": "Rossi"}, "non_field_errors"),
]


@pytest.mark.parametrize(("label", "payload", "field"), PERSON_CASES, ids=[c[0] for c in PERSON_CASES])
def test_bad_person_payload_is_400(network, client_for, label, payload, field):
    response = client_for(network.user("a", Role.CASE_MANAGER)).post(reverse("api-person-list"), payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not Person.objects.exists()


def test_non_json_body_is_400(network, client_for):
    response = client_for(network.user("a", Role.CASE_MANAGER)).post(
        reverse("api-person-list"), data='{"first_name": "Mario",', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"
    assert not Person.objects.exists()


def test_json_list_instead_of_object_is_400(network, client_for):
    response = client_for(network.user("a", Role.CASE_MANAGER)).post(
        reverse("api-person-list"), [PERSON], format="json"
    )
    assert response.status_code == 400
    assert not Person.objects.exists()


def test_unsupported_content_type_is_415(network, client_for):
    response = client_for(network.user("a", Role.CASE_MANAGER)).post(
        reverse("api-person-list"), data="first_name=Mario", content_type="text/plain"
    )
    assert response.status_code == 415
    assert not Person.objects.exists()


HOUSEHOLD_CASES = [
    ("negative ISEE", {"name": "Rossi", "isee_value": "-1"}, "isee_value"),
    ("ISEE that is not a number", {"name": "Rossi", "isee_value": "tanto"}, "isee_value"),
    ("ISEE too large", {"name": "Rossi", "isee_value": "123456789012.00"}, "isee_value"),
    ("ISEE with three decimals", {"name": "Rossi", "isee_value": "10.123"}, "isee_value"),
    ("ISEE not a number (NaN)", {"name": "Rossi", "isee_value": "NaN"}, "isee_value"),
    ("ISEE expiry without value", {"name": "Rossi", "isee_expires_on": "2030-01-01"}, "isee_value"),
    ("missing name", {"address": "Via Roma"}, "name"),
    ("huge name", {"name": HUGE}, "name"),
    ("reference person that is not an id", {"name": "Rossi", "reference_person": [1]}, "reference_person"),
]


@pytest.mark.parametrize(("label", "payload", "field"), HOUSEHOLD_CASES, ids=[c[0] for c in HOUSEHOLD_CASES])
def test_bad_household_payload_is_400(network, client_for, label, payload, field):
    response = client_for(network.user("a", Role.CASE_MANAGER)).post(
        reverse("api-household-list"), payload, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not Household.objects.exists()


INTERVENTION_CASES = [
    ("unknown kind", {"kind": "yacht"}, "kind"),
    ("missing kind", {"quantity": 1}, "kind"),
    ("negative value", {"kind": "voucher", "value": "-5"}, "value"),
    ("value that is not a number", {"kind": "voucher", "value": "cinque"}, "value"),
    ("zero quantity", {"kind": "meal", "quantity": 0}, "quantity"),
    ("quantity that is not a number", {"kind": "meal", "quantity": "two"}, "quantity"),
    ("huge quantity", {"kind": "meal", "quantity": 10**20}, "quantity"),
    ("future date", {"kind": "meal", "delivered_on": TOMORROW}, "delivered_on"),
    ("bad date", {"kind": "meal", "delivered_on": "yesterday"}, "delivered_on"),
    ("huge note", {"kind": "meal", "note": HUGE}, "note"),
    ("unknown service type", {"kind": "meal", "service_type": 424242}, "service_type"),
]


@pytest.mark.parametrize(("label", "payload", "field"), INTERVENTION_CASES, ids=[c[0] for c in INTERVENTION_CASES])
def test_bad_intervention_payload_is_400(network, case_a, client_for, label, payload, field):
    response = client_for(network.user("a", Role.CASE_MANAGER)).post(
        reverse("api-case-intervention-list", args=[case_a.pk]), payload, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not Intervention.objects.exists()


CASE_CASES = [
    ("person that is not an id", {"person": "Mario"}, "person"),
    ("future opening date", {"opened_on": TOMORROW}, "opened_on"),
    ("huge title", {"title": HUGE}, "title"),
    ("household that does not exist", {"household": 999999}, "household"),
    ("case manager that is not an id", {"case_manager": "boss"}, "case_manager"),
]


@pytest.mark.parametrize(("label", "payload", "field"), CASE_CASES, ids=[c[0] for c in CASE_CASES])
def test_bad_case_payload_is_400(network, client_for, label, payload, field):
    manager = network.user("a", Role.CASE_MANAGER)
    person = register_person(manager, network.org_a)
    response = client_for(manager).post(reverse("api-case-list"), {"person": person.pk, **payload}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "closure_outcome"),
        ({"closure_outcome": "vanished"}, "closure_outcome"),
        ({"closure_outcome": "other", "closed_on": "2020-13-01"}, "closed_on"),
        ({"closure_outcome": "other", "closure_note": HUGE}, "closure_note"),
    ],
)
def test_bad_close_payload_is_400(network, case_a, client_for, payload, field):
    response = client_for(network.user("a", Role.CASE_MANAGER)).post(
        reverse("api-case-close", args=[case_a.pk]), payload, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    case_a.refresh_from_db()
    assert case_a.status == "open"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "body"),
        ({"body": ""}, "body"),
        ({"body": "x" * 10_001}, "body"),
        ({"body": "ok", "is_sensitive": "perhaps"}, "is_sensitive"),
    ],
)
def test_bad_note_payload_is_400(network, case_a, client_for, payload, field):
    response = client_for(network.user("a", Role.CASE_MANAGER)).post(
        reverse("api-case-note-list", args=[case_a.pk]), payload, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Note.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"purpose": "marketing", "given_on": "2025-01-01"}, "purpose"),
        ({"purpose": "processing"}, "given_on"),
        ({"purpose": "processing", "given_on": TOMORROW}, "given_on"),
        ({"purpose": "processing", "given_on": "2025-01-10", "expires_on": "2025-01-01"}, "expires_on"),
        ({"purpose": "share_named", "given_on": "2025-01-10", "organisations": "all"}, "organisations"),
        ({"purpose": "share_named", "given_on": "2025-01-10", "organisations": [999999]}, "organisations"),
    ],
)
def test_bad_consent_payload_is_400(network, case_a, client_for, payload, field):
    response = client_for(network.user("a", Role.CASE_MANAGER)).post(
        reverse("api-consent-list"), {"person": case_a.person_id, **payload}, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not Consent.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/persons/abc/",
        "/api/v1/cases/1.5/",
        "/api/v1/households/-1/",
        "/api/v1/cases/99999999999999999999999999/",
        "/api/v1/cases/abc/notes/",
        "/api/v1/consents/%20/",
    ],
)
def test_malformed_or_out_of_range_ids_in_urls_are_404(network, client_for, path):
    response = client_for(network.user("a", Role.CASE_MANAGER)).get(path)
    assert response.status_code == 404


@pytest.mark.parametrize("params", [{"birth_date": "ieri"}, {"search": HUGE}])
def test_bad_person_search_parameters_are_400(network, client_for, params):
    response = client_for(network.user("a", Role.CASE_MANAGER)).get(reverse("api-person-list"), params)
    assert response.status_code == 400


def test_read_only_fields_in_a_payload_are_ignored(network, client_for):
    other = register_person(network.user("b", Role.CASE_MANAGER), network.org_b, first_name="Anna")
    response = client_for(network.user("a", Role.CASE_MANAGER)).post(
        reverse("api-person-list"),
        {**PERSON, "registered_by": network.org_b.pk, "merged_into": other.pk},
        format="json",
    )
    assert response.status_code == 201
    person = Person.objects.get(pk=response.json()["id"])
    assert person.registered_by == network.org_a
    assert person.merged_into is None
