"""The person registry: search, registration (with duplicate handling), the registry part of the file,
edit, merge, consents."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import model_to_dict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import selectors, services
from cases.forms import (
    ConsentForm,
    ConsentWithdrawForm,
    PersonForm,
    PersonMergeForm,
    PersonRegisterForm,
    PersonSearchForm,
)
from cases.models import Person
from cases.permissions import checks
from cases.services.persons import PERSON_FIELDS, DuplicatePerson, PossibleDuplicates
from cases.views.common import audit_person_read, audit_search
from core.parsing import posted_id
from core.storage import StorageUnavailable
from core.views import apply_errors, page_view, paginate, posted, render_storage_refusal
from partners.roles import Capability
from partners.selectors import memberships_with

MERGE_CANDIDATES = 20


@page_view("GET")
def person_search(request):
    form = PersonSearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    page = None
    if query:
        audit_search(request, object_type="cases.person", query=query)
        page = paginate(request, selectors.person_search_results_for(user=request.user, query=query))
    return render(
        request,
        "cases/person_search.html",
        {
            "form": form,
            "query": query,
            "page": page,
            "can_read_files": bool(memberships_with(request.user, Capability.VIEW_FILE)),
            "can_register": bool(checks.intake_memberships(request.user)),
        },
    )


@page_view("GET", "POST")
def person_register(request):
    memberships = checks.intake_memberships(request.user)
    if not memberships:
        raise PermissionDenied(_("Only case managers can register people."))
    form = PersonRegisterForm(posted(request), memberships=memberships)
    context = {"form": form}
    if form.is_valid():
        try:
            person = services.person_register(
                actor=request.user,
                organisation_id=form.cleaned_data["organisation"],
                data=form.person_data(),
                confirmed_new=form.cleaned_data["confirmed_new"],
            )
        except DuplicatePerson as exc:
            apply_errors(form, exc)
            if exc.visible:
                context["duplicate"] = exc.person
            else:
                # Registered by another organisation: offer to open a case here, show nothing of them.
                context["hidden_duplicate_pk"] = exc.person.pk
                context["codice_fiscale_proof"] = form.data.get("codice_fiscale", "")
                context["organisation_id"] = form.cleaned_data["organisation"]
        except PossibleDuplicates as exc:
            context["candidates"] = exc.candidates
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("%(name)s has been registered.") % {"name": person.full_name})
            return redirect(reverse("cases:person_detail", args=[person.pk]) + "?registered=1")
    return render(request, "cases/person_register.html", context)


@page_view("GET")
def person_detail(request, pk):
    user = request.user
    person = selectors.person_get_for(user=user, pk=pk, capability=Capability.VIEW_FILE)
    audit_person_read(request, person)
    return render(
        request,
        "cases/person_detail.html",
        {
            "person": person,
            "consent": selectors.consent_status(person),
            "consents": selectors.consent_list_for(user=user, person=person),
            "households": selectors.person_households_for(user=user, person=person),
            "cases": selectors.case_list_for(user=user).filter(person=person),
            "can_change": checks.changeable_persons(user).filter(pk=person.pk).exists(),
            "can_open_case": bool(checks.intake_memberships(user)),
            "just_registered": request.GET.get("registered") == "1",
            "today": timezone.localdate(),
        },
    )


def _changeable_person(request, pk) -> Person:
    person = selectors.person_get_for(user=request.user, pk=pk, capability=Capability.VIEW_FILE)
    checks.require_person_change(request.user, person)
    return person


@page_view("GET", "POST")
def person_edit(request, pk):
    person = _changeable_person(request, pk)
    form = PersonForm(posted(request), initial=model_to_dict(person, fields=PERSON_FIELDS))
    context = {"form": form, "person": person}
    if form.is_valid():
        try:
            services.person_update(actor=request.user, person=person, data=form.person_data())
        except DuplicatePerson as exc:
            apply_errors(form, exc)
            context["duplicate"] = exc.person if exc.visible else None
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The personal data has been saved."))
            return redirect("cases:person_detail", pk=person.pk)
    return render(request, "cases/person_edit.html", context)


def _fields_filled_by_merge(kept: Person, merged: Person) -> list[str]:
    return [
        str(Person._meta.get_field(key).verbose_name)
        for key in PERSON_FIELDS
        if getattr(merged, key) not in (None, "", False) and getattr(kept, key) in (None, "", False)
    ]


@page_view("GET", "POST")
def person_merge(request, pk):
    """Pick the duplicate (similar people or a search), see what will move, give a reason, confirm.
    The person of this page is kept; the duplicate is merged into them."""
    user = request.user
    kept = _changeable_person(request, pk)
    candidates = checks.visible_persons(user, Capability.VIEW_FILE).exclude(pk=kept.pk)
    form = PersonMergeForm(posted(request), candidates=candidates, initial={"merged": request.GET.get("merged")})
    merged_pk = request.POST.get("merged") if request.method == "POST" else request.GET.get("merged")
    if not merged_pk:
        query = request.GET.get("q", "").strip()[:100]
        similar = (
            selectors.similar_persons(
                user=user,
                first_name=kept.first_name,
                last_name=kept.last_name,
                birth_date=kept.birth_date,
                exclude_pk=kept.pk,
            )
            if kept.birth_date
            else []
        )
        found = (
            list(selectors.person_search_for(user=user, query=query).exclude(pk=kept.pk)[:MERGE_CANDIDATES])
            if query
            else []
        )
        return render(
            request,
            "cases/person_merge_pick.html",
            {"person": kept, "similar": similar, "found": found, "query": query},
        )
    merged_id = posted_id(merged_pk)
    if merged_id is None:
        return redirect("cases:person_merge", pk=kept.pk)
    merged = selectors.person_get_for(user=user, pk=merged_id, capability=Capability.VIEW_FILE)
    if form.is_valid():
        try:
            services.person_merge(
                actor=user, kept=kept, merged=form.cleaned_data["merged"], reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The duplicate record has been merged into this person."))
            return redirect("cases:person_detail", pk=kept.pk)
    return render(
        request,
        "cases/person_merge_confirm.html",
        {
            "person": kept,
            "merged": merged,
            "form": form,
            "preview": selectors.person_merge_preview(user=user, merged=merged),
            "fields_filled": _fields_filled_by_merge(kept, merged),
        },
    )


@page_view("GET", "POST")
def consent_add(request, person_pk):
    person = _changeable_person(request, person_pk)
    form = ConsentForm(posted(request), request.FILES or None)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.consent_record(
                actor=request.user,
                person=person,
                purpose=data["purpose"],
                given_on=data["given_on"],
                expires_on=data["expires_on"],
                organisations=list(data["organisations"]),
                signed_document=data["signed_document"] or None,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except StorageUnavailable as exc:
            return render_storage_refusal(request, "cases/consent_form.html", {"person": person}, form=form, exc=exc)
        else:
            messages.success(request, _("The consent has been recorded."))
            return redirect(reverse("cases:person_detail", args=[person.pk]) + "#consents")
    return render(request, "cases/consent_form.html", {"form": form, "person": person})


@page_view("GET", "POST")
def consent_withdraw(request, pk):
    consent = selectors.consent_get_for(user=request.user, pk=pk)
    person = consent.person
    checks.require_person_change(request.user, person)
    form = ConsentWithdrawForm(posted(request))
    if form.is_valid():
        try:
            services.consent_withdraw(
                actor=request.user,
                consent=consent,
                withdrawn_on=form.cleaned_data["withdrawn_on"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The consent has been withdrawn."))
            return redirect(reverse("cases:person_detail", args=[person.pk]) + "#consents")
    return render(request, "cases/consent_withdraw.html", {"form": form, "person": person, "consent": consent})
