"""Thin views: read the filters, resolve the reader's scope (404 for anyone without one), render or export."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify

from cases import selectors as case_selectors
from core.audit import audit_record
from core.models import AuditAction
from core.views import page_view
from reports import charts, dashboard, pdf
from reports.bottlenecks import bottleneck_maps, legend
from reports.csv import table_csv
from reports.forms import read_filters
from reports.permissions import Scope, organisation_choices_for, oversight_scope_for


def _filters(request):
    """(form, scope, period, pathway); Http404 when the reader has no dashboard or asks for an organisation
    that is not theirs."""
    user = request.user
    oversight_scope_for(user)  # 404 before anything is read
    form, period, organisation_id, pathway = read_filters(
        request, organisations=organisation_choices_for(user), pathways=dashboard.flow_choices()
    )
    scope = oversight_scope_for(user, organisation_id=organisation_id)
    return form, scope, period, pathway


def _audit_export(request, scope: Scope, *, object_type: str, detail: dict) -> None:
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type=object_type,
        organisation_id=scope.acting_organisation_id,
        request=request,
        detail={"organisations": list(scope.organisation_ids) if scope.organisation_ids else "network", **detail},
    )


def _query_string(request) -> str:
    return request.GET.urlencode()


@page_view("GET")
def home(request):
    form, scope, period, pathway = _filters(request)
    sections = dashboard.build_dashboard(scope=scope, period=period, pathway=pathway)
    rendered = [
        {"section": s, "tables": [{"table": t, "chart": charts.bar_chart(t)} for t in s.tables]} for s in sections
    ]
    return render(
        request,
        "reports/dashboard.html",
        {
            "form": form,
            "scope": scope,
            "period": period,
            "pathway": pathway,
            "sections": rendered,
            "query": _query_string(request),
        },
    )


@page_view("GET")
def export_csv(request, key: str):
    form, scope, period, pathway = _filters(request)
    sections = dashboard.sections_holding(key, scope=scope, period=period, pathway=pathway)
    table = dashboard.find_table(sections, key)
    if table is None:
        raise Http404
    _audit_export(
        request,
        scope,
        object_type="reports.table",
        detail={
            "table": key,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "pathway": pathway,
            "rows": len(table.rows),
        },
    )
    response = HttpResponse(table_csv(table), content_type="text/csv; charset=utf-8")
    filename = f"tavolo-{slugify(key)}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@page_view("GET")
def bottlenecks(request):
    form, scope, period, pathway = _filters(request)
    return render(
        request,
        "reports/bottlenecks.html",
        {
            "form": form,
            "scope": scope,
            "period": period,
            "pathway": pathway,
            "maps": bottleneck_maps(scope=scope, period=period, pathway=pathway),
            "legend": legend(),
            "query": _query_string(request),
        },
    )


@page_view("GET")
def network_report_pdf(request):
    form, scope, period, pathway = _filters(request)
    content = pdf.network_report(scope=scope, period=period, pathway=pathway, author=request.user)
    _audit_export(
        request,
        scope,
        object_type="reports.network_report",
        detail={"start": period.start.isoformat(), "end": period.end.isoformat(), "pathway": pathway},
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="tavolo-rendicontazione-{period.start:%Y%m%d}-{period.end:%Y%m%d}.pdf"'
    )
    response["Cache-Control"] = "no-store"
    return response


@page_view("GET")
def case_summary_pdf(request, case_pk: int):
    """Everything the reader's organisation may see of one case, as a PDF (a GDPR access request). Hidden cases
    answer 404 like the case page; the download is audited as a read of the person's file."""
    content, case = pdf.case_summary(user=request.user, case_pk=case_pk)
    audit_record(
        actor=request.user,
        action=AuditAction.DOWNLOAD,
        obj=case,
        case_id=case.pk,
        person_id=case.person_id,
        organisation_id=pdf.reader_organisation_id(request.user, case),
        request=request,
        detail={"document": "case_summary_pdf"},
    )
    response = HttpResponse(content, content_type="application/pdf")
    filename = f"tavolo-{slugify(case.code)}-{timezone.localdate():%Y%m%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@page_view("GET")
def case_open(request, code: str):
    """From a case code on the dashboard to the case page, when the reader may see that case (404 otherwise, the
    same answer as for a code that does not exist). The case page audits the read of the file itself; this records
    that the dashboard led there."""
    oversight_scope_for(request.user)
    case = case_selectors.case_list_for(user=request.user).filter(code=code).first()
    if case is None:
        raise Http404
    audit_record(
        actor=request.user,
        action=AuditAction.READ,
        obj=case,
        case_id=case.pk,
        person_id=case.person_id,
        request=request,
        detail={"from": "reports_dashboard"},
    )
    return redirect("cases:case_detail", pk=case.pk)
