"""What the employment services share: the audit and timeline rows of a step, the pathway's stage, the runner of
a flow step (lock → authorise → validate → change) and the end of a pathway before its flow's end.

Locks, in the order of `core.locks`: the pathway's process (`EmploymentFlow.lock`), the case (`lock_case`), then
the pathway row; a course row before its enrolments."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases.models import Case, CaseStatus
from cases.services.timeline import timeline_record
from core.audit import audit_record
from core.bus import publish
from core.locks import lock_one
from core.models import AuditAction
from employment.events import EmploymentPathwayEnded, EmploymentStepCompleted
from employment.flows import EmploymentFlow
from employment.models import EmploymentPathway, Stage
from partners.selectors import ActiveMembership
from workflows import permissions as workflow_permissions
from workflows.models import HistoryKind
from workflows.services import history
from workflows.services.tasks import task_cancel, task_complete

# What a step does once its task, its pathway and the actor's membership are checked: raises ValidationError when
# the step's data is wrong, returns what the completed task keeps (or None).
StepAction = Callable[[EmploymentPathway, ActiveMembership], "dict | None"]


def busy() -> ValidationError:
    return ValidationError(_("Someone else is working on this pathway right now: try again in a moment."))


def audit(*, actor, action: str, obj, organisation_id: int | None, case: Case | None = None, **detail) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=obj,
        organisation_id=organisation_id,
        case_id=case.pk if case else None,
        person_id=case.person_id if case else None,
        detail=detail,
    )


def step_record(
    *,
    kind: str,
    case: Case,
    actor,
    organisation_id: int,
    obj,
    provider_id: int | None,
    date: datetime.date,
    detail: dict | None = None,
    audit_action: str = AuditAction.CREATE,
    **codes,
) -> None:
    """Write a step of the pathway on the case timeline, with its audit row (`timeline_record`). The line holds codes,
    dates and organisation names only, never what a person typed (notes) nor the employer's name; `provider_id` is
    the partner working the step, told by `notifications` when the case side acted (and the other way round) for
    the step kinds only (`cases.event_text.STEP_KINDS`)."""
    timeline_record(
        case=case,
        kind=kind,
        actor=actor,
        organisation_id=organisation_id,
        obj=obj,
        audit_action=audit_action,
        detail=detail,
        data={"provider_id": provider_id, "date": date.isoformat(), **codes},
    )


def require_open_case(case: Case) -> None:
    if case.status == CaseStatus.CLOSED:
        raise ValidationError(_("The case is closed: reopen it first."))


def running_pathway(case: Case) -> EmploymentPathway | None:
    return EmploymentPathway.objects.filter(case=case, ended_at__isnull=True).first()


def set_stage(pathway: EmploymentPathway, stage: str, **fields) -> None:
    pathway.stage = stage
    for name, value in fields.items():
        setattr(pathway, name, value)
    pathway.save()


def end(pathway: EmploymentPathway, *, outcome: str, note: str = "") -> None:
    set_stage(pathway, Stage.ENDED, outcome=outcome, outcome_note=note, ended_at=timezone.now())


def run_step(
    *, actor, task_id: int, steps: tuple, action: StepAction, data: dict | None = None
) -> tuple[EmploymentPathway, Task]:
    """Lock the pathway's process, re-check the task and who works it, lock the pathway, run `action(pathway,
    membership)` and finish the task. `steps`: the flow nodes the task may be at (anything else is a 404).
    Raises Http404, PermissionDenied, ValidationError."""
    task = Task.objects.filter(pk=task_id).first()
    if task is None or task.flow_task not in steps or not workflow_permissions.can_see_task(actor, task):
        raise Http404
    try:
        with transaction.atomic(), EmploymentFlow.lock(task.process_id):
            task.refresh_from_db()
            pathway = lock_one(EmploymentPathway.objects.select_related("case"), process_id=task.process_id)
            if task.status not in workflow_permissions.OPEN_TASK_STATUSES:
                raise ValidationError(_("This task is already done."))
            if task.owner_id not in (None, actor.pk):
                raise ValidationError(_("%(user)s has taken this task.") % {"user": task.owner.get_username()})
            membership = workflow_permissions.task_membership(actor, task)
            if membership is None:
                raise PermissionDenied(_("This task is not for your organisation or your role."))
            require_open_case(pathway.case)
            extra = action(pathway, membership) or {}
            task_complete(task, actor=actor, data={**(data or {}), **extra})
            history.record_process_finished_if_done(task.process_id, user=actor)
            publish(
                EmploymentStepCompleted(pathway=pathway, task_id=task.pk, step=task.flow_task.name, actor_id=actor.pk)
            )
            if pathway.ended_at is not None:
                publish(EmploymentPathwayEnded(pathway=pathway, outcome=pathway.outcome, actor_id=actor.pk))
            return pathway, task
    except FlowLockFailed:
        raise busy() from None


def end_with_open_steps(
    pathway: EmploymentPathway,
    *,
    actor,
    organisation_id: int | None,
    outcome: str,
    step: str,
    note: str,
    timeline_kind: str | None = None,
) -> None:
    """End a pathway before its flow's end: its open steps and timers are canceled, the process is finished as
    canceled, with a history row and an audit row (a timeline line with its audit row when `timeline_kind` is
    given: the note stays on the pathway). The caller holds the pathway's row lock or transaction."""
    for task in Task.objects.filter(process_id=pathway.process_id).exclude(
        status__in=[STATUS.DONE, STATUS.CANCELED, STATUS.REVIVED, STATUS.ERROR]
    ):
        task_cancel(task, actor=actor)
    process = pathway.process
    if process is None:  # a pathway is created with its process: nothing to finish otherwise
        raise Http404
    process.status = STATUS.CANCELED
    process.finished = timezone.now()
    process.save(update_fields=["status", "finished"])
    end(pathway, outcome=outcome, note=note)
    history.record_process(
        kind=HistoryKind.PROCESS_FINISHED,
        flow="employment",
        step=step,
        case_id=pathway.case_id,
        process_id=process.pk,
        user=actor,
        organisation_id=organisation_id,
        to_state=STATUS.CANCELED,
    )
    if timeline_kind is not None and organisation_id is not None:
        step_record(
            kind=timeline_kind,
            case=pathway.case,
            actor=actor,
            organisation_id=organisation_id,
            obj=pathway,
            provider_id=pathway.provider_organisation_id,
            date=timezone.localdate(),
            audit_action=AuditAction.UPDATE,
            detail={"outcome": outcome},
        )
    else:
        audit(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=pathway,
            organisation_id=organisation_id,
            case=pathway.case,
            outcome=outcome,
        )
    publish(EmploymentPathwayEnded(pathway=pathway, outcome=outcome, actor_id=actor.pk if actor else None))
