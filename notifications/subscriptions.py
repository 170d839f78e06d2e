"""What notifications listens to, and who is told about each event (DESIGN.md: "Notifications: nothing lost").

Each handler runs inside the publishing service's transaction (`core.bus.publish`): the rows it writes
commit or roll back with the change, and the push happens after commit.

| event | kind | recipients |
|---|---|---|
| handoff sent / redirected | handoff received | receiver's case managers and operators |
| handoff accepted (referral) | handoff accepted | the sender (or, if they left, the sender's case managers) |
| handoff accepted (transfer) | case transferred | the sender (idem) |
| handoff declined | handoff declined | the sender (idem) |
| handoff revoked | handoff withdrawn | receiver's case managers and operators |
| outcome reported | handoff outcome | the sender (idem) |
| answer overdue (SLA timer) | answer overdue | receiver's case managers and operators, the sender, the coordinators |
| pathway task created, with an owner | task assigned | the owner |
| pathway task created, in a queue | new task in the queue | the members whose role works that task |
| case closed | case closed | the case manager, and the case managers and operators of partners sharing it |
| housing / employment step | the step's kind | the side that did not act: the case side or the step's partner |
| membership changed | (no row) | the user's open sockets re-join their organisations' groups |

A handoff's own tasks (answer, review a decline, report the outcome, the coordinator's follow-up) are announced
by the handoff notifications above, not a second time as tasks. Answers due soon and expiring consents are
found by the periodic sweep (`notifications.sweeps`).

The steps of the pathways (offers, move-ins and move-outs, courses, internships, placements, follow-ups) are told to
the side that did not act: the case manager (or, none, the lead's case managers) when a partner acted; the partner
working the step (its case managers and operators) when the case side acted; both after the offer-expiry sweep.
"""

from __future__ import annotations

from django.urls import reverse

from accounts.events import UserSessionsEnded
from cases.event_text import STEP_KINDS
from cases.events import CaseEventRecorded
from cases.models import CaseShare, TimelineKind
from core.bus import subscribe
from notifications import push
from notifications.models import NotificationKind
from notifications.recipients import (
    Recipient,
    case_manager_of,
    member_or_role,
    members_of_partner_on_case,
    members_with_roles,
)
from notifications.services import notifications_record
from partners.events import MembershipChanged
from partners.models import NetworkRole, Organisation
from partners.roles import Role
from workflows import permissions as wf_permissions
from workflows.events import WorkflowEventRecorded
from workflows.models import Handoff, HandoffKind, HistoryKind, WorkflowEvent


def register() -> None:
    subscribe(WorkflowEventRecorded, on_workflow_event)
    subscribe(CaseEventRecorded, on_case_event)
    subscribe(MembershipChanged, on_membership_changed)
    subscribe(UserSessionsEnded, on_user_sessions_ended)


# --- handoffs ---------------------------------------------------------------------------------------------


def handoff_params(handoff: Handoff) -> dict:
    return {
        "handoff": handoff.pk,
        "handoff_kind": handoff.kind,
        "sender": handoff.sender_organisation.name,
        "receiver": handoff.receiver_organisation.name,
        "service": handoff.service_type.name if handoff.service_type is not None else "",
        "due": handoff.due_at.isoformat() if handoff.due_at else "",
    }


def handoff_event_key(handoff: Handoff, what: str) -> str:
    # A redirected handoff is the same row with a new receiver: each receiver round is its own event.
    return f"handoff:{handoff.pk}:{handoff.receivers_count}:{what}"


def receiver_side(handoff: Handoff) -> list[Recipient]:
    roles = wf_permissions.TASK_ROLES[wf_permissions.DECIDE_HANDOFF]
    return members_with_roles(handoff.receiver_organisation_id, roles)


def sender_side(handoff: Handoff) -> list[Recipient]:
    return member_or_role(handoff.sent_by_id, handoff.sender_organisation_id, fallback_roles=[Role.CASE_MANAGER])


def coordinators() -> list[Recipient]:
    recipients: list[Recipient] = []
    coordinating = Organisation.objects.filter(network_role=NetworkRole.COORDINATOR, is_active=True)
    for organisation_id in coordinating.values_list("pk", flat=True):
        recipients += members_with_roles(organisation_id, wf_permissions.TASK_ROLES[wf_permissions.HANDLE_ESCALATION])
    return recipients


def notify_handoff(
    handoff: Handoff,
    *,
    kind: str,
    what: str,
    recipients: list[Recipient],
    actor_id: int | None,
    extra: dict | None = None,
) -> int:
    return notifications_record(
        kind=kind,
        event_key=handoff_event_key(handoff, what),
        recipients=recipients,
        case=handoff.case,
        params={**handoff_params(handoff), **(extra or {})},
        actor_id=actor_id,
        url=reverse("workflows:handoff_detail", args=[handoff.pk]),
    )


def on_handoff_event(event: WorkflowEvent) -> None:
    handoff = Handoff.objects.select_related(
        "case", "sender_organisation", "receiver_organisation", "service_type"
    ).get(pk=int(event.handoff_id or 0))
    actor_id = event.user_id
    kind = event.kind
    if kind in (HistoryKind.HANDOFF_SENT, HistoryKind.HANDOFF_REDIRECTED):
        notify_handoff(
            handoff,
            kind=NotificationKind.HANDOFF_RECEIVED,
            what="received",
            recipients=receiver_side(handoff),
            actor_id=actor_id,
        )
    elif kind == HistoryKind.HANDOFF_ACCEPTED:
        transferred = handoff.kind == HandoffKind.TRANSFER
        notify_handoff(
            handoff,
            kind=NotificationKind.CASE_TRANSFERRED if transferred else NotificationKind.HANDOFF_ACCEPTED,
            what="accepted",
            recipients=sender_side(handoff),
            actor_id=actor_id,
        )
    elif kind == HistoryKind.HANDOFF_DECLINED:
        notify_handoff(
            handoff,
            kind=NotificationKind.HANDOFF_DECLINED,
            what="declined",
            recipients=sender_side(handoff),
            actor_id=actor_id,
            extra={"reason": handoff.decline_reason},
        )
    elif kind == HistoryKind.HANDOFF_REVOKED:
        notify_handoff(
            handoff,
            kind=NotificationKind.HANDOFF_REVOKED,
            what="revoked",
            recipients=receiver_side(handoff),
            actor_id=actor_id,
        )
    elif kind == HistoryKind.HANDOFF_OUTCOME:
        notify_handoff(
            handoff,
            kind=NotificationKind.HANDOFF_OUTCOME,
            what="outcome",
            recipients=sender_side(handoff),
            actor_id=actor_id,
            extra={"outcome": handoff.outcome},
        )
    elif kind == HistoryKind.HANDOFF_ESCALATED:
        notify_handoff(
            handoff,
            kind=NotificationKind.SLA_EXPIRED,
            what="overdue",
            recipients=receiver_side(handoff) + sender_side(handoff) + coordinators(),
            actor_id=None,
        )


# --- pathway tasks ----------------------------------------------------------------------------------------


def previous_actor_id(task) -> int | None:
    """Who finished the step that led to this task (through gateways): the owner of the human task or of the start
    (when the flow was started on someone's behalf), None after a timer."""
    previous = task.previous.order_by("-pk").first()
    for _hop in range(4):
        if previous is None or previous.flow_task_type == "TIMER":
            return None
        if previous.flow_task_type in ("HUMAN", "START"):
            return previous.owner_id
        previous = previous.previous.order_by("-pk").first()
    return None


def on_task_created(event: WorkflowEvent) -> None:
    task = event.task
    if task is None or event.flow == "handoff":
        return
    organisation_id = wf_permissions.task_organisation_id(task)
    if organisation_id is None:
        return
    case = event.case
    params = {"flow": event.flow, "step": event.step}
    # Whoever finished the step that led here caused this task (a creation event records no user).
    actor_id = event.user_id or previous_actor_id(task)
    if task.owner_id:
        if actor_id == task.owner_id:
            return  # the next step of your own work: it is in your tasks, no need to tell you
        notifications_record(
            kind=NotificationKind.TASK_ASSIGNED,
            event_key=f"task:{task.pk}:assigned:{task.owner_id}",
            recipients=[(task.owner_id, organisation_id)],
            case=case,
            params=params,
            url=reverse("workflows:task_detail", args=[task.pk]),
            actor_id=actor_id,
        )
        return
    roles = wf_permissions.TASK_ROLES.get(task.owner_permission or "", frozenset())
    organisation_name = Organisation.objects.filter(pk=organisation_id).values_list("name", flat=True).first()
    notifications_record(
        kind=NotificationKind.TASK_QUEUED,
        event_key=f"task:{task.pk}:queued",
        case=case,
        recipients=members_with_roles(organisation_id, roles),
        params={**params, "organisation": organisation_name or ""},
        url=reverse("workflows:queue"),
        actor_id=actor_id,
    )


def on_workflow_event(published: WorkflowEventRecorded) -> None:
    event = published.event
    if event.handoff_id is not None and event.kind.startswith("handoff_"):
        on_handoff_event(event)
    elif event.kind == HistoryKind.TASK_CREATED:
        on_task_created(event)


# --- cases ------------------------------------------------------------------------------------------------


def case_side(case) -> list[Recipient]:
    """Who answers for the case: its manager, or (none, or no longer active) the lead organisation's case managers."""
    return case_manager_of(case) or members_with_roles(case.lead_organisation_id, [Role.CASE_MANAGER])


def on_step_event(event) -> None:
    """A step of a housing or employment pathway (`cases.event_text.STEP_KINDS`): the side that did not act is told.
    The text names the case by its code (`notifications.text`), so nobody learns a name they may not see."""
    case = event.case
    provider_id = (event.data or {}).get("provider_id")
    acting_id = event.organisation_id if event.actor_id is not None else None  # a sweep: nobody acted
    # The case manager hears of every step but their own; the lead's other case managers stand in for a missing one
    # only when a partner acted. The partner's colleagues of the actor are not told of their own organisation's work.
    recipients = case_side(case) if acting_id != case.lead_organisation_id else case_manager_of(case)
    if provider_id and acting_id != provider_id and provider_id != case.lead_organisation_id:
        recipients += members_of_partner_on_case(provider_id, case, [Role.CASE_MANAGER, Role.OPERATOR])
    notifications_record(
        kind=event.kind,
        event_key=f"case:{case.pk}:{event.kind}:{event.pk}",
        case=case,
        recipients=recipients,
        params=event.data or {},
        url=reverse("cases:case_detail", args=[case.pk]) + "#timeline",
        actor_id=event.actor_id,
    )


def on_case_event(published: CaseEventRecorded) -> None:
    event = published.event
    if event.kind in STEP_KINDS:
        on_step_event(event)
        return
    if event.kind != TimelineKind.CASE_CLOSED:
        return
    case = event.case
    partners: list[Recipient] = []
    for organisation_id in CaseShare.objects.filter(case=case).values_list("organisation_id", flat=True):
        partners += members_with_roles(organisation_id, [Role.CASE_MANAGER, Role.OPERATOR])
    notifications_record(
        kind=NotificationKind.CASE_CLOSED,
        event_key=f"case:{case.pk}:closed:{event.pk}",
        case=case,
        recipients=case_manager_of(case) + partners,
        params={"organisation": case.lead_organisation.name, "closed_on": str(case.closed_on or "")},
        url=reverse("cases:case_detail", args=[case.pk]),
        actor_id=event.actor_id,
    )


# --- memberships ------------------------------------------------------------------------------------------


def on_membership_changed(published: MembershipChanged) -> None:
    push.push_memberships_changed_on_commit(published.user_id)


def on_user_sessions_ended(published: UserSessionsEnded) -> None:
    push.push_sessions_ended_on_commit(published.user_id)
