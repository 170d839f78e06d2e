from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cases.models import Household, HouseholdMember, Person, Relationship, TimelineKind
from cases.permissions import checks
from cases.services.timeline import timeline_record
from core.audit import audit_record
from core.locks import lock_one
from core.models import AuditAction
from partners.roles import Capability
from partners.selectors import ActiveMembership, memberships_with


def _validate_isee(isee_value: Decimal | None, isee_expires_on: datetime.date | None) -> None:
    if isee_value is not None and isee_value < 0:
        raise ValidationError({"isee_value": _("The ISEE value cannot be negative.")})
    if isee_expires_on is not None and isee_value is None:
        raise ValidationError({"isee_value": _("Give the ISEE value together with its expiry date.")})


def _require_household_change(actor, household: Household) -> ActiveMembership:
    """Edit a household: registered by one of the actor's organisations, or linked to a case they may change."""
    memberships = memberships_with(actor, Capability.CHANGE_CASE)
    for membership in memberships:
        if membership.organisation_id == household.registered_by_id:
            return membership
    case = checks.visible_cases(actor, Capability.CHANGE_CASE).filter(household=household).first()
    if case is None:
        raise PermissionDenied(_("You are not allowed to change this household."))
    return checks.acting_membership(actor, case, Capability.CHANGE_CASE)


def _record_on_cases(household: Household, *, actor, organisation_id: int, what: str, summary: str = "") -> None:
    for case in household.cases.all():
        timeline_record(
            case=case,
            kind=TimelineKind.HOUSEHOLD_UPDATED,
            actor=actor,
            organisation_id=organisation_id,
            summary=summary,
            obj=household,
            data={"what": what},
        )


@transaction.atomic
def household_create(
    *,
    actor,
    organisation_id: int | None,
    name: str,
    address: str = "",
    isee_value: Decimal | None = None,
    isee_expires_on: datetime.date | None = None,
    reference_person: Person | None = None,
) -> Household:
    """Register a household for one of the actor's organisations (where they are a case manager), with its
    reference person as first member when given. Raises PermissionDenied or ValidationError (no name, a bad ISEE)."""
    membership = checks.require_intake_membership(actor, organisation_id)
    if not name.strip():
        raise ValidationError({"name": _("Give the household a name.")})
    _validate_isee(isee_value, isee_expires_on)
    household = Household.objects.create(
        name=name.strip(),
        address=address.strip(),
        isee_value=isee_value,
        isee_expires_on=isee_expires_on,
        registered_by_id=membership.organisation_id,
    )
    audit_record(actor=actor, action=AuditAction.CREATE, obj=household, organisation_id=membership.organisation_id)
    if reference_person is not None:
        household_member_add(
            actor=actor, household=household, person=reference_person, relationship=Relationship.REFERENCE
        )
    return household


@transaction.atomic
def household_update(
    *,
    actor,
    household: Household,
    name: str,
    address: str = "",
    isee_value: Decimal | None = None,
    isee_expires_on: datetime.date | None = None,
) -> Household:
    """Change a household's name, address and ISEE; a line on the timeline of each of its cases. Raises
    PermissionDenied or ValidationError."""
    household = lock_one(Household.objects, pk=household.pk)
    membership = _require_household_change(actor, household)
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
    """Add a person the actor may see to a household. Raises PermissionDenied or ValidationError (an unknown
    relationship, a person not visible or already a member)."""
    household = lock_one(Household.objects, pk=household.pk)
    membership = _require_household_change(actor, household)
    if relationship not in Relationship.values:
        raise ValidationError({"relationship": _("Unknown relationship.")})
    if not checks.visible_persons(actor).filter(pk=person.pk).exists():
        raise ValidationError({"person": _("Register this person before adding them to the household.")})
    if HouseholdMember.objects.filter(household=household, person=person).exists():
        raise ValidationError({"person": _("This person is already a member of the household.")})
    member = HouseholdMember.objects.create(household=household, person=person, relationship=relationship)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=member,
        organisation_id=membership.organisation_id,
        person_id=person.pk,
    )
    _record_on_cases(
        household,
        actor=actor,
        organisation_id=membership.organisation_id,
        what="member_added",
        summary=person.full_name,
    )
    return member
