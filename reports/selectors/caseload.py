"""Caseload figures: cases open, opened and closed per organisation, case manager, pathway and month."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth

from cases.models import Case, CaseStatus
from partners.models import Organisation
from reports.periods import Period
from reports.permissions import Scope
from reports.selectors.common import _as_date, _in_scope, flow_label, flow_title
from reports.sql import analytics_memory
from workflows.models import CaseProcess


def _open_at(period: Period) -> Q:
    """Open at the end of the period: opened by then, not closed by then."""
    return Q(opened_on__lte=period.end) & (Q(closed_on__isnull=True) | Q(closed_on__gt=period.end))


def caseload_by_organisation(*, scope: Scope, period: Period) -> list[dict]:
    """Per lead organisation: cases open at the period's end, opened and closed during the period.

    One query. The lead organisation is the current one (a transfer moves a case's whole history with it)."""
    in_period = Q(opened_on__gte=period.start, opened_on__lte=period.end)
    closed_in = Q(closed_on__gte=period.start, closed_on__lte=period.end)
    rows = (
        Case.objects.filter(_in_scope(scope, "lead_organisation_id"))
        .filter(_open_at(period) | in_period | closed_in)
        .values("lead_organisation_id", "lead_organisation__name")
        .annotate(
            open=Count("pk", filter=_open_at(period)),
            opened=Count("pk", filter=in_period),
            closed=Count("pk", filter=closed_in),
        )
        .order_by("-open", "lead_organisation__name")
    )
    return [
        {
            "organisation_id": r["lead_organisation_id"],
            "organisation": r["lead_organisation__name"],
            "open": r["open"],
            "opened": r["opened"],
            "closed": r["closed"],
        }
        for r in rows
    ]


def caseload_by_case_manager(*, scope: Scope, period: Period) -> list[dict]:
    """Cases open at the period's end per lead organisation and case manager (staff, not the people helped).

    Grouped by ids, the names read afterwards for the groups only (joining the names first made PostgreSQL group
    200k cases by four text columns: 6x slower). Two queries, plus one for the organisation names."""
    rows = list(
        Case.objects.filter(_in_scope(scope, "lead_organisation_id"), _open_at(period))
        .values("lead_organisation_id", "case_manager_id")
        .annotate(open=Count("pk"))
        .order_by()
    )
    User = get_user_model()
    managers = User.objects.filter(pk__in={r["case_manager_id"] for r in rows} - {None})
    staff: dict[int, dict] = {u["pk"]: dict(u) for u in managers.values("pk", "first_name", "last_name", "username")}
    organisations = dict(
        Organisation.objects.filter(pk__in={r["lead_organisation_id"] for r in rows}).values_list("pk", "name")
    )

    def as_row(r) -> tuple[tuple, dict]:
        user = staff.get(r["case_manager_id"], {})
        name = " ".join(p for p in (user.get("first_name"), user.get("last_name")) if p)
        organisation = organisations.get(r["lead_organisation_id"], "")
        row = {
            "organisation": organisation,
            "case_manager_id": r["case_manager_id"],
            "case_manager": name or user.get("username") or "",
            "open": r["open"],
        }
        return (-r["open"], organisation, user.get("last_name") or ""), row

    return [row for _key, row in sorted((as_row(r) for r in rows), key=lambda pair: pair[0])]


def caseload_by_pathway(*, scope: Scope, period: Period) -> list[dict]:
    """Cases with a process of each flow running at the period's end (one case counts once per flow)."""
    end = period.as_of
    query = (
        CaseProcess.objects.filter(_in_scope(scope, "case__lead_organisation_id"), created__lt=end)
        .filter(Q(finished__isnull=True) | Q(finished__gte=end))
        .values("flow_class")
        .annotate(cases=Count("case_id", distinct=True), processes=Count("pk"))
        .order_by("flow_class")
    )
    with analytics_memory(query.db):  # the DISTINCT's sort of every running process stays in memory
        rows = list(query)
    return [
        {
            "flow": flow_label(r["flow_class"]),
            "flow_title": flow_title(r["flow_class"]),
            "cases": r["cases"],
            "processes": r["processes"],
        }
        for r in rows
    ]


def cases_per_month(*, scope: Scope, period: Period) -> list[dict]:
    """Cases opened and closed in each month of the period (two grouped queries)."""
    base = Case.objects.filter(_in_scope(scope, "lead_organisation_id"))
    opened = dict(
        base.filter(opened_on__gte=period.start, opened_on__lte=period.end)
        .annotate(month=TruncMonth("opened_on"))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    closed = dict(
        base.filter(closed_on__gte=period.start, closed_on__lte=period.end)
        .annotate(month=TruncMonth("closed_on"))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    opened = {_as_date(k): v for k, v in opened.items()}
    closed = {_as_date(k): v for k, v in closed.items()}
    return [{"month": m, "opened": opened.get(m, 0), "closed": closed.get(m, 0)} for m in period.months()]


def open_case_statuses() -> list[str]:
    return [s for s in CaseStatus.values if s != CaseStatus.CLOSED]
