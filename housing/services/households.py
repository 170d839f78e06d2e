"""The housing section of a case and its applications to the waitlists."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, CaseStatus
from cases.services.case_file import lock_case
from core.models import AuditAction
from core.parsing import posted_id_or_zero
from housing import permissions
from housing.eligibility import check_eligibility
from housing.models import Application, ApplicationStatus, HousingProfile, ResourceKind, Situation
from housing.services.common import as_amount, as_count, as_date, audit

PROFILE_FIELDS = ("situation", "eviction_date", "household_size", "minors", "disabled_members", "isee", "isee_erp",
                  "income", "years_in_region", "notes", "assessed_on")


def _clean_profile(data: dict) -> dict:
    situation = data.get("situation")
    if situation not in Situation.values:
        raise ValidationError({"situation": _("Choose the current housing situation.")})
    eviction_date = as_date(data.get("eviction_date"), field="eviction_date", required=False)
    if situation == Situation.EVICTION and eviction_date is None:
        raise ValidationError({"eviction_date": _("Enter the date of the eviction.")})
    household_size = as_count(data.get("household_size"), field="household_size", minimum=1, maximum=30, default=1)
    minors = as_count(data.get("minors"), field="minors", maximum=29, default=0)
    if minors >= household_size:
        raise ValidationError({"minors": _("The household needs at least one adult: there are more minors than "
                                           "members.")})
    disabled = as_count(data.get("disabled_members"), field="disabled_members", maximum=30, default=0)
    if disabled > household_size:
        raise ValidationError({"disabled_members": _("More members with a disability than members.")})
    years = data.get("years_in_region")
    years = as_count(years, field="years_in_region", maximum=120) if str(years or "").strip() != "" else None
    assessed_on = as_date(data.get("assessed_on"), field="assessed_on", required=False) or timezone.localdate()
    if assessed_on > timezone.localdate():
        raise ValidationError({"assessed_on": _("The assessment date cannot be in the future.")})
    return {
        "situation": situation, "eviction_date": eviction_date, "household_size": household_size, "minors": minors,
        "disabled_members": disabled, "isee": as_amount(data.get("isee"), field="isee"),
        "isee_erp": as_amount(data.get("isee_erp"), field="isee_erp"),
        "income": as_amount(data.get("income"), field="income"), "years_in_region": years,
        "notes": str(data.get("notes") or "").strip()[:4000], "assessed_on": assessed_on,
    }


def housing_profile_save(*, actor, case: Case, data: dict) -> HousingProfile:
    """Record or update the housing section of a case. The waiting applications take the new criteria.

    Raises Http404 (case not visible), PermissionDenied (may not change the case), ValidationError (bad input:
    nothing is saved)."""
    membership = permissions.require_edit_housing(actor, case)
    fields = _clean_profile(data)
    with transaction.atomic():
        case = lock_case(case)
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
        # The audit says which fields changed, not their values (special-category data stays in the file).
        audit(actor=actor, action=AuditAction.CREATE if created else AuditAction.UPDATE, obj=profile,
              organisation_id=membership.organisation_id, case=case, detail={"fields": changed})
    return profile


def _copy_criteria(application: Application, profile: HousingProfile) -> None:
    application.situation = profile.situation
    application.minors = profile.minors
    application.disabled_members = profile.disabled_members
    application.eviction_date = profile.eviction_date


def application_create(*, actor, case: Case, kind: str, applied_on=None, protocol_number: str = "",
                       official_rank=None, override: bool = False, override_reason: str = "") -> Application:
    """Put the household on the waitlist of `kind`. An ineligible household goes on it only as an override with
    a reason, audited. Raises PermissionDenied or ValidationError (nothing is saved)."""
    membership = permissions.require_edit_housing(actor, case)
    if kind not in ResourceKind.values:
        raise ValidationError({"kind": _("Choose the type of resource.")})
    day = as_date(applied_on, field="applied_on", required=False) or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError({"applied_on": _("The application date cannot be in the future.")})
    rank = as_count(official_rank, field="official_rank", minimum=1, maximum=999999) \
        if str(official_rank or "").strip() else None
    with transaction.atomic():
        case = lock_case(case)
        if case.status == CaseStatus.CLOSED:
            raise ValidationError(_("The case is closed: reopen it first."))
        profile = HousingProfile.objects.filter(case=case).first()
        if profile is None:
            raise ValidationError(_("Record the housing section of the case first."))
        if Application.objects.filter(case=case, kind=kind, status=ApplicationStatus.WAITING).exists():
            raise ValidationError({"kind": _("The household is already waiting for this type of resource.")})
        eligibility = check_eligibility(profile, kind)
        overridden = _eligibility_gate(eligibility.reasons, override=override, override_reason=override_reason)
        application = Application(
            case=case, kind=kind, applied_on=day, protocol_number=str(protocol_number or "").strip()[:40],
            official_rank=rank, eligibility_override=overridden,
            override_reason=override_reason.strip() if overridden else "", organisation_id=membership.organisation_id,
            created_by=actor,
        )
        _copy_criteria(application, profile)
        try:
            with transaction.atomic():
                application.save()
        except IntegrityError:  # a second click at the same moment
            raise ValidationError({"kind": _("The household is already waiting for this type of resource.")}) from None
        audit(actor=actor, action=AuditAction.CREATE, obj=application, organisation_id=membership.organisation_id,
              case=case, detail={"kind": kind, "eligibility_override": overridden,
                                 "not_met": eligibility.reasons if overridden else [],
                                 "override_reason": application.override_reason})
    return application


def _eligibility_gate(reasons: list[str], *, override: bool, override_reason: str) -> bool:
    """True when the household goes ahead under an override; raises when it is not eligible and no reasoned
    override was asked for."""
    if not reasons:
        return False
    if not override:
        raise ValidationError(_("The household is not eligible: %(reasons)s To go ahead anyway, tick the override "
                                "and explain why.") % {"reasons": " ".join(reasons)})
    if not str(override_reason or "").strip():
        raise ValidationError({"override_reason": _("Explain why the household goes ahead although it is not "
                                                    "eligible.")})
    return True


def application_update(*, actor, application_id, protocol_number: str = "", official_rank=None,
                       applied_on=None) -> Application:
    """The public housing application's protocol number, official ranking position and date."""
    with transaction.atomic():
        application = Application.objects.select_for_update().select_related("case").filter(
            pk=posted_id_or_zero(application_id)).first()
        if application is None:
            raise Http404
        membership = permissions.require_edit_housing(actor, application.case)
        if application.status != ApplicationStatus.WAITING:
            raise ValidationError(_("This application is no longer waiting."))
        if applied_on:
            day = as_date(applied_on, field="applied_on")
            if day is None or day > timezone.localdate():
                raise ValidationError({"applied_on": _("The application date cannot be in the future.")})
            application.applied_on = day
        application.protocol_number = str(protocol_number or "").strip()[:40]
        application.official_rank = as_count(official_rank, field="official_rank", minimum=1, maximum=999999) \
            if str(official_rank or "").strip() else None
        application.save()
        audit(actor=actor, action=AuditAction.UPDATE, obj=application, organisation_id=membership.organisation_id,
              case=application.case, detail={"protocol_number": application.protocol_number,
                                             "official_rank": application.official_rank})
    return application


def application_withdraw(*, actor, application_id, reason: str = "") -> Application:
    with transaction.atomic():
        application = Application.objects.select_for_update().select_related("case").filter(
            pk=posted_id_or_zero(application_id)).first()
        if application is None:
            raise Http404
        membership = permissions.require_edit_housing(actor, application.case)
        if application.status != ApplicationStatus.WAITING:
            raise ValidationError(_("This application is no longer waiting."))
        if application.offers.filter(status="pending").exists():
            raise ValidationError(_("A place is being offered to this household: answer the offer first."))
        application.status = ApplicationStatus.WITHDRAWN
        application.closed_on = max(timezone.localdate(), application.applied_on)
        application.save(update_fields=["status", "closed_on"])
        audit(actor=actor, action=AuditAction.UPDATE, obj=application, organisation_id=membership.organisation_id,
              case=application.case, detail={"status": ApplicationStatus.WITHDRAWN, "reason": reason.strip()[:300]})
    return application


def case_for_update(case_id) -> Case:
    case = Case.objects.filter(pk=posted_id_or_zero(case_id)).first()
    if case is None:
        raise Http404
    return case
