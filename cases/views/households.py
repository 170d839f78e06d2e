"""Households (nuclei familiari): the list and search, create, detail with the aid received, edit, add a member."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Sum
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import selectors, services
from cases.forms import HouseholdCreateForm, HouseholdForm, HouseholdMemberForm
from cases.permissions import checks
from cases.views.common import audit_search
from core.audit import audit_record
from core.models import AuditAction
from core.parsing import posted_id
from core.views import apply_errors, page_view, paginate, posted
from partners.roles import Capability
from partners.selectors import memberships_with

AID_ROWS = 100
MEMBER_CANDIDATES = 20


def _person_from_query(request):
    pk = posted_id(request.GET.get("person"))
    if pk is None:
        return None
    return selectors.person_get_for(user=request.user, pk=pk, capability=Capability.VIEW_FILE)


QUERY_LENGTH = 100


@page_view("GET")
def household_list(request):
    """The households the user may see, in name order, or those found by name, member or address (?q=)."""
    query = request.GET.get("q", "").strip()[:QUERY_LENGTH]
    if query:
        audit_search(request, object_type="cases.household", query=query)
    return render(
        request,
        "cases/household_list.html",
        {
            "query": query,
            "query_length": QUERY_LENGTH,
            "page": paginate(request, selectors.household_search_for(user=request.user, query=query)),
            "can_register": bool(checks.intake_memberships(request.user)),
        },
    )


@page_view("GET", "POST")
def household_create(request):
    """A new household; with ?person=<pk> that person becomes its reference person."""
    memberships = checks.intake_memberships(request.user)
    if not memberships:
        raise PermissionDenied(_("Only case managers can register households."))
    person = _person_from_query(request)
    initial = {"name": person.last_name, "address": person.address} if person else {}
    form = HouseholdCreateForm(posted(request), memberships=memberships, initial=initial)
    if form.is_valid():
        data = form.cleaned_data
        try:
            household = services.household_create(
                actor=request.user,
                organisation_id=data["organisation"],
                name=data["name"],
                address=data["address"],
                isee_value=data["isee_value"],
                isee_expires_on=data["isee_expires_on"],
                reference_person=person,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The household has been registered."))
            return redirect("cases:household_detail", pk=household.pk)
    return render(request, "cases/household_form.html", {"form": form, "person": person})


@page_view("GET")
def household_detail(request, pk):
    user = request.user
    household = selectors.household_get_for(user=user, pk=pk)
    org_ids = [m.organisation_id for m in memberships_with(user, Capability.VIEW_FILE)]
    audit_record(
        actor=user,
        action=AuditAction.READ,
        obj=household,
        request=request,
        organisation_id=household.registered_by_id
        if household.registered_by_id in org_ids
        else (org_ids[0] if org_ids else None),
    )
    aid = selectors.intervention_list_for(user=user, household=household)
    return render(
        request,
        "cases/household_detail.html",
        {
            "household": household,
            "isee_expired": household.isee_value is not None and not household.isee_is_valid,
            "aid": aid[:AID_ROWS],
            "aid_totals": aid.aggregate(count=Count("id"), value=Sum("value")),
            "can_change": selectors.household_changeable(user=user, household=household),
            "today": timezone.localdate(),
        },
    )


def _changeable_household(request, pk):
    household = selectors.household_get_for(user=request.user, pk=pk)
    if not selectors.household_changeable(user=request.user, household=household):
        raise PermissionDenied(_("You are not allowed to change this household."))
    return household


@page_view("GET", "POST")
def household_edit(request, pk):
    household = _changeable_household(request, pk)
    initial = {key: getattr(household, key) for key in ("name", "address", "isee_value", "isee_expires_on")}
    form = HouseholdForm(posted(request), initial=initial)
    if form.is_valid():
        try:
            services.household_update(actor=request.user, household=household, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The household has been saved."))
            return redirect("cases:household_detail", pk=household.pk)
    return render(request, "cases/household_form.html", {"form": form, "household": household})


@page_view("GET", "POST")
def household_member_add(request, pk):
    """Search a person (?q=), choose them among the results, give the relationship."""
    household = _changeable_household(request, pk)
    persons = checks.visible_persons(request.user, Capability.VIEW_FILE)
    form = HouseholdMemberForm(posted(request), persons=persons)
    query = request.GET.get("q", "").strip()[:100]
    member_ids = {member.person_id for member in household.members.all()}
    results = []
    if query:
        results = [
            p
            for p in selectors.person_search_for(user=request.user, query=query)[:MEMBER_CANDIDATES]
            if p.pk not in member_ids
        ]
    if form.is_valid():
        try:
            services.household_member_add(
                actor=request.user,
                household=household,
                person=form.cleaned_data["person"],
                relationship=form.cleaned_data["relationship"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The member has been added."))
            return redirect("cases:household_detail", pk=household.pk)
    return render(
        request,
        "cases/household_member_add.html",
        {"form": form, "household": household, "query": query, "results": results},
    )
