"""The event history: one `WorkflowEvent` per transition, written in the transition's transaction."""

from __future__ import annotations

from django.utils import timezone

from cases.models import EventKind as CaseEventKind
from cases.services.events import event_record
from core.bus import publish
from workflows import permissions, spans
from workflows.events import WorkflowEventRecorded
from workflows.models import CaseProcess, EventKind, Handoff, WorkflowEvent


def flow_label_of(flow_class) -> str:
    """"case" for CaseFlow, "handoff" for HandoffFlow, "housing" for HousingFlow..."""
    return flow_class.__name__.removesuffix("Flow").lower()


def task_event(
    task, *, kind: str, user=None, from_state: str = "", to_state: str = "", handoff: Handoff | None = None,
    case_id: int | None = None, flow_name: str | None = None, detail: dict | None = None,
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
        from workflows.models import CaseProcess

        case_id = CaseProcess.objects.filter(pk=task.process_id).values_list("case_id", flat=True).get()
    event = WorkflowEvent.objects.create(
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
    spans.record(event)
    publish(WorkflowEventRecorded(event=event))
    return event


def task_created(task, *, flow_name: str, case_id: int | None = None, handoff: Handoff | None = None) -> None:
    if task.owner_id and task.assigned is None:
        # Assigned by the flow at creation (a case manager's inbox): claimed as soon as created.
        task.assigned = task.created
        task.save(update_fields=["assigned"])
    task_event(task, kind=EventKind.TASK_CREATED, to_state=task.status, flow_name=flow_name, case_id=case_id,
               handoff=handoff)


def handoff_event(
    handoff: Handoff, *, kind: str, user=None, from_state: str = "", to_state: str = "", task=None,
    acting_organisation_id: int | None = None, detail: dict | None = None,
) -> WorkflowEvent:
    """A transition of the handoff itself. `organisation` is the one that acted, `partner_organisation` the
    other end; so "sent" rows read sender → receiver and "accepted" rows receiver → sender."""
    organisation_id = acting_organisation_id or handoff.sender_organisation_id
    partner_id = (
        handoff.receiver_organisation_id
        if organisation_id == handoff.sender_organisation_id
        else handoff.sender_organisation_id
    )
    event = WorkflowEvent.objects.create(
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
    publish(WorkflowEventRecorded(event=event))
    return event


def handoff_escalated(task, *, handoff: Handoff) -> None:
    """The answer is overdue: the SLA timer just created the coordinator's follow-up task."""
    handoff.escalated_at = timezone.now()
    handoff.save(update_fields=["escalated_at"])
    task_event(task, kind=EventKind.TASK_CREATED, to_state=task.status, handoff=handoff, flow_name="handoff")
    handoff_event(handoff, kind=EventKind.HANDOFF_ESCALATED, task=task, from_state=handoff.status,
                  to_state=handoff.status, acting_organisation_id=handoff.receiver_organisation_id,
                  detail={"due_at": handoff.due_at.isoformat()})
    event_record(case=handoff.case, kind=CaseEventKind.HANDOFF_ESCALATED, actor=None,
                 organisation_id=handoff.receiver_organisation_id, obj=handoff,
                 data={"kind": handoff.kind, "from": handoff.sender_organisation_id,
                       "to": handoff.receiver_organisation_id, "from_name": str(handoff.sender_organisation),
                       "to_name": str(handoff.receiver_organisation)})


def process_finished_if_done(process_id: int, *, user=None) -> WorkflowEvent | None:
    """After a step: when the flow reached its end (viewflow marked the process finished), record it once."""
    process = CaseProcess.objects.filter(pk=process_id, finished__isnull=False).first()
    if process is None or WorkflowEvent.objects.filter(process_id=process_id, kind=EventKind.PROCESS_FINISHED).exists():
        return None
    return WorkflowEvent.objects.create(
        kind=EventKind.PROCESS_FINISHED, flow=flow_label_of(process.flow_class), step="end", case_id=process.case_id,
        process_id=process_id, user=user, to_state=process.status, at=process.finished,
    )
