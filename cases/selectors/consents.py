"""Reads of consents: what a person agreed to share, and with whom, on a day."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cases.models import (
    Consent,
    ConsentPurpose,
    Person,
)
from cases.permissions import checks
from cases.selectors.persons import person_get_for
from partners.roles import Capability


def consent_summary(person: Person, *, on: datetime.date | None = None) -> dict:
    """Consent status at a glance: processing valid?, sharing with the network / named organisations."""
    day = on or timezone.localdate()
    valid = list(Consent.objects.filter(person=person).valid_on(day).prefetch_related("organisations"))
    processing = any(c.purpose == ConsentPurpose.PROCESSING for c in valid)
    network = processing and any(c.purpose == ConsentPurpose.SHARE_NETWORK for c in valid)
    named = (
        sorted({org.name for c in valid if c.purpose == ConsentPurpose.SHARE_NAMED for org in c.organisations.all()})
        if processing
        else []
    )
    expiring = [c for c in valid if c.expires_on and (c.expires_on - day).days <= 30]
    return {
        "processing": processing,
        "network": network,
        "named": named,
        "expiring_soon": bool(expiring),
        "any": Consent.objects.filter(person=person).exists(),
    }


def consent_covers(*, person: Person, organisation_id: int, on: datetime.date | None = None) -> bool:
    """True when the person's valid consent allows sharing their file with `organisation_id`.

    Needs a valid processing consent and either a valid network-wide sharing consent or a valid
    named sharing consent that lists the organisation. Withdrawn or expired consents count for nothing.
    """
    day = on or timezone.localdate()
    valid = Consent.objects.filter(person=person).valid_on(day)
    if not valid.filter(purpose=ConsentPurpose.PROCESSING).exists():
        return False
    return valid.filter(
        Q(purpose=ConsentPurpose.SHARE_NETWORK)
        | Q(purpose=ConsentPurpose.SHARE_NAMED, organisations__id=organisation_id)
    ).exists()


def consent_list_for(*, user, person: Person) -> QuerySet[Consent]:
    person_get_for(user=user, pk=person.pk, capability=Capability.VIEW_FILE)
    return person.consents.select_related("recorded_by_organisation").prefetch_related("organisations")


def consent_get_for(*, user, pk: int) -> Consent:
    """One consent of a person whose file the user may read; Http404 otherwise."""
    persons = checks.visible_persons(user, Capability.VIEW_FILE)
    try:
        return (
            Consent.objects.select_related("person", "recorded_by_organisation")
            .prefetch_related("organisations")
            .get(pk=pk, person__in=persons)
        )
    except Consent.DoesNotExist as exc:
        raise Http404 from exc


def consent_status(person: Person, *, on: datetime.date | None = None) -> dict:
    """`consent_summary` plus one word for a badge: "network", "named", "processing" (no sharing),
    "expired", "withdrawn" or "missing" (the last three: no valid processing consent)."""
    day = on or timezone.localdate()
    summary = consent_summary(person, on=day)
    if summary["network"]:
        state = "network"
    elif summary["named"]:
        state = "named"
    elif summary["processing"]:
        state = "processing"
    else:
        latest = (
            Consent.objects.filter(person=person, purpose=ConsentPurpose.PROCESSING)
            .order_by("-given_on", "-id")
            .first()
        )
        state = latest.status_on(day) if latest is not None else "missing"
        if state not in ("expired", "withdrawn"):
            state = "missing"
    return {**summary, "state": state}
