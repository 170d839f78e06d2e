"""Sending a handoff and sending a declined one elsewhere: the same checks (receiver, service, sections,
consent gate, no duplicate) for both.

Recipe: lock (the case row; a redirect first its process and handoff row, `locked_handoff`) → authorise → validate
→ change → history, timeline and audit rows (`WorkflowEventRecorded` is published by the history) → the flow's
tasks, whose notifications go out on commit.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, CaseStatus, ShareSection, TimelineKind
from cases.selectors import consent_covers
from cases.services.case_file import lock_case
from core.audit import audit_record
from core.models import AuditAction
from partners.models import Membership, Organisation, ServiceType
from workflows import permissions
from workflows.flows import HandoffFlow
from workflows.models import Handoff, HandoffKind, HandoffStatus, HistoryKind, Urgency
from workflows.services import history
from workflows.services.handoffs.common import locked_handoff, record_timeline, require_status, sender_task
from workflows.services.tasks import task_complete
from workflows.workdays import add_working_days

URGENT_WORKING_DAYS = 1


# --- validation shared by send and redirect -----------------------------------------------------------


def _receiver(organisation_id: int | None, *, sender_id: int, case: Case, kind: str) -> Organisation:
    receiver = Organisation.objects.filter(pk=organisation_id).first() if organisation_id is not None else None
    if receiver is None:
        raise ValidationError({"receiver_organisation": _("Choose an organisation of the network.")})
    if not receiver.is_active:
        raise ValidationError(
            {"receiver_organisation": _("%(org)s is no longer active in the network.") % {"org": receiver}}
        )
    if receiver.pk == sender_id:
        raise ValidationError({"receiver_organisation": _("You cannot hand a case to your own organisation.")})
    if kind == HandoffKind.TRANSFER and receiver.pk == case.lead_organisation_id:
        raise ValidationError({"receiver_organisation": _("%(org)s already leads this case.") % {"org": receiver}})
    if not Membership.objects.active().filter(organisation=receiver).exists():
        raise ValidationError(
            {"receiver_organisation": _("%(org)s has no active members to answer.") % {"org": receiver}}
        )
    return receiver


def _service(service_type_id: int | None, *, receiver: Organisation, kind: str) -> ServiceType | None:
    if service_type_id is None:
        if kind == HandoffKind.REFERRAL:
            raise ValidationError({"service_type": _("Choose the service you are asking for.")})
        return None
    service = receiver.services.filter(pk=service_type_id).first()
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
        raise ValidationError(
            {
                "receiver_organisation": _(
                    "The person's consent does not cover %(org)s: record a consent that covers it first."
                )
                % {"org": receiver}
            }
        )
    if not permissions.can_override_consent(actor):
        raise PermissionDenied(_("You are not allowed to send a handoff that the person's consent does not cover."))
    if not override_reason.strip():
        raise ValidationError({"override_reason": _("Explain why the handoff must go without the person's consent.")})
    return True


def _audit_override(*, actor, handoff: Handoff, organisation_id: int) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.CONSENT_OVERRIDE,
        obj=handoff,
        organisation_id=organisation_id,
        case_id=handoff.case_id,
        person_id=handoff.case.person_id,
        detail={"receiver": handoff.receiver_organisation_id, "reason": handoff.override_reason},
    )


def _require_no_pending_duplicate(case: Case, *, receiver: Organisation, kind: str, exclude_pk=None) -> None:
    pending = Handoff.objects.filter(case=case, status=HandoffStatus.PENDING).exclude(pk=exclude_pk)
    if pending.filter(receiver_organisation=receiver).exists():
        raise ValidationError(
            {
                "receiver_organisation": _("A handoff of this case to %(org)s is already waiting for an answer.")
                % {"org": receiver}
            }
        )
    if kind == HandoffKind.TRANSFER and pending.filter(kind=HandoffKind.TRANSFER).exists():
        raise ValidationError({"kind": _("A transfer of this case is already waiting for an answer.")})


# --- the actions --------------------------------------------------------------------------------------


def handoff_send(
    *,
    actor,
    case: Case,
    kind: str,
    receiver_organisation_id: int,
    reason: str,
    service_type_id: int | None = None,
    sections: Iterable[str] = (),
    urgency: str = Urgency.NORMAL,
    override_consent: bool = False,
    override_reason: str = "",
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
        overridden = _consent_gate(
            actor=actor, case=case, receiver=receiver, override=override_consent, override_reason=override_reason
        )
        now = timezone.now()
        handoff = Handoff.objects.create(
            case=case,
            kind=kind,
            sender_organisation_id=membership.organisation_id,
            sent_by=actor,
            receiver_organisation=receiver,
            service_type=service,
            reason=reason,
            sections=chosen_sections,
            urgency=urgency,
            sent_at=now,
            due_at=_due_at(sent_at=now, service=service, urgency=urgency),
            consent_override=overridden,
            override_reason=override_reason.strip() if overridden else "",
        )
        HandoffFlow.start.run(handoff=handoff)
        handoff.refresh_from_db(fields=["process"])
        history.record_handoff(
            handoff,
            kind=HistoryKind.HANDOFF_SENT,
            user=actor,
            to_state=HandoffStatus.PENDING,
            acting_organisation_id=membership.organisation_id,
            detail={"service": service.code if service else "", "urgency": urgency},
        )
        record_timeline(
            handoff,
            kind=TimelineKind.HANDOFF_SENT,
            actor=actor,
            organisation_id=membership.organisation_id,
            audit_action=AuditAction.CREATE,
            service=service.pk if service else None,
        )
        if overridden:
            _audit_override(actor=actor, handoff=handoff, organisation_id=membership.organisation_id)
        return handoff


def handoff_redirect(
    *,
    actor,
    handoff_id: int,
    receiver_organisation_id: int,
    service_type_id: int | None = None,
    reason: str = "",
    override_consent: bool = False,
    override_reason: str = "",
) -> Handoff:
    """Send a declined handoff to another organisation: same handoff, new receiver and deadline, same checks
    as a new one (consent gate included)."""
    with locked_handoff(user=actor, pk=handoff_id) as handoff:
        require_status(handoff, HandoffStatus.DECLINED)
        task, membership = sender_task(actor, handoff)
        case = lock_case(handoff.case)
        if case.status == CaseStatus.CLOSED:
            raise ValidationError(_("The case is closed: reopen it before handing it over."))
        receiver = _receiver(
            receiver_organisation_id, sender_id=handoff.sender_organisation_id, case=case, kind=handoff.kind
        )
        if receiver.pk == handoff.receiver_organisation_id:
            raise ValidationError(
                {
                    "receiver_organisation": _("%(org)s has just declined: choose another organisation.")
                    % {"org": receiver}
                }
            )
        service = _service(service_type_id, receiver=receiver, kind=handoff.kind)
        _require_no_pending_duplicate(case, receiver=receiver, kind=handoff.kind, exclude_pk=handoff.pk)
        overridden = _consent_gate(
            actor=actor, case=case, receiver=receiver, override=override_consent, override_reason=override_reason
        )
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
        history.record_handoff(
            handoff,
            kind=HistoryKind.HANDOFF_REDIRECTED,
            user=actor,
            task=task,
            from_state=HandoffStatus.DECLINED,
            to_state=HandoffStatus.PENDING,
            acting_organisation_id=membership.organisation_id,
            detail={"previous_receiver": previous_receiver},
        )
        record_timeline(
            handoff,
            kind=TimelineKind.HANDOFF_REDIRECTED,
            actor=actor,
            organisation_id=membership.organisation_id,
            previous=previous_receiver,
        )
        if overridden:
            _audit_override(actor=actor, handoff=handoff, organisation_id=membership.organisation_id)
        return handoff
