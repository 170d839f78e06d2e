"""The case pathway: starting it, finishing its steps, closing the case, and the access that decays after.

The steps call the `cases` services for the data (assessment, case manager, closure) and then move the flow;
so a step is done only when what it asks for is in the file.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases import permissions as case_permissions
from cases import services as case_services
from cases.models import Case, CaseStatus
from cases.models import EventKind as CaseEventKind
from cases.services.case_file import lock_case
from cases.services.events import event_record
from partners.roles import Capability
from workflows import permissions
from workflows.flows import CaseFlow
from workflows.models import CaseProcess, EventKind, WorkflowEvent
from workflows.services import history
from workflows.services.handoffs import handoffs_close_for_case
from workflows.services.tasks import task_cancel, task_complete


def case_process(case: Case) -> CaseProcess | None:
    """The case's pathway process (the latest one: a reopened case gets a new one)."""
    return CaseProcess.objects.filter(case=case, flow_class=CaseFlow).order_by("-pk").first()


def case_flow_start(*, case: Case, actor=None) -> CaseProcess:
    """Start the pathway of a case (at intake, or for a case that has none: imported or reopened)."""
    with transaction.atomic():
        lock_case(case)  # two "start" clicks at once: the second waits here, then sees the running pathway
        current = case_process(case)
        if current is not None and current.finished is None:
            raise ValidationError(_("The pathway of this case is already running."))
        process = CaseFlow.start.run(case=case, actor=actor)
        WorkflowEvent.objects.create(kind=EventKind.PROCESS_STARTED, flow="case", step="start", case=case,
                                     process=process, organisation_id=case.lead_organisation_id, user=actor)
        return process


def case_open_with_pathway(**kwargs) -> Case:
    """`cases.services.case_open`, and the case's pathway starts in the same transaction."""
    with transaction.atomic():
        case = case_services.case_open(**kwargs)
        case_flow_start(case=case, actor=kwargs.get("actor"))
        return case


def _step_task(*, actor, task_id: int, step) -> tuple[Task, Case]:
    task = Task.objects.filter(pk=task_id, flow_task=step).select_related("process").first()
    if task is None or not permissions.can_see_task(actor, task):
        raise Http404
    if task.status not in permissions.OPEN_TASK_STATUSES:
        raise ValidationError(_("This task is already done."))
    permissions.require_execute(actor, task) if task.owner_id else permissions.require_claim(actor, task)
    case = CaseProcess.objects.select_related("case").get(pk=task.process_id).case
    return task, case


def _locked_step(*, actor, task_id: int, step):
    task, case = _step_task(actor=actor, task_id=task_id, step=step)
    return task, case, CaseFlow.lock(task.process_id)


def _complete_step(*, actor, task_id: int, step, action, data: dict | None = None) -> Task:
    """Lock the pathway, re-check the task, run `action(case, task)` (which raises when the step's data is
    missing) and finish the task."""
    task, case, lock = _locked_step(actor=actor, task_id=task_id, step=step)
    try:
        with transaction.atomic(), lock:
            task.refresh_from_db()
            if task.status not in permissions.OPEN_TASK_STATUSES:
                raise ValidationError(_("This task is already done."))
            if task.owner_id not in (None, actor.pk):
                raise ValidationError(_("%(user)s has taken this task.") % {"user": task.owner.get_username()})
            case.refresh_from_db()
            extra = action(case, task) or {}
            return task_complete(task, actor=actor, data={**(data or {}), **extra})
    except FlowLockFailed:
        raise ValidationError(_("Someone else is working on this case right now: try again in a moment.")) from None


def assessment_done(*, actor, task_id: int) -> Task:
    def check(case, task):
        if case.status == CaseStatus.CLOSED:
            raise ValidationError(_("The case is closed."))
        if not case.assessments.exists():
            raise ValidationError(_("Record the assessment of at least one domain first."))
    return _complete_step(actor=actor, task_id=task_id, step=CaseFlow.assess, action=check)


def triage_done(*, actor, task_id: int, case_manager) -> Task:
    """The lead organisation confirms who manages the case (one of its case managers)."""
    def assign(case, task):
        if case_manager is None:
            raise ValidationError({"case_manager": _("Choose the case manager.")})
        case_services.case_update(actor=actor, case=case, case_manager=case_manager)
        membership = case_permissions.require_case_capability(actor, case, Capability.CHANGE_CASE)
        event_record(case=case, kind=CaseEventKind.CASE_TRIAGED, actor=actor,
                     organisation_id=membership.organisation_id, obj=case,
                     summary=case_manager.get_full_name() or case_manager.get_username())
        return {"case_manager": case_manager.pk}
    return _complete_step(actor=actor, task_id=task_id, step=CaseFlow.triage, action=assign)


def plan_done(*, actor, task_id: int) -> Task:
    def check(case, task):
        plan = getattr(case, "plan", None)
        if plan is None or not plan.goals.exists():
            raise ValidationError(_("Write the plan with at least one goal first."))
    return _complete_step(actor=actor, task_id=task_id, step=CaseFlow.plan, action=check)


def review_done(*, actor, task_id: int, keep_open: bool, note: str = "") -> Task:
    """The periodic review: keep the case open (the next review is scheduled) or go on to closure."""
    def record(case, task):
        membership = case_permissions.require_case_capability(actor, case, Capability.CHANGE_CASE)
        event_record(case=case, kind=CaseEventKind.CASE_REVIEWED, actor=actor,
                     organisation_id=membership.organisation_id, obj=case, summary=note.strip(),
                     data={"continue": keep_open})
        return {"continue": bool(keep_open)}
    return _complete_step(actor=actor, task_id=task_id, step=CaseFlow.review, action=record)


def closure_done(*, actor, task_id: int, outcome: str, note: str = "") -> Task:
    """The closure step: the case closes with its outcome, and shared access starts to decay."""
    def close(case, task):
        _close_case(actor=actor, case=case, outcome=outcome, note=note)
    task = _complete_step(actor=actor, task_id=task_id, step=CaseFlow.close, action=close)
    history.process_finished_if_done(task.process_id, user=actor)
    return task


def _close_case(*, actor, case: Case, outcome: str, note: str, closed_on: datetime.date | None = None) -> None:
    # The open handoffs' processes are locked before the case row, the order every handoff action takes
    # (process, then case): a closure racing an acceptance waits for it instead of failing.
    list(
        CaseProcess.objects.select_for_update().filter(handoff__case=case, finished__isnull=True)
        .order_by("pk").values_list("pk", flat=True)
    )
    case_services.case_close(actor=actor, case=case, outcome=outcome, note=note, closed_on=closed_on)
    handoffs_close_for_case(case, actor=actor)
    until = timezone.localdate() + datetime.timedelta(days=settings.TAVOLO_CLOSED_CASE_ACCESS_DAYS)
    case_permissions.decay_shared_access(case, until=until)


def case_close_now(*, actor, case: Case, outcome: str, note: str = "", closed_on: datetime.date | None = None) -> Case:
    """Close a case outside the closure step (the case manager decides it is over): the pathway's open steps
    are canceled and it ends, open handoffs end, and shared access starts to decay."""
    case_permissions.require_case_capability(actor, case, Capability.CHANGE_CASE)
    process = case_process(case)
    with transaction.atomic():
        if process is None or process.finished is not None:
            _close_case(actor=actor, case=case, outcome=outcome, note=note, closed_on=closed_on)
            return case
        try:
            with CaseFlow.lock(process.pk):
                _close_case(actor=actor, case=case, outcome=outcome, note=note, closed_on=closed_on)
                for task in Task.objects.filter(process=process).exclude(
                    status__in=[STATUS.DONE, STATUS.CANCELED, STATUS.REVIVED, STATUS.ERROR]
                ):
                    task_cancel(task, actor=actor)
                process.status = STATUS.DONE
                process.finished = timezone.now()
                process.save(update_fields=["status", "finished"])
                WorkflowEvent.objects.create(kind=EventKind.PROCESS_FINISHED, flow="case", step="close", case=case,
                                             process=process, organisation_id=case.lead_organisation_id, user=actor,
                                             to_state=CaseStatus.CLOSED)
        except FlowLockFailed:
            raise ValidationError(_("Someone else is working on this case right now: try again in a moment.")) from None
    return case


def case_reopen(*, actor, case: Case) -> Case:
    """Reopen a closed case: shared access comes back and a new pathway starts at the assessment."""
    with transaction.atomic():
        case = case_services.case_set_status(actor=actor, case=case, status=CaseStatus.OPEN)
        case_permissions.restore_shared_access(case)
        case_flow_start(case=case, actor=actor)
        return case


def case_set_status_with_pathway(*, actor, case: Case, status: str) -> Case:
    """`cases.services.case_set_status`, except that reopening a closed case goes through `case_reopen`."""
    with transaction.atomic():
        if case.status == CaseStatus.CLOSED:
            case = case_reopen(actor=actor, case=case)
            if status == CaseStatus.OPEN:
                return case
        return case_services.case_set_status(actor=actor, case=case, status=status)


def require_pathway_starter(actor, case: Case) -> None:
    membership = case_permissions.require_case_capability(actor, case, Capability.CHANGE_CASE)
    if membership.organisation_id != case.lead_organisation_id:
        raise PermissionDenied(_("Only the lead organisation can start the case pathway."))


def expire_closed_case_access(*, today: datetime.date | None = None) -> int:
    """Remove the access that organisations kept on closed cases once its period is over (a timer)."""
    with transaction.atomic():
        return case_permissions.expire_case_shares(today=today or timezone.localdate())

