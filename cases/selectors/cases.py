"""Reads of cases: lists, one case, the network overview and caseloads, case managers."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from cases.models import (
    Case,
)
from cases.permissions import checks
from cases.selectors.search import person_match
from partners.roles import Capability
from partners.selectors import is_coordinator


def case_list_for(
    *,
    user,
    status: str | None = None,
    query: str = "",
    capability: str = Capability.VIEW_SUMMARY,
    organisation_id: int | None = None,
    mine: bool = False,
) -> QuerySet[Case]:
    """The cases a user may see, with what a list row shows joined in (constant query count)."""
    qs = checks.visible_cases(user, capability).select_related(
        "person", "lead_organisation", "case_manager", "household"
    )
    if status:
        qs = qs.filter(status=status)
    if organisation_id:
        qs = qs.filter(lead_organisation_id=organisation_id)
    if mine:
        qs = qs.filter(case_manager=user)
    if query:
        qs = qs.filter(person_match(query, prefix="person__") | Q(code__iexact=query.strip()))
    return qs.order_by("-opened_on", "-id")


def case_get_for(*, user, pk: int, capability: str = Capability.VIEW_SUMMARY) -> Case:
    """One case, or Http404 when it does not exist or the user may not see it (the two look the same)."""
    try:
        return case_list_for(user=user, capability=capability).get(pk=pk)
    except Case.DoesNotExist as exc:
        raise Http404 from exc


def network_case_overview(*, user, status: str | None = None, organisation_id: int | None = None) -> QuerySet:
    """The coordinator's pseudonymised list: case codes and organisations, no names. Empty for others."""
    if not is_coordinator(user):
        return Case.objects.none()
    qs = Case.objects.all()
    if status:
        qs = qs.filter(status=status)
    if organisation_id:
        qs = qs.filter(lead_organisation_id=organisation_id)
    return qs.order_by("-opened_on", "-id").values(
        "pk",
        "code",
        "status",
        "opened_on",
        "closed_on",
        "lead_organisation__name",
        "case_manager__first_name",
        "case_manager__last_name",
    )


def caseload_by_organisation(*, user) -> QuerySet:
    """Open cases per lead organisation (coordinator: the whole network; org_admin: their organisations)."""
    from partners.selectors import admin_organisation_ids

    qs = Case.objects.exclude(status="closed")
    if not is_coordinator(user):
        org_ids = admin_organisation_ids(user)
        if not org_ids:
            return Case.objects.none().values("lead_organisation__name")
        qs = qs.filter(lead_organisation_id__in=org_ids)
    return (
        qs.values("lead_organisation_id", "lead_organisation__name")
        .annotate(
            total=Count("id"),
            open=Count("id", filter=Q(status="open")),
            active=Count("id", filter=Q(status="active")),
            suspended=Count("id", filter=Q(status="suspended")),
        )
        .order_by("lead_organisation__name")
    )


def case_manager_choices_for(*, user) -> QuerySet:
    """Users who manage cases in one of the user's organisations (the candidates for `case_manager`)."""
    from partners.selectors import active_memberships

    return case_managers_of(organisation_ids=[m.organisation_id for m in active_memberships(user)])


def case_managers_of(*, organisation_ids) -> QuerySet:
    """Active users who are active case managers of one of the organisations."""
    from django.contrib.auth import get_user_model

    from partners.roles import Role

    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__organisation_id__in=list(organisation_ids),
            memberships__role=Role.CASE_MANAGER,
            memberships__is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
