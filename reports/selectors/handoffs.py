"""Handoffs: deadlines kept per receiver, and the referral loops per organisation pair."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Case as SqlCase
from django.db.models import Count, F, IntegerField, Q, When
from django.db.models.fields.json import KeyTextTransform

from reports.periods import Period
from reports.permissions import Scope
from reports.selectors.common import _in_scope, organisation_names
from reports.sql import Distribution, Seconds, grouped_percentiles
from workflows.models import Handoff, HandoffStatus, HistoryKind, WorkflowEvent


def sla_breaches(*, scope: Scope, period: Period) -> list[dict]:
    """Per receiving organisation, for the handoffs sent (or redirected to it) in the period: answered in time,
    answered late, waiting past the deadline at the period's end, escalated to the coordinator. One query.

    A redirected handoff counts for its current receiver only; the event history keeps the earlier ones (see
    `referral_loops`)."""
    as_of = period.as_of
    rows = (
        Handoff.objects.filter(
            _in_scope(scope, "receiver_organisation_id"), sent_at__gte=period.start_at, sent_at__lt=period.end_at
        )
        .values("receiver_organisation_id", "receiver_organisation__name")
        .annotate(
            sent=Count("pk"),
            on_time=Count("pk", filter=Q(decided_at__isnull=False, decided_at__lte=F("due_at"))),
            late=Count("pk", filter=Q(decided_at__gt=F("due_at"))),
            overdue=Count("pk", filter=Q(status=HandoffStatus.PENDING, due_at__lt=as_of)),
            escalated=Count("pk", filter=Q(escalated_at__isnull=False)),
        )
        .order_by("receiver_organisation__name")
    )
    return [
        {
            "organisation_id": r["receiver_organisation_id"],
            "organisation": r["receiver_organisation__name"],
            "sent": r["sent"],
            "on_time": r["on_time"],
            "late": r["late"],
            "overdue": r["overdue"],
            "escalated": r["escalated"],
            "breaches": r["late"] + r["overdue"],
        }
        for r in rows
    ]


_SENDING = (HistoryKind.HANDOFF_SENT, HistoryKind.HANDOFF_REDIRECTED)


@dataclass
class PairFigures:
    sender_id: int
    receiver_id: int
    sender: str = ""
    receiver: str = ""
    sent: int = 0
    accepted: int = 0
    declined: int = 0
    completed: int = 0
    declined_by_reason: dict[str, int] = field(default_factory=dict)
    time_to_accept: Distribution | None = None


def referral_loops(*, scope: Scope, period: Period) -> list[PairFigures]:
    """Per organisation pair (sender → receiver), from the handoff events of the period: sent (including
    redirections to the receiver), accepted, declined by coded reason, outcome reported, and the median / p90 time
    from the request reaching the receiver to its acceptance. Three queries and one for the names."""
    events = (
        WorkflowEvent.objects.filter(flow="handoff", at__gte=period.start_at, at__lt=period.end_at)
        .annotate(
            g_sender=SqlCase(
                When(kind__in=_SENDING, then=F("organisation_id")),
                default=F("partner_organisation_id"),
                output_field=IntegerField(),
            ),
            g_receiver=SqlCase(
                When(kind__in=_SENDING, then=F("partner_organisation_id")),
                default=F("organisation_id"),
                output_field=IntegerField(),
            ),
        )
        .filter(g_sender__isnull=False, g_receiver__isnull=False)
    )
    if scope.organisation_ids is not None:
        events = events.filter(Q(g_sender__in=scope.organisation_ids) | Q(g_receiver__in=scope.organisation_ids))
    counts = (
        events.values("g_sender", "g_receiver")
        .annotate(
            sent=Count("pk", filter=Q(kind__in=_SENDING)),
            accepted=Count("pk", filter=Q(kind=HistoryKind.HANDOFF_ACCEPTED)),
            declined=Count("pk", filter=Q(kind=HistoryKind.HANDOFF_DECLINED)),
            completed=Count("pk", filter=Q(kind=HistoryKind.HANDOFF_OUTCOME, detail__outcome="completed")),
        )
        .filter(Q(sent__gt=0) | Q(accepted__gt=0) | Q(declined__gt=0) | Q(completed__gt=0))
    )
    pairs: dict[tuple[int, int], PairFigures] = {}
    for r in counts:
        pairs[(r["g_sender"], r["g_receiver"])] = PairFigures(
            sender_id=r["g_sender"],
            receiver_id=r["g_receiver"],
            sent=r["sent"],
            accepted=r["accepted"],
            declined=r["declined"],
            completed=r["completed"],
        )
    reasons = (
        events.filter(kind=HistoryKind.HANDOFF_DECLINED)
        .annotate(g_reason=KeyTextTransform("reason", "detail"))
        .values("g_sender", "g_receiver", "g_reason")
        .annotate(n=Count("pk"))
    )
    for sender_id, receiver_id, reason, n in reasons.values_list("g_sender", "g_receiver", "g_reason", "n"):
        pair = pairs.get((sender_id, receiver_id))
        if pair is not None:
            pair.declined_by_reason[reason or "other"] = n
    accept = events.filter(kind=HistoryKind.HANDOFF_ACCEPTED, task_created_at__isnull=False).annotate(
        g_value=Seconds(F("at"), F("task_created_at"))
    )
    for key, dist in grouped_percentiles(accept, keys=["g_sender", "g_receiver"], value="g_value").items():
        if key in pairs:
            pairs[key].time_to_accept = dist
    names = organisation_names({i for key in pairs for i in key})
    for pair in pairs.values():
        pair.sender, pair.receiver = names.get(pair.sender_id, "?"), names.get(pair.receiver_id, "?")
    return sorted(pairs.values(), key=lambda p: (-p.sent, p.sender, p.receiver))
