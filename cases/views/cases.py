"""Cases: the list, the case file page, editing the case and its timeline. Opening, closing, reopening a case and
changing its status are `workflows.views.lifecycle` (they run the case pathway too)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from cases import selectors, services
from cases.forms import (
    AssessmentForm,
    CaseEditForm,
    CaseFilterForm,
    CaseStatusForm,
    DocumentForm,
    GoalForm,
    InterventionForm,
    NoteForm,
)
from cases.models import CaseStatus
from cases.permissions import checks
from cases.views.common import audit_case_read
from core.views import apply_errors, page_view, paginate, posted
from partners.roles import Capability

TIMELINE_PREVIEW = 10
TIMELINE_PAGE = 50
INTERVENTION_ROWS = 50


def capability_flags(caps) -> dict[str, bool]:
    """{"view_file": True, ...}: what the templates test to show a section or a form."""
    return {cap: cap in caps for cap in Capability.values}


@page_view("GET")
def case_list(request):
    form = CaseFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    cases = selectors.case_list_for(
        user=request.user,
        query=filters.get("q", ""),
        status=filters.get("status") or None,
        mine=bool(filters.get("mine")),
    )
    return render(
        request,
        "cases/case_list.html",
        {
            "form": form,
            "page": paginate(request, cases),
            "can_open_case": bool(checks.intake_memberships(request.user)),
        },
    )


# The forms shown inline on the case page, by the capability they need. Each posts to its own view;
# `auto_id` keeps the element ids unique on the page without changing the posted names.
INLINE_FORMS = (
    (Capability.ADD_NOTE, "note_form", NoteForm),
    (Capability.UPLOAD_DOCUMENT, "document_form", DocumentForm),
    (Capability.ADD_INTERVENTION, "intervention_form", InterventionForm),
    (Capability.CHANGE_CASE, "assessment_form", AssessmentForm),
    (Capability.CHANGE_CASE, "goal_form", GoalForm),
)


def _case_forms(caps) -> dict:
    return {name: form_class(auto_id=f"{name}-%s") for cap, name, form_class in INLINE_FORMS if cap in caps}


def _case_records(user, case, caps) -> dict:
    """Notes, documents and services for the case page, and whether to show each list: an organisation always
    sees what it wrote itself (a referral shared as summary only included), other organisations' records only
    through the sections it was given (the selectors' rule)."""
    records = {
        "notes": list(selectors.note_list_for(user=user, case=case)),
        "documents": list(selectors.document_list_for(user=user, case=case)),
        "interventions": list(selectors.intervention_list_for(user=user, case=case)[:INTERVENTION_ROWS]),
    }
    full = {
        "notes": Capability.READ_NOTES,
        "documents": Capability.DOWNLOAD_DOCUMENT,
        "interventions": Capability.VIEW_FILE,
    }
    shown = {name: rows for name, rows in records.items() if rows or full[name] in caps}
    return {**shown, **{f"show_{name}": True for name in shown}}


@page_view("GET")
def case_detail(request, pk):
    """The case file. Each section is there only when the user's capabilities on this case allow it."""
    user = request.user
    case = selectors.case_get_for(user=user, pk=pk)
    caps = checks.case_capabilities(user, case)
    audit_case_read(request, case)
    is_open = case.status != CaseStatus.CLOSED
    context = {"case": case, "can": capability_flags(caps), "is_open": is_open}
    if Capability.VIEW_FILE in caps:
        context.update(
            {
                "consent": selectors.consent_status(case.person),
                "assessments": selectors.assessment_latest_for(user=user, case=case),
                "plan": selectors.plan_for(user=user, case=case),
            }
        )
    context.update(_case_records(user, case, caps))
    if Capability.VIEW_TIMELINE in caps:
        context["events"] = selectors.timeline_for(user=user, case=case)[:TIMELINE_PREVIEW]
    if is_open:
        context.update(_case_forms(caps))
    if Capability.CHANGE_CASE in caps:
        context["status_form"] = CaseStatusForm(initial={"status": case.status})
    return render(request, "cases/case_detail.html", context)


def _case_for_change(request, pk):
    case = selectors.case_get_for(user=request.user, pk=pk)
    checks.require_case_capability(request.user, case, Capability.CHANGE_CASE)
    return case


@page_view("GET", "POST")
def case_edit(request, pk):
    case = _case_for_change(request, pk)
    form = CaseEditForm(
        posted(request),
        households=selectors.person_households_for(user=request.user, person=case.person),
        case_managers=selectors.case_managers_of(organisation_ids=[case.lead_organisation_id]),
        initial={"title": case.title, "household": case.household_id, "case_manager": case.case_manager_id},
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.case_update(
                actor=request.user,
                case=case,
                title=data["title"],
                household=data["household"],
                case_manager=data["case_manager"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The case has been saved."))
            return redirect("cases:case_detail", pk=case.pk)
    return render(request, "cases/case_form.html", {"case": case, "form": form, "heading": _("Edit the case")})


@page_view("GET")
def timeline(request, pk):
    case = selectors.case_get_for(user=request.user, pk=pk)
    if Capability.VIEW_TIMELINE not in checks.case_capabilities(request.user, case):
        raise PermissionDenied(_("You are not allowed to see the timeline of this case."))
    events = selectors.timeline_for(user=request.user, case=case)
    audit_case_read(request, case)
    return render(
        request,
        "cases/timeline.html",
        {
            "case": case,
            "page": paginate(request, events, per_page=TIMELINE_PAGE),
            "back": reverse("cases:case_detail", args=[case.pk]),
        },
    )
