"""The workflow history: the only writer of `WorkflowEvent` rows, one per transition, in the transition's
transaction. Every row goes through `_write`: it is projected onto the task spans (`workflows.spans`) and published
as `WorkflowEventRecorded` (core.bus) — so a row is never written without its span and its subscribers.

The functions are named for what they write (`record_*`); the bus message is the event."""

from __future__ import annotations

from django.utils import timezone

from cases.models import TimelineKind
from cases.services.timeline import timeline_record
from core.bus import publish
from workflows import permissions, spans
from workflows.events import WorkflowEventRecorded
from workflows.models import CaseProcess, Handoff, HistoryKind, WorkflowEvent


def flow_label_of(flow_class) -> str:
    """ "case" for CaseFlow, "handoff" for HandoffFlow, "housing" for HousingFlow..."""
    return flow_class.__name__.removesuffix("Flow").lower()


def _write(**fields) -> WorkflowEvent:
    event = WorkflowEvent.objects.create(**fields)
    spans.record(event)
    publish(WorkflowEventRecorded(event=event))
    return event


def record_task(
    task,
    *,
    kind: str,
    user=None,
    from_state: str = "",
    to_state: str = "",
    handoff: Handoff | None = None,
    case_id: int | None = None,
    flow_name: str | None = None,
    detail: dict | None = None,
) -> WorkflowEvent:
    """A transition of one task (created, claimed, released, completed, canceled)."""
    organisation_id = permissions.task_organisation_id(task)
    partner_id = None
    if handoff is not None:
        case_id = handoff.case_id
        partner_id = (
            handoff.sender_organisation_id
            if organisation_id == handoff.receiver_organisation_id
            else handoff.receiver_organisation_id
        )
    if case_id is None:
        case_id = CaseProcess.objects.filter(pk=task.process_id).values_list("case_id", flat=True).get()
    return _write(
        kind=kind,
        flow=flow_name or flow_label_of(task.flow_task.flow_class),
        step=task.flow_task.name,
        case_id=case_id,
        process_id=task.process_id,
        task=task,
        handoff=handoff,
        organisation_id=organisation_id,
        partner_organisation_id=partner_id,
        user=user,
        from_state=from_state,
        to_state=to_state,
        task_created_at=task.created,
        task_claimed_at=task.assigned,
        task_finished_at=task.finished,
        detail=detail or {},
    )


def record_task_created(task, *, flow_name: str, case_id: int | None = None, handoff: Handoff | None = None) -> None:
    """A flow created a task (called from the flows' task-created hooks)."""
    if task.owner_id and task.assigned is None:
        # Assigned by the flow at creation (a case manager's inbox): claimed as soon as created.
        task.assigned = task.created
        task.save(update_fields=["assigned"])
    record_task(
        task, kind=HistoryKind.TASK_CREATED, to_state=task.status, flow_name=flow_name, case_id=case_id, handoff=handoff
    )


def record_handoff(
    handoff: Handoff,
    *,
    kind: str,
    user=None,
    from_state: str = "",
    to_state: str = "",
    task=None,
    acting_organisation_id: int | None = None,
    detail: dict | None = None,
) -> WorkflowEvent:
    """A transition of the handoff itself. `organisation` is the one that acted, `partner_organisation` the
    other end; so "sent" rows read sender → receiver and "accepted" rows receiver → sender."""
    organisation_id = acting_organisation_id or handoff.sender_organisation_id
    partner_id = (
        handoff.receiver_organisation_id
        if organisation_id == handoff.sender_organisation_id
        else handoff.sender_organisation_id
    )
    return _write(
        kind=kind,
        flow="handoff",
        step=task.flow_task.name if task is not None else "",
        case_id=handoff.case_id,
        process_id=handoff.process_id,
        task=task,
        handoff=handoff,
        organisation_id=organisation_id,
        partner_organisation_id=partner_id,
        user=user,
        from_state=from_state,
        to_state=to_state,
        task_created_at=getattr(task, "created", None),
        task_claimed_at=getattr(task, "assigned", None),
        task_finished_at=getattr(task, "finished", None),
        detail=detail or {},
    )


def record_handoff_escalated(task, *, handoff: Handoff) -> None:
    """The answer is overdue: the SLA timer just created the coordinator's follow-up task."""
    handoff.escalated_at = timezone.now()
    handoff.save(update_fields=["escalated_at"])
    record_task(task, kind=HistoryKind.TASK_CREATED, to_state=task.status, handoff=handoff, flow_name="handoff")
    record_handoff(
        handoff,
        kind=HistoryKind.HANDOFF_ESCALATED,
        task=task,
        from_state=handoff.status,
        to_state=handoff.status,
        acting_organisation_id=handoff.receiver_organisation_id,
        detail={"due_at": handoff.due_at.isoformat()},
    )
    timeline_record(
        case=handoff.case,
        kind=TimelineKind.HANDOFF_ESCALATED,
        actor=None,
        organisation_id=handoff.receiver_organisation_id,
        obj=handoff,
        data={
            "kind": handoff.kind,
            "from": handoff.sender_organisation_id,
            "to": handoff.receiver_organisation_id,
            "from_name": str(handoff.sender_organisation),
            "to_name": str(handoff.receiver_organisation),
        },
    )


def record_process(
    *,
    kind: str,
    flow: str,
    step: str,
    case_id: int,
    process_id: int | None,
    user=None,
    organisation_id: int | None = None,
    to_state: str = "",
    at=None,
) -> WorkflowEvent:
    """A pathway started (`PROCESS_STARTED`: at intake, from the case page, at a reopening) or ended
    (`PROCESS_FINISHED`: at its end node, or cut short when the case or the pathway closed early)."""
    return _write(
        kind=kind,
        flow=flow,
        step=step,
        case_id=case_id,
        process_id=process_id,
        user=user,
        organisation_id=organisation_id,
        to_state=to_state,
        at=at or timezone.now(),
    )


def record_process_finished_if_done(process_id: int, *, user=None) -> WorkflowEvent | None:
    """After a step: when the flow reached its end (viewflow marked the process finished), record it once."""
    process = CaseProcess.objects.filter(pk=process_id, finished__isnull=False).first()
    if (
        process is None
        or WorkflowEvent.objects.filter(process_id=process_id, kind=HistoryKind.PROCESS_FINISHED).exists()
    ):
        return None
    return record_process(
        kind=HistoryKind.PROCESS_FINISHED,
        flow=flow_label_of(process.flow_class),
        step="end",
        case_id=process.case_id,
        process_id=process_id,
        user=user,
        to_state=process.status,
        at=process.finished,
    )
