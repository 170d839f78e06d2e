"""Who is told: members of an organisation by role, at the time of the event (one query each)."""

from __future__ import annotations

from collections.abc import Iterable

from cases.models import CaseGroupObjectPermission
from partners.models import Membership
from partners.roles import Role

# (user id, organisation id through which they are told)
Recipient = tuple[int, int]


def members_with_roles(organisation_id: int | None, roles: Iterable[str]) -> list[Recipient]:
    """Active members of an active organisation holding one of `roles`."""
    if organisation_id is None:
        return []
    return list(
        Membership.objects.active()
        .filter(organisation_id=organisation_id, role__in=list(roles))
        .order_by("user_id")
        .values_list("user_id", "organisation_id")
    )


def member_or_role(user_id: int | None, organisation_id: int, *, fallback_roles: Iterable[str]) -> list[Recipient]:
    """The user if they are still an active member of the organisation, otherwise its members with
    `fallback_roles` (a sender who left is replaced by their organisation's case managers)."""
    if (
        user_id is not None
        and Membership.objects.active().filter(user_id=user_id, organisation_id=organisation_id).exists()
    ):
        return [(user_id, organisation_id)]
    return members_with_roles(organisation_id, fallback_roles)


def case_manager_of(case) -> list[Recipient]:
    """The case's manager, while they are an active case manager of its lead organisation."""
    if case.case_manager_id is None:
        return []
    exists = (
        Membership.objects.active()
        .filter(user_id=case.case_manager_id, organisation_id=case.lead_organisation_id, role=Role.CASE_MANAGER)
        .exists()
    )
    return [(case.case_manager_id, case.lead_organisation_id)] if exists else []


def members_of_partner_on_case(organisation_id: int | None, case, roles: Iterable[str]) -> list[Recipient]:
    """Active members with `roles` of an organisation that holds a grant on `case` (an accepted referral, the lead):
    an organisation that cannot open the case is not told about it."""
    if organisation_id is None:
        return []
    granted = CaseGroupObjectPermission.objects.filter(content_object=case, group__organisation__pk=organisation_id)
    if not granted.exists():
        return []
    return members_with_roles(organisation_id, roles)
