"""What every handoff action shares: the locked read, the open task of a step, the status check, the case
timeline row, and the ending of a process.

Lock order (core.locks): the handoff's process row (`HandoffFlow.lock`, viewflow's lock made savepoint-safe),
then the handoff row, then the case row.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases.services.timeline import timeline_record
from core.locks import lock_one
from core.models import AuditAction
from partners.selectors import ActiveMembership
from workflows import permissions
from workflows.flows import HandoffFlow
from workflows.models import Handoff
from workflows.services.tasks import task_cancel


@contextmanager
def locked_handoff(*, user, pk: int):
    """The handoff, re-read under its process lock and its row lock. Raises Http404 when the user may not see
    it (`user=None`: a change made by the system on behalf of the case), and a ValidationError when someone
    else holds the lock for too long."""
    process_id = Handoff.objects.filter(pk=pk).values_list("process_id", flat=True).first()
    if process_id is None:
        raise Http404
    try:
        with transaction.atomic(), HandoffFlow.lock(process_id):
            handoff = lock_one(
                Handoff.objects.select_related("case", "sender_organisation", "receiver_organisation", "service_type"),
                pk=pk,
            )
            if user is not None and not permissions.can_see_handoff(user, handoff):
                raise Http404
            yield handoff
    except FlowLockFailed:
        raise ValidationError(_("Someone else is working on this handoff right now: try again in a moment.")) from None


def open_task(handoff: Handoff, step) -> Task | None:
    return (
        Task.objects.filter(process_id=handoff.process_id, flow_task=step, status__in=permissions.OPEN_TASK_STATUSES)
        .order_by("-pk")
        .first()
    )


def require_status(handoff: Handoff, *statuses: str) -> None:
    if handoff.status not in statuses:
        raise ValidationError(
            _("This handoff is no longer waiting for that: it is now “%(status)s”.")
            % {"status": handoff.get_status_display()}
        )


def sender_task(actor, handoff: Handoff) -> tuple[Task, ActiveMembership]:
    """The sender's open "after decline" task (redirect or close), and the membership that works it."""
    task = open_task(handoff, HandoffFlow.after_decline)
    if task is None:
        raise ValidationError(_("This handoff is not waiting for a decision of yours."))
    membership = permissions.task_membership(actor, task)
    if membership is None:
        raise PermissionDenied(_("Only the case managers of the sending organisation can do this."))
    return task, membership


def record_timeline(
    handoff: Handoff,
    *,
    kind: str,
    actor,
    organisation_id: int,
    summary: str = "",
    audit_action: str = AuditAction.UPDATE,
    **data,
) -> None:
    """The case timeline line (and its audit row) of a handoff action."""
    timeline_record(
        case=handoff.case,
        kind=kind,
        actor=actor,
        organisation_id=organisation_id,
        obj=handoff,
        summary=summary,
        audit_action=audit_action,
        data={
            "kind": handoff.kind,
            "from": handoff.sender_organisation_id,
            "to": handoff.receiver_organisation_id,
            "from_name": str(handoff.sender_organisation),
            "to_name": str(handoff.receiver_organisation),
            **data,
        },
    )


def cancel_escalation(handoff: Handoff, *, actor) -> None:
    """An answer came: the coordinator's follow-up, if any, is no longer needed."""
    task = open_task(handoff, HandoffFlow.escalate)
    if task is not None:
        task_cancel(task, actor=actor, handoff=handoff)


def end_process(handoff: Handoff, *, actor) -> None:
    """Cancel the handoff's open and scheduled tasks and end its process (revoked, or the case closed)."""
    for task in Task.objects.filter(
        process_id=handoff.process_id, status__in=permissions.OPEN_TASK_STATUSES + (STATUS.SCHEDULED,)
    ):
        task_cancel(task, actor=actor, handoff=handoff)
    process = handoff.process
    if process is None:  # a handoff always has its process once sent; nothing to end otherwise
        return
    process.status = STATUS.CANCELED
    process.finished = timezone.now()
    process.save(update_fields=["status", "finished"])
