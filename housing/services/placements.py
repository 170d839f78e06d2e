"""Offers of a place, move-ins and move-outs, and the sweep that frees places whose offer expired.

Every function takes the place's row lock first (then the offer's, then the application's): two people offering
the same bed at the same moment are serialised, the second finds it held and is told so.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import permissions as case_permissions
from cases.models import Case, CaseStatus
from cases.models import EventKind as CaseEventKind
from core import l10n
from core.models import AuditAction
from core.parsing import posted_id, posted_id_or_zero
from housing import permissions
from housing.eligibility import check_eligibility
from housing.models import (
    Application,
    ApplicationStatus,
    ExitReason,
    HousingProfile,
    Offer,
    OfferStatus,
    Place,
    PlaceStatus,
    ResourceKind,
    Stay,
)
from housing.services.common import as_date, audit, lock_place, lock_places, set_place_status
from housing.services.households import _eligibility_gate
from housing.services.timeline import housing_step_record
from partners.roles import Capability, Role

DEFAULT_HOLD_DAYS = 3
MAX_HOLD_DAYS = 30
MAX_MOVE_IN_AHEAD_DAYS = 60


def default_hold_days() -> int:
    """How long an offer holds a place when the provider does not say (TAVOLO_HOUSING_OFFER_HOLD_DAYS)."""
    days = int(getattr(settings, "TAVOLO_HOUSING_OFFER_HOLD_DAYS", DEFAULT_HOLD_DAYS))
    return min(max(days, 1), MAX_HOLD_DAYS)


def _require_sees_case(actor, case_id: int) -> Case:
    """The provider works only for people whose case was shared with it (an accepted referral): anyone else's
    case is not found."""
    case = case_permissions.visible_cases(actor, Capability.VIEW_SUMMARY).filter(pk=case_id).first()
    if case is None:
        raise Http404
    return case


def _place_for_provider_work(actor, place_id) -> tuple[Place, int]:
    place = lock_place(place_id)
    if place.resource.provider_id not in permissions.provider_ids(actor):
        raise Http404
    membership = permissions.require_work_places(actor, place.resource.provider_id)
    return place, membership.organisation_id


def _require_case_open(case: Case) -> None:
    if case.status == CaseStatus.CLOSED:
        raise ValidationError(_("The case is closed: reopen it first."))


def _status_error(place: Place) -> ValidationError:
    if place.status == PlaceStatus.OCCUPIED:
        return ValidationError(_("This place is occupied: record the move-out of its guest first."))
    if place.status == PlaceStatus.CLOSED:
        return ValidationError(_("This place is closed."))
    if place.status == PlaceStatus.OFFERED:
        return ValidationError(_("This place is held for another household until its offer is answered or expires."))
    return ValidationError(_("This place is not free."))


# --- offers ---------------------------------------------------------------------------------------------------

def offer_make(*, actor, place_id, application_id, hold_days=None, override: bool = False,
               override_reason: str = "") -> Offer:
    """Offer a free place to a waiting household, held for it for `hold_days`.

    Raises Http404 (place or case not visible), PermissionDenied, ValidationError (place not free, application
    not waiting or of another type, the household already has an offer waiting, not eligible without override).
    """
    days = default_hold_days() if hold_days in (None, "") else posted_id(hold_days)
    if days is None or days > MAX_HOLD_DAYS:
        raise ValidationError({"hold_days": _("Hold the place for 1 to %(max)s days.") % {"max": MAX_HOLD_DAYS}})
    with transaction.atomic():
        place, organisation_id = _place_for_provider_work(actor, place_id)
        application = Application.objects.select_for_update().filter(pk=posted_id_or_zero(application_id)).first()
        if application is None:
            raise Http404
        case = _require_sees_case(actor, application.case_id)
        _require_case_open(case)
        if place.status != PlaceStatus.AVAILABLE:
            raise _status_error(place)
        if not place.resource.is_active:
            raise ValidationError(_("This resource is not active."))
        if application.status != ApplicationStatus.WAITING:
            raise ValidationError(_("This household is no longer waiting."))
        if application.kind != place.resource.kind:
            raise ValidationError(_("The household applied for another type of resource."))
        if application.offers.filter(status=OfferStatus.PENDING).exists():
            raise ValidationError(_("Another place is already being offered to this household."))
        profile = HousingProfile.objects.filter(case_id=case.pk).first()
        reasons = check_eligibility(profile, place.resource.kind).reasons if profile else [
            _("The housing section of the case is not recorded.")]
        if reasons and override and Role.CASE_MANAGER not in {
                m.role for m in permissions.active_memberships(actor) if m.organisation_id == organisation_id}:
            raise PermissionDenied(_("Only a case manager can offer a place to a household that is not eligible."))
        overridden = _eligibility_gate(reasons, override=override, override_reason=override_reason)
        now = timezone.now()
        offer = Offer.objects.create(
            place=place, application=application, offered_at=now, expires_at=now + datetime.timedelta(days=days),
            offered_by=actor, eligibility_override=overridden,
            override_reason=override_reason.strip() if overridden else "",
        )
        set_place_status(place, PlaceStatus.OFFERED)
        housing_step_record(
            kind=CaseEventKind.HOUSING_OFFER_MADE, case=case, actor=actor, organisation_id=organisation_id, obj=offer,
            resource=place.resource, date=timezone.localdate(offer.expires_at), audit_action=AuditAction.CREATE,
            detail={"place": place.pk, "expires_at": offer.expires_at.isoformat(),
                    "eligibility_override": overridden, "not_met": reasons if overridden else [],
                    "override_reason": offer.override_reason})
    return offer


def _locked_offer(actor, offer_id, *, with_current_home: bool = False) -> tuple[Offer, Place, int]:
    """Place lock, then the offer. Who answers: the household's case side (change on the case) or the provider's
    staff who record the answer given to them. `with_current_home`: the places where the household lives now are
    locked too, with the offered one, in id order (`lock_places`), before the offer."""
    pk = posted_id_or_zero(offer_id)
    found = Offer.objects.filter(pk=pk).values_list("place_id", "application__case_id").first()
    if found is None:
        raise Http404
    place_id, case_id = found
    home_ids = list(Stay.objects.filter(case_id=case_id, move_out__isnull=True).values_list("place_id", flat=True)
                    ) if with_current_home else []
    place = lock_places([place_id, *home_ids]).get(place_id) if home_ids else lock_place(place_id)
    if place is None:
        raise Http404
    offer = Offer.objects.select_for_update(of=("self",)).select_related("application", "application__case").get(pk=pk)
    case = offer.application.case
    if place.resource.provider_id in permissions.provider_ids(actor, permissions.WORK_ROLES):
        _require_sees_case(actor, case.pk)
        return offer, place, permissions.require_work_places(actor, place.resource.provider_id).organisation_id
    if not case_permissions.visible_cases(actor).filter(pk=case.pk).exists():
        raise Http404
    return offer, place, permissions.require_edit_housing(actor, case).organisation_id


def _require_pending(offer: Offer, now: datetime.datetime) -> None:
    if offer.status != OfferStatus.PENDING:
        raise ValidationError(_("This offer was already answered: it is “%(status)s”.")
                              % {"status": offer.get_status_display()})
    if offer.expires_at <= now:
        raise ValidationError(_("This offer expired on %(at)s: the place is free again.")
                              % {"at": l10n.short_datetime(offer.expires_at)})


def offer_accept(*, actor, offer_id, move_in=None, planned_move_out=None, accompaniment_plan: str = "") -> Stay:
    """The household accepts: the place becomes occupied from `move_in`, the application is placed, and a stay in a
    place of an earlier step of the chain (the temporary flat, when the SAP home is accepted) ends that day, its
    place free again (`_leave_earlier_home`). All or nothing; the returned stay carries `left_stay` (or None).

    Raises Http404, PermissionDenied, ValidationError (offer answered or expired, case closed, dates)."""
    with transaction.atomic():
        offer, place, organisation_id = _locked_offer(actor, offer_id, with_current_home=True)
        now = timezone.now()
        _require_pending(offer, now)
        application = Application.objects.select_for_update().get(pk=offer.application_id)
        case = offer.application.case
        _require_case_open(case)
        day = as_date(move_in, field="move_in", required=False) or timezone.localdate()
        left = _leave_earlier_home(actor=actor, case=case, new_place=place, day=day, offer=offer,
                                   organisation_id=organisation_id)
        offer.status = OfferStatus.ACCEPTED
        offer.decided_at, offer.decided_by = now, actor
        offer.save(update_fields=["status", "decided_at", "decided_by"])
        stay = _open_stay(actor=actor, place=place, case=case, move_in=day, planned_move_out=planned_move_out,
                          accompaniment_plan=accompaniment_plan, organisation_id=organisation_id,
                          application=application, offer=offer, from_offer=True)
        stay.left_stay = left  # type: ignore[attr-defined]  # for the page's message
        application.status = ApplicationStatus.PLACED
        application.closed_on = max(day, application.applied_on)
        application.save(update_fields=["status", "closed_on"])
        housing_step_record(kind=CaseEventKind.HOUSING_OFFER_ACCEPTED, case=case, actor=actor,
                            organisation_id=organisation_id, obj=offer, resource=place.resource, date=stay.move_in,
                            detail={"status": OfferStatus.ACCEPTED, "stay": stay.pk})
    return stay


# The housing chain in the order a household moves along it. Accepting an offer of a later step is moving out of
# the place of an earlier step: the acceptance ends that stay (issue 16, item 5).
CHAIN: tuple[str, ...] = (ResourceKind.SHELTER, ResourceKind.TEMPORARY, ResourceKind.SOCIAL, ResourceKind.PUBLIC)


def earlier_kinds(kind: str) -> list[str]:
    return list(CHAIN[:CHAIN.index(kind)]) if kind in CHAIN else []


def _leave_earlier_home(*, actor, case: Case, new_place: Place, day: datetime.date, offer: Offer,
                        organisation_id: int) -> Stay | None:
    """End the household's open stay in a place of an earlier step of the chain on `day`, the day it moves into
    `new_place` (the accepted offer), and free that place: the provider does not have to record a move-out before
    the household has somewhere to go. Called under the locks of both places (`_locked_offer`).

    A stay in a place of the same or a later step is left alone (`_open_stay` refuses the overlap: a household is
    never in two places). Raises ValidationError when the move-in is in the future (the household still lives
    there today) or before that stay began; changes nothing then."""
    stay = (Stay.objects.select_for_update(of=("self",)).select_related("place__resource")
            .filter(case=case, move_out__isnull=True, place__resource__kind__in=earlier_kinds(new_place.resource.kind))
            .first())
    if stay is None:
        return None
    # Normally already held (`_locked_offer` locked it with the offered place, in id order): this re-reads it. Had
    # the household moved between that read and the locks, its new place is locked here, still under the stay's lock.
    place = lock_place(stay.place_id)
    if day > timezone.localdate():
        raise ValidationError({"move_in": _("The household still lives at %(place)s: record the acceptance on the "
                                            "day it moves in, not before.") % {"place": place}})
    if day < stay.move_in:
        raise ValidationError({"move_in": _("The household moved into %(place)s on %(day)s: the new move-in cannot "
                                            "be earlier.") % {"place": place, "day": l10n.short_date(stay.move_in)}})
    stay.move_out, stay.exit_reason = day, ExitReason.MOVED_INTO_OFFER
    stay.save(update_fields=["move_out", "exit_reason"])
    set_place_status(place, PlaceStatus.AVAILABLE)
    # On the timeline as a move-out (its provider is told, `notifications.subscriptions.on_step_event`).
    housing_step_record(kind=CaseEventKind.HOUSING_MOVED_OUT, case=case, actor=actor, organisation_id=organisation_id,
                        obj=stay, resource=place.resource, date=day, exit_reason=ExitReason.MOVED_INTO_OFFER,
                        detail={"move_out": day.isoformat(), "exit_reason": ExitReason.MOVED_INTO_OFFER,
                                "offer": offer.pk, "moved_into_place": new_place.pk})
    return stay


def offer_decline(*, actor, offer_id, reason: str) -> Offer:
    """The household declines (a reason is required): the place is free again, the household keeps waiting."""
    reason = str(reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the offer is declined.")})
    with transaction.atomic():
        offer, place, organisation_id = _locked_offer(actor, offer_id)
        _require_pending(offer, timezone.now())
        offer.status = OfferStatus.DECLINED
        offer.decided_at, offer.decided_by, offer.decline_reason = timezone.now(), actor, reason[:1000]
        offer.save(update_fields=["status", "decided_at", "decided_by", "decline_reason"])
        set_place_status(place, PlaceStatus.AVAILABLE)
        # The reason is what a person typed: it stays on the offer and in the audit, not on the timeline.
        housing_step_record(kind=CaseEventKind.HOUSING_OFFER_DECLINED, case=offer.application.case, actor=actor,
                            organisation_id=organisation_id, obj=offer, resource=place.resource,
                            detail={"status": OfferStatus.DECLINED, "reason": offer.decline_reason})
    return offer


def offers_expire(*, now: datetime.datetime | None = None) -> int:
    """Free the places whose offer was not answered in time (the timers' sweep). Each offer in its own
    transaction; an offer answered meanwhile is left alone. Returns how many expired."""
    now = now or timezone.now()
    expired = 0
    due = list(Offer.objects.filter(status=OfferStatus.PENDING, expires_at__lte=now).values_list("pk", "place_id"))
    for offer_id, place_id in due:
        with transaction.atomic():
            place = lock_place(place_id)
            offer = Offer.objects.select_for_update(of=("self",)).select_related("application__case").get(pk=offer_id)
            if offer.status != OfferStatus.PENDING or offer.expires_at > now:
                continue
            offer.status = OfferStatus.EXPIRED
            offer.decided_at = now
            offer.save(update_fields=["status", "decided_at"])
            set_place_status(place, PlaceStatus.AVAILABLE)
            housing_step_record(kind=CaseEventKind.HOUSING_OFFER_EXPIRED, case=offer.application.case, actor=None,
                                organisation_id=place.resource.provider_id, obj=offer, resource=place.resource,
                                detail={"status": OfferStatus.EXPIRED})
            expired += 1
    return expired


# --- stays ----------------------------------------------------------------------------------------------------

def _open_stay(*, actor, place: Place, case: Case, move_in: datetime.date, planned_move_out, accompaniment_plan: str,
               organisation_id: int, application: Application | None = None, offer: Offer | None = None,
               from_offer: bool = False) -> Stay:
    """Checks shared by a direct move-in and an accepted offer, under the place's lock."""
    if not from_offer and place.status != PlaceStatus.AVAILABLE:
        raise _status_error(place)
    today = timezone.localdate()
    if move_in > today + datetime.timedelta(days=MAX_MOVE_IN_AHEAD_DAYS):
        raise ValidationError({"move_in": _("The move-in cannot be more than %(days)s days ahead.")
                               % {"days": MAX_MOVE_IN_AHEAD_DAYS}})
    planned = as_date(planned_move_out, field="planned_move_out", required=False)
    max_stay = place.resource.max_stay_days
    if planned is None and max_stay:
        planned = move_in + datetime.timedelta(days=max_stay)
    if planned is not None and planned < move_in:
        raise ValidationError({"planned_move_out": _("The planned move-out cannot be before the move-in.")})
    if planned is not None and max_stay and planned > move_in + datetime.timedelta(days=max_stay):
        raise ValidationError({"planned_move_out": _("The stay cannot exceed %(days)s days in this resource.")
                               % {"days": max_stay}})
    overlapping = Q(move_out__isnull=True) | Q(move_out__gt=move_in)
    if Stay.objects.filter(place=place).filter(overlapping).exists():
        raise ValidationError({"move_in": _("Another stay in this place overlaps these dates.")})
    other = Stay.objects.filter(case=case).filter(overlapping).select_related("place__resource").first()
    if other is not None:
        raise ValidationError({"move_in": _("The household is already housed at %(place)s from %(day)s: record the "
                                            "move-out there first.")
                               % {"place": other.place, "day": l10n.short_date(other.move_in)}})
    stay = Stay.objects.create(
        place=place, case=case, application=application, offer=offer, move_in=move_in, planned_move_out=planned,
        accompaniment_plan=str(accompaniment_plan or "").strip()[:4000], organisation_id=organisation_id,
        created_by=actor,
    )
    set_place_status(place, PlaceStatus.OCCUPIED)
    audit(actor=actor, action=AuditAction.CREATE, obj=stay, organisation_id=organisation_id, case=case,
          detail={"place": place.pk, "move_in": move_in.isoformat(),
                  "planned_move_out": planned.isoformat() if planned else None})
    return stay


def stay_start(*, actor, place_id, case_id, move_in=None, planned_move_out=None, accompaniment_plan: str = "") -> Stay:
    """A direct move-in into a free place (an emergency placement: no waitlist, no offer).

    Raises Http404 (place or case not visible to the provider), PermissionDenied, ValidationError (place occupied,
    held or closed; overlapping stays; dates)."""
    with transaction.atomic():
        place, organisation_id = _place_for_provider_work(actor, place_id)
        case = _require_sees_case(actor, posted_id(case_id) or 0)
        _require_case_open(case)
        day = as_date(move_in, field="move_in", required=False) or timezone.localdate()
        application = Application.objects.select_for_update().filter(
            case=case, kind=place.resource.kind, status=ApplicationStatus.WAITING).first()
        stay = _open_stay(actor=actor, place=place, case=case, move_in=day, planned_move_out=planned_move_out,
                          accompaniment_plan=accompaniment_plan, organisation_id=organisation_id,
                          application=application)
        if application is not None:
            application.status = ApplicationStatus.PLACED
            application.closed_on = max(day, application.applied_on)
            application.save(update_fields=["status", "closed_on"])
        housing_step_record(kind=CaseEventKind.HOUSING_MOVED_IN, case=case, actor=actor,
                            organisation_id=organisation_id, obj=stay, resource=place.resource, date=stay.move_in)
    return stay


def stay_update_plan(*, actor, stay_id, accompaniment_plan: str, planned_move_out=None) -> Stay:
    with transaction.atomic():
        place_id = Stay.objects.filter(pk=posted_id_or_zero(stay_id)).values_list("place_id", flat=True).first()
        if place_id is None:
            raise Http404
        place, organisation_id = _place_for_provider_work(actor, place_id)
        stay = Stay.objects.select_for_update(of=("self",)).select_related("case").get(pk=posted_id_or_zero(stay_id))
        if stay.move_out is not None:
            raise ValidationError(_("This stay is over."))
        planned = as_date(planned_move_out, field="planned_move_out", required=False)
        if planned is not None and planned < stay.move_in:
            raise ValidationError({"planned_move_out": _("The planned move-out cannot be before the move-in.")})
        stay.accompaniment_plan = str(accompaniment_plan or "").strip()[:4000]
        if planned is not None:
            stay.planned_move_out = planned
        stay.save(update_fields=["accompaniment_plan", "planned_move_out"])
        audit(actor=actor, action=AuditAction.UPDATE, obj=stay, organisation_id=organisation_id, case=stay.case,
              detail={"fields": ["accompaniment_plan", "planned_move_out"]})
    return stay


def stay_end(*, actor, stay_id, move_out=None, exit_reason: str = ExitReason.OTHER) -> Stay:
    """The guest leaves: the stay ends on `move_out` and the place is free again."""
    if exit_reason not in ExitReason.values:
        raise ValidationError({"exit_reason": _("Choose why the guest leaves.")})
    with transaction.atomic():
        place_id = Stay.objects.filter(pk=posted_id_or_zero(stay_id)).values_list("place_id", flat=True).first()
        if place_id is None:
            raise Http404
        place, organisation_id = _place_for_provider_work(actor, place_id)
        stay = Stay.objects.select_for_update(of=("self",)).select_related("case").get(pk=posted_id_or_zero(stay_id))
        if stay.move_out is not None:
            raise ValidationError(_("The move-out of this stay is already recorded."))
        day = as_date(move_out, field="move_out", required=False) or timezone.localdate()
        if day < stay.move_in:
            raise ValidationError({"move_out": _("The move-out cannot be before the move-in (%(day)s).")
                                   % {"day": l10n.short_date(stay.move_in)}})
        if day > timezone.localdate():
            raise ValidationError({"move_out": _("Record the move-out when it has happened.")})
        stay.move_out, stay.exit_reason = day, exit_reason
        stay.save(update_fields=["move_out", "exit_reason"])
        set_place_status(place, PlaceStatus.AVAILABLE)
        housing_step_record(kind=CaseEventKind.HOUSING_MOVED_OUT, case=stay.case, actor=actor,
                            organisation_id=organisation_id, obj=stay, resource=place.resource, date=day,
                            exit_reason=exit_reason, detail={"move_out": day.isoformat(), "exit_reason": exit_reason})
    return stay
