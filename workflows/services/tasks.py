"""Claiming, releasing, completing and canceling human tasks, through viewflow's activation API.

The callers hold the process lock (`Flow.lock`) and have checked who may act: these functions only move the
task and write its history row.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from workflows import permissions
from workflows.models import Handoff, HistoryKind
from workflows.services import history


def _handoff_of(task) -> Handoff | None:
    return Handoff.objects.filter(process_id=task.process_id).first()


def task_complete(task, *, actor, handoff: Handoff | None = None, data: dict | None = None) -> Task:
    """Finish a human task (claiming it first if it was in the queue) and let the flow move on."""
    activation = task.flow_task.activation_class(task)
    if task.status == STATUS.NEW:
        activation.assign(actor)
        task.assigned = timezone.now()
    if task.status == STATUS.ASSIGNED:
        activation.start(None)
    task.data = {**(task.data or {}), **(data or {})}
    activation.execute()
    history.record_task(
        task,
        kind=HistoryKind.TASK_COMPLETED,
        user=actor,
        from_state=STATUS.STARTED,
        to_state=task.status,
        handoff=handoff,
    )
    return task


def task_cancel(task, *, actor=None, handoff: Handoff | None = None) -> Task:
    old = task.status
    activation = task.flow_task.activation_class(task)
    activation.cancel()
    history.record_task(
        task, kind=HistoryKind.TASK_CANCELED, user=actor, from_state=old, to_state=task.status, handoff=handoff
    )
    return task


def _locked_task(*, user, pk: int):
    """The task re-read under its process lock; Http404 when the user may not see it."""
    task = Task.objects.filter(pk=pk).select_related("process").first()
    if task is None or task.flow_task is None or not permissions.can_see_task(user, task):
        raise Http404
    return task


def task_claim(*, actor, task_id: int) -> Task:
    """Take a task from the organisation's queue into one's inbox. Exactly one of two people claiming the same
    task at the same moment gets it; the other is told who has it."""
    task = _locked_task(user=actor, pk=task_id)
    try:
        with transaction.atomic(), task.flow_task.flow_class.lock(task.process_id):
            task.refresh_from_db()
            if task.owner_id == actor.pk:
                return task
            if task.owner_id is not None:
                raise ValidationError(
                    _("%(user)s has already taken this task.")
                    % {"user": task.owner.get_full_name() or task.owner.get_username()}
                )
            if task.status not in permissions.OPEN_TASK_STATUSES:
                raise ValidationError(_("This task is already done."))
            permissions.require_claim(actor, task)
            activation = task.flow_task.activation_class(task)
            activation.assign(actor)
            task.assigned = timezone.now()
            task.save(update_fields=["assigned"])
            history.record_task(
                task,
                kind=HistoryKind.TASK_CLAIMED,
                user=actor,
                from_state=STATUS.NEW,
                to_state=task.status,
                handoff=_handoff_of(task),
            )
            return task
    except FlowLockFailed:
        raise ValidationError(_("Someone else is working on this task right now: try again in a moment.")) from None


def task_release(*, actor, task_id: int) -> Task:
    """Put a task back in the organisation's queue (its owner, or the organisation's administrator)."""
    task = _locked_task(user=actor, pk=task_id)
    try:
        with transaction.atomic(), task.flow_task.flow_class.lock(task.process_id):
            task.refresh_from_db()
            if task.status not in (STATUS.ASSIGNED, STATUS.STARTED):
                raise ValidationError(_("This task is not assigned to anyone."))
            if not permissions.can_release(actor, task):
                raise PermissionDenied(_("You cannot release a task assigned to someone else."))
            if task.status == STATUS.STARTED:
                task.status = STATUS.ASSIGNED
            activation = task.flow_task.activation_class(task)
            activation.unassign()
            task.assigned = None
            task.save(update_fields=["assigned"])
            history.record_task(
                task,
                kind=HistoryKind.TASK_RELEASED,
                user=actor,
                from_state=STATUS.ASSIGNED,
                to_state=task.status,
                handoff=_handoff_of(task),
            )
            return task
    except FlowLockFailed:
        raise ValidationError(_("Someone else is working on this task right now: try again in a moment.")) from None
