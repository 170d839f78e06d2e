"""The case pathway: starting it, finishing its steps, and the access that decays after closure.

The steps call the `cases` services for the data (assessment, case manager, closure) and then move the flow;
so a step is done only when what it asks for is in the file. Opening, closing and reopening a case (which start
and end the pathway) are `workflows.services.lifecycle`.
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

from cases import services as case_services
from cases.models import Case, CaseStatus, TimelineKind
from cases.permissions import checks as case_checks
from cases.permissions import grants as case_grants
from cases.services.case_file import close_file, lock_case
from cases.services.timeline import timeline_record
from core.locks import lock_all
from partners.roles import Capability
from workflows import permissions
from workflows.flows import CaseFlow
from workflows.models import CaseProcess, HistoryKind
from workflows.services import history
from workflows.services.handoffs import handoffs_close_for_case
from workflows.services.tasks import task_complete


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
        history.record_process(
            kind=HistoryKind.PROCESS_STARTED,
            flow="case",
            step="start",
            case_id=case.pk,
            process_id=process.pk,
            organisation_id=case.lead_organisation_id,
            user=actor,
        )
        return process


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
        membership = case_checks.require_case_capability(actor, case, Capability.CHANGE_CASE)
        timeline_record(
            case=case,
            kind=TimelineKind.CASE_TRIAGED,
            actor=actor,
            organisation_id=membership.organisation_id,
            obj=case,
            summary=case_manager.get_full_name() or case_manager.get_username(),
        )
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
        membership = case_checks.require_case_capability(actor, case, Capability.CHANGE_CASE)
        timeline_record(
            case=case,
            kind=TimelineKind.CASE_REVIEWED,
            actor=actor,
            organisation_id=membership.organisation_id,
            obj=case,
            summary=note.strip(),
            data={"continue": keep_open},
        )
        return {"continue": bool(keep_open)}

    return _complete_step(actor=actor, task_id=task_id, step=CaseFlow.review, action=record)


def closure_done(*, actor, task_id: int, outcome: str, note: str = "") -> Task:
    """The closure step: the case closes with its outcome, and shared access starts to decay."""

    def close(case, task):
        close_case_with_handoffs(actor=actor, case=case, outcome=outcome, note=note)

    task = _complete_step(actor=actor, task_id=task_id, step=CaseFlow.close, action=close)
    history.record_process_finished_if_done(task.process_id, user=actor)
    return task


def close_case_with_handoffs(
    *, actor, case: Case, outcome: str, note: str, closed_on: datetime.date | None = None
) -> None:
    """What every closure does (the closure step, `lifecycle.case_close`): the file closes, open handoffs end,
    shared access starts to decay. The caller holds the case pathway's lock when it has one."""
    # The open handoffs' processes are locked before the case row, the order every handoff action takes
    # (process, then case): a closure racing an acceptance waits for it instead of failing.
    lock_all(CaseProcess.objects.filter(handoff__case=case, finished__isnull=True))
    close_file(actor=actor, case=case, outcome=outcome, note=note, closed_on=closed_on)
    handoffs_close_for_case(case, actor=actor)
    until = timezone.localdate() + datetime.timedelta(days=settings.TAVOLO_CLOSED_CASE_ACCESS_DAYS)
    case_grants.decay_shared_access(case, until=until)


def require_pathway_starter(actor, case: Case) -> None:
    membership = case_checks.require_case_capability(actor, case, Capability.CHANGE_CASE)
    if membership.organisation_id != case.lead_organisation_id:
        raise PermissionDenied(_("Only the lead organisation can start the case pathway."))


def expire_closed_case_access(*, today: datetime.date | None = None) -> int:
    """Remove the access that organisations kept on closed cases once its period is over (a timer)."""
    with transaction.atomic():
        return case_grants.expire_case_shares(today=today or timezone.localdate())
