"""Handoffs through the services, as the workflow, notification and pathway tests start them."""

from __future__ import annotations

from viewflow.workflow.models import Process, Task

from cases.models import CaseEvent, CaseGroupObjectPermission, CaseShare
from core.models import AuditEntry
from partners.roles import Role
from workflows import permissions
from workflows.models import Handoff, WorkflowEvent
from workflows.services import handoffs


def send(network, case, service=None, *, actor=None, receiver=None, **kwargs) -> Handoff:
    """A referral from A's case manager to B (or `receiver`), for `service`, sharing the file."""
    kwargs.setdefault("kind", "referral")
    kwargs.setdefault("reason", "Ha bisogno di un pacco alimentare")
    kwargs.setdefault("sections", ["file"])
    return handoffs.handoff_send(
        actor=actor or network.user("a", Role.CASE_MANAGER),
        case=case,
        receiver_organisation_id=(receiver or network.org_b).pk,
        service_type_id=service.pk if service is not None else None,
        **kwargs,
    )


def tasks_of(handoff: Handoff, step, *statuses) -> list[Task]:
    tasks = Task.objects.filter(process_id=handoff.process_id, flow_task=step)
    if statuses:
        tasks = tasks.filter(status__in=statuses)
    return list(tasks.order_by("pk"))


def open_task(handoff: Handoff, step) -> Task:
    (task,) = tasks_of(handoff, step, *permissions.OPEN_TASK_STATUSES)
    return task


def snapshot() -> dict[str, int]:
    """Row counts of everything a handoff action writes."""
    models = (Handoff, Process, Task, WorkflowEvent, CaseShare, CaseGroupObjectPermission, CaseEvent, AuditEntry)
    return {model.__name__: model.objects.count() for model in models}
