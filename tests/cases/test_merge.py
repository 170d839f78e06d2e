import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases.models import Case, Consent, ConsentPurpose, HouseholdMember, Person, PersonMerge
from cases.services import consent_record, household_create, person_merge
from core.models import AuditEntry
from partners.roles import Role
from tests.factories import open_case, register_person


@pytest.fixture
def duplicates(network):
    manager = network.user("a", Role.CASE_MANAGER)
    kept = register_person(
        manager, network.org_a, first_name="Mario", last_name="Rossi", birth_date=datetime.date(1985, 12, 10), phone=""
    )
    merged = register_person(
        manager,
        network.org_a,
        first_name="Mario",
        last_name="Rosi",
        birth_date=datetime.date(1985, 12, 10),
        codice_fiscale="RSSMRA85T10A562S",
        phone="333 1234567",
        sex="M",
    )
    return manager, kept, merged


def test_merge_moves_everything_and_loses_nothing(network, duplicates):
    manager, kept, merged = duplicates
    case_kept = open_case(manager, network.org_a, kept)
    case_merged = open_case(manager, network.org_a, merged)
    consent = consent_record(
        actor=manager, person=merged, purpose=ConsentPurpose.PROCESSING, given_on=datetime.date.today()
    )
    household = household_create(actor=manager, organisation_id=network.org_a.pk, name="Rosi", reference_person=merged)

    record = person_merge(actor=manager, kept=kept, merged=merged, reason="Same person, typo in surname")

    kept.refresh_from_db()
    merged.refresh_from_db()
    assert set(Case.objects.filter(person=kept)) == {case_kept, case_merged}
    assert Consent.objects.get(pk=consent.pk).person == kept
    assert HouseholdMember.objects.get(household=household).person == kept
    # empty fields of the kept record are filled, the codice fiscale moves
    assert kept.codice_fiscale == "RSSMRA85T10A562S"
    assert kept.phone == "333 1234567"
    # the merged record stays, marked, with a full snapshot
    assert merged.merged_into == kept
    assert record.snapshot["last_name"] == "Rosi"
    assert record.snapshot["codice_fiscale"] == "RSSMRA85T10A562S"
    assert record.moved["cases"] == [case_merged.pk]
    assert AuditEntry.objects.filter(action="merge", person_id=kept.pk).exists()
    assert case_merged.events.filter(kind="person_merged").exists()
    # the merged person no longer shows in lists
    assert not Person.objects.not_merged().filter(pk=merged.pk).exists()


def test_merge_needs_a_reason(duplicates):
    manager, kept, merged = duplicates
    with pytest.raises(ValidationError):
        person_merge(actor=manager, kept=kept, merged=merged, reason=" ")
    assert PersonMerge.objects.count() == 0


def test_people_with_different_codes_are_not_merged(network, duplicates):
    manager, kept, merged = duplicates
    other = register_person(
        manager, network.org_a, first_name="Luca", last_name="Verdi", codice_fiscale="VRDLCU70M01C707L", birth_date=None
    )
    with pytest.raises(ValidationError):
        person_merge(actor=manager, kept=other, merged=merged, reason="x")
    merged.refresh_from_db()
    assert merged.merged_into is None


def test_merge_twice_is_refused(duplicates):
    manager, kept, merged = duplicates
    person_merge(actor=manager, kept=kept, merged=merged, reason="dup")
    # a merged record is out of every list, so a second merge is refused as not allowed
    with pytest.raises((ValidationError, PermissionDenied)):
        person_merge(actor=manager, kept=kept, merged=Person.objects.get(pk=merged.pk), reason="dup")


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.VOLUNTEER, Role.ORG_ADMIN])
def test_only_case_managers_merge(network, duplicates, role):
    _manager, kept, merged = duplicates
    with pytest.raises(PermissionDenied):
        person_merge(actor=network.user("a", role), kept=kept, merged=merged, reason="dup")


def test_other_organisation_cannot_merge(network, duplicates):
    _manager, kept, merged = duplicates
    with pytest.raises(PermissionDenied):
        person_merge(actor=network.user("b", Role.CASE_MANAGER), kept=kept, merged=merged, reason="dup")
