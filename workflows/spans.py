"""Task spans: each task's life in one row (`TaskSpan`), projected from the event history.

`record(event)` is called by `workflows.services.history` for every task event, in the event's transaction, so a
span can never disagree with a committed event. `rebuild()` recomputes every span from the events (after a restore
of the events alone, or to check the projection): the span of a task is its "task created" event, ended by the
latest "task completed"/"task canceled" event if there is one, whose organisation it then takes (the queue that
finished the work). Tasks without a "task created" event (the SLA timers, canceled with their handoff) have no
span, in both.
"""

from __future__ import annotations

from django.db import connection, transaction

from workflows.models import HistoryKind, SpanOutcome, TaskSpan, WorkflowEvent

SPAN_EVENTS = (HistoryKind.TASK_CREATED, HistoryKind.TASK_COMPLETED, HistoryKind.TASK_CANCELED)
_OUTCOMES: dict[str, str] = {
    HistoryKind.TASK_COMPLETED: SpanOutcome.COMPLETED,
    HistoryKind.TASK_CANCELED: SpanOutcome.CANCELED,
}


def record(event: WorkflowEvent) -> None:
    """Keep the span of `event`'s task in step with it: created → a new open span; completed or canceled → the
    span's end, outcome and duration. Other events, and events without a task or creation time, change nothing."""
    if event.kind not in SPAN_EVENTS or event.task_id is None or event.task_created_at is None:
        return
    if event.kind == HistoryKind.TASK_CREATED:
        TaskSpan.objects.bulk_create(
            [
                TaskSpan(
                    task_id=event.task_id,
                    flow=event.flow,
                    step=event.step,
                    organisation_id=event.organisation_id,
                    created_at=event.task_created_at,
                )
            ],
            ignore_conflicts=True,
        )
        return
    ended = event.task_finished_at or event.at
    fields = {
        "flow": event.flow,
        "step": event.step,
        "organisation_id": event.organisation_id,
        "ended_at": ended,
        "outcome": _OUTCOMES[event.kind],
        "duration": (ended - event.task_created_at).total_seconds(),
    }
    TaskSpan.objects.filter(task_id=event.task_id).update(**fields)


def rebuild_sql(vendor: str) -> str:
    """The INSERT … SELECT that makes every span from the events (migration 0004 runs a frozen copy of it)."""
    events = WorkflowEvent._meta.db_table
    spans = TaskSpan._meta.db_table
    seconds = (
        "EXTRACT(EPOCH FROM (COALESCE(t.task_finished_at, t.at) - c.task_created_at))"
        if vendor == "postgresql"
        else "((julianday(COALESCE(t.task_finished_at, t.at)) - julianday(c.task_created_at)) * 86400.0)"
    )
    created, completed, canceled = (
        HistoryKind.TASK_CREATED.value,
        HistoryKind.TASK_COMPLETED.value,
        HistoryKind.TASK_CANCELED.value,
    )
    # Constant table names and kinds from the models; no value comes from outside.
    return f"""
        INSERT INTO {spans} (task_id, flow, step, organisation_id, created_at, ended_at, outcome, duration)
        SELECT c.task_id, c.flow, c.step,
               CASE WHEN t.id IS NULL THEN c.organisation_id ELSE t.organisation_id END,
               c.task_created_at, COALESCE(t.task_finished_at, t.at),
               CASE t.kind WHEN '{completed}' THEN '{SpanOutcome.COMPLETED.value}'
                           WHEN '{canceled}' THEN '{SpanOutcome.CANCELED.value}' ELSE '' END,
               CASE WHEN t.id IS NULL THEN NULL ELSE {seconds} END
        FROM {events} c
        LEFT JOIN {events} t ON t.id = (
            SELECT MAX(x.id) FROM {events} x WHERE x.task_id = c.task_id AND x.kind IN ('{completed}', '{canceled}'))
        WHERE c.kind = '{created}' AND c.task_id IS NOT NULL AND c.task_created_at IS NOT NULL
          AND c.id = (SELECT MIN(y.id) FROM {events} y WHERE y.task_id = c.task_id AND y.kind = '{created}')
    """  # noqa: S608


def rebuild() -> int:
    """Every span again from the events, in one transaction; the number of spans."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TaskSpan._meta.db_table}")  # noqa: S608 - the model's table
        cursor.execute(rebuild_sql(connection.vendor))
    return TaskSpan.objects.count()
