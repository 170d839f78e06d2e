from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cases import permissions
from cases.models import EventKind, Household, HouseholdMember, Person, Relationship
from cases.services.events import event_record
from core.audit import audit_record
from core.models import AuditAction
from partners.roles import Capability


def _validate_isee(isee_value: Decimal | None, isee_expires_on: datetime.date | None) -> None:
    if isee_value is not None and isee_value < 0:
        raise ValidationError({"isee_value": _("The ISEE value cannot be negative.")})
    if isee_expires_on is not None and isee_value is None:
        raise ValidationError({"isee_value": _("Give the ISEE value together with its expiry date.")})


def _require_household_change(actor, household: Household):
    """Edit a household: registered by one of the actor's organisations, or linked to a case they may change."""
    memberships = permissions.memberships_with(actor, Capability.CHANGE_CASE)
    for membership in memberships:
        if membership.organisation_id == household.registered_by_id:
            return membership
    case = permissions.visible_cases(actor, Capability.CHANGE_CASE).filter(household=household).first()
    if case is None:
        raise PermissionDenied(_("You are not allowed to change this household."))
    return permissions.acting_membership(actor, case, Capability.CHANGE_CASE)


def _record_on_cases(household: Household, *, actor, organisation_id: int, what: str, summary: str = "") -> None:
    for case in household.cases.all():
        event_record(case=case, kind=EventKind.HOUSEHOLD_UPDATED, actor=actor, organisation_id=organisation_id,
                     summary=summary, obj=household, data={"what": what})


@transaction.atomic
def household_create(*, actor, organisation_id: int | None, name: str, address: str = "",
                     isee_value: Decimal | None = None, isee_expires_on: datetime.date | None = None,
                     reference_person: Person | None = None) -> Household:
    membership = permissions.require_intake_membership(actor, organisation_id)
    if not name.strip():
        raise ValidationError({"name": _("Give the household a name.")})
    _validate_isee(isee_value, isee_expires_on)
    household = Household.objects.create(name=name.strip(), address=address.strip(), isee_value=isee_value,
                                         isee_expires_on=isee_expires_on,
                                         registered_by_id=membership.organisation_id)
    audit_record(actor=actor, action=AuditAction.CREATE, obj=household, organisation_id=membership.organisation_id)
    if reference_person is not None:
        household_member_add(actor=actor, household=household, person=reference_person,
                             relationship=Relationship.REFERENCE)
    return household


@transaction.atomic
def household_update(*, actor, household: Household, name: str, address: str = "",
                     isee_value: Decimal | None = None, isee_expires_on: datetime.date | None = None) -> Household:
    membership = _require_household_change(actor, household)
    household = Household.objects.select_for_update().get(pk=household.pk)
    if not name.strip():
        raise ValidationError({"name": _("Give the household a name.")})
    _validate_isee(isee_value, isee_expires_on)
    household.name, household.address = name.strip(), address.strip()
    household.isee_value, household.isee_expires_on = isee_value, isee_expires_on
    household.save()
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=household, organisation_id=membership.organisation_id)
    _record_on_cases(household, actor=actor, organisation_id=membership.organisation_id, what="data")
    return household


@transaction.atomic
def household_member_add(*, actor, household: Household, person: Person, relationship: str) -> HouseholdMember:
    membership = _require_household_change(actor, household)
    if relationship not in Relationship.values:
        raise ValidationError({"relationship": _("Unknown relationship.")})
    if not permissions.visible_persons(actor).filter(pk=person.pk).exists():
        raise ValidationError({"person": _("Register this person before adding them to the household.")})
    if HouseholdMember.objects.filter(household=household, person=person).exists():
        raise ValidationError({"person": _("This person is already a member of the household.")})
    member = HouseholdMember.objects.create(household=household, person=person, relationship=relationship)
    audit_record(actor=actor, action=AuditAction.CREATE, obj=member, organisation_id=membership.organisation_id,
                 person_id=person.pk)
    _record_on_cases(household, actor=actor, organisation_id=membership.organisation_id, what="member_added",
                     summary=person.full_name)
    return member
