"""Crafted history for the oversight figures: events with chosen timestamps, on real tasks of real processes."""

from __future__ import annotations

import datetime

from django.utils import timezone
from viewflow.workflow.models import Task

from reports.periods import Period
from workflows import spans
from workflows.flows import CaseFlow, HandoffFlow
from workflows.models import CaseProcess, HistoryKind, WorkflowEvent

YEAR = 2025
PERIOD = Period(start=datetime.date(YEAR, 1, 1), end=datetime.date(YEAR, 12, 31))


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(YEAR, month, day, hour, minute))


class History:
    """Writes the events `workflows.services.history` would write (and their task spans, as it does), at the
    times a test chooses."""

    def __init__(self):
        self.processes: dict[int, CaseProcess] = {}

    def process(self, case, flow_class=CaseFlow) -> CaseProcess:
        key = (case.pk, flow_class)
        if key not in self.processes:
            self.processes[key] = CaseProcess.objects.create(flow_class=flow_class, case=case)
        return self.processes[key]

    def task(
        self,
        case,
        *,
        step: str,
        organisation,
        created: datetime.datetime,
        finished=None,
        canceled: bool = False,
        flow_class=CaseFlow,
    ) -> Task:
        """A task of `step` in `organisation`'s queue, created (and finished) at the given times."""
        process = self.process(case, flow_class)
        task = Task.objects.create(
            process=process,
            flow_task=getattr(flow_class, step),
            flow_task_type="HUMAN",
            created=created,
            finished=finished,
            status="DONE" if finished else "NEW",
        )
        flow = "case" if flow_class is CaseFlow else "handoff"
        common = {
            "flow": flow,
            "step": step,
            "case": case,
            "process": process,
            "task": task,
            "organisation": organisation,
            "task_created_at": created,
        }
        spans.record(WorkflowEvent.objects.create(kind=HistoryKind.TASK_CREATED, at=created, **common))
        if finished is not None:
            kind = HistoryKind.TASK_CANCELED if canceled else HistoryKind.TASK_COMPLETED
            spans.record(WorkflowEvent.objects.create(kind=kind, at=finished, task_finished_at=finished, **common))
        return task

    def handoff_event(self, case, *, kind: str, acting, partner, when, task_created_at=None, detail=None):
        return WorkflowEvent.objects.create(
            kind=kind,
            flow="handoff",
            step="decide" if task_created_at else "",
            case=case,
            process=self.process(case, HandoffFlow),
            organisation=acting,
            partner_organisation=partner,
            at=when,
            task_created_at=task_created_at,
            detail=detail or {},
        )
