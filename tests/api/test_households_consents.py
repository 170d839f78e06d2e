import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Consent, Household, HouseholdMember
from cases.permissions import grants
from core.models import AuditEntry
from partners.roles import Role
from tests.factories import register_person
from workflows.services import lifecycle


def test_create_household_with_reference_person(network, client_for):
    manager = network.user("a", Role.CASE_MANAGER)
    person = register_person(manager, network.org_a)
    response = client_for(manager).post(
        reverse("api-household-list"),
        {"name": "Rossi", "isee_value": "4500.00", "isee_expires_on": "2030-01-15", "reference_person": person.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    household = Household.objects.get(pk=response.json()["id"])
    assert (household.isee_value, household.registered_by) == (Decimal("4500.00"), network.org_a)
    assert response.json()["members"] == [
        {
            "id": household.members.get().pk,
            "person": person.pk,
            "first_name": "Mario",
            "last_name": "Rossi",
            "relationship": "reference",
        }
    ]


def test_household_list_and_detail_only_visible(network, client_for):
    mine = services.household_create(actor=network.user("a", Role.CASE_MANAGER), organisation_id=None, name="A")
    theirs = services.household_create(actor=network.user("b", Role.CASE_MANAGER), organisation_id=None, name="B")
    client = client_for(network.user("a", Role.OPERATOR))
    assert [row["id"] for row in client.get(reverse("api-household-list")).json()["results"]] == [mine.pk]
    assert client.get(reverse("api-household-detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("api-household-detail", args=[mine.pk])).status_code == 200


def test_household_members_hidden_from_the_reader_show_no_identity(network, client_for):
    # given a household of A shared through a case with B, where B adds one of its own people
    manager_a, manager_b = network.user("a", Role.CASE_MANAGER), network.user("b", Role.CASE_MANAGER)
    household = services.household_create(actor=manager_a, organisation_id=None, name="Misto")
    case = lifecycle.case_open(
        actor=manager_a,
        organisation_id=None,
        person=register_person(manager_a, network.org_a),
        household=household,
        with_pathway=False,
    )
    grants.grant_case_access(case, network.org_b, change=True)
    b_person = register_person(manager_b, network.org_b, first_name="Segreta", last_name="Persona")
    services.household_member_add(actor=manager_b, household=household, person=b_person, relationship="cohabitant")
    # when A reads the household
    response = client_for(manager_a).get(reverse("api-household-detail", args=[household.pk]))
    # then B's person is a member without a name or id
    assert response.status_code == 200
    assert "Segreta" not in response.content.decode()
    assert {
        "person": None,
        "first_name": None,
        "last_name": None,
        "relationship": "cohabitant",
    }.items() <= response.json()["members"][0].items()


def test_partial_update_household(network, client_for):
    manager = network.user("a", Role.CASE_MANAGER)
    household = services.household_create(actor=manager, organisation_id=None, name="Rossi", address="Via Roma 1")
    response = client_for(manager).patch(
        reverse("api-household-detail", args=[household.pk]), {"isee_value": "1200.50"}, format="json"
    )
    assert response.status_code == 200, response.content
    household.refresh_from_db()
    assert (household.name, household.address, household.isee_value) == ("Rossi", "Via Roma 1", Decimal("1200.50"))


def test_partial_update_household_by_operator_is_forbidden(network, client_for):
    household = services.household_create(
        actor=network.user("a", Role.CASE_MANAGER), organisation_id=None, name="Rossi"
    )
    response = client_for(network.user("a", Role.OPERATOR)).patch(
        reverse("api-household-detail", args=[household.pk]), {"name": "X"}, format="json"
    )
    assert response.status_code == 403
    household.refresh_from_db()
    assert household.name == "Rossi"


def test_add_member(network, client_for):
    manager = network.user("a", Role.CASE_MANAGER)
    household = services.household_create(actor=manager, organisation_id=None, name="Rossi")
    child = register_person(manager, network.org_a, first_name="Luca")
    response = client_for(manager).post(
        reverse("api-household-members", args=[household.pk]),
        {"person": child.pk, "relationship": "child"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert HouseholdMember.objects.filter(household=household, person=child, relationship="child").exists()


def test_add_hidden_person_as_member_is_not_found(network, client_for):
    manager = network.user("a", Role.CASE_MANAGER)
    household = services.household_create(actor=manager, organisation_id=None, name="Rossi")
    hidden = register_person(network.user("b", Role.CASE_MANAGER), network.org_b)
    response = client_for(manager).post(
        reverse("api-household-members", args=[household.pk]),
        {"person": hidden.pk, "relationship": "child"},
        format="json",
    )
    assert response.status_code == 400
    assert "person" in response.json()["error"]["fields"]
    assert not HouseholdMember.objects.exists()


def test_record_and_list_consents(network, case_a, client_for):
    manager = network.user("a", Role.CASE_MANAGER)
    client = client_for(manager)
    response = client.post(
        reverse("api-consent-list"),
        {
            "person": case_a.person_id,
            "purpose": "share_named",
            "given_on": "2025-01-10",
            "organisations": [network.org_b.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    consent = Consent.objects.get(pk=response.json()["id"])
    assert list(consent.organisations.all()) == [network.org_b]
    assert response.json()["state"] == "valid"
    listed = client.get(reverse("api-consent-list"), {"person": case_a.person_id}).json()["results"]
    assert [row["id"] for row in listed] == [consent.pk]


def test_named_sharing_consent_without_organisations_is_400(network, case_a, client_for):
    response = client_for(network.user("a", Role.CASE_MANAGER)).post(
        reverse("api-consent-list"),
        {"person": case_a.person_id, "purpose": "share_named", "given_on": "2025-01-10"},
        format="json",
    )
    assert response.status_code == 400
    assert "organisations" in response.json()["error"]["fields"]
    assert not Consent.objects.exists()


def test_consent_for_a_hidden_person_is_not_found(network, case_a, client_for):
    client = client_for(network.user("b", Role.CASE_MANAGER))
    response = client.post(
        reverse("api-consent-list"),
        {"person": case_a.person_id, "purpose": "processing", "given_on": "2025-01-10"},
        format="json",
    )
    assert response.status_code == 400
    assert "person" in response.json()["error"]["fields"]
    assert client.get(reverse("api-consent-list"), {"person": case_a.person_id}).status_code == 404


def test_consent_list_needs_a_person(network, client_for):
    response = client_for(network.user("a", Role.CASE_MANAGER)).get(reverse("api-consent-list"))
    assert response.status_code == 400
    assert "person" in response.json()["error"]["fields"]


def test_withdraw_consent(network, case_a, client_for):
    manager = network.user("a", Role.CASE_MANAGER)
    consent = services.consent_record(
        actor=manager,
        person=case_a.person,
        purpose="processing",
        given_on=timezone.localdate() - datetime.timedelta(days=10),
    )
    client = client_for(manager)
    response = client.post(reverse("api-consent-withdraw", args=[consent.pk]), {"note": "Revocato"}, format="json")
    assert response.status_code == 200, response.content
    consent.refresh_from_db()
    assert (consent.withdrawn_on, consent.withdrawal_note) == (timezone.localdate(), "Revocato")
    assert response.json()["state"] == "withdrawn"
    again = client.post(reverse("api-consent-withdraw", args=[consent.pk]), {}, format="json")
    assert again.status_code == 400


def test_withdraw_hidden_consent_is_404(network, case_a, client_for):
    consent = services.consent_record(
        actor=network.user("a", Role.CASE_MANAGER),
        person=case_a.person,
        purpose="processing",
        given_on=timezone.localdate(),
    )
    response = client_for(network.user("b", Role.CASE_MANAGER)).post(
        reverse("api-consent-withdraw", args=[consent.pk]), {}, format="json"
    )
    assert response.status_code == 404
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


def test_household_detail_writes_a_read_audit_row(network, client_for):
    manager = network.user("a", Role.CASE_MANAGER)
    household = services.household_create(actor=manager, organisation_id=None, name="Rossi", isee_value=100)
    response = client_for(manager).get(reverse("api-household-detail", args=[household.pk]))
    assert response.status_code == 200
    assert response.json()["isee_value"] == "100.00"
    entry = AuditEntry.objects.get(action="read", object_type="cases.household", object_id=str(household.pk))
    assert (entry.user, entry.organisation) == (manager, network.org_a)
