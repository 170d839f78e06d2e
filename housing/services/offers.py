"""Offers of a place: made from the waitlist, accepted (the move-in), declined, or expired by the timers' sweep.

The recipe of `housing.services.placements`: the places' locks first (then the offer, the application, the
stay) → authorise → domain rules, all checked before anything changes → change → timeline line with its
audit row → event (`housing.events`), in one transaction.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, TimelineKind
from cases.permissions import checks as case_checks
from core import l10n
from core.bus import publish
from core.locks import lock_all, lock_one
from core.models import AuditAction
from housing import permissions
from housing.eligibility import check_eligibility
from housing.events import OfferAccepted, OfferDeclined, OfferExpired, OfferMade
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
from housing.services.common import actor_id, lock_place, lock_places, set_place_status
from housing.services.households import eligibility_gate
from housing.services.placements import (
    check_stay,
    close_stay,
    create_stay,
    place_application,
    place_for_provider_work,
    require_case_open,
    require_sees_case,
    status_error,
)
from housing.services.timeline import housing_step_record
from partners.roles import Role

DEFAULT_HOLD_DAYS = 3
MAX_HOLD_DAYS = 30

# The housing chain in the order a household moves along it. Accepting an offer of a later step is moving out of
# the place of an earlier step: the acceptance ends that stay (issue 16, item 5).
CHAIN: tuple[str, ...] = (ResourceKind.SHELTER, ResourceKind.TEMPORARY, ResourceKind.SOCIAL, ResourceKind.PUBLIC)


def default_hold_days() -> int:
    """How long an offer holds a place when the provider does not say (TAVOLO_HOUSING_OFFER_HOLD_DAYS)."""
    days = int(getattr(settings, "TAVOLO_HOUSING_OFFER_HOLD_DAYS", DEFAULT_HOLD_DAYS))
    return min(max(days, 1), MAX_HOLD_DAYS)


def earlier_kinds(kind: str) -> list[str]:
    return list(CHAIN[: CHAIN.index(kind)]) if kind in CHAIN else []


def offer_make(
    *,
    actor,
    place: Place,
    application: Application,
    hold_days: int | None = None,
    override: bool = False,
    override_reason: str = "",
) -> Offer:
    """Offer a free place to a waiting household, held for it for `hold_days` (the default when None).

    Raises Http404 (place or case not visible), PermissionDenied, ValidationError (place not free, application
    not waiting or of another type, the household already has an offer waiting, not eligible without override).
    """
    days = default_hold_days() if hold_days is None else hold_days
    with transaction.atomic():
        place, organisation_id = place_for_provider_work(actor, place.pk)
        try:
            application = lock_one(Application.objects.all(), pk=application.pk)
        except Application.DoesNotExist:
            raise Http404 from None
        case = require_sees_case(actor, application.case_id)
        if not 1 <= days <= MAX_HOLD_DAYS:
            raise ValidationError({"hold_days": _("Hold the place for 1 to %(max)s days.") % {"max": MAX_HOLD_DAYS}})
        require_case_open(case)
        if place.status != PlaceStatus.AVAILABLE:
            raise status_error(place)
        if not place.resource.is_active:
            raise ValidationError(_("This resource is not active."))
        if application.status != ApplicationStatus.WAITING:
            raise ValidationError(_("This household is no longer waiting."))
        if application.kind != place.resource.kind:
            raise ValidationError(_("The household applied for another type of resource."))
        if application.offers.filter(status=OfferStatus.PENDING).exists():
            raise ValidationError(_("Another place is already being offered to this household."))
        profile = HousingProfile.objects.filter(case_id=case.pk).first()
        reasons = (
            check_eligibility(profile, place.resource.kind).reasons
            if profile
            else [_("The housing section of the case is not recorded.")]
        )
        if (
            reasons
            and override
            and Role.CASE_MANAGER
            not in {m.role for m in permissions.active_memberships(actor) if m.organisation_id == organisation_id}
        ):
            raise PermissionDenied(_("Only a case manager can offer a place to a household that is not eligible."))
        overridden = eligibility_gate(reasons, override=override, override_reason=override_reason)
        now = timezone.now()
        offer = Offer.objects.create(
            place=place,
            application=application,
            offered_at=now,
            expires_at=now + datetime.timedelta(days=days),
            offered_by=actor,
            eligibility_override=overridden,
            override_reason=override_reason.strip() if overridden else "",
        )
        set_place_status(place, PlaceStatus.OFFERED)
        housing_step_record(
            kind=TimelineKind.HOUSING_OFFER_MADE,
            case=case,
            actor=actor,
            organisation_id=organisation_id,
            obj=offer,
            resource=place.resource,
            date=timezone.localdate(offer.expires_at),
            audit_action=AuditAction.CREATE,
            detail={
                "place": place.pk,
                "expires_at": offer.expires_at.isoformat(),
                "eligibility_override": overridden,
                "not_met": reasons if overridden else [],
                "override_reason": offer.override_reason,
            },
        )
        publish(OfferMade(offer=offer, actor_id=actor_id(actor)))
    return offer


def _locked_offer(actor, offer: Offer, *, with_current_home: bool = False) -> tuple[Offer, Place, int]:
    """Place lock, then the offer. Who answers: the household's case side (change on the case) or the provider's
    staff who record the answer given to them. `with_current_home`: the places where the household lives now are
    locked too, with the offered one, in id order (`lock_places`), before the offer."""
    found = Offer.objects.filter(pk=offer.pk).values_list("place_id", "application__case_id").first()
    if found is None:
        raise Http404
    place_id, case_id = found
    home_ids = (
        list(Stay.objects.filter(case_id=case_id, move_out__isnull=True).values_list("place_id", flat=True))
        if with_current_home
        else []
    )
    place = lock_places([place_id, *home_ids]).get(place_id) if home_ids else lock_place(place_id)
    if place is None:
        raise Http404
    offer = lock_one(Offer.objects.select_related("application", "application__case"), pk=offer.pk)
    case = offer.application.case
    if place.resource.provider_id in permissions.provider_ids(actor, permissions.WORK_ROLES):
        require_sees_case(actor, case.pk)
        return offer, place, permissions.require_work_places(actor, place.resource.provider_id).organisation_id
    if not case_checks.visible_cases(actor).filter(pk=case.pk).exists():
        raise Http404
    return offer, place, permissions.require_edit_housing(actor, case).organisation_id


def _require_pending(offer: Offer, now: datetime.datetime) -> None:
    if offer.status != OfferStatus.PENDING:
        raise ValidationError(
            _("This offer was already answered: it is “%(status)s”.") % {"status": offer.get_status_display()}
        )
    if offer.expires_at <= now:
        raise ValidationError(
            _("This offer expired on %(at)s: the place is free again.") % {"at": l10n.short_datetime(offer.expires_at)}
        )


def _earlier_home(case: Case, new_place: Place, day: datetime.date) -> tuple[Stay, Place] | None:
    """The household's open stay in a place of an earlier step of the chain, locked with its place, which the
    acceptance ends on `day`; checked, nothing changed. Normally its place is already held (`_locked_offer` locked
    it with the offered place, in id order): this re-reads it. Had the household moved between that read and the
    locks, its new place is locked here, still under the stay's lock.

    A stay in a place of the same or a later step is left alone (`check_stay` refuses the overlap: a household is
    never in two places). Raises ValidationError when the move-in is in the future (the household still lives
    there today) or before that stay began."""
    found = lock_all(
        Stay.objects.select_related("place__resource", "case").filter(
            case=case, move_out__isnull=True, place__resource__kind__in=earlier_kinds(new_place.resource.kind)
        )
    )
    if not found:
        return None
    stay = found[0]
    place = lock_place(stay.place_id)
    if day > timezone.localdate():
        raise ValidationError(
            {
                "move_in": _(
                    "The household still lives at %(place)s: record the acceptance on the day it moves in, not before."
                )
                % {"place": place}
            }
        )
    if day < stay.move_in:
        raise ValidationError(
            {
                "move_in": _("The household moved into %(place)s on %(day)s: the new move-in cannot be earlier.")
                % {"place": place, "day": l10n.short_date(stay.move_in)}
            }
        )
    return stay, place


def offer_accept(
    *,
    actor,
    offer: Offer,
    move_in: datetime.date | None = None,
    planned_move_out: datetime.date | None = None,
    accompaniment_plan: str = "",
) -> Stay:
    """The household accepts: the place becomes occupied from `move_in` (today when None), the application is
    placed, and a stay in a place of an earlier step of the chain (the temporary flat, when the SAP home is
    accepted) ends that day, its place free again. All or nothing; the returned stay carries `left_stay` (or None).

    Raises Http404, PermissionDenied, ValidationError (offer answered or expired, case closed, dates)."""
    with transaction.atomic():
        offer, place, organisation_id = _locked_offer(actor, offer, with_current_home=True)
        application = lock_one(Application.objects.all(), pk=offer.application_id)
        case = offer.application.case
        now = timezone.now()
        _require_pending(offer, now)
        require_case_open(case)
        day = move_in or timezone.localdate()
        earlier = _earlier_home(case, place, day)
        planned = check_stay(
            place=place,
            case=case,
            move_in=day,
            planned_move_out=planned_move_out,
            from_offer=True,
            leaving=earlier[0] if earlier else None,
        )
        if earlier is not None:
            # The household leaves its earlier home on the move-in day: no move-out to record before it has
            # somewhere to go.
            close_stay(
                actor=actor,
                stay=earlier[0],
                place=earlier[1],
                day=day,
                exit_reason=ExitReason.MOVED_INTO_OFFER,
                organisation_id=organisation_id,
                detail={"offer": offer.pk, "moved_into_place": place.pk},
            )
        offer.status = OfferStatus.ACCEPTED
        offer.decided_at, offer.decided_by = now, actor
        offer.save(update_fields=["status", "decided_at", "decided_by"])
        stay = create_stay(
            actor=actor,
            place=place,
            case=case,
            move_in=day,
            planned_move_out=planned,
            accompaniment_plan=accompaniment_plan,
            organisation_id=organisation_id,
            application=application,
            offer=offer,
        )
        left = earlier[0] if earlier else None
        stay.left_stay = left  # type: ignore[attr-defined]  # for the page's message
        place_application(application, day)
        housing_step_record(
            kind=TimelineKind.HOUSING_OFFER_ACCEPTED,
            case=case,
            actor=actor,
            organisation_id=organisation_id,
            obj=offer,
            resource=place.resource,
            date=stay.move_in,
            detail={"status": OfferStatus.ACCEPTED, "stay": stay.pk},
        )
        publish(OfferAccepted(offer=offer, stay=stay, left_stay=left, actor_id=actor_id(actor)))
    return stay


def offer_decline(*, actor, offer: Offer, reason: str) -> Offer:
    """The household declines (a reason is required): the place is free again, the household keeps waiting."""
    with transaction.atomic():
        offer, place, organisation_id = _locked_offer(actor, offer)
        _require_pending(offer, timezone.now())
        reason = reason.strip()
        if not reason:
            raise ValidationError({"reason": _("Say why the offer is declined.")})
        offer.status = OfferStatus.DECLINED
        offer.decided_at, offer.decided_by, offer.decline_reason = timezone.now(), actor, reason[:1000]
        offer.save(update_fields=["status", "decided_at", "decided_by", "decline_reason"])
        set_place_status(place, PlaceStatus.AVAILABLE)
        # The reason is what a person typed: it stays on the offer and in the audit, not on the timeline.
        housing_step_record(
            kind=TimelineKind.HOUSING_OFFER_DECLINED,
            case=offer.application.case,
            actor=actor,
            organisation_id=organisation_id,
            obj=offer,
            resource=place.resource,
            detail={"status": OfferStatus.DECLINED, "reason": offer.decline_reason},
        )
        publish(OfferDeclined(offer=offer, actor_id=actor_id(actor)))
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
            offer = lock_one(Offer.objects.select_related("application__case"), pk=offer_id)
            if offer.status != OfferStatus.PENDING or offer.expires_at > now:
                continue
            offer.status = OfferStatus.EXPIRED
            offer.decided_at = now
            offer.save(update_fields=["status", "decided_at"])
            set_place_status(place, PlaceStatus.AVAILABLE)
            housing_step_record(
                kind=TimelineKind.HOUSING_OFFER_EXPIRED,
                case=offer.application.case,
                actor=None,
                organisation_id=place.resource.provider_id,
                obj=offer,
                resource=place.resource,
                detail={"status": OfferStatus.EXPIRED},
            )
            publish(OfferExpired(offer=offer))
            expired += 1
    return expired
