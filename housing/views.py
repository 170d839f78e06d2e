"""The housing pages: the home (provider's places and guests, the coordinator's aggregates, the network's free
places), a resource with its places, the waitlists with their explained ranking, the case panel, the rules and
weights. Thin: parse → selector/service → render; a refused action shows the page again with the message."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from viewflow.workflow.models import Task

from cases import selectors as case_selectors
from cases.models import Case, CaseStatus
from cases.views.common import audit_case_read
from core.views import PAGE_SIZE, apply_errors, page_view
from housing import forms, permissions, priority, selectors
from housing.eligibility import check_eligibility, rules_for
from housing.models import (
    Application,
    ApplicationStatus,
    EligibilityRule,
    ExitReason,
    PriorityWeights,
    ResourceKind,
)
from housing.services import households, pathway, placements, resources
from housing.services.resources import WEIGHT_FIELDS, default_weights_values
from partners.models import Organisation
from workflows import permissions as wf_permissions
from workflows.views.common import task_rows


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- home ----------------------------------------------------------------------------------------------------

@page_view("GET")
def home(request):
    user = request.user
    provider_ids = permissions.provider_ids(user)
    coordinator = permissions.sees_network_aggregates(user)
    context = {
        "is_provider": bool(provider_ids),
        "can_manage": bool(permissions.provider_ids(user, permissions.MANAGE_ROLES)),
        "is_coordinator": coordinator,
        "kinds": ResourceKind.choices,
        "end_reasons": ExitReason.choices,
    }
    if provider_ids:
        context["resources"] = list(selectors.resource_list_for(user=user))
        context["guests"] = list(selectors.guest_list_for(user=user)[:200])
        context["offers"] = list(selectors.pending_offers_for(user=user)[:200])
        context["today"] = timezone.localdate()
        context["soon"] = timezone.localdate() + datetime.timedelta(days=30)
    if coordinator:
        kinds = dict(ResourceKind.choices)
        occupancy = list(selectors.occupancy_by_type_and_provider())
        for row in occupancy:
            row["kind_label"] = kinds.get(row["resource__kind"], row["resource__kind"])
            row["rate"] = round(100 * row["occupied"] / row["capacity"]) if row["capacity"] else 0
        waiting = {row["kind"]: row["waiting"] for row in selectors.waiting_by_type()}
        stays = selectors.average_stay_days()
        context["occupancy"] = occupancy
        context["by_kind"] = [
            {"kind": code, "label": label, "waiting": waiting.get(code, 0), "avg_stay": stays.get(code)}
            for code, label in ResourceKind.choices
        ]
        context["avg_to_placement"] = selectors.average_assessment_to_placement_days()
    context["availability"] = list(selectors.network_availability()) if not provider_ids or coordinator else []
    return render(request, "housing/home.html", context)


# --- resources and places ------------------------------------------------------------------------------------

@page_view("GET", "POST")
def resource_create(request):
    providers = Organisation.objects.filter(pk__in=permissions.provider_ids(request.user, permissions.MANAGE_ROLES))
    if not providers.exists():
        raise Http404
    form = forms.ResourceForm(request.POST or None, providers=providers)
    if request.method == "POST" and form.is_valid():
        try:
            resource = resources.resource_create(actor=request.user, provider_id=form.cleaned_data["provider"].pk,
                                                 data=form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            capacity = form.cleaned_data["capacity"]
            messages.success(request, ngettext("Resource created with %(count)s free place.",
                                               "Resource created with %(count)s free places.", capacity)
                             % {"count": capacity})
            return redirect("housing:resource_detail", pk=resource.pk)
    return render(request, "housing/resource_form.html", {"form": form, "resource": None})


@page_view("GET", "POST")
def resource_edit(request, pk):
    resource = selectors.resource_get_for(user=request.user, pk=pk)
    permissions.require_manage_resources(request.user, resource.provider_id)
    initial = {"kind": resource.kind, "name": resource.name, "address": resource.address, "city": resource.city,
               "capacity": resource.capacity, "target_groups": resource.target_groups,
               "max_stay_days": resource.max_stay_days}
    form = forms.ResourceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            resources.resource_update(actor=request.user, resource_id=resource.pk, data=form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Resource saved."))
            return redirect("housing:resource_detail", pk=resource.pk)
    return render(request, "housing/resource_form.html", {"form": form, "resource": resource})


@page_view("GET")
def resource_detail(request, pk):
    user = request.user
    resource = selectors.resource_get_for(user=user, pk=pk)
    places = list(selectors.place_list_for(user=user, resource=resource))
    return render(request, "housing/resource_detail.html", {
        "resource": resource,
        "places": places,
        "can_manage": resource.provider_id in permissions.provider_ids(user, permissions.MANAGE_ROLES),
        "can_work": resource.provider_id in permissions.provider_ids(user, permissions.WORK_ROLES),
        "start_form": forms.StayStartForm(),
        "end_form": forms.StayEndForm(),
        "today": timezone.localdate(),
    })


def _back(request, default):
    return redirect(request.POST.get("next") or default) if str(request.POST.get("next", "")).startswith("/") \
        else redirect(default)


@page_view("POST")
def place_action(request, pk, action):
    service = {"close": resources.place_close, "reopen": resources.place_reopen}.get(action)
    if service is None:
        raise Http404
    try:
        place = service(actor=request.user, place_id=pk)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return _back(request, "housing:home")
    messages.success(request, _("Place %(label)s: %(status)s.") % {"label": place.label,
                                                                   "status": place.get_status_display()})
    return redirect("housing:resource_detail", pk=place.resource_id)


@page_view("POST")
def stay_start(request, place_pk):
    form = forms.StayStartForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was saved: check the case code and the dates."))
        return _back(request, "housing:home")
    code = form.cleaned_data["case_code"].strip()
    case_id = Case.objects.filter(code__iexact=code).values_list("pk", flat=True).first()
    try:
        if case_id is None:
            raise ValidationError(_("No case you can see has the code %(code)s.") % {"code": code})
        placements.stay_start(actor=request.user, place_id=place_pk, case_id=case_id,
                              move_in=form.cleaned_data["move_in"],
                              planned_move_out=form.cleaned_data["planned_move_out"],
                              accompaniment_plan=form.cleaned_data["accompaniment_plan"])
    except Http404:
        messages.error(request, _("No case you can see has the code %(code)s: the case must be shared with your "
                                  "organisation (an accepted referral).") % {"code": code})
        return _back(request, "housing:home")
    except ValidationError as exc:
        messages.error(request, _("Nothing was saved: %(error)s") % {"error": _error_text(exc)})
        return _back(request, "housing:home")
    messages.success(request, _("Move-in recorded."))
    return _back(request, "housing:home")


@page_view("POST")
def stay_end(request, pk):
    form = forms.StayEndForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was saved: check the move-out date and the reason."))
        return _back(request, "housing:home")
    try:
        placements.stay_end(actor=request.user, stay_id=pk, move_out=form.cleaned_data["move_out"],
                            exit_reason=form.cleaned_data["exit_reason"])
    except ValidationError as exc:
        messages.error(request, _("Nothing was saved: %(error)s") % {"error": _error_text(exc)})
    else:
        messages.success(request, _("Move-out recorded: the place is free."))
    return _back(request, "housing:home")


@page_view("POST")
def stay_plan(request, pk):
    form = forms.StayPlanForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was saved: write the accompaniment plan."))
        return _back(request, "housing:home")
    try:
        placements.stay_update_plan(actor=request.user, stay_id=pk,
                                    accompaniment_plan=form.cleaned_data["accompaniment_plan"],
                                    planned_move_out=form.cleaned_data["planned_move_out"])
    except ValidationError as exc:
        messages.error(request, _("Nothing was saved: %(error)s") % {"error": _error_text(exc)})
    else:
        messages.success(request, _("Accompaniment plan saved."))
    return _back(request, "housing:home")


# --- waitlists and offers ------------------------------------------------------------------------------------

def _day(request) -> datetime.date:
    raw = request.GET.get("on", "")
    try:
        day = parse_date(raw) if raw else None
    except ValueError:
        day = None
    return day or timezone.localdate()


@page_view("GET")
def waitlist(request, kind):
    if kind not in ResourceKind.values:
        raise Http404
    user = request.user
    day = _day(request)
    weights = priority.weights_on(day)
    queryset = selectors.waitlist_for(user=user, kind=kind, day=day, weights=weights)
    coordinator = permissions.sees_network_aggregates(user)
    if not coordinator:
        queryset = selectors.only_visible(queryset)
    paginator = Paginator(queryset, PAGE_SIZE)
    paginator.__dict__["count"] = selectors.waitlist_count(user=user, kind=kind, day=day)  # cheaper than COUNT(*)
    page = paginator.get_page(request.GET.get("page"))
    apps = selectors.attach_case_codes(list(page))
    # The size of the whole waitlist: on every row (`waiting`), counted apart only when the page shows nobody.
    total = apps[0].waiting if apps else priority.active_on(Application.objects.filter(kind=kind), day).count()
    before = queryset[page.start_index() - 2].position if page.number > 1 and apps else 0
    rows = selectors.waitlist_gaps(apps, before=before, total=None if page.has_next() else total)
    for row in rows:
        if not row["hidden"]:
            row["criteria"] = priority.explain(row["app"], day=day, weights=weights)
    free_places = []
    work_ids = permissions.provider_ids(user, permissions.WORK_ROLES)
    if work_ids:
        free_places = list(selectors.free_places_for(user=user, kind=kind))
    return render(request, "housing/waitlist.html", {
        "kind": kind, "kind_label": ResourceKind(kind).label, "kinds": ResourceKind.choices, "day": day,
        "weights": weights, "page": page, "rows": rows, "pseudonymous": coordinator, "total": total,
        "free_places": free_places, "offer_form": forms.OfferForm(places=free_places) if free_places else None,
    })


@page_view("POST")
def offer_make(request):
    form = forms.OfferForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was saved: choose a place and how long to hold it."))
        return _back(request, "housing:home")
    try:
        placements.offer_make(actor=request.user, place_id=form.cleaned_data["place"],
                              application_id=form.cleaned_data["application"],
                              hold_days=form.cleaned_data["hold_days"], override=form.cleaned_data["override"],
                              override_reason=form.cleaned_data["override_reason"])
    except ValidationError as exc:
        messages.error(request, _("Nothing was saved: %(error)s") % {"error": _error_text(exc)})
    else:
        messages.success(request, _("The place is held for the household until the offer is answered."))
    return _back(request, "housing:home")


@page_view("POST")
def offer_answer(request, pk, answer):
    offer = selectors.offer_get_for(user=request.user, pk=pk)
    try:
        if answer == "accept":
            form = forms.AcceptOfferForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Check the dates."))
            stay = placements.offer_accept(actor=request.user, offer_id=offer.pk,
                                           move_in=form.cleaned_data["move_in"],
                                           planned_move_out=form.cleaned_data["planned_move_out"],
                                           accompaniment_plan=form.cleaned_data["accompaniment_plan"])
            messages.success(request, _("Offer accepted: the move-in is recorded."))
            left = getattr(stay, "left_stay", None)
            if left is not None:
                messages.info(request, _("The stay at %(place)s ended on the same day: that place is free.")
                              % {"place": left.place})
        elif answer == "decline":
            placements.offer_decline(actor=request.user, offer_id=offer.pk, reason=request.POST.get("reason", ""))
            messages.success(request, _("Offer declined: the place is free again."))
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, _("Nothing was saved: %(error)s") % {"error": _error_text(exc)})
    return _back(request, "housing:home")


# --- the case panel ------------------------------------------------------------------------------------------

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
    context.update({
        "profile": profile,
        "eligibility": eligibility,
        "profile_form": profile_form,
        "application_form": application_form or (forms.ApplicationForm(prefix="application") if can_edit else None),
        "applications": _with_waitlist_positions(list(selectors.case_applications_for(user=user, case=case))),
        "offers": list(selectors.case_offers_for(user=user, case=case).order_by("-offered_at")[:20]),
        "stays": list(selectors.case_stays_for(user=user, case=case)[:20]),
        "pathway": getattr(process, "housing", None) if process else None,
        "task_rows": task_rows(user, Task.objects.filter(
            process=process, status__in=wf_permissions.OPEN_TASK_STATUSES).select_related("owner", "process"))
        if process else [],
        "can_start": can_edit and (process is None or process.finished is not None)
        and _is_lead_manager(user, case),
        "now": timezone.now(),
    })
    return context


def _with_waitlist_positions(applications: list) -> list:
    """Each waiting application with its position on today's waitlist, the number the waitlist page shows."""
    positions = selectors.waitlist_positions(
        application_ids=[a.pk for a in applications if a.status == ApplicationStatus.WAITING])
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
            households.application_create(actor=request.user, case=case, kind=data["kind"],
                                          applied_on=data["applied_on"], protocol_number=data["protocol_number"],
                                          official_rank=data["official_rank"], override=data["override"],
                                          override_reason=data["override_reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The household is on the waitlist."))
            return redirect("housing:case_panel", case_pk=case.pk)
    messages.error(request, _("Nothing was saved: see the message on the form."))
    return render(request, "housing/case_panel.html", _panel_context(request, case, application_form=form),
                  status=400)


@page_view("POST")
def pathway_start(request, case_pk):
    case = case_selectors.case_get_for(user=request.user, pk=case_pk)
    try:
        pathway.pathway_start(actor=request.user, case=case)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("The housing pathway has started: the assessment is in your organisation's "
                                    "queue."))
    return redirect("cases:case_detail", pk=case.pk)


# --- the coordinator's rules and weights ---------------------------------------------------------------------

@page_view("GET", "POST")
def rules(request):
    coordinator = permissions.sees_network_aggregates(request.user)
    form = forms.RuleForm(request.POST or None) if coordinator else None
    if request.method == "POST":
        permissions.require_coordinator(request.user)
        if form is not None and form.is_valid():
            try:
                resources.rule_save(actor=request.user, data=form.cleaned_data,
                                    rule_id=request.POST.get("rule") or None)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Eligibility rule saved."))
                return redirect("housing:rules")
    return render(request, "housing/rules.html", {
        "rules": EligibilityRule.objects.order_by("kind", "field", "pk"), "form": form,
        "weights": PriorityWeights.objects.order_by("-effective_from")[:50],
        "weight_fields": WEIGHT_FIELDS, "can_edit": coordinator,
        "weights_form": forms.WeightsForm(initial={**default_weights_values(), **_current_weights(),
                                                   "effective_from": timezone.localdate()}) if coordinator else None,
    })


def _current_weights() -> dict:
    current = priority.weights_on(timezone.localdate())
    return {name: getattr(current, name) for name in WEIGHT_FIELDS}


@page_view("POST")
def weights_create(request):
    permissions.require_coordinator(request.user)
    form = forms.WeightsForm(request.POST)
    if form.is_valid():
        try:
            resources.weights_create(actor=request.user, effective_from=form.cleaned_data["effective_from"],
                                     values=form.cleaned_data, note=form.cleaned_data["note"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("New priority weights saved."))
            return redirect("housing:rules")
    messages.error(request, _("Nothing was saved: see the message on the form."))
    return render(request, "housing/rules.html", {
        "rules": EligibilityRule.objects.order_by("kind", "field", "pk"), "form": forms.RuleForm(),
        "weights": PriorityWeights.objects.order_by("-effective_from")[:50], "weight_fields": WEIGHT_FIELDS,
        "can_edit": True, "weights_form": form,
    }, status=400)
