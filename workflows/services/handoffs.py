"""Referrals and transfers: send, accept, decline, redirect, close, revoke, report the outcome, follow up.

Each function is one transaction that takes the locks in one order — the handoff's process row (viewflow's
`select_for_update_lock`), then the handoff row, then the case row — so that two people acting on the same
handoff at the same moment are serialised: the first wins, the second is told what happened.
"""

from __future__ import annotations

import datetime
from contextlib import contextmanager

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
from cases.models import Case, CaseStatus, ShareSection
from cases.models import EventKind as CaseEventKind
from cases.selectors import consent_covers
from cases.services.case_file import lock_case
from cases.services.events import event_record
from core.audit import audit_record
from core.models import AuditAction
from core.parsing import posted_id
from partners.models import Membership, Organisation, ServiceType
from partners.roles import Role
from partners.selectors import ActiveMembership
from workflows import permissions
from workflows.flows import CaseFlow, HandoffFlow
from workflows.models import (
    DeclineReason,
    EventKind,
    Handoff,
    HandoffKind,
    HandoffStatus,
    Outcome,
    Urgency,
)
from workflows.services import history
from workflows.services.tasks import task_cancel, task_complete
from workflows.workdays import add_working_days

URGENT_WORKING_DAYS = 1


# --- reading and locking -----------------------------------------------------------------------------

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
            handoff = Handoff.objects.select_for_update(of=("self",)).select_related(
                "case", "sender_organisation", "receiver_organisation", "service_type"
            ).get(pk=pk)
            if user is not None and not permissions.can_see_handoff(user, handoff):
                raise Http404
            yield handoff
    except FlowLockFailed:
        raise ValidationError(_("Someone else is working on this handoff right now: try again in a moment.")) from None


def _open_task(handoff: Handoff, step) -> Task | None:
    return (
        Task.objects.filter(process_id=handoff.process_id, flow_task=step, status__in=permissions.OPEN_TASK_STATUSES)
        .order_by("-pk").first()
    )


def _require_status(handoff: Handoff, *statuses: str) -> None:
    if handoff.status not in statuses:
        raise ValidationError(
            _("This handoff is no longer waiting for that: it is now “%(status)s”.")
            % {"status": handoff.get_status_display()}
        )


# --- validation shared by send and redirect -----------------------------------------------------------

def _receiver(organisation_id, *, sender_id: int, case: Case, kind: str) -> Organisation:
    organisation_id = posted_id(organisation_id)
    receiver = Organisation.objects.filter(pk=organisation_id).first() if organisation_id else None
    if receiver is None:
        raise ValidationError({"receiver_organisation": _("Choose an organisation of the network.")})
    if not receiver.is_active:
        raise ValidationError({"receiver_organisation": _("%(org)s is no longer active in the network.")
                               % {"org": receiver}})
    if receiver.pk == sender_id:
        raise ValidationError({"receiver_organisation": _("You cannot hand a case to your own organisation.")})
    if kind == HandoffKind.TRANSFER and receiver.pk == case.lead_organisation_id:
        raise ValidationError({"receiver_organisation": _("%(org)s already leads this case.") % {"org": receiver}})
    if not Membership.objects.active().filter(organisation=receiver).exists():
        raise ValidationError({"receiver_organisation": _("%(org)s has no active members to answer.")
                               % {"org": receiver}})
    return receiver


def _service(service_type_id, *, receiver: Organisation, kind: str) -> ServiceType | None:
    if not service_type_id:
        if kind == HandoffKind.REFERRAL:
            raise ValidationError({"service_type": _("Choose the service you are asking for.")})
        return None
    service_type_id = posted_id(service_type_id)
    service = receiver.services.filter(pk=service_type_id).first() if service_type_id else None
    if service is None:
        raise ValidationError({"service_type": _("%(org)s does not offer this service.") % {"org": receiver}})
    return service


def _sections(kind: str, sections) -> list[str]:
    if kind == HandoffKind.TRANSFER:
        return list(ShareSection.values)  # the new lead sees the whole file
    try:
        chosen = {sections} if isinstance(sections, str) else set(sections or [])
    except TypeError:  # not a list of names (an API client's mistake)
        raise ValidationError({"sections": _("Choose the sections to share.")}) from None
    unknown = chosen - set(ShareSection.values)
    if unknown:
        raise ValidationError({"sections": _("Unknown section: %(name)s.") % {"name": ", ".join(sorted(unknown))}})
    return [s for s in ShareSection.values if s in chosen]


def _due_at(*, sent_at: datetime.datetime, service: ServiceType | None, urgency: str) -> datetime.datetime:
    days = service.sla_working_days if service else settings.TAVOLO_DEFAULT_SLA_WORKING_DAYS
    if urgency == Urgency.URGENT:
        days = min(days, URGENT_WORKING_DAYS)
    return add_working_days(sent_at, days)


def _consent_gate(*, actor, case: Case, receiver: Organisation, override: bool, override_reason: str) -> bool:
    """True when the handoff goes out under an override. Raises when the consent does not cover the receiver
    and no valid override was asked for."""
    if consent_covers(person=case.person, organisation_id=receiver.pk):
        return False
    if not override:
        raise ValidationError({"receiver_organisation": _(
            "The person's consent does not cover %(org)s: record a consent that covers it first."
        ) % {"org": receiver}})
    if not permissions.can_override_consent(actor):
        raise PermissionDenied(_("You are not allowed to send a handoff that the person's consent does not cover."))
    if not override_reason.strip():
        raise ValidationError({"override_reason": _("Explain why the handoff must go without the person's consent.")})
    return True


def _audit_override(*, actor, handoff: Handoff, organisation_id: int) -> None:
    audit_record(actor=actor, action=AuditAction.CONSENT_OVERRIDE, obj=handoff, organisation_id=organisation_id,
                 case_id=handoff.case_id, person_id=handoff.case.person_id,
                 detail={"receiver": handoff.receiver_organisation_id, "reason": handoff.override_reason})


def _require_no_pending_duplicate(case: Case, *, receiver: Organisation, kind: str, exclude_pk=None) -> None:
    pending = Handoff.objects.filter(case=case, status=HandoffStatus.PENDING).exclude(pk=exclude_pk)
    if pending.filter(receiver_organisation=receiver).exists():
        raise ValidationError({"receiver_organisation": _(
            "A handoff of this case to %(org)s is already waiting for an answer."
        ) % {"org": receiver}})
    if kind == HandoffKind.TRANSFER and pending.filter(kind=HandoffKind.TRANSFER).exists():
        raise ValidationError({"kind": _("A transfer of this case is already waiting for an answer.")})


def _case_event(handoff: Handoff, *, kind: str, actor, organisation_id: int, summary: str = "",
                audit_action: str = AuditAction.UPDATE, **data) -> None:
    event_record(case=handoff.case, kind=kind, actor=actor, organisation_id=organisation_id, obj=handoff,
                 summary=summary, audit_action=audit_action,
                 data={"kind": handoff.kind, "from": handoff.sender_organisation_id,
                       "to": handoff.receiver_organisation_id, "from_name": str(handoff.sender_organisation),
                       "to_name": str(handoff.receiver_organisation), **data})


# --- the actions --------------------------------------------------------------------------------------

def handoff_send(
    *, actor, case: Case, kind: str, receiver_organisation_id, reason: str, service_type_id=None,
    sections=(), urgency: str = Urgency.NORMAL, override_consent: bool = False, override_reason: str = "",
) -> Handoff:
    """Send a referral (the receiver will share the case) or a transfer (the receiver will lead it).

    Raises Http404 (case not visible), PermissionDenied (not a case manager with change rights, or an override
    without the override permission) or ValidationError (bad input, closed case, consent gate, duplicate).
    Creates the handoff, starts its flow (the receiver's queue gets the accept/decline task, with the SLA
    timer), and records the timeline, audit and history rows.
    """
    with transaction.atomic():
        membership = permissions.require_handoff_sender(actor, case)
        case = lock_case(case)
        if case.status == CaseStatus.CLOSED:
            raise ValidationError(_("The case is closed: reopen it before handing it over."))
        if kind not in HandoffKind.values:
            raise ValidationError({"kind": _("Choose a referral or a transfer.")})
        if kind == HandoffKind.TRANSFER and membership.organisation_id != case.lead_organisation_id:
            raise PermissionDenied(_("Only the lead organisation can transfer the case."))
        if urgency not in Urgency.values:
            raise ValidationError({"urgency": _("Choose the urgency.")})
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError({"reason": _("Say why you are handing the case over.")})
        receiver = _receiver(receiver_organisation_id, sender_id=membership.organisation_id, case=case, kind=kind)
        service = _service(service_type_id, receiver=receiver, kind=kind)
        chosen_sections = _sections(kind, sections)
        _require_no_pending_duplicate(case, receiver=receiver, kind=kind)
        overridden = _consent_gate(actor=actor, case=case, receiver=receiver, override=override_consent,
                                   override_reason=override_reason)
        now = timezone.now()
        handoff = Handoff.objects.create(
            case=case, kind=kind, sender_organisation_id=membership.organisation_id, sent_by=actor,
            receiver_organisation=receiver, service_type=service, reason=reason, sections=chosen_sections,
            urgency=urgency, sent_at=now, due_at=_due_at(sent_at=now, service=service, urgency=urgency),
            consent_override=overridden, override_reason=override_reason.strip() if overridden else "",
        )
        HandoffFlow.start.run(handoff=handoff)
        handoff.refresh_from_db(fields=["process"])
        history.handoff_event(handoff, kind=EventKind.HANDOFF_SENT, user=actor, to_state=HandoffStatus.PENDING,
                              acting_organisation_id=membership.organisation_id,
                              detail={"service": service.code if service else "", "urgency": urgency})
        _case_event(handoff, kind=CaseEventKind.HANDOFF_SENT, actor=actor, organisation_id=membership.organisation_id,
                    audit_action=AuditAction.CREATE, service=service.pk if service else None)
        if overridden:
            _audit_override(actor=actor, handoff=handoff, organisation_id=membership.organisation_id)
        return handoff


def _decide_task_for(actor, handoff: Handoff) -> tuple[Task, ActiveMembership]:
    """The open accept/decline task, claimed by `actor` if it was waiting in the queue."""
    task = _open_task(handoff, HandoffFlow.decide)
    if task is None:
        raise ValidationError(_("This handoff is not waiting for an answer."))
    membership = permissions.task_membership(actor, task)
    if membership is None:
        raise PermissionDenied(_("Only the receiving organisation can answer this handoff."))
    if handoff.kind == HandoffKind.TRANSFER and membership.role != Role.CASE_MANAGER:
        # Accepting a transfer means leading the case: a case manager's decision.
        raise PermissionDenied(_("Only a case manager can accept or decline a transfer."))
    if task.owner_id not in (None, actor.pk):
        raise ValidationError(_("%(user)s has taken this handoff: ask them, or ask your administrator to release it.")
                              % {"user": task.owner.get_full_name() or task.owner.get_username()})
    return task, membership


def handoff_accept(*, actor, handoff_id: int, note: str = "") -> Handoff:
    """Accept a pending handoff for the receiving organisation.

    A referral shares the chosen sections of the file with the receiver and puts "report the outcome" in its
    queue; a transfer makes the receiver the lead (the old lead keeps reading the file until closure) and moves
    the case pathway's open tasks to the new lead's queue.
    """
    with locked_handoff(user=actor, pk=handoff_id) as handoff:
        _require_status(handoff, HandoffStatus.PENDING)
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
            case_permissions.share_case(case, handoff.receiver_organisation, sections=handoff.sections)
        # The follow-up goes first: the flow's end finishes the process only when no task is left open.
        _cancel_escalation(handoff, actor=actor)
        task_complete(task, actor=actor, handoff=handoff, data={"decision": "accepted", "note": note.strip()})
        history.handoff_event(handoff, kind=EventKind.HANDOFF_ACCEPTED, user=actor, task=task,
                              from_state=HandoffStatus.PENDING, to_state=HandoffStatus.ACCEPTED,
                              acting_organisation_id=membership.organisation_id)
        _case_event(handoff, kind=CaseEventKind.HANDOFF_ACCEPTED, actor=actor,
                    organisation_id=membership.organisation_id, summary=note)
        history.process_finished_if_done(handoff.process_id, user=actor)
        return handoff


def _move_lead(case: Case, *, handoff: Handoff, actor) -> None:
    old_lead, new_lead = case.lead_organisation, handoff.receiver_organisation
    case.lead_organisation = new_lead
    case.case_manager = actor if permissions.is_case_manager_of(actor.pk, new_lead.pk) else None
    case.save(update_fields=["lead_organisation", "case_manager", "updated_at"])
    case_permissions.transfer_lead_access(case, old_lead=old_lead, new_lead=new_lead)
    # The pathway's open steps follow the case to its new lead: back in the new lead's queue.
    case_tasks = Task.objects.filter(
        process__flow_class=CaseFlow, process__caseprocess__case=case,
        status__in=permissions.OPEN_TASK_STATUSES, owner_permission=permissions.WORK_CASE,
    )
    for task in case_tasks:
        task.owner_permission_obj_pk = str(new_lead.pk)
        task.owner = case.case_manager
        task.status = STATUS.ASSIGNED if case.case_manager else STATUS.NEW
        task.assigned = timezone.now() if case.case_manager else None
        task.save()
        history.task_event(task, kind=EventKind.TASK_RELEASED, user=actor, to_state=task.status,
                           detail={"moved_to": new_lead.pk})


def handoff_decline(*, actor, handoff_id: int, reason: str, note: str = "") -> Handoff:
    """Decline a pending handoff with a coded reason ("other" needs a note); it goes back to its sender, who
    may redirect it elsewhere or close it."""
    if reason not in DeclineReason.values:
        raise ValidationError({"reason": _("Choose why you are declining.")})
    note = (note or "").strip()
    if reason == DeclineReason.OTHER and not note:
        raise ValidationError({"note": _("Explain the reason for declining.")})
    with locked_handoff(user=actor, pk=handoff_id) as handoff:
        _require_status(handoff, HandoffStatus.PENDING)
        task, membership = _decide_task_for(actor, handoff)
        handoff.status = HandoffStatus.DECLINED
        handoff.decided_at = timezone.now()
        handoff.decided_by = actor
        handoff.decline_reason = reason
        handoff.decline_note = note
        handoff.save()
        _cancel_escalation(handoff, actor=actor)
        task_complete(task, actor=actor, handoff=handoff, data={"decision": "declined", "reason": reason})
        history.handoff_event(handoff, kind=EventKind.HANDOFF_DECLINED, user=actor, task=task,
                              from_state=HandoffStatus.PENDING, to_state=HandoffStatus.DECLINED,
                              acting_organisation_id=membership.organisation_id, detail={"reason": reason})
        _case_event(handoff, kind=CaseEventKind.HANDOFF_DECLINED, actor=actor,
                    organisation_id=membership.organisation_id, summary=note, reason=reason)
        return handoff


def _sender_task(actor, handoff: Handoff) -> tuple[Task, ActiveMembership]:
    task = _open_task(handoff, HandoffFlow.after_decline)
    if task is None:
        raise ValidationError(_("This handoff is not waiting for a decision of yours."))
    membership = permissions.task_membership(actor, task)
    if membership is None:
        raise PermissionDenied(_("Only the case managers of the sending organisation can do this."))
    return task, membership


def handoff_redirect(
    *, actor, handoff_id: int, receiver_organisation_id, service_type_id=None, reason: str = "",
    override_consent: bool = False, override_reason: str = "",
) -> Handoff:
    """Send a declined handoff to another organisation: same handoff, new receiver and deadline, same checks
    as a new one (consent gate included)."""
    with locked_handoff(user=actor, pk=handoff_id) as handoff:
        _require_status(handoff, HandoffStatus.DECLINED)
        task, membership = _sender_task(actor, handoff)
        case = lock_case(handoff.case)
        if case.status == CaseStatus.CLOSED:
            raise ValidationError(_("The case is closed: reopen it before handing it over."))
        receiver = _receiver(receiver_organisation_id, sender_id=handoff.sender_organisation_id, case=case,
                             kind=handoff.kind)
        if receiver.pk == handoff.receiver_organisation_id:
            raise ValidationError({"receiver_organisation": _("%(org)s has just declined: choose another organisation.")
                                   % {"org": receiver}})
        service = _service(service_type_id, receiver=receiver, kind=handoff.kind)
        _require_no_pending_duplicate(case, receiver=receiver, kind=handoff.kind, exclude_pk=handoff.pk)
        overridden = _consent_gate(actor=actor, case=case, receiver=receiver, override=override_consent,
                                   override_reason=override_reason)
        previous_receiver = handoff.receiver_organisation_id
        now = timezone.now()
        handoff.receiver_organisation = receiver
        handoff.service_type = service
        if reason.strip():
            handoff.reason = reason.strip()
        handoff.status = HandoffStatus.PENDING
        handoff.sent_at = now
        handoff.due_at = _due_at(sent_at=now, service=service, urgency=handoff.urgency)
        handoff.decided_at = None
        handoff.decided_by = None
        handoff.decline_reason = ""
        handoff.decline_note = ""
        handoff.escalated_at = None
        handoff.consent_override = overridden
        handoff.override_reason = override_reason.strip() if overridden else ""
        handoff.receivers_count += 1
        handoff.save()
        task_complete(task, actor=actor, handoff=handoff, data={"decision": "redirected", "to": receiver.pk})
        history.handoff_event(handoff, kind=EventKind.HANDOFF_REDIRECTED, user=actor, task=task,
                              from_state=HandoffStatus.DECLINED, to_state=HandoffStatus.PENDING,
                              acting_organisation_id=membership.organisation_id,
                              detail={"previous_receiver": previous_receiver})
        _case_event(handoff, kind=CaseEventKind.HANDOFF_REDIRECTED, actor=actor,
                    organisation_id=membership.organisation_id, previous=previous_receiver)
        if overridden:
            _audit_override(actor=actor, handoff=handoff, organisation_id=membership.organisation_id)
        return handoff


def handoff_close(*, actor, handoff_id: int, note: str = "") -> Handoff:
    """The sender ends a declined handoff without sending it elsewhere."""
    with locked_handoff(user=actor, pk=handoff_id) as handoff:
        _require_status(handoff, HandoffStatus.DECLINED)
        task, membership = _sender_task(actor, handoff)
        handoff.status = HandoffStatus.CLOSED
        handoff.save(update_fields=["status"])
        task_complete(task, actor=actor, handoff=handoff, data={"decision": "closed", "note": note.strip()})
        history.handoff_event(handoff, kind=EventKind.HANDOFF_CLOSED, user=actor, task=task,
                              from_state=HandoffStatus.DECLINED, to_state=HandoffStatus.CLOSED,
                              acting_organisation_id=membership.organisation_id)
        _case_event(handoff, kind=CaseEventKind.HANDOFF_CLOSED, actor=actor,
                    organisation_id=membership.organisation_id, summary=note)
        history.process_finished_if_done(handoff.process_id, user=actor)
        return handoff


def handoff_revoke(*, actor, handoff_id: int, reason: str = "") -> Handoff:
    """The sender withdraws a handoff still waiting for an answer. Its tasks are canceled and its process ends;
    the receiver never gained access, so nothing is taken back."""
    with locked_handoff(user=actor, pk=handoff_id) as handoff:
        _require_status(handoff, HandoffStatus.PENDING)
        membership = permissions.require_handoff_revoker(actor, handoff)
        handoff.status = HandoffStatus.REVOKED
        handoff.revoked_at = timezone.now()
        handoff.revoke_reason = (reason or "").strip()
        handoff.save()
        _end_process(handoff, actor=actor)
        history.handoff_event(handoff, kind=EventKind.HANDOFF_REVOKED, user=actor, from_state=HandoffStatus.PENDING,
                              to_state=HandoffStatus.REVOKED, acting_organisation_id=membership.organisation_id)
        _case_event(handoff, kind=CaseEventKind.HANDOFF_REVOKED, actor=actor,
                    organisation_id=membership.organisation_id, summary=handoff.revoke_reason)
        history.process_finished_if_done(handoff.process_id, user=actor)
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
        _require_status(handoff, HandoffStatus.ACCEPTED)
        task = _open_task(handoff, HandoffFlow.report_outcome)
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
        history.handoff_event(handoff, kind=EventKind.HANDOFF_OUTCOME, user=actor, task=task,
                              from_state=HandoffStatus.ACCEPTED, to_state=HandoffStatus.COMPLETED,
                              acting_organisation_id=membership.organisation_id, detail={"outcome": outcome})
        history.process_finished_if_done(handoff.process_id, user=actor)
        _case_event(handoff, kind=CaseEventKind.HANDOFF_OUTCOME, actor=actor,
                    organisation_id=membership.organisation_id, summary=note, outcome=outcome)
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
        task = Task.objects.filter(pk=task_id, flow_task=HandoffFlow.escalate,
                                   status__in=permissions.OPEN_TASK_STATUSES).first()
        if task is None:
            raise ValidationError(_("This follow-up is already done."))
        membership = permissions.task_membership(actor, task)
        if membership is None:
            raise PermissionDenied(_("Only the coordinating service follows up overdue answers."))
        task_complete(task, actor=actor, handoff=handoff, data={"note": note})
        # The coordinator is not a party to the case: an audit row, no line in the case's timeline.
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=handoff, organisation_id=membership.organisation_id,
                     case_id=handoff.case_id, detail={"event": "handoff_follow_up", "task": task.pk})
        history.process_finished_if_done(handoff.process_id, user=actor)
        return handoff


def _cancel_escalation(handoff: Handoff, *, actor) -> None:
    """An answer came: the coordinator's follow-up, if any, is no longer needed."""
    task = _open_task(handoff, HandoffFlow.escalate)
    if task is not None:
        task_cancel(task, actor=actor, handoff=handoff)


def _end_process(handoff: Handoff, *, actor) -> None:
    for task in Task.objects.filter(process_id=handoff.process_id, status__in=permissions.OPEN_TASK_STATUSES + (
            STATUS.SCHEDULED,)):
        task_cancel(task, actor=actor, handoff=handoff)
    process = handoff.process
    if process is None:  # a handoff always has its process once sent; nothing to end otherwise
        return
    process.status = STATUS.CANCELED
    process.finished = timezone.now()
    process.save(update_fields=["status", "finished"])


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
            _end_process(handoff, actor=actor)
            # A pending handoff is withdrawn, not closed: its receiver is waiting and must hear of it (the
            # "withdrawn" notification listens to HANDOFF_REVOKED), and the case timeline says so.
            withdrawn = old == HandoffStatus.PENDING
            history.handoff_event(handoff, kind=EventKind.HANDOFF_REVOKED if withdrawn else EventKind.HANDOFF_CLOSED,
                                  user=actor, from_state=old, to_state=handoff.status,
                                  acting_organisation_id=handoff.sender_organisation_id,
                                  detail={"why": "case_closed"})
            if withdrawn:
                _case_event(handoff, kind=CaseEventKind.HANDOFF_REVOKED, actor=actor,
                            organisation_id=handoff.sender_organisation_id, summary=str(handoff.revoke_reason),
                            why="case_closed")
            history.process_finished_if_done(handoff.process_id, user=actor)
            closed += 1
    return closed
