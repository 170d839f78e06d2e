"""The employment pages: operators' and coordinator's home, the case panel and pathway page, the profile, the
opportunities with their candidates, a person's opportunities, courses. Thin: parse → selector/service → render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cases import selectors as case_selectors
from cases.models import CaseStatus
from cases.views.common import audit_case_read
from core.audit import audit_record
from core.models import AuditAction
from core.parsing import posted_id
from core.views import apply_errors, page_view, paginate, posted
from employment import matching, permissions, selectors, services
from employment.forms import (
    ENROLMENT_STATUS_CHOICES,
    INTERNSHIP_STATUS_CHOICES,
    CourseForm,
    DropOutForm,
    EnrolForm,
    InternshipForm,
    OpportunityForm,
    ProfileForm,
    StatusForm,
    days_to_mask,
    mask_to_days,
)
from employment.models import Stage
from partners.roles import Capability
from workflows import selectors as workflow_selectors
from workflows.views.common import task_rows


@page_view("GET")
def home(request):
    user = request.user
    stage = request.GET.get("stage", "")
    if stage not in Stage.values:
        stage = ""
    context = {
        "stage_counts": [
            (value, label, count)
            for (value, label), count in zip(Stage.choices, selectors.stage_counts_for(user=user).values(), strict=True)
        ],
        "stage": stage,
        "page": paginate(request, selectors.pathway_list_for(user=user, stage=stage)),
        "internships": selectors.internships_in_progress_for(user=user)[:20],
        "enrolments": selectors.enrolment_list_for(user=user)[:20],
        "figures": selectors.coordinator_figures(user=user),
        "coordinator_pathways": selectors.coordinator_pathways(user=user)[:50],
        "can_publish": bool(permissions.provider_memberships(user)),
    }
    return render(request, "employment/home.html", context)


def _panel_context(request, case) -> dict:
    user = request.user
    pathway = selectors.pathway_of_case(case)
    can_read = permissions.can_read_profile(user, case)
    tasks = []
    if pathway is not None and pathway.process_id:
        tasks = [
            row
            for row in task_rows(user, workflow_selectors.case_open_tasks_for(user=user, case=case))
            if row.task.process_id == pathway.process_id
        ]
    running = pathway is not None and pathway.ended_at is None
    try:
        can_start = (
            not running and case.status != CaseStatus.CLOSED and bool(permissions.require_pathway_starter(user, case))
        )
    except PermissionDenied:  # not a case manager of the lead
        can_start = False
    return {
        "case": case,
        "pathway": pathway,
        "running": running,
        "profile": selectors.profile_get_for(user=user, case=case) if can_read else None,
        "can_read_profile": can_read,
        "can_change_profile": permissions.can_change_profile(user, case),
        "can_start": can_start,
        "task_rows": tasks,
    }


@page_view("GET")
def case_panel(request, case_pk):
    case = case_selectors.case_get_for(user=request.user, pk=case_pk)
    context = _panel_context(request, case)
    if context["profile"] is not None and not request.htmx:
        audit_case_read(request, case)
    template = "employment/case_panel_fragment.html" if request.htmx else "employment/case_panel.html"
    return render(request, template, context)


@page_view("POST")
def pathway_start(request, case_pk):
    case = case_selectors.case_get_for(user=request.user, pk=case_pk)
    try:
        services.pathway_start(actor=request.user, case=case)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The employment pathway has started: the profiling step is in your tasks."))
    return redirect("cases:case_detail", pk=case.pk)


@page_view("GET", "POST")
def profile_edit(request, case_pk):
    user = request.user
    case = case_selectors.case_get_for(user=user, pk=case_pk)
    if not permissions.can_read_profile(user, case):
        raise Http404
    permissions.require_profile_change(user, case)
    profile = selectors.profile_get_for(user=user, case=case)
    initial = {"days": mask_to_days(31)}
    languages = []
    if profile is not None:
        initial = {
            name: getattr(profile, name)
            for name in (
                "education_level",
                "qualifications",
                "work_history",
                "max_weekly_hours",
                "childcare_constraint",
                "mobility",
                "did_status",
                "did_date",
                "receives_adi",
                "receives_sfl",
            )
        }
        initial["days"] = mask_to_days(profile.available_days)
        initial["skills"] = [ps.skill_id for ps in profile.profile_skills.all()]
        languages = [(pl.language, pl.level) for pl in profile.languages.all()]
    form = ProfileForm(posted(request), initial=initial, languages=languages)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.profile_save(
                actor=user,
                case=case,
                education_level=data["education_level"],
                qualifications=data["qualifications"],
                work_history=data["work_history"],
                skills=data["skills"],
                languages=data["languages"],
                max_weekly_hours=data["max_weekly_hours"],
                available_days=days_to_mask(data["days"]),
                childcare_constraint=data["childcare_constraint"],
                mobility=data["mobility"],
                did_status=data["did_status"],
                did_date=data["did_date"],
                receives_adi=data["receives_adi"],
                receives_sfl=data["receives_sfl"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Employability profile saved."))
            return redirect("employment:case_pathway", case_pk=case.pk)
    if request.method == "GET":
        audit_case_read(request, case)
    return render(request, "employment/profile_form.html", {"case": case, "form": form}, status=200)


PATHWAY_ACTIONS = ("enrol", "internship", "internship_status", "enrolment_status", "drop_out")


@page_view("GET", "POST")
def case_pathway(request, case_pk):
    """The pathway page of a case: profile, stage, enrolments, internships, placements; the forms that record
    them for the employment service and the lead organisation."""
    user = request.user
    case = case_selectors.case_get_for(user=user, pk=case_pk)
    context = _panel_context(request, case)
    pathway = context["pathway"]
    provider_id = pathway.provider_organisation_id if pathway else None
    can_record = permissions.case_worker_membership(user, case, provider_id=provider_id) is not None
    action = request.POST.get("action", "") if request.method == "POST" else None
    data = posted(request)
    forms = {
        "enrol": EnrolForm(
            data if action == "enrol" else None, prefix="enrol", courses=selectors.course_list().order_by("starts_on")
        ),
        "internship": InternshipForm(data if action == "internship" else None, prefix="internship"),
        "drop_out": DropOutForm(data if action == "drop_out" else None, prefix="drop_out"),
    }
    if action is not None:
        response = _pathway_action(request, case, pathway, action, forms, can_record)
        if response is not None:
            return response
    else:
        audit_case_read(request, case)
    context.update(
        {
            "forms": forms,
            "can_record": can_record,
            "enrolments": selectors.case_enrolments_for(user=user, case=case),
            "internships": selectors.case_internships_for(user=user, case=case),
            "placements": pathway.placements.prefetch_related("follow_ups") if pathway else [],
            "internship_statuses": INTERNSHIP_STATUS_CHOICES,
            "enrolment_statuses": ENROLMENT_STATUS_CHOICES,
        }
    )
    return render(request, "employment/case_pathway.html", context, status=400 if action is not None else 200)


def _pathway_action(request, case, pathway, action, forms, can_record):
    user = request.user
    if action not in PATHWAY_ACTIONS or not can_record:
        messages.error(request, _("You cannot record this on this pathway."))
        return None
    try:
        if action == "enrol" and forms["enrol"].is_valid():
            enrolment = services.course_enrol(actor=user, course_id=forms["enrol"].cleaned_data["course"].pk, case=case)
            messages.success(request, _("Enrolled in %(course)s.") % {"course": enrolment.course.title})
        elif action == "internship" and forms["internship"].is_valid():
            services.internship_create(actor=user, case=case, **forms["internship"].cleaned_data)
            messages.success(request, _("Internship recorded."))
        elif action == "drop_out" and forms["drop_out"].is_valid():
            if pathway is None:
                raise Http404
            services.pathway_drop_out(actor=user, pathway_id=pathway.pk, note=forms["drop_out"].cleaned_data["note"])
            messages.success(request, _("The pathway ended: the person left it."))
        elif action in ("internship_status", "enrolment_status"):
            choices = INTERNSHIP_STATUS_CHOICES if action == "internship_status" else ENROLMENT_STATUS_CHOICES
            form = StatusForm(request.POST, choices=choices)
            if not form.is_valid():
                messages.error(request, _("Choose the status."))
                return None
            pk = posted_id(request.POST.get("pk"))
            if pk is None:
                raise Http404
            if action == "internship_status":
                services.internship_set_status(actor=user, internship_id=pk, status=form.cleaned_data["status"])
            else:
                services.enrolment_set_status(actor=user, enrolment_id=pk, status=form.cleaned_data["status"])
            messages.success(request, _("Status updated."))
        else:
            messages.error(request, _("Nothing was saved: see the message on the form."))
            return None
    except ValidationError as exc:
        if action in forms:
            apply_errors(forms[action], exc)
        else:
            messages.error(request, " ".join(exc.messages))
        messages.error(request, _("Nothing was saved: see the message on the form."))
        return None
    return redirect("employment:case_pathway", case_pk=case.pk)


@page_view("GET")
def case_opportunities(request, case_pk):
    """A person's opportunities, ranked and explained (for who may read the file)."""
    user = request.user
    case = case_selectors.case_get_for(user=user, pk=case_pk, capability=Capability.VIEW_FILE)
    profile = selectors.profile_get_for(user=user, case=case)
    page = None
    explanations = {}
    if profile is not None:
        page = paginate(request, matching.opportunities_for(profile=profile))
        explanations = matching.explain_opportunities(profile=profile, rows=list(page.object_list))
    audit_case_read(request, case)
    rows = [(row, explanations.get(row.pk)) for row in page.object_list] if page else []
    return render(
        request, "employment/case_opportunities.html", {"case": case, "profile": profile, "page": page, "rows": rows}
    )


@page_view("GET")
def opportunity_list(request):
    show_closed = request.GET.get("closed") == "1"
    page = paginate(request, selectors.opportunity_list(open_only=not show_closed))
    return render(
        request,
        "employment/opportunity_list.html",
        {
            "page": page,
            "show_closed": show_closed,
            "can_publish": bool(permissions.provider_memberships(request.user)),
        },
    )


@page_view("GET")
def opportunity_detail(request, pk):
    """The opportunity and its candidates: only people whose case the viewer may read, ranked and explained."""
    user = request.user
    opportunity = selectors.opportunity_get(pk=pk)
    page = paginate(request, matching.candidates_for(user=user, opportunity=opportunity))
    explanations = matching.explain_candidates(opportunity=opportunity, rows=list(page.object_list))
    rows = [(row, explanations[row.pk]) for row in page.object_list]
    if rows:
        # The candidates' names are a read of their files: one audit row per person shown.
        for row, _explanation in rows:
            audit_record(
                actor=user,
                action=AuditAction.READ,
                obj=row,
                request=request,
                case_id=row.case_id,
                person_id=row.case.person_id,
                detail={"via": "opportunity", "opportunity": opportunity.pk},
            )
    return render(
        request, "employment/opportunity_detail.html", {"opportunity": opportunity, "page": page, "rows": rows}
    )


@page_view("GET", "POST")
def opportunity_create(request):
    user = request.user
    memberships = permissions.provider_memberships(user)
    if not memberships:
        permissions.require_offer_publisher(user, None)
    form = OpportunityForm(posted(request), initial={"days": mask_to_days(31)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            opportunity = services.opportunity_create(
                actor=user,
                organisation_id=posted_id(request.POST.get("organisation")) or memberships[0].organisation_id,
                employer=data["employer"],
                role=data["role"],
                description=data["description"],
                city=data["city"],
                area=data["area"],
                weekly_hours=data["weekly_hours"],
                days=days_to_mask(data["days"]),
                shift=data["shift"],
                contract_type=data["contract_type"],
                closing_on=data["closing_on"],
                skills=data["required_skills"],
                languages=data["languages"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Opportunity published."))
            return redirect("employment:opportunity_detail", pk=opportunity.pk)
    return render(
        request,
        "employment/opportunity_form.html",
        {"form": form, "memberships": memberships},
        status=400 if request.method == "POST" else 200,
    )


@page_view("GET")
def course_list(request):
    page = paginate(request, selectors.course_list())
    return render(
        request,
        "employment/course_list.html",
        {"page": page, "can_publish": bool(permissions.provider_memberships(request.user))},
    )


@page_view("GET")
def course_detail(request, pk):
    course = selectors.course_get(pk=pk)
    enrolments = selectors.course_enrolments_for(user=request.user, course=course)
    return render(request, "employment/course_detail.html", {"course": course, "enrolments": enrolments})


@page_view("GET", "POST")
def course_create(request):
    user = request.user
    memberships = permissions.provider_memberships(user)
    if not memberships:
        permissions.require_offer_publisher(user, None)
    form = CourseForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            course = services.course_create(
                actor=user,
                organisation_id=posted_id(request.POST.get("organisation")) or memberships[0].organisation_id,
                skills=data.pop("required_skills"),
                **data,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Course published."))
            return redirect("employment:course_detail", pk=course.pk)
    return render(
        request,
        "employment/course_form.html",
        {"form": form, "memberships": memberships},
        status=400 if request.method == "POST" else 200,
    )
