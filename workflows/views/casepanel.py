"""The workflows panel of the case page: the pathway graph with the current step, the open tasks, the handoffs.

Loaded by htmx into the case page (`hx-get`, a fragment), and a full page of its own without htmx.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from viewflow.workflow import chart

from cases import selectors as case_selectors
from cases.models import CaseStatus
from workflows import selectors
from workflows.flows import CaseFlow
from workflows.services import casepath
from workflows.views.common import page_view, task_rows

# viewflow captions the two edges of an If gateway with the English words "yes" and "no".
EDGE_LABELS = {"yes": pgettext_lazy("pathway condition", "yes"), "no": pgettext_lazy("pathway condition", "no")}


def translate_edge_labels(edges) -> None:
    for edge in edges:
        edge.label = EDGE_LABELS.get(edge.label, edge.label)


def pathway_svg(process) -> str:
    """The case flow's graph with the status of each step of `process`, drawn by viewflow's layout.

    Our own copy of viewflow's `graph.svg` template: its element ids are prefixed (the case page already has
    an `id="plan"`), and its styles live in tavolo.css under `.tv-pathway` instead of a page-wide <style>.
    """
    grid = chart.calc_layout_data(CaseFlow)  # a fresh grid: calc_cell_status writes the statuses into it
    chart.calc_cell_status(CaseFlow, grid, process.pk)
    translate_edge_labels(grid.edges)
    return render_to_string("workflows/includes/pathway.svg", {"grid": grid, "cells": grid.cells, "edges": grid.edges})


def can_start_pathway(user, case, process) -> bool:
    if case.status == CaseStatus.CLOSED or (process is not None and process.finished is None):
        return False
    try:
        casepath.require_pathway_starter(user, case)
    except PermissionDenied:
        return False
    return True


@page_view("GET")
def case_panel(request, case_pk):
    user = request.user
    case = case_selectors.case_get_for(user=user, pk=case_pk)
    process = casepath.case_process(case)
    context = {
        "case": case,
        "process": process,
        "pathway_svg": pathway_svg(process) if process is not None else "",
        "task_rows": task_rows(user, selectors.case_open_tasks_for(user=user, case=case)),
        "handoffs": selectors.case_handoffs_for(user=user, case=case),
        "can_start_pathway": can_start_pathway(user, case, process),
    }
    template = "workflows/case_panel_fragment.html" if request.htmx else "workflows/case_panel.html"
    return render(request, template, context)


@page_view("POST")
def pathway_start(request, case_pk):
    user = request.user
    case = case_selectors.case_get_for(user=user, pk=case_pk)
    casepath.require_pathway_starter(user, case)
    if case.status == CaseStatus.CLOSED:
        messages.error(request, _("The case is closed: reopen it to start a new pathway."))
        return redirect("cases:case_detail", pk=case.pk)
    try:
        casepath.case_flow_start(case=case, actor=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The pathway has started: the first step is in your tasks or your queue."))
    return redirect("cases:case_detail", pk=case.pk)
