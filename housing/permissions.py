"""Who may do what in the housing chain.

Two sources, never a third: a person's housing data follows the case (`cases.permissions`: the lead organisation,
and a provider only once a referral to it was accepted and the case shared with it); places follow the provider
organisation's membership and the member's role. The coordinator edits the rules and weights and sees aggregates
and case codes, never names (unless a file was opened to them like to anyone else).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from cases.models import Case
from cases.permissions import checks as case_checks
from partners.roles import Capability, Role
from partners.selectors import ActiveMembership, active_memberships, is_coordinator

# Routing keys of the housing flow's steps (workflows.registry): the case side and the provider side.
WORK_HOUSING_CASE = "housing.work_case"
WORK_PLACEMENT = "housing.work_placement"

TASK_ROLES = {
    WORK_HOUSING_CASE: frozenset({Role.CASE_MANAGER}),
    WORK_PLACEMENT: frozenset({Role.CASE_MANAGER, Role.OPERATOR}),
}

# A provider's members who create and edit its resources and open or close places.
MANAGE_ROLES = frozenset({Role.ORG_ADMIN, Role.CASE_MANAGER})
# ... who offer places, record move-ins and move-outs.
WORK_ROLES = frozenset({Role.CASE_MANAGER, Role.OPERATOR})
# ... who see the provider page (places, guests, planned move-outs).
SEE_ROLES = MANAGE_ROLES | WORK_ROLES


def provider_ids(user, roles: frozenset[str] = SEE_ROLES) -> list[int]:
    return [m.organisation_id for m in active_memberships(user) if m.role in roles]


def _provider_membership(user, provider_id: int, roles: frozenset[str]) -> ActiveMembership | None:
    for membership in active_memberships(user):
        if membership.organisation_id == provider_id and membership.role in roles:
            return membership
    return None


def require_manage_resources(user, provider_id: int) -> ActiveMembership:
    membership = _provider_membership(user, provider_id, MANAGE_ROLES)
    if membership is None:
        raise PermissionDenied(_("Only the provider's administrators and case managers can manage its places."))
    return membership


def require_work_places(user, provider_id: int) -> ActiveMembership:
    membership = _provider_membership(user, provider_id, WORK_ROLES)
    if membership is None:
        raise PermissionDenied(_("Only the provider's case managers and operators can offer or assign its places."))
    return membership


def can_edit_housing(user, case: Case) -> bool:
    return Capability.CHANGE_CASE in case_checks.case_capabilities(user, case)


def can_view_housing(user, case: Case) -> bool:
    """The housing section is part of the person's file: the capability to read the file on this case."""
    return Capability.VIEW_FILE in case_checks.case_capabilities(user, case)


def require_edit_housing(user, case: Case) -> ActiveMembership:
    """Record the housing section, apply to a waitlist, answer an offer for the household: whoever may change
    the case (its lead organisation's case managers)."""
    return case_checks.require_case_capability(user, case, Capability.CHANGE_CASE)


def require_coordinator(user) -> ActiveMembership:
    for membership in active_memberships(user):
        if membership.role == Role.COORDINATOR:
            return membership
    raise PermissionDenied(_("Only the network coordinator can change this."))


def sees_network_aggregates(user) -> bool:
    return is_coordinator(user)
