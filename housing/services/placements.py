"""Move-ins and move-outs (stays), and what the offers (`housing.services.offers`) share with them.

Locks, in the order of `core.locks`: the places first (`lock_place`/`lock_places`, by id), then the offer, then
the application, then the stay: two people offering or filling the same bed at the same moment are serialised, the
second finds it held and is told so. Every operation then authorises, checks the domain rules (ValidationError keyed
on the field), changes, writes the case timeline line with its audit row (`housing_step_record`) and publishes its
event (`housing.events`), in one transaction.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, CaseStatus, TimelineKind
from cases.permissions import checks as case_checks
from core import l10n
from core.bus import publish
from core.locks import lock_all, lock_one
from core.models import AuditAction
from housing import permissions
from housing.events import PlacementStarted, StayEnded, StayPlanUpdated
from housing.models import Application, ApplicationStatus, ExitReason, Place, PlaceStatus, Stay
from housing.services.common import actor_id, audit, lock_place, set_place_status
from housing.services.timeline import housing_step_record
from partners.roles import Capability

MAX_MOVE_IN_AHEAD_DAYS = 60
MAX_PLAN_LENGTH = 4000


def require_sees_case(actor, case_id: int) -> Case:
    """The provider works only for people whose case was shared with it (an accepted referral): anyone else's
    case is not found."""
    case = case_checks.visible_cases(actor, Capability.VIEW_SUMMARY).filter(pk=case_id).first()
    if case is None:
        raise Http404
    return case


def place_for_provider_work(actor, place_id: int) -> tuple[Place, int]:
    """The place under its lock, and the organisation of the provider's worker acting on it (Http404: not
    theirs; PermissionDenied: a role that does not work places)."""
    place = lock_place(place_id)
    if place.resource.provider_id not in permissions.provider_ids(actor):
        raise Http404
    membership = permissions.require_work_places(actor, place.resource.provider_id)
    return place, membership.organisation_id


def require_case_open(case: Case) -> None:
    if case.status == CaseStatus.CLOSED:
        raise ValidationError(_("The case is closed: reopen it first."))


def status_error(place: Place) -> ValidationError:
    if place.status == PlaceStatus.OCCUPIED:
        return ValidationError(_("This place is occupied: record the move-out of its guest first."))
    if place.status == PlaceStatus.CLOSED:
        return ValidationError(_("This place is closed."))
    if place.status == PlaceStatus.OFFERED:
        return ValidationError(_("This place is held for another household until its offer is answered or expires."))
    return ValidationError(_("This place is not free."))


def check_stay(
    *,
    place: Place,
    case: Case,
    move_in: datetime.date,
    planned_move_out: datetime.date | None,
    from_offer: bool = False,
    leaving: Stay | None = None,
) -> datetime.date | None:
    """The domain rules of a new stay, checked before anything changes; returns the planned move-out (the
    resource's maximum stay when none is given). `leaving`: the household's current stay that ends on `move_in`
    (an accepted offer of a later step), which does not count as an overlap."""
    if not from_offer and place.status != PlaceStatus.AVAILABLE:
        raise status_error(place)
    if move_in > timezone.localdate() + datetime.timedelta(days=MAX_MOVE_IN_AHEAD_DAYS):
        raise ValidationError(
            {"move_in": _("The move-in cannot be more than %(days)s days ahead.") % {"days": MAX_MOVE_IN_AHEAD_DAYS}}
        )
    planned = planned_move_out
    max_stay = place.resource.max_stay_days
    if planned is None and max_stay:
        planned = move_in + datetime.timedelta(days=max_stay)
    if planned is not None and planned < move_in:
        raise ValidationError({"planned_move_out": _("The planned move-out cannot be before the move-in.")})
    if planned is not None and max_stay and planned > move_in + datetime.timedelta(days=max_stay):
        raise ValidationError(
            {"planned_move_out": _("The stay cannot exceed %(days)s days in this resource.") % {"days": max_stay}}
        )
    overlapping = Q(move_out__isnull=True) | Q(move_out__gt=move_in)
    if Stay.objects.filter(place=place).filter(overlapping).exists():
        raise ValidationError({"move_in": _("Another stay in this place overlaps these dates.")})
    others = Stay.objects.filter(case=case).filter(overlapping).select_related("place__resource")
    other = (others.exclude(pk=leaving.pk) if leaving is not None else others).first()
    if other is not None:
        raise ValidationError(
            {
                "move_in": _(
                    "The household is already housed at %(place)s from %(day)s: record the move-out there first."
                )
                % {"place": other.place, "day": l10n.short_date(other.move_in)}
            }
        )
    return planned


def create_stay(
    *,
    actor,
    place: Place,
    case: Case,
    move_in: datetime.date,
    planned_move_out: datetime.date | None,
    accompaniment_plan: str,
    organisation_id: int,
    application: Application | None = None,
    offer=None,
) -> Stay:
    """Write a stay that `check_stay` accepted, and fill its place (with the stay's audit row)."""
    stay = Stay.objects.create(
        place=place,
        case=case,
        application=application,
        offer=offer,
        move_in=move_in,
        planned_move_out=planned_move_out,
        accompaniment_plan=accompaniment_plan.strip()[:MAX_PLAN_LENGTH],
        organisation_id=organisation_id,
        created_by=actor,
    )
    set_place_status(place, PlaceStatus.OCCUPIED)
    audit(
        actor=actor,
        action=AuditAction.CREATE,
        obj=stay,
        organisation_id=organisation_id,
        case=case,
        detail={
            "place": place.pk,
            "move_in": move_in.isoformat(),
            "planned_move_out": planned_move_out.isoformat() if planned_move_out else None,
        },
    )
    return stay


def place_application(application: Application, day: datetime.date) -> None:
    application.status = ApplicationStatus.PLACED
    application.closed_on = max(day, application.applied_on)
    application.save(update_fields=["status", "closed_on"])


def stay_start(
    *,
    actor,
    place: Place,
    case: Case,
    move_in: datetime.date | None = None,
    planned_move_out: datetime.date | None = None,
    accompaniment_plan: str = "",
) -> Stay:
    """A direct move-in into a free place (an emergency placement: no waitlist, no offer), on `move_in` (today
    when None). A waiting application of the place's type is placed.

    Raises Http404 (place or case not visible to the provider), PermissionDenied, ValidationError (place occupied,
    held or closed; overlapping stays; dates)."""
    with transaction.atomic():
        place, organisation_id = place_for_provider_work(actor, place.pk)
        case = require_sees_case(actor, case.pk)
        application = next(
            iter(
                lock_all(
                    Application.objects.filter(case=case, kind=place.resource.kind, status=ApplicationStatus.WAITING)
                )
            ),
            None,
        )
        require_case_open(case)
        day = move_in or timezone.localdate()
        planned = check_stay(place=place, case=case, move_in=day, planned_move_out=planned_move_out)
        stay = create_stay(
            actor=actor,
            place=place,
            case=case,
            move_in=day,
            planned_move_out=planned,
            accompaniment_plan=accompaniment_plan,
            organisation_id=organisation_id,
            application=application,
        )
        if application is not None:
            place_application(application, day)
        housing_step_record(
            kind=TimelineKind.HOUSING_MOVED_IN,
            case=case,
            actor=actor,
            organisation_id=organisation_id,
            obj=stay,
            resource=place.resource,
            date=stay.move_in,
        )
        publish(PlacementStarted(stay=stay, actor_id=actor_id(actor)))
    return stay


def _locked_stay(actor, stay: Stay) -> tuple[Stay, Place, int]:
    """The stay's place under its lock, then the stay: re-read, with the provider's organisation acting."""
    place_id = Stay.objects.filter(pk=stay.pk).values_list("place_id", flat=True).first()
    if place_id is None:
        raise Http404
    place, organisation_id = place_for_provider_work(actor, place_id)
    return lock_one(Stay.objects.select_related("case"), pk=stay.pk), place, organisation_id


def stay_update_plan(
    *, actor, stay: Stay, accompaniment_plan: str, planned_move_out: datetime.date | None = None
) -> Stay:
    """The accompaniment plan of an open stay, and its planned move-out (kept when None)."""
    with transaction.atomic():
        stay, place, organisation_id = _locked_stay(actor, stay)
        if stay.move_out is not None:
            raise ValidationError(_("This stay is over."))
        if planned_move_out is not None and planned_move_out < stay.move_in:
            raise ValidationError({"planned_move_out": _("The planned move-out cannot be before the move-in.")})
        stay.accompaniment_plan = accompaniment_plan.strip()[:MAX_PLAN_LENGTH]
        if planned_move_out is not None:
            stay.planned_move_out = planned_move_out
        stay.save(update_fields=["accompaniment_plan", "planned_move_out"])
        # The line names the type of resource (and a provider that does not tell where she is), never the plan.
        housing_step_record(
            kind=TimelineKind.STAY_PLAN_UPDATED,
            case=stay.case,
            actor=actor,
            organisation_id=organisation_id,
            obj=stay,
            resource=place.resource,
            date=stay.planned_move_out,
            detail={"fields": ["accompaniment_plan", "planned_move_out"]},
        )
        publish(StayPlanUpdated(stay=stay, actor_id=actor_id(actor)))
    return stay


def check_move_out(stay: Stay, day: datetime.date) -> None:
    if day < stay.move_in:
        raise ValidationError(
            {
                "move_out": _("The move-out cannot be before the move-in (%(day)s).")
                % {"day": l10n.short_date(stay.move_in)}
            }
        )
    if day > timezone.localdate():
        raise ValidationError({"move_out": _("Record the move-out when it has happened.")})


def stay_end(*, actor, stay: Stay, move_out: datetime.date | None = None, exit_reason: str = ExitReason.OTHER) -> Stay:
    """The guest leaves: the stay ends on `move_out` (today when None) and the place is free again."""
    with transaction.atomic():
        stay, place, organisation_id = _locked_stay(actor, stay)
        if stay.move_out is not None:
            raise ValidationError(_("The move-out of this stay is already recorded."))
        day = move_out or timezone.localdate()
        check_move_out(stay, day)
        close_stay(
            actor=actor, stay=stay, place=place, day=day, exit_reason=exit_reason, organisation_id=organisation_id
        )
    return stay


def close_stay(
    *,
    actor,
    stay: Stay,
    place: Place,
    day: datetime.date,
    exit_reason: str,
    organisation_id: int,
    detail: dict | None = None,
) -> None:
    """The change, record and event of a move-out, for a stay and a place already locked and checked (`stay_end`,
    and `offers.offer_accept` when the household leaves its earlier home): the stay ends on `day`, the place is free
    again, the move-out is on the timeline (its provider is told, `notifications.subscriptions.on_step_event`) with
    its audit row, and `StayEnded` is published."""
    stay.move_out, stay.exit_reason = day, exit_reason
    stay.save(update_fields=["move_out", "exit_reason"])
    set_place_status(place, PlaceStatus.AVAILABLE)
    housing_step_record(
        kind=TimelineKind.HOUSING_MOVED_OUT,
        case=stay.case,
        actor=actor,
        organisation_id=organisation_id,
        obj=stay,
        resource=place.resource,
        date=day,
        exit_reason=exit_reason,
        detail={"move_out": day.isoformat(), "exit_reason": exit_reason, **(detail or {})},
    )
    publish(StayEnded(stay=stay, actor_id=actor_id(actor)))
