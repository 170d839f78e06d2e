"""Overviews: the home page by role, the caseload by organisation, and the coordinator's pseudonymised
list of the network's cases (codes and organisations, no names). They live in `cases` because they read
case data; `partners` does not import `cases`."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from cases import selectors
from cases.forms import OverviewFilterForm
from cases.models import CaseStatus
from core.views import page_view, paginate
from partners.roles import Role
from partners.selectors import active_memberships, admin_organisation_ids, is_coordinator

CASE_ROLES = {Role.CASE_MANAGER, Role.OPERATOR, Role.VOLUNTEER}


@login_required
def home(request):
    user = request.user
    memberships = active_memberships(user)
    if not memberships:
        return render(request, "home.html", {"inactive": True})
    roles = {m.role for m in memberships}
    context = {
        "memberships": memberships,
        "roles": roles,
        "admin_memberships": [m for m in memberships if m.role == Role.ORG_ADMIN],
        "coordinator": Role.COORDINATOR in roles,
    }
    if roles & CASE_ROLES:
        open_cases = selectors.case_list_for(user=user).exclude(status=CaseStatus.CLOSED)
        context["visible_open_cases"] = open_cases.count()
        if Role.CASE_MANAGER in roles:
            context["my_open_cases"] = open_cases.filter(case_manager=user).count()
    if context["coordinator"] or context["admin_memberships"]:
        context["caseload"] = list(selectors.caseload_by_organisation(user=user))
    return render(request, "home.html", context)


@login_required
def caseload(request):
    """Open cases by lead organisation: the coordinator's network, an org_admin's own organisations."""
    if not (is_coordinator(request.user) or admin_organisation_ids(request.user)):
        raise Http404
    rows = list(selectors.caseload_by_organisation(user=request.user))
    totals = {key: sum(row[key] for row in rows) for key in ("open", "active", "suspended", "total")}
    return render(
        request,
        "partners/caseload.html",
        {
            "rows": rows,
            "totals": totals,
            "network_wide": is_coordinator(request.user),
        },
    )


@page_view("GET")
def network_overview(request):
    if not is_coordinator(request.user):
        raise Http404
    form = OverviewFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    organisation = filters.get("organisation")
    rows = selectors.network_case_overview(
        user=request.user,
        status=filters.get("status") or None,
        organisation_id=organisation.pk if organisation else None,
    )
    page = paginate(request, rows)
    labels = dict(CaseStatus.choices)
    page.object_list = [{**row, "status_label": labels.get(row["status"], row["status"])} for row in page.object_list]
    return render(request, "cases/network_overview.html", {"form": form, "page": page})
