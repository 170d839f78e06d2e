"""Who may do what in the employment pathway. Case data follows `cases.permissions`; this module only adds
the pathway's routing keys and the provider's rights (the organisation that works the pathway's steps).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

from cases.models import Case
from cases.permissions import checks as case_checks
from partners.models import Organisation
from partners.roles import Capability, Role
from partners.selectors import ActiveMembership, active_memberships, memberships_with_role

# Routing keys of the employment flow's tasks (see workflows.permissions).
WORK_PATHWAY = "employment.work_pathway"  # the lead organisation's steps: profiling, referral
PROVIDE = "employment.provide"  # the employment service's steps: path, training, placement, follow-ups

TASK_ROLES = {
    WORK_PATHWAY: frozenset({Role.CASE_MANAGER}),
    PROVIDE: frozenset({Role.CASE_MANAGER, Role.OPERATOR}),
}

# Services of the network's catalogue (partners.ServiceType codes) that make an organisation an employment
# service: the job centre, AFOL, accredited operators and placement cooperatives offer one of them.
EMPLOYMENT_SERVICE_CODES = ("job-centre", "job-placement", "training")

# Roles that work an employment service's offer (opportunities, courses, enrolments, internships).
PROVIDER_ROLES = frozenset({Role.CASE_MANAGER, Role.OPERATOR})


def employment_providers():
    """Organisations that offer an employment service (SQL)."""
    return Organisation.objects.filter(is_active=True, services__code__in=EMPLOYMENT_SERVICE_CODES).distinct()


def provider_memberships(user) -> list[ActiveMembership]:
    """The user's memberships in employment services, with a role that works their offer."""
    memberships = [m for m in active_memberships(user) if m.role in PROVIDER_ROLES]
    if not memberships:
        return []
    ids = set(
        employment_providers().filter(pk__in=[m.organisation_id for m in memberships]).values_list("pk", flat=True)
    )
    return [m for m in memberships if m.organisation_id in ids]


def require_offer_publisher(user, organisation_id: int | None) -> ActiveMembership:
    """Opportunities and courses are published by the case managers and operators of an employment service."""
    memberships = provider_memberships(user)
    if organisation_id is None and len(memberships) == 1:
        return memberships[0]
    for membership in memberships:
        if membership.organisation_id == organisation_id:
            return membership
    raise PermissionDenied(_("Only the staff of an employment service can publish opportunities and courses."))


def can_read_profile(user, case: Case) -> bool:
    return Capability.VIEW_FILE in case_checks.case_capabilities(user, case)


def can_change_profile(user, case: Case) -> bool:
    return Capability.CHANGE_CASE in case_checks.case_capabilities(user, case)


def require_profile_change(user, case: Case) -> ActiveMembership:
    return case_checks.require_case_capability(user, case, Capability.CHANGE_CASE)


def case_worker_membership(user, case: Case, *, provider_id: int | None) -> ActiveMembership | None:
    """The membership through which the user records the pathway's activities (enrolments, internships,
    placements, follow-ups) on `case`: a case manager or operator of the pathway's employment service, or a case
    manager of an organisation that may change the case. The case must be visible to them (`cases.permissions`)."""
    capabilities = case_checks.case_capabilities(user, case)
    if Capability.VIEW_SUMMARY not in capabilities:
        return None
    for membership in active_memberships(user):
        if membership.organisation_id == provider_id and membership.role in PROVIDER_ROLES:
            return membership
    if Capability.CHANGE_CASE in capabilities:
        return case_checks.acting_membership(user, case, Capability.CHANGE_CASE)
    return None


def require_case_worker(user, case: Case, *, provider_id: int | None) -> ActiveMembership:
    membership = case_worker_membership(user, case, provider_id=provider_id)
    if membership is None:
        raise PermissionDenied(
            _("Only the employment service of the pathway or the case's lead organisation can record this.")
        )
    return membership


def require_pathway_starter(user, case: Case) -> ActiveMembership:
    """The employment pathway is started from the case's plan by a case manager of the lead organisation."""
    membership = case_checks.require_case_capability(user, case, Capability.CHANGE_CASE)
    if membership.organisation_id != case.lead_organisation_id or membership.role != Role.CASE_MANAGER:
        raise PermissionDenied(_("Only the case managers of the lead organisation can start the employment pathway."))
    return membership


def is_employment_coordinator(user) -> bool:
    return bool(memberships_with_role(user, Role.COORDINATOR))


def own_organisation_filter(user, field: str = "organisation") -> Q:
    """A Q on rows owned by an organisation: those of the user's organisations."""
    return Q(**{f"{field}_id__in": [m.organisation_id for m in active_memberships(user)]})
