"""What the cases pages share: who they read a file as, and the audit rows of reads and searches."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from cases.permissions import checks
from core.audit import audit_record
from core.models import AuditAction
from partners.roles import Capability
from partners.selectors import active_memberships, memberships_with


def audit_search(request, *, object_type: str, query: str) -> None:
    """A search in the audit log. The text may be a codice fiscale or a name: only its length is logged."""
    memberships = active_memberships(request.user)
    audit_record(
        actor=request.user,
        action=AuditAction.SEARCH,
        object_type=object_type,
        request=request,
        organisation_id=memberships[0].organisation_id if memberships else None,
        detail={"query_length": len(query)},
    )


def case_organisation_id(user, case) -> int | None:
    """The organisation through which the user sees the case (for the audit row); None for a per-user
    grant (the coordinator asked to look at one file)."""
    try:
        return checks.acting_membership(user, case, Capability.VIEW_SUMMARY).organisation_id
    except PermissionDenied:
        return None


def person_organisation_id(user, person) -> int | None:
    """The organisation through which the user reads a person's data: the registering one first."""
    memberships = memberships_with(user, Capability.VIEW_FILE) or list(active_memberships(user))
    for membership in memberships:
        if membership.organisation_id == person.registered_by_id:
            return membership.organisation_id
    return memberships[0].organisation_id if memberships else None


def audit_case_read(request, case) -> None:
    audit_record(
        actor=request.user,
        action=AuditAction.READ,
        obj=case,
        request=request,
        organisation_id=case_organisation_id(request.user, case),
        case_id=case.pk,
        person_id=case.person_id,
    )


def audit_person_read(request, person) -> None:
    audit_record(
        actor=request.user,
        action=AuditAction.READ,
        obj=person,
        request=request,
        organisation_id=person_organisation_id(request.user, person),
        person_id=person.pk,
    )
