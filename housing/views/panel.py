"""The housing section of a case: its panel, the profile, applications and the pathway's start."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from cases import selectors as case_selectors
from cases.models import CaseStatus
from cases.views.common import audit_case_read
from core.views import apply_errors, page_view
from housing import forms, permissions, selectors
from housing.eligibility import check_eligibility, rules_for
from housing.models import (
    ApplicationStatus,
    ResourceKind,
)
from housing.services import households, pathway
from housing.views.common import error_text
from workflows import permissions as wf_permissions
from workflows.views.common import task_rows


def _panel_context(request, case, *, profile_form=None, application_form=None) -> dict:
    user = request.user
    can_view = permissions.can_view_housing(user, case)
    can_edit = can_view and permissions.can_edit_housing(user, case) and case.status != CaseStatus.CLOSED
    process = pathway.housing_process(case)
    context = {"case": case, "can_view": can_view, "can_edit": can_edit, "process": process}
    if not can_view:
        return context
    profile = selectors.housing_profile_for(user=user, case=case)
    eligibility = []
    if profile is not None:
        for code, label in ResourceKind.choices:
            rules = rules_for(code)
            if rules:
                eligibility.append({"label": label, "result": check_eligibility(profile, code, rules)})
    if profile_form is None and can_edit:
        initial = {name: getattr(profile, name) for name in households.PROFILE_FIELDS} if profile else {}
        profile_form = forms.ProfileForm(initial=initial, prefix="profile")
    context.update(
        {
            "profile": profile,
            "eligibility": eligibility,
            "profile_form": profile_form,
            "application_form": application_form or (forms.ApplicationForm(prefix="application") if can_edit else None),
            "applications": _with_waitlist_positions(list(selectors.case_applications_for(user=user, case=case))),
            "offers": list(selectors.case_offers_for(user=user, case=case).order_by("-offered_at")[:20]),
            "stays": list(selectors.case_stays_for(user=user, case=case)[:20]),
            "pathway": getattr(process, "housing", None) if process else None,
            "task_rows": task_rows(
                user,
                Task.objects.filter(process=process, status__in=wf_permissions.OPEN_TASK_STATUSES).select_related(
                    "owner", "process"
                ),
            )
            if process
            else [],
            "can_start": can_edit
            and (process is None or process.finished is not None)
            and _is_lead_manager(user, case),
            "now": timezone.now(),
        }
    )
    return context


def _with_waitlist_positions(applications: list) -> list:
    """Each waiting application with its position on today's waitlist, the number the waitlist page shows."""
    positions = selectors.waitlist_positions(
        application_ids=[a.pk for a in applications if a.status == ApplicationStatus.WAITING]
    )
    for application in applications:
        application.waitlist_position, application.waitlist_size = positions.get(application.pk, (None, None))
    return applications


def _is_lead_manager(user, case) -> bool:
    try:
        pathway.require_pathway_starter(user, case)
    except PermissionDenied:
        return False
    return True


def _render_panel(request, context, status=200):
    template = "housing/case_panel_fragment.html" if getattr(request, "htmx", False) else "housing/case_panel.html"
    return render(request, template, context, status=status)


@page_view("GET")
def case_panel(request, case_pk):
    case = case_selectors.case_get_for(user=request.user, pk=case_pk)
    context = _panel_context(request, case)
    if context["can_view"] and not getattr(request, "htmx", False):
        audit_case_read(request, case)
    return _render_panel(request, context)


@page_view("POST")
def profile_save(request, case_pk):
    case = case_selectors.case_get_for(user=request.user, pk=case_pk)
    form = forms.ProfileForm(request.POST, prefix="profile")
    if form.is_valid():
        try:
            households.housing_profile_save(actor=request.user, case=case, data=form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Housing section saved."))
            return redirect("housing:case_panel", case_pk=case.pk)
    messages.error(request, _("Nothing was saved: see the message on the form."))
    return render(request, "housing/case_panel.html", _panel_context(request, case, profile_form=form), status=400)


@page_view("POST")
def application_create(request, case_pk):
    case = case_selectors.case_get_for(user=request.user, pk=case_pk)
    form = forms.ApplicationForm(request.POST, prefix="application")
    if form.is_valid():
        data = form.cleaned_data
        try:
            households.application_create(
                actor=request.user,
                case=case,
                kind=data["kind"],
                applied_on=data["applied_on"],
                protocol_number=data["protocol_number"],
                official_rank=data["official_rank"],
                override=data["override"],
                override_reason=data["override_reason"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The household is on the waitlist."))
            return redirect("housing:case_panel", case_pk=case.pk)
    messages.error(request, _("Nothing was saved: see the message on the form."))
    return render(request, "housing/case_panel.html", _panel_context(request, case, application_form=form), status=400)


@page_view("POST")
def pathway_start(request, case_pk):
    case = case_selectors.case_get_for(user=request.user, pk=case_pk)
    try:
        pathway.pathway_start(actor=request.user, case=case)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The housing pathway has started: the assessment is in your organisation's queue."))
    return redirect("cases:case_detail", pk=case.pk)
