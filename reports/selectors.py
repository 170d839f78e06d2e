"""The oversight figures, each one SQL query (or a fixed few) over cases, the services ledger, handoffs and the
workflow event history, limited to a `Scope` (reports.permissions) and a `Period` (reports.periods).

Nothing here returns a person's name: rows carry organisation ids and names, staff names (the case manager) and
case codes. The query count of every function is fixed; the rows returned grow with the groups (organisations,
steps, pairs), never with the cases or events.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models import Case as SqlCase
from django.db.models import (
    Count,
    DateTimeField,
    F,
    IntegerField,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import TruncMonth

from cases.models import Case, CaseStatus, Intervention
from partners.models import Organisation
from reports.periods import Period
from reports.permissions import Scope
from reports.sql import Distribution, Seconds, analytics_memory, grouped_percentiles
from workflows.models import CaseProcess, Handoff, HandoffStatus, HistoryKind, SpanOutcome, TaskSpan, WorkflowEvent


def _in_scope(scope: Scope, field_name: str) -> Q:
    if scope.organisation_ids is None:
        return Q()
    return Q(**{f"{field_name}__in": scope.organisation_ids})


def organisation_names(ids) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {pk: short or name for pk, name, short in
            Organisation.objects.filter(pk__in=wanted).values_list("pk", "name", "short_name")}


# --- caseload ---------------------------------------------------------------------------------------------------


def _open_at(period: Period) -> Q:
    """Open at the end of the period: opened by then, not closed by then."""
    return Q(opened_on__lte=period.end) & (Q(closed_on__isnull=True) | Q(closed_on__gt=period.end))


def caseload_by_organisation(*, scope: Scope, period: Period) -> list[dict]:
    """Per lead organisation: cases open at the period's end, opened and closed during the period.

    One query. The lead organisation is the current one (a transfer moves a case's whole history with it)."""
    in_period = Q(opened_on__gte=period.start, opened_on__lte=period.end)
    closed_in = Q(closed_on__gte=period.start, closed_on__lte=period.end)
    rows = (
        Case.objects.filter(_in_scope(scope, "lead_organisation_id"))
        .filter(_open_at(period) | in_period | closed_in)
        .values("lead_organisation_id", "lead_organisation__name")
        .annotate(open=Count("pk", filter=_open_at(period)), opened=Count("pk", filter=in_period),
                  closed=Count("pk", filter=closed_in))
        .order_by("-open", "lead_organisation__name")
    )
    return [{"organisation_id": r["lead_organisation_id"], "organisation": r["lead_organisation__name"],
             "open": r["open"], "opened": r["opened"], "closed": r["closed"]} for r in rows]


def caseload_by_case_manager(*, scope: Scope, period: Period) -> list[dict]:
    """Cases open at the period's end per lead organisation and case manager (staff, not the people helped).

    Grouped by ids, the names read afterwards for the groups only (joining the names first made PostgreSQL group
    200k cases by four text columns: 6x slower). Two queries, plus one for the organisation names."""
    rows = list(
        Case.objects.filter(_in_scope(scope, "lead_organisation_id"), _open_at(period))
        .values("lead_organisation_id", "case_manager_id").annotate(open=Count("pk")).order_by()
    )
    User = get_user_model()
    managers = User.objects.filter(pk__in={r["case_manager_id"] for r in rows} - {None})
    staff: dict[int, dict] = {u["pk"]: dict(u) for u in managers.values("pk", "first_name", "last_name", "username")}
    organisations = dict(Organisation.objects.filter(pk__in={r["lead_organisation_id"] for r in rows})
                         .values_list("pk", "name"))

    def as_row(r) -> tuple[tuple, dict]:
        user = staff.get(r["case_manager_id"], {})
        name = " ".join(p for p in (user.get("first_name"), user.get("last_name")) if p)
        organisation = organisations.get(r["lead_organisation_id"], "")
        row = {"organisation": organisation, "case_manager_id": r["case_manager_id"],
               "case_manager": name or user.get("username") or "", "open": r["open"]}
        return (-r["open"], organisation, user.get("last_name") or ""), row

    return [row for _key, row in sorted((as_row(r) for r in rows), key=lambda pair: pair[0])]


def caseload_by_pathway(*, scope: Scope, period: Period) -> list[dict]:
    """Cases with a process of each flow running at the period's end (one case counts once per flow)."""
    end = period.as_of
    query = (
        CaseProcess.objects.filter(_in_scope(scope, "case__lead_organisation_id"), created__lt=end)
        .filter(Q(finished__isnull=True) | Q(finished__gte=end))
        .values("flow_class")
        .annotate(cases=Count("case_id", distinct=True), processes=Count("pk"))
        .order_by("flow_class")
    )
    with analytics_memory(query.db):  # the DISTINCT's sort of every running process stays in memory
        rows = list(query)
    return [{"flow": flow_label(r["flow_class"]), "flow_title": flow_title(r["flow_class"]), "cases": r["cases"],
             "processes": r["processes"]} for r in rows]


def flow_label(flow_class) -> str:
    name = flow_class.__name__ if isinstance(flow_class, type) else str(flow_class).rsplit(".", 1)[-1]
    return name.removesuffix("Flow").lower()


def flow_title(flow_class) -> str:
    title = getattr(flow_class, "process_title", None)
    return str(title) if title else flow_label(flow_class)


def cases_per_month(*, scope: Scope, period: Period) -> list[dict]:
    """Cases opened and closed in each month of the period (two grouped queries)."""
    base = Case.objects.filter(_in_scope(scope, "lead_organisation_id"))
    opened = dict(
        base.filter(opened_on__gte=period.start, opened_on__lte=period.end)
        .annotate(month=TruncMonth("opened_on")).values("month").annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    closed = dict(
        base.filter(closed_on__gte=period.start, closed_on__lte=period.end)
        .annotate(month=TruncMonth("closed_on")).values("month").annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    opened = {_as_date(k): v for k, v in opened.items()}
    closed = {_as_date(k): v for k, v in closed.items()}
    return [{"month": m, "opened": opened.get(m, 0), "closed": closed.get(m, 0)} for m in period.months()]


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, str):
        return datetime.date.fromisoformat(value[:10])
    return value


# --- steps: queues and waiting times -----------------------------------------------------------------------------


@dataclass
class StepFigures:
    flow: str
    step: str
    organisation_id: int | None = None
    waiting: int = 0  # tasks waiting at the period's end
    waiting_age: Distribution | None = None  # how long those have been waiting (seconds)
    done: Distribution | None = None  # tasks finished in the period: created → finished (seconds)
    organisation: str = ""

    @property
    def done_count(self) -> int:
        return self.done.count if self.done else 0


def _spans(scope: Scope, pathway: str) -> QuerySet[TaskSpan]:
    qs = TaskSpan.objects.filter(_in_scope(scope, "organisation_id"))
    return qs.filter(flow=pathway) if pathway else qs


def waiting_tasks(*, scope: Scope, period: Period, pathway: str = "") -> QuerySet[TaskSpan]:
    """The spans of the tasks waiting at the period's end: created before it, not ended by then. From the task
    spans, the event history's one-row-per-task projection (`workflows.spans`)."""
    as_of = period.as_of
    return _spans(scope, pathway).filter(Q(ended_at__isnull=True) | Q(ended_at__gte=as_of), created_at__lt=as_of)


def step_figures(*, scope: Scope, period: Period, pathway: str = "", by_organisation: bool = False,
                 native: bool | None = None) -> list[StepFigures]:
    """Per flow step (and per organisation whose queue holds the work, when `by_organisation`): the tasks waiting
    at the period's end with the median and p90 of their age, and the median and p90 of the wait of the tasks
    finished in the period (creation → completion). Two queries, plus one for organisation names."""
    return _step_figures(scope=scope, period=period, pathway=pathway, by_organisation=by_organisation,
                         native=native)[0]


def step_figures_both(*, scope: Scope, period: Period, pathway: str = "", native: bool | None = None
                      ) -> tuple[list[StepFigures], list[StepFigures]]:
    """(per step and organisation, per step): the two views of the bottleneck map, from the same two passes over
    the events on PostgreSQL (GROUPING SETS); four queries elsewhere."""
    return _step_figures(scope=scope, period=period, pathway=pathway, by_organisation=True, totals=True,
                         native=native)


def _step_figures(*, scope: Scope, period: Period, pathway: str, by_organisation: bool, totals: bool = False,
                  native: bool | None = None) -> tuple[list[StepFigures], list[StepFigures]]:
    keys = ["g_flow", "g_step"] + (["g_org"] if by_organisation else [])
    group = {"g_flow": F("flow"), "g_step": F("step")}
    if by_organisation:
        group["g_org"] = F("organisation_id")
    as_of = period.as_of
    waiting = waiting_tasks(scope=scope, period=period, pathway=pathway).annotate(
        **group, g_value=Seconds(Value(as_of, output_field=DateTimeField()), F("created_at")))
    done = _spans(scope, pathway).filter(
        outcome=SpanOutcome.COMPLETED, ended_at__gte=period.start_at, ended_at__lt=period.end_at
    ).annotate(**group, g_value=F("duration"))
    waiting_dist = grouped_percentiles(waiting, keys=keys, value="g_value", native=native, also_coarser=totals)
    done_dist = grouped_percentiles(done, keys=keys, value="g_value", native=native, also_coarser=totals)
    result: dict[tuple, StepFigures] = {}
    for key in set(waiting_dist) | set(done_dist):
        row = StepFigures(flow=key[0], step=key[1], organisation_id=key[2] if len(key) > 2 else None)
        if key in waiting_dist:
            row.waiting = waiting_dist[key].count
            row.waiting_age = waiting_dist[key]
        row.done = done_dist.get(key)
        result[key] = row
    if by_organisation:
        names = organisation_names(r.organisation_id for r in result.values())
        for row in result.values():
            row.organisation = names.get(row.organisation_id, "") if row.organisation_id else ""

    def ordered(rows):
        return sorted(rows, key=lambda r: (r.flow, r.step, -(r.waiting or 0), r.organisation))

    nk = len(keys)
    return (ordered(r for k, r in result.items() if len(k) == nk),
            ordered(r for k, r in result.items() if len(k) == nk - 1))


# --- handoffs ----------------------------------------------------------------------------------------------------


def sla_breaches(*, scope: Scope, period: Period) -> list[dict]:
    """Per receiving organisation, for the handoffs sent (or redirected to it) in the period: answered in time,
    answered late, waiting past the deadline at the period's end, escalated to the coordinator. One query.

    A redirected handoff counts for its current receiver only; the event history keeps the earlier ones (see
    `referral_loops`)."""
    as_of = period.as_of
    rows = (
        Handoff.objects.filter(_in_scope(scope, "receiver_organisation_id"),
                               sent_at__gte=period.start_at, sent_at__lt=period.end_at)
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
    return [{"organisation_id": r["receiver_organisation_id"], "organisation": r["receiver_organisation__name"],
             "sent": r["sent"], "on_time": r["on_time"], "late": r["late"], "overdue": r["overdue"],
             "escalated": r["escalated"], "breaches": r["late"] + r["overdue"]} for r in rows]


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
    events = WorkflowEvent.objects.filter(flow="handoff", at__gte=period.start_at, at__lt=period.end_at).annotate(
        g_sender=SqlCase(When(kind__in=_SENDING, then=F("organisation_id")), default=F("partner_organisation_id"),
                       output_field=IntegerField()),
        g_receiver=SqlCase(When(kind__in=_SENDING, then=F("partner_organisation_id")),
                         default=F("organisation_id"), output_field=IntegerField()),
    ).filter(g_sender__isnull=False, g_receiver__isnull=False)
    if scope.organisation_ids is not None:
        events = events.filter(Q(g_sender__in=scope.organisation_ids) | Q(g_receiver__in=scope.organisation_ids))
    counts = (
        events.values("g_sender", "g_receiver")
        .annotate(sent=Count("pk", filter=Q(kind__in=_SENDING)),
                  accepted=Count("pk", filter=Q(kind=HistoryKind.HANDOFF_ACCEPTED)),
                  declined=Count("pk", filter=Q(kind=HistoryKind.HANDOFF_DECLINED)),
                  completed=Count("pk", filter=Q(kind=HistoryKind.HANDOFF_OUTCOME, detail__outcome="completed")))
        .filter(Q(sent__gt=0) | Q(accepted__gt=0) | Q(declined__gt=0) | Q(completed__gt=0))
    )
    pairs: dict[tuple[int, int], PairFigures] = {}
    for r in counts:
        pairs[(r["g_sender"], r["g_receiver"])] = PairFigures(
            sender_id=r["g_sender"], receiver_id=r["g_receiver"], sent=r["sent"], accepted=r["accepted"],
            declined=r["declined"], completed=r["completed"])
    reasons = (
        events.filter(kind=HistoryKind.HANDOFF_DECLINED).annotate(g_reason=KeyTextTransform("reason", "detail"))
        .values("g_sender", "g_receiver", "g_reason").annotate(n=Count("pk"))
    )
    for sender_id, receiver_id, reason, n in reasons.values_list("g_sender", "g_receiver", "g_reason", "n"):
        pair = pairs.get((sender_id, receiver_id))
        if pair is not None:
            pair.declined_by_reason[reason or "other"] = n
    accept = events.filter(kind=HistoryKind.HANDOFF_ACCEPTED, task_created_at__isnull=False).annotate(
        g_value=Seconds(F("at"), F("task_created_at")))
    for key, dist in grouped_percentiles(accept, keys=["g_sender", "g_receiver"], value="g_value").items():
        if key in pairs:
            pairs[key].time_to_accept = dist
    names = organisation_names({i for key in pairs for i in key})
    for pair in pairs.values():
        pair.sender, pair.receiver = names.get(pair.sender_id, "?"), names.get(pair.receiver_id, "?")
    return sorted(pairs.values(), key=lambda p: (-p.sent, p.sender, p.receiver))


# --- duplicate aid ------------------------------------------------------------------------------------------------


@dataclass
class DuplicateAidSignal:
    household_key: int  # a household id, or minus the person's id for a person without a household
    kind: str
    organisations: int
    deliveries: int
    quantity: int
    first_on: datetime.date
    last_on: datetime.date
    organisation_names: list[str] = field(default_factory=list)
    case_codes: list[str] = field(default_factory=list)
    hidden_cases: int = 0  # cases of this household whose codes the reader may not see

    @property
    def is_person(self) -> bool:
        return self.household_key < 0


DUPLICATE_AID_LIMIT = 200


def duplicate_aid_signals(*, scope: Scope, period: Period, limit: int = DUPLICATE_AID_LIMIT
                          ) -> list[DuplicateAidSignal]:
    """The same household receiving the same kind of aid from two or more organisations in the period (services
    ledger). An org_admin sees the signals their organisation takes part in; the case codes shown are those of
    cases led by an organisation in scope (all of them for the coordinator). Two queries, at most `limit` signals,
    most organisations first.

    The household is `Intervention.recipient_key` (its household, else the case's, else minus the person). The
    deliveries are grouped per (kind, recipient, organisation) in the order of the `intervention_recipient` index,
    then per (kind, recipient): two streaming aggregations with no sort and no COUNT(DISTINCT) (4x faster on a
    year of 300k deliveries than grouping by a key computed through the cases)."""
    base = Intervention.objects.filter(delivered_on__gte=period.start, delivered_on__lte=period.end)
    # COUNT(*), not COUNT(id): every column read is in the index, so PostgreSQL reads the index only.
    per_organisation = (
        base.order_by().values("kind", "recipient_key", "organisation_id")
        .annotate(g_n=Count("*"), g_total=Sum("quantity"), g_first=Min("delivered_on"), g_last=Max("delivered_on"))
    )
    inner_sql, inner_params = per_organisation.query.sql_with_params()
    connection = connections[per_organisation.db]
    qn = connection.ops.quote_name
    kind, key, org = qn("kind"), qn("recipient_key"), qn("organisation_id")
    having = "COUNT(*) >= 2"
    params: list = list(inner_params)
    if scope.organisation_ids is not None:
        # Signals the reader's organisations take part in: one of their deliveries is in the group.
        marks = ", ".join(["%s"] * len(scope.organisation_ids))
        having += f" AND SUM(CASE WHEN d.{org} IN ({marks}) THEN 1 ELSE 0 END) > 0"
        params += list(scope.organisation_ids)
    # Identifiers are quoted by the backend; every value is a parameter.
    sql = (
        f"SELECT d.{key}, d.{kind}, COUNT(*), SUM(d.{qn('g_n')}), SUM(d.{qn('g_total')}), "  # noqa: S608
        f"MIN(d.{qn('g_first')}), MAX(d.{qn('g_last')}) FROM ({inner_sql}) d GROUP BY d.{kind}, d.{key} "
        f"HAVING {having} ORDER BY 3 DESC, 4 DESC, d.{kind}, d.{key} LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        rows = cursor.fetchall()
    if not rows:
        return []
    signals = {(household, kind_value): DuplicateAidSignal(
        household_key=household, kind=kind_value, organisations=organisations, deliveries=deliveries,
        quantity=total or 0, first_on=_as_date(first_on), last_on=_as_date(last_on))
        for household, kind_value, organisations, deliveries, total, first_on, last_on in rows}
    detail = (
        base.filter(recipient_key__in={k for k, _ in signals}, kind__in={kind for _, kind in signals})
        .values("recipient_key", "kind", "organisation__name", "organisation__short_name", "case__code",
                "case__lead_organisation_id")
        .distinct()
        .order_by("organisation__name", "case__code")
    )
    hidden: dict[tuple, set[str]] = {}
    for r in detail:
        signal = signals.get((r["recipient_key"], r["kind"]))
        if signal is None:
            continue
        name = r["organisation__short_name"] or r["organisation__name"]
        if name not in signal.organisation_names:
            signal.organisation_names.append(name)
        code = r["case__code"]
        if scope.covers(r["case__lead_organisation_id"]):
            if code not in signal.case_codes:
                signal.case_codes.append(code)
        else:
            hidden.setdefault((r["recipient_key"], r["kind"]), set()).add(code)
    for signal_key, codes in hidden.items():
        signals[signal_key].hidden_cases = len(codes)
    return list(signals.values())


def open_case_statuses() -> list[str]:
    return [s for s in CaseStatus.values if s != CaseStatus.CLOSED]
