"""What the housing services share: locking places, moving a place along its state machine, the audit row."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case
from core.audit import audit_record
from core.locks import lock_all, lock_one
from housing.models import Place


def _places():
    return Place.objects.select_related("resource", "resource__provider")


def lock_place(place_id: int) -> Place:
    """The place re-read under its row lock (the one lock every availability change takes first). Http404 when it
    does not exist."""
    try:
        return lock_one(_places(), pk=place_id)
    except Place.DoesNotExist:
        raise Http404 from None


def lock_places(place_ids: Iterable[int]) -> dict[int, Place]:
    """Several places under their row locks, always taken in ascending id order (two actions locking the same
    two places cannot deadlock). Missing ids are simply absent from the answer."""
    return {place.pk: place for place in lock_all(_places().filter(pk__in=set(place_ids)))}


def set_place_status(place: Place, status: str) -> None:
    """Move a locked place along the state machine (`PLACE_TRANSITIONS`)."""
    if not place.can_become(status):
        raise ValidationError(
            _("This place is “%(status)s”: it cannot change to that now.") % {"status": place.get_status_display()}
        )
    place.status = status
    place.status_changed_at = timezone.now()
    place.save(update_fields=["status", "status_changed_at"])


def audit(
    *, actor, action: str, obj, organisation_id: int | None, case: Case | None = None, detail: dict | None = None
) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=obj,
        organisation_id=organisation_id,
        case_id=case.pk if case is not None else None,
        person_id=case.person_id if case is not None else None,
        detail=detail or {},
    )


def actor_id(actor) -> int | None:
    """The id an event carries for `actor` (None for the timers' sweep)."""
    return getattr(actor, "pk", None)
