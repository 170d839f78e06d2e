"""Reads about organisations and memberships."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from core.models import AuditEntry
from partners.models import Membership, Organisation
from partners.roles import ROLE_CAPABILITIES, Role


@dataclass(frozen=True)
class ActiveMembership:
    organisation_id: int
    organisation_name: str
    group_id: int
    role: str
    is_coordinator_org: bool

    def can(self, capability: str) -> bool:
        return capability in ROLE_CAPABILITIES.get(self.role, frozenset())


def active_memberships(user) -> tuple[ActiveMembership, ...]:
    """The user's active memberships in active organisations, loaded once per request (one query).

    The result is cached on the user object, which Django rebuilds on every request: a member who
    is deactivated loses access from their next request on.
    """
    if not getattr(user, "is_authenticated", False):
        return ()
    cached = getattr(user, "_tavolo_memberships", None)
    if cached is not None:
        return cached
    rows = (
        Membership.objects.active()
        .filter(user=user)
        .order_by("organisation__name")
        .values_list(
            "organisation_id", "organisation__name", "organisation__group_id", "role", "organisation__network_role"
        )
    )
    memberships = tuple(
        ActiveMembership(
            organisation_id=org_id,
            organisation_name=name,
            group_id=group_id,
            role=role,
            is_coordinator_org=network_role == "coordinator",
        )
        for org_id, name, group_id, role, network_role in rows
    )
    user._tavolo_memberships = memberships
    return memberships


def forget_memberships(user) -> None:
    if hasattr(user, "_tavolo_memberships"):
        del user._tavolo_memberships


def memberships_with(user, capability: str) -> list[ActiveMembership]:
    return [m for m in active_memberships(user) if m.can(capability)]


def memberships_with_role(user, *roles: str) -> list[ActiveMembership]:
    return [m for m in active_memberships(user) if m.role in roles]


def is_coordinator(user) -> bool:
    return any(m.role == Role.COORDINATOR for m in active_memberships(user))


def admin_organisation_ids(user) -> list[int]:
    return [m.organisation_id for m in memberships_with_role(user, Role.ORG_ADMIN)]


def organisation_list(*, active_only: bool = True) -> QuerySet[Organisation]:
    qs = Organisation.objects.prefetch_related("services")
    return qs.filter(is_active=True) if active_only else qs


def member_list_for(*, user, organisation_id: int) -> QuerySet[Membership]:
    """Members of an organisation, for one of its org_admins; empty for anyone else."""
    if organisation_id not in admin_organisation_ids(user):
        return Membership.objects.none()
    return Membership.objects.filter(organisation_id=organisation_id).select_related("user", "organisation")


def audit_list_for(*, user) -> QuerySet[AuditEntry]:
    """The coordinator sees every entry; an org_admin the entries of its organisations; others none."""
    qs = AuditEntry.objects.select_related("organisation")
    if is_coordinator(user):
        return qs
    org_ids = admin_organisation_ids(user)
    if not org_ids:
        return AuditEntry.objects.none()
    return qs.filter(organisation_id__in=org_ids)
