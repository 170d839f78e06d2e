"""Reads for the work lists, the handoff lists and the case page — each one SQL query, already filtered.

Not viewflow's `Task.objects.queue()`/`inbox()`: those read guardian's generic tables and loop in Python.
Ours filter viewflow's task table on the queue's organisation and the routing key (indexed by the
`workflows` migration 0002) and join the case, the person and the handoff in the same query.
"""

from __future__ import annotations

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from viewflow.workflow.base import Node
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases.models import Case
from cases.permissions import checks as case_checks
from partners.roles import Capability
from partners.selectors import active_memberships
from workflows import permissions
from workflows.flows import FLOWS
from workflows.models import Handoff, HandoffStatus, WorkflowEvent

TASK_RELATED = (
    "owner",
    "process__caseprocess__case__person",
    "process__caseprocess__handoff__sender_organisation",
    "process__caseprocess__handoff__receiver_organisation",
    "process__caseprocess__handoff__service_type",
)
HANDOFF_RELATED = ("case__person", "sender_organisation", "receiver_organisation", "service_type", "sent_by")


def _with_due(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """Tasks with `due_at` (the answer deadline of an accept/decline task and of its follow-up, which the flow
    writes on the task row) and `is_overdue`, sorted with the most urgent first — on the task table alone, so
    that migration 0003's indexes give the first page without joining the whole queue."""
    return tasks.annotate(due_at=F("scheduled")).order_by(F("scheduled").asc(nulls_last=True), "created", "pk")


def _filter_tasks(tasks: QuerySet[Task], *, step: str = "", overdue: bool = False, query: str = "") -> QuerySet[Task]:
    if step:
        nodes = [getattr(flow_class, step) for flow_class in FLOWS if isinstance(getattr(flow_class, step, None), Node)]
        tasks = tasks.filter(flow_task__in=nodes)
    if overdue:
        tasks = tasks.filter(
            process__caseprocess__handoff__status=HandoffStatus.PENDING,
            process__caseprocess__handoff__due_at__lt=timezone.now(),
        )
    if query:
        tasks = tasks.filter(process__caseprocess__case__code__icontains=query.strip())
    return tasks


def task_inbox_for(*, user, step: str = "", overdue: bool = False, query: str = "") -> QuerySet[Task]:
    """My tasks: assigned to me, in a queue of an organisation I still work for."""
    if not getattr(user, "is_authenticated", False):
        return Task.objects.none()
    tasks = Task.objects.filter(
        permissions.queue_filter(user), owner=user, status__in=[STATUS.ASSIGNED, STATUS.STARTED]
    )
    return _with_due(_filter_tasks(tasks, step=step, overdue=overdue, query=query)).select_related(*TASK_RELATED)


def task_queue_for(*, user, step: str = "", overdue: bool = False, query: str = "") -> QuerySet[Task]:
    """My organisations' queues: tasks nobody has taken yet that my role works."""
    if not getattr(user, "is_authenticated", False):
        return Task.objects.none()
    tasks = Task.objects.filter(permissions.queue_filter(user), owner__isnull=True, status=STATUS.NEW)
    return _with_due(_filter_tasks(tasks, step=step, overdue=overdue, query=query)).select_related(*TASK_RELATED)


def task_supervision_for(*, user) -> QuerySet[Task]:
    """For an organisation's administrator: every open task of its queues, taken or not."""
    tasks = Task.objects.filter(
        permissions.supervised_filter(user), status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]
    )
    return _with_due(tasks).select_related(*TASK_RELATED)


def task_get_for(*, user, pk: int) -> Task:
    task = Task.objects.filter(pk=pk).select_related(*TASK_RELATED).first()
    if task is None or task.flow_task is None or not permissions.can_see_task(user, task):
        raise Http404
    return task


def task_case(task) -> Case | None:
    process = getattr(task.process, "caseprocess", None)
    return process.case if process is not None else None


def task_handoff(task) -> Handoff | None:
    process = getattr(task.process, "caseprocess", None)
    return getattr(process, "handoff", None) if process is not None else None


def _filter_handoffs(
    handoffs: QuerySet[Handoff], *, status: str = "", overdue: bool = False, query: str = ""
) -> QuerySet[Handoff]:
    if status:
        handoffs = handoffs.filter(status=status)
    if overdue:
        handoffs = handoffs.filter(status=HandoffStatus.PENDING, due_at__lt=timezone.now())
    if query:
        handoffs = handoffs.filter(case__code__icontains=query.strip())
    return handoffs


def handoffs_sent_for(*, user, status: str = "", overdue: bool = False, query: str = "") -> QuerySet[Handoff]:
    handoffs = Handoff.objects.filter(sender_organisation_id__in=permissions.handoff_organisation_ids(user, sent=True))
    return _filter_handoffs(handoffs, status=status, overdue=overdue, query=query).select_related(*HANDOFF_RELATED)


def handoffs_received_for(*, user, status: str = "", overdue: bool = False, query: str = "") -> QuerySet[Handoff]:
    handoffs = Handoff.objects.filter(
        receiver_organisation_id__in=permissions.handoff_organisation_ids(user, sent=False)
    )
    return _filter_handoffs(handoffs, status=status, overdue=overdue, query=query).select_related(*HANDOFF_RELATED)


def handoff_get_for(*, user, pk: int) -> Handoff:
    """A handoff the user's organisation sent or received; for the coordinator, any (shown pseudonymised)."""
    handoff = Handoff.objects.filter(pk=pk).select_related(*HANDOFF_RELATED).first()
    if handoff is None or not permissions.can_see_handoff(user, handoff):
        raise Http404
    return handoff


def handoff_shows_person(*, user, handoff: Handoff) -> bool:
    """Whether the user may read who the handoff is about (the coordinator sees the case code only)."""
    return permissions.shows_handoff_person(user, handoff)


def handoffs_mark_person(*, user, handoffs) -> list[Handoff]:
    """A page of handoffs, each with `shows_person` set by the one rule (`permissions.shows_handoff_person`), so
    that a list prints the name only where the user may read it — no query per row."""
    handoffs = list(handoffs)
    for handoff in handoffs:
        handoff.shows_person = permissions.shows_handoff_person(user, handoff)
    return handoffs


def case_handoffs_for(*, user, case: Case) -> QuerySet[Handoff]:
    """The case's handoff history: all of it for those who may change the case (the lead); for the others,
    the handoffs their organisation is a party to."""
    if Capability.VIEW_SUMMARY not in case_checks.case_capabilities(user, case):
        return Handoff.objects.none()
    handoffs = Handoff.objects.filter(case=case).select_related(*HANDOFF_RELATED)
    if Capability.CHANGE_CASE in case_checks.case_capabilities(user, case):
        return handoffs
    org_ids = [m.organisation_id for m in active_memberships(user)]
    return handoffs.filter(Q(sender_organisation_id__in=org_ids) | Q(receiver_organisation_id__in=org_ids))


def case_open_tasks_for(*, user, case: Case) -> QuerySet[Task]:
    """The open human tasks of the case's processes (its pathway and its handoffs) that the user's
    organisations hold, or all of them for the lead."""
    if Capability.VIEW_SUMMARY not in case_checks.case_capabilities(user, case):
        return Task.objects.none()
    tasks = Task.objects.filter(
        process__caseprocess__case=case,
        flow_task_type="HUMAN",
        status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED],
    )
    if Capability.CHANGE_CASE not in case_checks.case_capabilities(user, case):
        org_ids = [str(m.organisation_id) for m in active_memberships(user)]
        tasks = tasks.filter(owner_permission_obj_pk__in=org_ids)
    return _with_due(tasks).select_related(*TASK_RELATED)


def case_history_for(*, user, case: Case) -> QuerySet[WorkflowEvent]:
    """The workflow event history of a case, for those who may read its timeline."""
    if Capability.VIEW_TIMELINE not in case_checks.case_capabilities(user, case):
        return WorkflowEvent.objects.none()
    return (
        WorkflowEvent.objects.filter(case=case)
        .select_related("organisation", "partner_organisation", "user")
        .order_by("-at", "-pk")
    )


def work_counts_for(*, user) -> dict[str, int]:
    """The badges of the navigation: my tasks and my organisations' queue (one query, two counts)."""
    if not getattr(user, "is_authenticated", False):
        return {"inbox": 0, "queue": 0}
    mine = Q(owner=user, status__in=[STATUS.ASSIGNED, STATUS.STARTED])
    waiting = Q(owner__isnull=True, status=STATUS.NEW)
    counts = (
        Task.objects.filter(permissions.queue_filter(user))
        .filter(mine | waiting)
        .aggregate(inbox=Count("pk", filter=mine), queue=Count("pk", filter=waiting))
    )
    return {"inbox": counts["inbox"] or 0, "queue": counts["queue"] or 0}


def handoff_history_for(*, user, handoff: Handoff) -> QuerySet[WorkflowEvent]:
    """The transitions of one handoff, oldest first (`handoff` comes from `handoff_get_for`, already checked)."""
    return (
        WorkflowEvent.objects.filter(handoff=handoff)
        .select_related("organisation", "partner_organisation", "user")
        .order_by("at", "pk")
    )


def handoff_open_tasks_for(*, user, handoff: Handoff) -> list[Task]:
    """The open human tasks of a handoff that the user may open (at most a few: answer, follow-up, outcome)."""
    if handoff.process_id is None:
        return []
    tasks = Task.objects.filter(
        process_id=handoff.process_id, flow_task_type="HUMAN", status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]
    ).select_related("owner")
    return [task for task in tasks if task.flow_task is not None and permissions.can_see_task(user, task)]
