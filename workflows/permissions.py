"""Who may claim, work and release workflow tasks, and who may send handoffs.

A human task sits in one organisation's queue: viewflow's `owner_permission` names the kind of work (one of
the routing keys below) and `owner_permission_obj` is the `Organisation`. What a member may do with it
follows from their role in that organisation (`TASK_ROLES`), like case data follows `ROLE_CAPABILITIES`.
These keys are routing keys, not Django permissions: nobody is granted them one by one.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from cases.models import Case
from cases.permissions import checks as case_checks
from partners.models import Membership, Organisation
from partners.roles import Capability, Role
from partners.selectors import ActiveMembership, active_memberships, is_coordinator

WORK_CASE = "workflows.work_case"
DECIDE_HANDOFF = "workflows.decide_handoff"
REPORT_OUTCOME = "workflows.report_outcome"
REVIEW_DECLINE = "workflows.review_decline"
HANDLE_ESCALATION = "workflows.handle_escalation"

TASK_ROLES: dict[str, frozenset[str]] = {
    # The steps of the case pathway are the case managers' work.
    WORK_CASE: frozenset({Role.CASE_MANAGER}),
    # Answering a referral and reporting its outcome: whoever works the organisation's cases.
    DECIDE_HANDOFF: frozenset({Role.CASE_MANAGER, Role.OPERATOR}),
    REPORT_OUTCOME: frozenset({Role.CASE_MANAGER, Role.OPERATOR}),
    # Deciding where a declined referral goes next is the sender's case managers' call.
    REVIEW_DECLINE: frozenset({Role.CASE_MANAGER}),
    # An unanswered handoff past its deadline reaches the coordinating service.
    HANDLE_ESCALATION: frozenset({Role.COORDINATOR}),
}

# The consent gate's override, held as a Django permission (user or group), checked with `has_perm`.
OVERRIDE_CONSENT = "workflows.override_consent"

OPEN_TASK_STATUSES = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


def organisation_content_type() -> ContentType:
    return ContentType.objects.get_for_model(Organisation)


def task_organisation_id(task) -> int | None:
    """The organisation whose queue holds the task."""
    if not task.owner_permission_obj_pk or task.owner_permission_content_type_id != organisation_content_type().pk:
        return None
    return int(task.owner_permission_obj_pk)


def task_membership(user, task) -> ActiveMembership | None:
    """The user's membership through which they may work this task, if any."""
    organisation_id = task_organisation_id(task)
    roles = TASK_ROLES.get(task.owner_permission or "", frozenset())
    for membership in active_memberships(user):
        if membership.organisation_id == organisation_id and membership.role in roles:
            return membership
    return None


def can_claim(user, task) -> bool:
    return task.status == STATUS.NEW and task.owner_id is None and task_membership(user, task) is not None


def can_execute(user, task) -> bool:
    """The task is the user's, and they are still a member with a role that works it."""
    return (
        task.owner_id == user.pk
        and task.status in (STATUS.ASSIGNED, STATUS.STARTED)
        and task_membership(user, task) is not None
    )


def can_release(user, task) -> bool:
    """The owner puts a task back in the queue; so may the organisation's administrator (someone is away)."""
    if task.owner_id is None or task.status not in (STATUS.ASSIGNED, STATUS.STARTED):
        return False
    if task.owner_id == user.pk:
        return True
    organisation_id = task_organisation_id(task)
    return any(m.organisation_id == organisation_id and m.role == Role.ORG_ADMIN for m in active_memberships(user))


def can_see_task(user, task) -> bool:
    """A task shows to the members of its organisation who may work it or supervise it, and to its owner."""
    if task.owner_id == user.pk:
        return True
    organisation_id = task_organisation_id(task)
    roles = TASK_ROLES.get(task.owner_permission or "", frozenset()) | {Role.ORG_ADMIN}
    return any(m.organisation_id == organisation_id and m.role in roles for m in active_memberships(user))


def queue_filter(user) -> Q:
    """A Q on viewflow's Task: tasks in the queues of the user's organisations that the user's role works."""
    conditions = Q(pk__in=[])
    for membership in active_memberships(user):
        keys = [key for key, roles in TASK_ROLES.items() if membership.role in roles]
        if keys:
            conditions |= Q(owner_permission_obj_pk=str(membership.organisation_id), owner_permission__in=keys)
    return Q(owner_permission_content_type=organisation_content_type()) & conditions


def supervised_filter(user) -> Q:
    """A Q on Task: every task in the queues of the organisations the user administers."""
    org_ids = [str(m.organisation_id) for m in active_memberships(user) if m.role == Role.ORG_ADMIN]
    return Q(owner_permission_content_type=organisation_content_type(), owner_permission_obj_pk__in=org_ids)


# Who sees an organisation's handoffs: on the receiving side those who answer and work them, on the sending side
# its case managers; on both sides the organisation's administrator.
RECEIVED_ROLES = frozenset({Role.CASE_MANAGER, Role.OPERATOR, Role.ORG_ADMIN})
SENT_ROLES = frozenset({Role.CASE_MANAGER, Role.ORG_ADMIN})


def handoff_organisation_ids(user, *, sent: bool) -> list[int]:
    roles = SENT_ROLES if sent else RECEIVED_ROLES
    return [m.organisation_id for m in active_memberships(user) if m.role in roles]


def can_see_handoff(user, handoff) -> bool:
    """A party to the handoff with one of the roles above, or the coordinator (who follows up overdue answers
    and sees handoffs pseudonymised: `shows_handoff_person`)."""
    return (
        handoff.sender_organisation_id in handoff_organisation_ids(user, sent=True)
        or handoff.receiver_organisation_id in handoff_organisation_ids(user, sent=False)
        or is_coordinator(user)
    )


def shows_handoff_person(user, handoff) -> bool:
    """Whether the user may read who the handoff is about: its sender always; its receiver while the answer is
    awaited and after accepting, not after a refusal or a withdrawal (`Handoff.receiver_sees_person`); the
    coordinator never (case code only). Reads the row and the cached memberships: no query per row."""
    if handoff.sender_organisation_id in handoff_organisation_ids(user, sent=True):
        return True
    return handoff.receiver_sees_person and handoff.receiver_organisation_id in handoff_organisation_ids(
        user, sent=False
    )


def require_claim(user, task) -> None:
    if not can_claim(user, task):
        raise PermissionDenied(_("You cannot take this task."))


def require_execute(user, task) -> ActiveMembership:
    membership = task_membership(user, task)
    if membership is None or not can_execute(user, task):
        raise PermissionDenied(_("This task is not assigned to you: take it from the queue first."))
    return membership


def require_handoff_sender(user, case: Case) -> ActiveMembership:
    """Referrals and transfers are sent by the case managers of an organisation that may change the case."""
    membership = case_checks.require_case_capability(user, case, Capability.CHANGE_CASE)
    if membership.role != Role.CASE_MANAGER:
        raise PermissionDenied(_("Only case managers can send referrals and transfers."))
    return membership


def require_handoff_revoker(user, handoff) -> ActiveMembership:
    """A pending handoff is revoked by a case manager of the organisation that sent it."""
    for membership in active_memberships(user):
        if membership.organisation_id == handoff.sender_organisation_id and membership.role == Role.CASE_MANAGER:
            return membership
    raise PermissionDenied(_("Only the case managers of the sending organisation can revoke this handoff."))


def is_case_manager_of(user_id: int | None, organisation_id: int) -> bool:
    """Whether a user (not the one acting: a case's manager, a handoff's sender) still manages cases there."""
    return (
        user_id is not None
        and Membership.objects.active()
        .filter(user_id=user_id, organisation_id=organisation_id, role=Role.CASE_MANAGER)
        .exists()
    )


def can_override_consent(user) -> bool:
    return bool(user.is_active and user.has_perm(OVERRIDE_CONSENT))
