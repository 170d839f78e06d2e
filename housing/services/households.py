"""The housing section of a case and its applications to the waitlists.

Every operation: lock (the case row, or the application row) → authorise → domain rules → change → timeline line
with its audit row (`housing_step_record`: codes only, never an amount or what a person typed) → domain event
(`housing.events`), in one transaction. The values come parsed (`housing.forms`, the API's serializers): dates are
dates, sums Decimals, counts ints."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TypedDict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, CaseStatus, TimelineKind
from cases.services.case_file import lock_case
from core.bus import publish
from core.locks import lock_one
from core.models import AuditAction
from housing import permissions
from housing.eligibility import check_eligibility
from housing.events import ApplicationCreated, ApplicationUpdated, ApplicationWithdrawn, HousingProfileSaved
from housing.models import Application, ApplicationStatus, HousingProfile, OfferStatus, Situation
from housing.services.common import actor_id
from housing.services.timeline import housing_step_record

PROFILE_FIELDS = (
    "situation",
    "eviction_date",
    "household_size",
    "minors",
    "disabled_members",
    "isee",
    "isee_erp",
    "income",
    "years_in_region",
    "notes",
    "assessed_on",
)
MAX_AMOUNT = Decimal("100000000")


class ProfileData(TypedDict, total=False):
    """The housing section as a form or serializer cleaned it (missing keys take the defaults)."""

    situation: str
    eviction_date: datetime.date | None
    household_size: int
    minors: int
    disabled_members: int
    isee: Decimal | None
    isee_erp: Decimal | None
    income: Decimal | None
    years_in_region: int | None
    notes: str
    assessed_on: datetime.date | None


def _profile_fields(data: ProfileData) -> dict:
    """The section's values with the domain rules checked: ValidationError keyed on the field that breaks one."""
    situation = data.get("situation", "")
    eviction_date = data.get("eviction_date")
    if situation == Situation.EVICTION and eviction_date is None:
        raise ValidationError({"eviction_date": _("Enter the date of the eviction.")})
    household_size = data.get("household_size") or 1
    minors = data.get("minors") or 0
    if minors >= household_size:
        raise ValidationError(
            {"minors": _("The household needs at least one adult: there are more minors than members.")}
        )
    disabled = data.get("disabled_members") or 0
    if disabled > household_size:
        raise ValidationError({"disabled_members": _("More members with a disability than members.")})
    amounts: dict[str, Decimal | None] = {
        "isee": data.get("isee"),
        "isee_erp": data.get("isee_erp"),
        "income": data.get("income"),
    }
    for name, amount in amounts.items():
        if amount is not None and amount < 0:
            raise ValidationError({name: _("The amount cannot be negative.")})
        if amount is not None and amount >= MAX_AMOUNT:
            raise ValidationError({name: _("The amount is too large.")})
        amounts[name] = amount.quantize(Decimal("0.01")) if amount is not None else None
    assessed_on = data.get("assessed_on") or timezone.localdate()
    if assessed_on > timezone.localdate():
        raise ValidationError({"assessed_on": _("The assessment date cannot be in the future.")})
    return {
        "situation": situation,
        "eviction_date": eviction_date,
        "household_size": household_size,
        "minors": minors,
        "disabled_members": disabled,
        **amounts,
        "years_in_region": data.get("years_in_region"),
        "notes": (data.get("notes") or "").strip()[:4000],
        "assessed_on": assessed_on,
    }


def housing_profile_save(*, actor, case: Case, data: ProfileData) -> HousingProfile:
    """Record or update the housing section of a case. The waiting applications take the new criteria.

    Raises Http404 (case not visible), PermissionDenied (may not change the case), ValidationError (a domain rule,
    keyed on its field: nothing is saved)."""
    with transaction.atomic():
        case = lock_case(case)
        membership = permissions.require_edit_housing(actor, case)
        fields = _profile_fields(data)
        if case.status == CaseStatus.CLOSED:
            raise ValidationError(_("The case is closed: reopen it first."))
        profile = HousingProfile.objects.filter(case=case).first()
        created = profile is None
        profile = profile or HousingProfile(case=case)
        changed = [name for name in PROFILE_FIELDS if getattr(profile, name, None) != fields[name]]
        for name, value in fields.items():
            setattr(profile, name, value)
        profile.organisation_id = membership.organisation_id
        profile.updated_by = actor
        profile.save()
        for application in Application.objects.filter(case=case, status=ApplicationStatus.WAITING):
            _copy_criteria(application, profile)
            application.save(update_fields=["situation", "minors", "disabled_members", "eviction_date"])
        # The line and the audit say which fields changed, not their values (special-category data stays in the file).
        housing_step_record(
            kind=TimelineKind.HOUSING_SECTION_SAVED,
            case=case,
            actor=actor,
            organisation_id=membership.organisation_id,
            obj=profile,
            resource=None,
            audit_action=AuditAction.CREATE if created else AuditAction.UPDATE,
            fields=changed,
        )
        publish(HousingProfileSaved(profile=profile, actor_id=actor_id(actor), created=created))
    return profile


def _copy_criteria(application: Application, profile: HousingProfile) -> None:
    application.situation = profile.situation
    application.minors = profile.minors
    application.disabled_members = profile.disabled_members
    application.eviction_date = profile.eviction_date


def _require_applied_on(day: datetime.date) -> None:
    if day > timezone.localdate():
        raise ValidationError({"applied_on": _("The application date cannot be in the future.")})


def application_create(
    *,
    actor,
    case: Case,
    kind: str,
    applied_on: datetime.date | None = None,
    protocol_number: str = "",
    official_rank: int | None = None,
    override: bool = False,
    override_reason: str = "",
) -> Application:
    """Put the household on the waitlist of `kind` (a `ResourceKind`). An ineligible household goes on it only as
    an override with a reason, audited. Raises PermissionDenied or ValidationError (nothing is saved)."""
    with transaction.atomic():
        case = lock_case(case)
        membership = permissions.require_edit_housing(actor, case)
        day = applied_on or timezone.localdate()
        _require_applied_on(day)
        if case.status == CaseStatus.CLOSED:
            raise ValidationError(_("The case is closed: reopen it first."))
        profile = HousingProfile.objects.filter(case=case).first()
        if profile is None:
            raise ValidationError(_("Record the housing section of the case first."))
        if Application.objects.filter(case=case, kind=kind, status=ApplicationStatus.WAITING).exists():
            raise ValidationError({"kind": _("The household is already waiting for this type of resource.")})
        eligibility = check_eligibility(profile, kind)
        overridden = eligibility_gate(eligibility.reasons, override=override, override_reason=override_reason)
        application = Application(
            case=case,
            kind=kind,
            applied_on=day,
            protocol_number=protocol_number.strip()[:40],
            official_rank=official_rank,
            eligibility_override=overridden,
            override_reason=override_reason.strip() if overridden else "",
            organisation_id=membership.organisation_id,
            created_by=actor,
        )
        _copy_criteria(application, profile)
        try:
            with transaction.atomic():
                application.save()
        except IntegrityError:  # a second click at the same moment
            raise ValidationError({"kind": _("The household is already waiting for this type of resource.")}) from None
        housing_step_record(
            kind=TimelineKind.WAITLIST_APPLICATION_MADE,
            case=case,
            actor=actor,
            organisation_id=membership.organisation_id,
            obj=application,
            resource=None,
            date=day,
            audit_action=AuditAction.CREATE,
            waitlist=kind,
            detail={
                "kind": kind,
                "eligibility_override": overridden,
                "not_met": eligibility.reasons if overridden else [],
                "override_reason": application.override_reason,
            },
        )
        publish(ApplicationCreated(application=application, actor_id=actor_id(actor)))
    return application


def eligibility_gate(reasons: list[str], *, override: bool, override_reason: str) -> bool:
    """True when the household goes ahead under an override; raises when it is not eligible and no reasoned
    override was asked for."""
    if not reasons:
        return False
    if not override:
        raise ValidationError(
            _("The household is not eligible: %(reasons)s To go ahead anyway, tick the override and explain why.")
            % {"reasons": " ".join(reasons)}
        )
    if not override_reason.strip():
        raise ValidationError(
            {"override_reason": _("Explain why the household goes ahead although it is not eligible.")}
        )
    return True


def _require_waiting(application: Application) -> None:
    if application.status != ApplicationStatus.WAITING:
        raise ValidationError(_("This application is no longer waiting."))


def application_update(
    *,
    actor,
    application: Application,
    protocol_number: str = "",
    official_rank: int | None = None,
    applied_on: datetime.date | None = None,
) -> Application:
    """The public housing application's protocol number, official ranking position and date (left as it was when
    `applied_on` is None)."""
    with transaction.atomic():
        application = lock_one(Application.objects.select_related("case"), pk=application.pk)
        membership = permissions.require_edit_housing(actor, application.case)
        _require_waiting(application)
        if applied_on is not None:
            _require_applied_on(applied_on)
            application.applied_on = applied_on
        application.protocol_number = protocol_number.strip()[:40]
        application.official_rank = official_rank
        application.save()
        housing_step_record(
            kind=TimelineKind.WAITLIST_APPLICATION_UPDATED,
            case=application.case,
            actor=actor,
            organisation_id=membership.organisation_id,
            obj=application,
            resource=None,
            date=application.applied_on,
            waitlist=application.kind,
            detail={"protocol_number": application.protocol_number, "official_rank": application.official_rank},
        )
        publish(ApplicationUpdated(application=application, actor_id=actor_id(actor)))
    return application


def application_withdraw(*, actor, application: Application, reason: str = "") -> Application:
    """The household leaves the waitlist. Refused while a place is being offered to it."""
    with transaction.atomic():
        application = lock_one(Application.objects.select_related("case"), pk=application.pk)
        membership = permissions.require_edit_housing(actor, application.case)
        _require_waiting(application)
        if application.offers.filter(status=OfferStatus.PENDING).exists():
            raise ValidationError(_("A place is being offered to this household: answer the offer first."))
        application.status = ApplicationStatus.WITHDRAWN
        application.closed_on = max(timezone.localdate(), application.applied_on)
        application.save(update_fields=["status", "closed_on"])
        housing_step_record(
            kind=TimelineKind.WAITLIST_APPLICATION_WITHDRAWN,
            case=application.case,
            actor=actor,
            organisation_id=membership.organisation_id,
            obj=application,
            resource=None,
            date=application.closed_on,
            waitlist=application.kind,
            detail={"status": ApplicationStatus.WITHDRAWN, "reason": reason.strip()[:300]},
        )
        publish(ApplicationWithdrawn(application=application, actor_id=actor_id(actor)))
    return application
