"""The coordinator's pseudonymised view of the network's cases: codes and organisations, no names."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from cases import selectors
from cases.forms import OverviewFilterForm
from cases.models import CaseStatus
from cases.views.common import page_view, paginate
from partners.selectors import is_coordinator


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
