"""Opening, closing and reopening a case and changing its status: the `cases:case_open`, `cases:case_close` and
`cases:case_status` pages (config/urls.py mounts them under /cases/ with the `cases` names), which call the case
lifecycle (`workflows.services.lifecycle`) so that the pathway starts, ends and restarts with the case.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cases import selectors
from cases.forms import CaseCloseForm, CaseOpenForm, CaseStatusForm
from cases.models import CaseStatus, Household
from cases.permissions import checks
from core.parsing import posted_id
from core.views import apply_errors, page_view, posted
from partners.roles import Capability
from workflows.services import lifecycle


def _case_for_change(request, pk):
    case = selectors.case_get_for(user=request.user, pk=pk)
    checks.require_case_capability(request.user, case, Capability.CHANGE_CASE)
    return case


def _intake_person(request):
    """The person a case is opened for: a visible one (?person=), or one registered elsewhere whose
    codice fiscale was typed at registration (`codice_fiscale_proof`, posted). Returns (person, visible)."""
    source = request.POST if request.method == "POST" else request.GET
    pk = posted_id(source.get("person"))
    if pk is None:
        raise Http404
    person = selectors.person_get_for_intake(
        user=request.user, pk=pk, codice_fiscale=source.get("codice_fiscale_proof", "")
    )
    visible = checks.visible_persons(request.user, Capability.VIEW_FILE).filter(pk=person.pk).exists()
    return person, visible


@page_view("GET", "POST")
def case_open(request):
    """Intake: open a case for a person; its pathway starts with it."""
    user = request.user
    memberships = checks.intake_memberships(user)
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
            case = lifecycle.case_open(
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


@page_view("GET", "POST")
def case_status(request, pk):
    """Open / active / suspended, or reopen a closed case (a new pathway starts)."""
    case = _case_for_change(request, pk)
    form = CaseStatusForm(posted(request), initial={"status": case.status})
    if form.is_valid():
        try:
            lifecycle.case_set_status(actor=request.user, case=case, status=form.cleaned_data["status"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The status of the case has been changed."))
            return redirect("cases:case_detail", pk=case.pk)
    heading = _("Reopen the case") if case.status == CaseStatus.CLOSED else _("Change the status")
    return render(request, "cases/case_form.html", {"case": case, "form": form, "heading": heading})


@page_view("GET", "POST")
def case_close(request, pk):
    """Close the case: its pathway and open handoffs end with it."""
    case = _case_for_change(request, pk)
    form = CaseCloseForm(posted(request))
    if form.is_valid():
        try:
            lifecycle.case_close(actor=request.user, case=case, **form.cleaned_data)
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
