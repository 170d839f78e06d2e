"""Steps: queues and waiting times, from the task spans."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import DateTimeField, F, Q, QuerySet, Value

from reports.periods import Period
from reports.permissions import Scope
from reports.selectors.common import _in_scope, organisation_names
from reports.sql import Distribution, Seconds, grouped_percentiles
from workflows.models import SpanOutcome, TaskSpan


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


def step_figures(
    *, scope: Scope, period: Period, pathway: str = "", by_organisation: bool = False, native: bool | None = None
) -> list[StepFigures]:
    """Per flow step (and per organisation whose queue holds the work, when `by_organisation`): the tasks waiting
    at the period's end with the median and p90 of their age, and the median and p90 of the wait of the tasks
    finished in the period (creation → completion). Two queries, plus one for organisation names."""
    return _step_figures(scope=scope, period=period, pathway=pathway, by_organisation=by_organisation, native=native)[0]


def step_figures_both(
    *, scope: Scope, period: Period, pathway: str = "", native: bool | None = None
) -> tuple[list[StepFigures], list[StepFigures]]:
    """(per step and organisation, per step): the two views of the bottleneck map, from the same two passes over
    the events on PostgreSQL (GROUPING SETS); four queries elsewhere."""
    return _step_figures(scope=scope, period=period, pathway=pathway, by_organisation=True, totals=True, native=native)


def _step_figures(
    *,
    scope: Scope,
    period: Period,
    pathway: str,
    by_organisation: bool,
    totals: bool = False,
    native: bool | None = None,
) -> tuple[list[StepFigures], list[StepFigures]]:
    keys = ["g_flow", "g_step"] + (["g_org"] if by_organisation else [])
    group = {"g_flow": F("flow"), "g_step": F("step")}
    if by_organisation:
        group["g_org"] = F("organisation_id")
    as_of = period.as_of
    waiting = waiting_tasks(scope=scope, period=period, pathway=pathway).annotate(
        **group, g_value=Seconds(Value(as_of, output_field=DateTimeField()), F("created_at"))
    )
    done = (
        _spans(scope, pathway)
        .filter(outcome=SpanOutcome.COMPLETED, ended_at__gte=period.start_at, ended_at__lt=period.end_at)
        .annotate(**group, g_value=F("duration"))
    )
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
    return (
        ordered(r for k, r in result.items() if len(k) == nk),
        ordered(r for k, r in result.items() if len(k) == nk - 1),
    )
