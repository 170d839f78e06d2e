"""How a handoff ends: the sender closes a declined one or withdraws a pending one, the receiver reports the
outcome of an accepted referral, the coordinator follows up an overdue answer, and the case's closure ends the
handoffs still open.

Same recipe and lock order as the other handoff actions (`locked_handoff`: process, then handoff row).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from cases.models import Case, TimelineKind
from core.audit import audit_record
from core.models import AuditAction
from workflows import permissions
from workflows.flows import HandoffFlow
from workflows.models import Handoff, HandoffStatus, HistoryKind, Outcome
from workflows.services import history
from workflows.services.handoffs.common import (
    end_process,
    locked_handoff,
    open_task,
    record_timeline,
    require_status,
    sender_task,
)
from workflows.services.tasks import task_complete


def handoff_close(*, actor, handoff_id: int, note: str = "") -> Handoff:
    """The sender ends a declined handoff without sending it elsewhere."""
    with locked_handoff(user=actor, pk=handoff_id) as handoff:
        require_status(handoff, HandoffStatus.DECLINED)
        task, membership = sender_task(actor, handoff)
        handoff.status = HandoffStatus.CLOSED
        handoff.save(update_fields=["status"])
        task_complete(task, actor=actor, handoff=handoff, data={"decision": "closed", "note": note.strip()})
        history.record_handoff(
            handoff,
            kind=HistoryKind.HANDOFF_CLOSED,
            user=actor,
            task=task,
            from_state=HandoffStatus.DECLINED,
            to_state=HandoffStatus.CLOSED,
            acting_organisation_id=membership.organisation_id,
        )
        record_timeline(
            handoff,
            kind=TimelineKind.HANDOFF_CLOSED,
            actor=actor,
            organisation_id=membership.organisation_id,
            summary=note,
        )
        history.record_process_finished_if_done(handoff.process_id, user=actor)
        return handoff


def handoff_revoke(*, actor, handoff_id: int, reason: str = "") -> Handoff:
    """The sender withdraws a handoff still waiting for an answer. Its tasks are canceled and its process ends;
    the receiver never gained access, so nothing is taken back."""
    with locked_handoff(user=actor, pk=handoff_id) as handoff:
        require_status(handoff, HandoffStatus.PENDING)
        membership = permissions.require_handoff_revoker(actor, handoff)
        handoff.status = HandoffStatus.REVOKED
        handoff.revoked_at = timezone.now()
        handoff.revoke_reason = (reason or "").strip()
        handoff.save()
        end_process(handoff, actor=actor)
        history.record_handoff(
            handoff,
            kind=HistoryKind.HANDOFF_REVOKED,
            user=actor,
            from_state=HandoffStatus.PENDING,
            to_state=HandoffStatus.REVOKED,
            acting_organisation_id=membership.organisation_id,
        )
        record_timeline(
            handoff,
            kind=TimelineKind.HANDOFF_REVOKED,
            actor=actor,
            organisation_id=membership.organisation_id,
            summary=handoff.revoke_reason,
        )
        history.record_process_finished_if_done(handoff.process_id, user=actor)
        return handoff


def handoff_report_outcome(*, actor, handoff_id: int, outcome: str, note: str = "") -> Handoff:
    """The receiver of an accepted referral says how it went; the loop is closed."""
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose the outcome.")})
    note = (note or "").strip()
    if outcome != Outcome.COMPLETED and not note:
        raise ValidationError({"note": _("Say what was not done, and why.")})
    with locked_handoff(user=actor, pk=handoff_id) as handoff:
        if handoff.status == HandoffStatus.PENDING:
            raise ValidationError(_("The handoff has not been accepted yet: accept it before reporting an outcome."))
        require_status(handoff, HandoffStatus.ACCEPTED)
        task = open_task(handoff, HandoffFlow.report_outcome)
        if task is None:
            raise ValidationError(_("This handoff does not expect an outcome."))
        membership = permissions.task_membership(actor, task)
        if membership is None:
            raise PermissionDenied(_("Only the receiving organisation can report the outcome."))
        if task.owner_id not in (None, actor.pk):
            raise ValidationError(_("%(user)s has taken this task.") % {"user": task.owner.get_username()})
        handoff.status = HandoffStatus.COMPLETED
        handoff.outcome = outcome
        handoff.outcome_note = note
        handoff.outcome_at = timezone.now()
        handoff.outcome_by = actor
        handoff.save()
        task_complete(task, actor=actor, handoff=handoff, data={"outcome": outcome})
        history.record_handoff(
            handoff,
            kind=HistoryKind.HANDOFF_OUTCOME,
            user=actor,
            task=task,
            from_state=HandoffStatus.ACCEPTED,
            to_state=HandoffStatus.COMPLETED,
            acting_organisation_id=membership.organisation_id,
            detail={"outcome": outcome},
        )
        history.record_process_finished_if_done(handoff.process_id, user=actor)
        record_timeline(
            handoff,
            kind=TimelineKind.HANDOFF_OUTCOME,
            actor=actor,
            organisation_id=membership.organisation_id,
            summary=note,
            outcome=outcome,
        )
        return handoff


def handoff_follow_up(*, actor, task_id: int, note: str) -> Handoff:
    """The coordinator records what they did about an overdue answer (phoned, reminded...): the follow-up task
    is done; the handoff keeps waiting for the receiver."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Write what you did about it.")})
    handoff_id = Handoff.objects.filter(process__task=task_id).values_list("pk", flat=True).first()
    if handoff_id is None:
        raise Http404
    with locked_handoff(user=actor, pk=handoff_id) as handoff:
        task = Task.objects.filter(
            pk=task_id, flow_task=HandoffFlow.escalate, status__in=permissions.OPEN_TASK_STATUSES
        ).first()
        if task is None:
            raise ValidationError(_("This follow-up is already done."))
        membership = permissions.task_membership(actor, task)
        if membership is None:
            raise PermissionDenied(_("Only the coordinating service follows up overdue answers."))
        task_complete(task, actor=actor, handoff=handoff, data={"note": note})
        # The coordinator is not a party to the case: an audit row, no line in the case's timeline.
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=handoff,
            organisation_id=membership.organisation_id,
            case_id=handoff.case_id,
            detail={"event": "handoff_follow_up", "task": task.pk},
        )
        history.record_process_finished_if_done(handoff.process_id, user=actor)
        return handoff


def handoffs_close_for_case(case: Case, *, actor) -> int:
    """The case is closing: handoffs still open end with it (pending ones are revoked — recorded as a withdrawal,
    so their receiver is told — accepted referrals are closed without an outcome). Called by the case closure,
    inside its transaction."""
    closed = 0
    for handoff_id in Handoff.objects.filter(
        case=case, status__in=[HandoffStatus.PENDING, HandoffStatus.ACCEPTED, HandoffStatus.DECLINED]
    ).values_list("pk", flat=True):
        with locked_handoff(user=None, pk=handoff_id) as handoff:
            old = handoff.status
            handoff.status = HandoffStatus.REVOKED if old == HandoffStatus.PENDING else HandoffStatus.CLOSED
            if old == HandoffStatus.PENDING:
                handoff.revoked_at = timezone.now()
                handoff.revoke_reason = _("The case was closed.")
            handoff.save()
            end_process(handoff, actor=actor)
            # A pending handoff is withdrawn, not closed: its receiver is waiting and must hear of it (the
            # "withdrawn" notification listens to HANDOFF_REVOKED), and the case timeline says so.
            withdrawn = old == HandoffStatus.PENDING
            kind = HistoryKind.HANDOFF_REVOKED if withdrawn else HistoryKind.HANDOFF_CLOSED
            history.record_handoff(
                handoff,
                kind=kind,
                user=actor,
                from_state=old,
                to_state=handoff.status,
                acting_organisation_id=handoff.sender_organisation_id,
                detail={"why": "case_closed"},
            )
            if withdrawn:
                record_timeline(
                    handoff,
                    kind=TimelineKind.HANDOFF_REVOKED,
                    actor=actor,
                    organisation_id=handoff.sender_organisation_id,
                    summary=str(handoff.revoke_reason),
                    why="case_closed",
                )
            history.record_process_finished_if_done(handoff.process_id, user=actor)
            closed += 1
    return closed
