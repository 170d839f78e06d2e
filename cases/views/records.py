"""What is added to a case file: notes, documents, services delivered, assessments, the plan."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from cases import selectors, services
from cases.forms import ActionForm, AssessmentForm, DocumentForm, GoalForm, InterventionForm, NoteForm, PlanForm
from cases.permissions import checks
from cases.views.common import case_organisation_id
from core.audit import audit_record
from core.models import AuditAction
from core.storage import StorageUnavailable, storage_errors
from core.views import apply_errors, page_view, posted, render_storage_refusal
from partners.roles import Capability

logger = logging.getLogger(__name__)


def case_form_page(request, *, case, capability, form_class, save, heading, success, section, initial=None):
    """The shared flow of the forms that add to a case: check the capability (403), validate, call the
    service, put its ValidationError back on the form, or go back to the case's section."""
    checks.require_case_capability(request.user, case, capability)
    files = request.FILES if request.method == "POST" else None
    form = form_class(posted(request), files, initial=initial)
    context = {"case": case, "form": form, "heading": heading}
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        except StorageUnavailable as exc:
            return render_storage_refusal(request, "cases/case_form.html", context, form=form, exc=exc)
        else:
            messages.success(request, success)
            return redirect(reverse("cases:case_detail", args=[case.pk]) + f"#{section}")
    return render(request, "cases/case_form.html", context)


def _case(request, pk):
    return selectors.case_get_for(user=request.user, pk=pk)


@page_view("GET", "POST")
def note_add(request, pk):
    case = _case(request, pk)
    return case_form_page(
        request,
        case=case,
        capability=Capability.ADD_NOTE,
        form_class=NoteForm,
        section="notes",
        save=lambda data: services.note_add(actor=request.user, case=case, **data),
        heading=_("Add a note"),
        success=_("The note has been added."),
    )


@page_view("GET", "POST")
def document_upload(request, pk):
    case = _case(request, pk)

    def save(data):
        services.document_upload(
            actor=request.user,
            case=case,
            kind=data["kind"],
            title=data["title"],
            uploaded=data["file"],
            is_sensitive=data["is_sensitive"],
        )

    return case_form_page(
        request,
        case=case,
        capability=Capability.UPLOAD_DOCUMENT,
        form_class=DocumentForm,
        section="documents",
        save=save,
        heading=_("Upload a document"),
        success=_("The document has been uploaded."),
    )


@page_view("GET")
def document_download(request, pk):
    """The file as an attachment with its stored type: never rendered inline, never sniffed. Streamed from the
    storage (local folder or bucket) through this permission check, never redirected to the storage. Bytes that
    are gone answer a 404 page, a storage that cannot be read a 503 page; neither is audited as a download."""
    document = selectors.document_get_for(user=request.user, pk=pk)
    try:
        with storage_errors(action="open", name=document.file.name):
            handle = document.file.open("rb")
            # Reading starts here, not in the middle of the response: a bucket that answers HEAD but refuses GET
            # (a KMS key we may not use) still gets the 503 page.
            handle.seek(0)
    except FileNotFoundError:
        logger.error("document %s: its file %r is missing from the storage", document.pk, document.file.name)
        return _document_unavailable(
            request,
            document,
            status=404,
            message=_(
                "The file of this document is missing from the document storage. Tell your administrator: it may "
                "need to be restored from a backup."
            ),
        )
    except StorageUnavailable as exc:
        response = _document_unavailable(
            request,
            document,
            status=503,
            message=_(
                "The document storage cannot be reached right now. Try again in a few minutes, and tell your "
                "administrator if it happens again."
            ),
        )
        response["Retry-After"] = str(exc.retry_after)
        return response
    audit_record(
        actor=request.user,
        action=AuditAction.DOWNLOAD,
        obj=document,
        request=request,
        organisation_id=case_organisation_id(request.user, document.case),
        case_id=document.case_id,
        person_id=document.case.person_id,
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name or f"document-{pk}",
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _document_unavailable(request, document, *, status: int, message: str):
    return render(request, "cases/document_unavailable.html", {"document": document, "message": message}, status=status)


@page_view("GET", "POST")
def intervention_add(request, pk):
    case = _case(request, pk)
    return case_form_page(
        request,
        case=case,
        capability=Capability.ADD_INTERVENTION,
        form_class=InterventionForm,
        section="interventions",
        save=lambda data: services.intervention_record(actor=request.user, case=case, **data),
        heading=_("Record a service delivered"),
        success=_("The service has been recorded."),
    )


@page_view("GET", "POST")
def assessment_add(request, pk):
    case = _case(request, pk)
    return case_form_page(
        request,
        case=case,
        capability=Capability.CHANGE_CASE,
        form_class=AssessmentForm,
        section="assessment",
        save=lambda data: services.assessment_record(actor=request.user, case=case, **data),
        heading=_("Record an assessment"),
        success=_("The assessment has been recorded."),
    )


@page_view("GET", "POST")
def plan_edit(request, pk):
    case = _case(request, pk)
    plan = selectors.plan_for(user=request.user, case=case)
    initial = (
        {"agreed_on": plan.agreed_on, "next_review_on": plan.next_review_on, "summary": plan.summary} if plan else {}
    )
    return case_form_page(
        request,
        case=case,
        capability=Capability.CHANGE_CASE,
        form_class=PlanForm,
        section="plan",
        initial=initial,
        save=lambda data: services.plan_update(actor=request.user, case=case, **data),
        heading=_("Edit the plan"),
        success=_("The plan has been saved."),
    )


@page_view("GET", "POST")
def goal_add(request, pk):
    case = _case(request, pk)
    return case_form_page(
        request,
        case=case,
        capability=Capability.CHANGE_CASE,
        form_class=GoalForm,
        section="plan",
        save=lambda data: services.goal_add(actor=request.user, case=case, **data),
        heading=_("Add a goal"),
        success=_("The goal has been added."),
    )


@page_view("GET", "POST")
def action_add(request, goal_pk):
    goal = selectors.goal_get_for(user=request.user, pk=goal_pk)
    case = _case(request, goal.plan.case_id)
    return case_form_page(
        request,
        case=case,
        capability=Capability.CHANGE_CASE,
        form_class=ActionForm,
        section="plan",
        save=lambda data: services.action_add(actor=request.user, goal=goal, **data),
        heading=_("Add an action to the goal “%(goal)s”") % {"goal": goal.description},
        success=_("The action has been added."),
    )
