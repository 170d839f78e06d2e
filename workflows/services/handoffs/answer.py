"""The receiver's answer: accepting a handoff (a referral shares the file, a transfer moves the lead) or
declining it (back to the sender).

Recipe: lock (process, handoff, case: `locked_handoff`, then `lock_case`) → authorise (the task's queue) → validate
→ change (status, access) → history and timeline rows → the flow moves on; notifications go out on commit.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases.models import Case, CaseStatus, TimelineKind
from cases.permissions import grants as case_grants
from cases.services.case_file import lock_case
from partners.roles import Role
from partners.selectors import ActiveMembership
from workflows import permissions
from workflows.flows import CaseFlow, HandoffFlow
from workflows.models import DeclineReason, Handoff, HandoffKind, HandoffStatus, HistoryKind
from workflows.services import history
from workflows.services.handoffs.common import (
    cancel_escalation,
    locked_handoff,
    open_task,
    record_timeline,
    require_status,
)
from workflows.services.tasks import task_complete


def _decide_task_for(actor, handoff: Handoff) -> tuple[Task, ActiveMembership]:
    """The open accept/decline task, claimed by `actor` if it was waiting in the queue."""
    task = open_task(handoff, HandoffFlow.decide)
    if task is None:
        raise ValidationError(_("This handoff is not waiting for an answer."))
    membership = permissions.task_membership(actor, task)
    if membership is None:
        raise PermissionDenied(_("Only the receiving organisation can answer this handoff."))
    if handoff.kind == HandoffKind.TRANSFER and membership.role != Role.CASE_MANAGER:
        # Accepting a transfer means leading the case: a case manager's decision.
        raise PermissionDenied(_("Only a case manager can accept or decline a transfer."))
    if task.owner_id not in (None, actor.pk):
        raise ValidationError(
            _("%(user)s has taken this handoff: ask them, or ask your administrator to release it.")
            % {"user": task.owner.get_full_name() or task.owner.get_username()}
        )
    return task, membership


def handoff_accept(*, actor, handoff_id: int, note: str = "") -> Handoff:
    """Accept a pending handoff for the receiving organisation.

    A referral shares the chosen sections of the file with the receiver and puts "report the outcome" in its
    queue; a transfer makes the receiver the lead (the old lead keeps reading the file until closure) and moves
    the case pathway's open tasks to the new lead's queue.
    """
    with locked_handoff(user=actor, pk=handoff_id) as handoff:
        require_status(handoff, HandoffStatus.PENDING)
        task, membership = _decide_task_for(actor, handoff)
        case = lock_case(handoff.case)
        if case.status == CaseStatus.CLOSED:
            raise ValidationError(_("The case was closed in the meantime: the handoff can no longer be accepted."))
        handoff.status = HandoffStatus.ACCEPTED
        handoff.decided_at = timezone.now()
        handoff.decided_by = actor
        handoff.decline_note = ""
        handoff.save()
        if handoff.kind == HandoffKind.TRANSFER:
            _move_lead(case, handoff=handoff, actor=actor)
        else:
            case_grants.share_case(case, handoff.receiver_organisation, sections=handoff.sections)
        # The follow-up goes first: the flow's end finishes the process only when no task is left open.
        cancel_escalation(handoff, actor=actor)
        task_complete(task, actor=actor, handoff=handoff, data={"decision": "accepted", "note": note.strip()})
        history.record_handoff(
            handoff,
            kind=HistoryKind.HANDOFF_ACCEPTED,
            user=actor,
            task=task,
            from_state=HandoffStatus.PENDING,
            to_state=HandoffStatus.ACCEPTED,
            acting_organisation_id=membership.organisation_id,
        )
        record_timeline(
            handoff,
            kind=TimelineKind.HANDOFF_ACCEPTED,
            actor=actor,
            organisation_id=membership.organisation_id,
            summary=note,
        )
        history.record_process_finished_if_done(handoff.process_id, user=actor)
        return handoff


def _move_lead(case: Case, *, handoff: Handoff, actor) -> None:
    old_lead, new_lead = case.lead_organisation, handoff.receiver_organisation
    case.lead_organisation = new_lead
    case.case_manager = actor if permissions.is_case_manager_of(actor.pk, new_lead.pk) else None
    case.save(update_fields=["lead_organisation", "case_manager", "updated_at"])
    case_grants.transfer_lead_access(case, old_lead=old_lead, new_lead=new_lead)
    # The pathway's open steps follow the case to its new lead: back in the new lead's queue.
    case_tasks = Task.objects.filter(
        process__flow_class=CaseFlow,
        process__caseprocess__case=case,
        status__in=permissions.OPEN_TASK_STATUSES,
        owner_permission=permissions.WORK_CASE,
    )
    for task in case_tasks:
        task.owner_permission_obj_pk = str(new_lead.pk)
        task.owner = case.case_manager
        task.status = STATUS.ASSIGNED if case.case_manager else STATUS.NEW
        task.assigned = timezone.now() if case.case_manager else None
        task.save()
        history.record_task(
            task, kind=HistoryKind.TASK_RELEASED, user=actor, to_state=task.status, detail={"moved_to": new_lead.pk}
        )


def handoff_decline(*, actor, handoff_id: int, reason: str, note: str = "") -> Handoff:
    """Decline a pending handoff with a coded reason ("other" needs a note); it goes back to its sender, who
    may redirect it elsewhere or close it."""
    if reason not in DeclineReason.values:
        raise ValidationError({"reason": _("Choose why you are declining.")})
    note = (note or "").strip()
    if reason == DeclineReason.OTHER and not note:
        raise ValidationError({"note": _("Explain the reason for declining.")})
    with locked_handoff(user=actor, pk=handoff_id) as handoff:
        require_status(handoff, HandoffStatus.PENDING)
        task, membership = _decide_task_for(actor, handoff)
        handoff.status = HandoffStatus.DECLINED
        handoff.decided_at = timezone.now()
        handoff.decided_by = actor
        handoff.decline_reason = reason
        handoff.decline_note = note
        handoff.save()
        cancel_escalation(handoff, actor=actor)
        task_complete(task, actor=actor, handoff=handoff, data={"decision": "declined", "reason": reason})
        history.record_handoff(
            handoff,
            kind=HistoryKind.HANDOFF_DECLINED,
            user=actor,
            task=task,
            from_state=HandoffStatus.PENDING,
            to_state=HandoffStatus.DECLINED,
            acting_organisation_id=membership.organisation_id,
            detail={"reason": reason},
        )
        record_timeline(
            handoff,
            kind=TimelineKind.HANDOFF_DECLINED,
            actor=actor,
            organisation_id=membership.organisation_id,
            summary=note,
            reason=reason,
        )
        return handoff
