"""Cases: the list, opening one, the case file page, and the changes to the case itself."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from cases import permissions, selectors, services
from cases.forms import (
    AssessmentForm,
    CaseCloseForm,
    CaseEditForm,
    CaseFilterForm,
    CaseOpenForm,
    CaseStatusForm,
    DocumentForm,
    GoalForm,
    InterventionForm,
    NoteForm,
)
from cases.models import CaseStatus, Household
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
            "can_open_case": bool(permissions.intake_memberships(request.user)),
        },
    )


def _intake_person(request):
    """The person a case is opened for: a visible one (?person=), or one registered elsewhere whose
    codice fiscale was typed at registration (`codice_fiscale_proof`, posted). Returns (person, visible)."""
    source = request.POST if request.method == "POST" else request.GET
    pk = str(source.get("person", ""))
    if not pk.isdigit():
        raise Http404
    person = selectors.person_get_for_intake(
        user=request.user, pk=int(pk), codice_fiscale=source.get("codice_fiscale_proof", "")
    )
    visible = permissions.visible_persons(request.user, Capability.VIEW_FILE).filter(pk=person.pk).exists()
    return person, visible


@page_view("GET", "POST")
def case_open(request, *, open_case=services.case_open):
    """Intake: open a case for a person. `open_case` is the service that opens it (config/urls.py passes the
    workflows one, which also starts the case pathway)."""
    user = request.user
    memberships = permissions.intake_memberships(user)
    if not memberships:
        raise PermissionDenied(_("Only case managers can open cases."))
    person, visible = _intake_person(request)
    households = selectors.person_households_for(user=user, person=person) if visible else Household.objects.none()
    managers = selectors.case_managers_of(organisation_ids=[m.organisation_id for m in memberships])
    initial = {
        "person": person.pk,
        "case_manager": user.pk if visible else None,
        "codice_fiscale_proof": request.GET.get("codice_fiscale_proof", ""),
    }
    form = CaseOpenForm(
        posted(request), memberships=memberships, households=households, case_managers=managers, initial=initial
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            case = open_case(
                actor=user,
                organisation_id=data["organisation"],
                person=person,
                household=data["household"],
                title=data["title"],
                case_manager=data["case_manager"],
                codice_fiscale_proof=data["codice_fiscale_proof"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Case %(code)s has been opened.") % {"code": case.code})
            return redirect("cases:case_detail", pk=case.pk)
    return render(request, "cases/case_open.html", {"form": form, "person": person if visible else None})


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
    full = {"notes": Capability.READ_NOTES, "documents": Capability.DOWNLOAD_DOCUMENT,
            "interventions": Capability.VIEW_FILE}
    shown = {name: rows for name, rows in records.items() if rows or full[name] in caps}
    return {**shown, **{f"show_{name}": True for name in shown}}


@page_view("GET")
def case_detail(request, pk):
    """The case file. Each section is there only when the user's capabilities on this case allow it."""
    user = request.user
    case = selectors.case_get_for(user=user, pk=pk)
    caps = permissions.case_capabilities(user, case)
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
    permissions.require_case_capability(request.user, case, Capability.CHANGE_CASE)
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


@page_view("GET", "POST")
def case_status(request, pk, *, set_status=services.case_set_status):
    """Open / active / suspended, or reopen a closed case (`set_status`: see `case_open`)."""
    case = _case_for_change(request, pk)
    form = CaseStatusForm(posted(request), initial={"status": case.status})
    if form.is_valid():
        try:
            set_status(actor=request.user, case=case, status=form.cleaned_data["status"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The status of the case has been changed."))
            return redirect("cases:case_detail", pk=case.pk)
    heading = _("Reopen the case") if case.status == CaseStatus.CLOSED else _("Change the status")
    return render(request, "cases/case_form.html", {"case": case, "form": form, "heading": heading})


@page_view("GET", "POST")
def case_close(request, pk, *, close_case=services.case_close):
    """Close the case (`close_case`: see `case_open`)."""
    case = _case_for_change(request, pk)
    form = CaseCloseForm(posted(request))
    if form.is_valid():
        try:
            close_case(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The case has been closed."))
            return redirect("cases:case_detail", pk=case.pk)
    return render(
        request,
        "cases/case_form.html",
        {
            "case": case,
            "form": form,
            "heading": _("Close the case"),
            "submit_label": _("Close the case"),
            "danger": True,
        },
    )


@page_view("GET")
def timeline(request, pk):
    case = selectors.case_get_for(user=request.user, pk=pk)
    if Capability.VIEW_TIMELINE not in permissions.case_capabilities(request.user, case):
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
