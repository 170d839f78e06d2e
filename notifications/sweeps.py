"""Notifications nobody's action causes, found by the periodic sweep (`manage.py notifications_sweep`).

- **Answer due soon**: a pending handoff whose deadline falls within the next TAVOLO_SLA_WARNING_HOURS tells
  the receiver's case managers and operators, once per receiver round. A round that began inside that window
  is left out: the "handoff received" notification, a minute old, already says "answer by".
- **Consent expiring**: a consent, not withdrawn, expiring within TAVOLO_CONSENT_WARNING_DAYS (today
  included) tells the case manager of each open case of that person (or, without one, the lead
  organisation's case managers). Every purpose counts: without processing the case cannot be worked on,
  without sharing (network-wide or named) no handoff can be sent. A consent already renewed (a later consent
  of the same purpose, not withdrawn, that runs past its expiry) is left out, and consents of one person
  expiring the same day make one notification per case, not one per purpose.

Each event is recorded in a transaction of its own through `services.notifications_record` (pushed after it
commits) under a unique event key, so running the sweep twice, or two sweeps at once, notifies once. Events
already recorded are left out before recording (one query), so a second sweep pushes nothing again.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseStatus, Consent
from notifications.models import Notification, NotificationKind
from notifications.recipients import Recipient, case_manager_of, members_with_roles
from notifications.services import notifications_record
from notifications.subscriptions import handoff_event_key, notify_handoff, receiver_side
from partners.roles import Role
from workflows.models import Handoff, HandoffStatus


def _already_recorded(keys: list[str]) -> set[str]:
    if not keys:
        return set()
    return set(Notification.objects.filter(event_key__in=keys).values_list("event_key", flat=True).distinct())


# --- answers due soon --------------------------------------------------------------------------------------


def handoffs_due_soon(now: datetime.datetime) -> list[Handoff]:
    """Pending handoffs due in (now, now + warning], received before the warning window opened: one query."""
    warning = datetime.timedelta(hours=settings.TAVOLO_SLA_WARNING_HOURS)
    return list(
        Handoff.objects.filter(
            status=HandoffStatus.PENDING, due_at__gt=now, due_at__lte=now + warning, sent_at__lt=F("due_at") - warning
        )
        .select_related("case", "sender_organisation", "receiver_organisation", "service_type")
        .order_by("due_at", "pk")
    )


def sweep_answers_due_soon(*, now: datetime.datetime | None = None) -> int:
    """Tell receivers that a handoff's answer is due soon. Returns how many handoffs were announced."""
    now = now or timezone.now()
    handoffs = handoffs_due_soon(now)
    done = _already_recorded([handoff_event_key(handoff, "due_soon") for handoff in handoffs])
    announced = 0
    for handoff in handoffs:
        if handoff_event_key(handoff, "due_soon") in done:
            continue
        with transaction.atomic():
            notify_handoff(
                handoff,
                kind=NotificationKind.SLA_DUE_SOON,
                what="due_soon",
                recipients=receiver_side(handoff),
                actor_id=None,
            )
        announced += 1
    return announced


# --- consents expiring -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpiringConsent:
    consent_id: int
    expires_on: datetime.date
    case: Case

    @property
    def event_key(self) -> str:
        return f"consent:{self.consent_id}:{self.expires_on.isoformat()}:case:{self.case.pk}"


def consents_expiring(today: datetime.date) -> list[ExpiringConsent]:
    """(consent, open case) pairs to announce, one per case and expiry day: one query."""
    until = today + datetime.timedelta(days=settings.TAVOLO_CONSENT_WARNING_DAYS)
    renewed = Consent.objects.filter(
        Q(expires_on__isnull=True) | Q(expires_on__gt=OuterRef("expires_on")),
        person_id=OuterRef("person_id"),
        purpose=OuterRef("purpose"),
        withdrawn_on__isnull=True,
    ).exclude(pk=OuterRef("pk"))
    expiring = Consent.objects.filter(
        withdrawn_on__isnull=True,
        expires_on__gte=today,
        expires_on__lte=until,
    ).exclude(Exists(renewed))
    cases = (
        Case.objects.exclude(status=CaseStatus.CLOSED)
        .filter(person__consents__in=expiring.values("pk"))
        .annotate(expiring_consent_id=F("person__consents__pk"), expiring_on=F("person__consents__expires_on"))
        .order_by("expiring_on", "pk", "expiring_consent_id")
    )
    found: dict[tuple[int, datetime.date], ExpiringConsent] = {}
    for case in cases:
        found.setdefault(
            (case.pk, case.expiring_on),
            ExpiringConsent(consent_id=case.expiring_consent_id, expires_on=case.expiring_on, case=case),
        )
    return list(found.values())


def consent_recipients(case: Case) -> list[Recipient]:
    """The case manager, or the lead organisation's case managers when the case has none (or they left)."""
    return case_manager_of(case) or members_with_roles(case.lead_organisation_id, [Role.CASE_MANAGER])


def sweep_consents_expiring(*, today: datetime.date | None = None) -> int:
    """Tell case managers about consents expiring soon. Returns how many (consent, case) events were recorded."""
    today = today or timezone.localdate()
    expiring = consents_expiring(today)
    done = _already_recorded([item.event_key for item in expiring])
    announced = 0
    for item in expiring:
        if item.event_key in done:
            continue
        with transaction.atomic():
            notifications_record(
                kind=NotificationKind.CONSENT_EXPIRING,
                event_key=item.event_key,
                case=item.case,
                recipients=consent_recipients(item.case),
                params={"due": item.expires_on.isoformat()},
                url=reverse("cases:case_detail", args=[item.case.pk]),
            )
        announced += 1
    return announced
