"""What the housing services share: parsing input without a 500, the audit row, locking a place."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.parsing import posted_id
from housing.models import Place


def as_date(value, *, field: str, required: bool = True) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value or "").strip()
    if not text:
        if required:
            raise ValidationError({field: _("Enter a date.")})
        return None
    try:
        parsed = parse_date(text)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationError({field: _("Enter a valid date.")})
    return parsed


def as_amount(value, *, field: str) -> Decimal | None:
    """A sum in euros, or None when left empty. Negative or not a number: a ValidationError on `field`."""
    if value is None or str(value).strip() == "":
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise ValidationError({field: _("Enter an amount in euros.")}) from None
    if not amount.is_finite():
        raise ValidationError({field: _("Enter an amount in euros.")})
    if amount < 0:
        raise ValidationError({field: _("The amount cannot be negative.")})
    if amount >= Decimal("100000000"):
        raise ValidationError({field: _("The amount is too large.")})
    return amount.quantize(Decimal("0.01"))


def as_count(value, *, field: str, minimum: int = 0, maximum: int = 50, default: int | None = None) -> int:
    text = str(value if value is not None else "").strip()
    if not text and default is not None:
        return default
    if not text.isdigit() or len(text) > 4:
        raise ValidationError({field: _("Enter a whole number.")})
    number = int(text)
    if number < minimum or number > maximum:
        raise ValidationError({field: _("Enter a number from %(min)s to %(max)s.") % {"min": minimum, "max": maximum}})
    return number


def lock_place(place_id) -> Place:
    """The place re-read under its row lock (the one lock every availability change takes first)."""
    pk = posted_id(place_id)
    place = Place.objects.select_for_update(of=("self",)).select_related("resource", "resource__provider").filter(
        pk=pk
    ).first() if pk else None
    if place is None:
        raise Http404
    return place


def lock_places(place_ids) -> dict[int, Place]:
    """Several places under their row locks, always taken in ascending id order (two actions locking the same
    two places cannot deadlock). Missing ids are simply absent from the answer."""
    ids = sorted({pk for pk in (posted_id(value) for value in place_ids) if pk})
    rows = Place.objects.select_for_update(of=("self",)).select_related("resource", "resource__provider").filter(
        pk__in=ids).order_by("pk")
    return {place.pk: place for place in rows}


def set_place_status(place: Place, status: str) -> None:
    """Move a locked place along the state machine (`PLACE_TRANSITIONS`)."""
    from django.utils import timezone

    if not place.can_become(status):
        raise ValidationError(_("This place is “%(status)s”: it cannot change to that now.")
                              % {"status": place.get_status_display()})
    place.status = status
    place.status_changed_at = timezone.now()
    place.save(update_fields=["status", "status_changed_at"])


def audit(*, actor, action: str, obj, organisation_id: int | None, case=None, detail: dict | None = None) -> None:
    audit_record(actor=actor, action=action, obj=obj, organisation_id=organisation_id,
                 case_id=case.pk if case is not None else None,
                 person_id=case.person_id if case is not None else None, detail=detail or {})
