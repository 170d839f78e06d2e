"""A provider's resources and their places."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.views import apply_errors, page_view
from housing import forms, permissions, selectors
from housing.models import Place
from housing.services import resources
from housing.views.common import back, error_text
from partners.models import Organisation


@page_view("GET", "POST")
def resource_create(request):
    providers = Organisation.objects.filter(pk__in=permissions.provider_ids(request.user, permissions.MANAGE_ROLES))
    if not providers.exists():
        raise Http404
    form = forms.ResourceForm(request.POST or None, providers=providers)
    if request.method == "POST" and form.is_valid():
        try:
            resource = resources.resource_create(
                actor=request.user, provider=form.cleaned_data["provider"], data=form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            capacity = form.cleaned_data["capacity"]
            messages.success(
                request,
                ngettext(
                    "Resource created with %(count)s free place.",
                    "Resource created with %(count)s free places.",
                    capacity,
                )
                % {"count": capacity},
            )
            return redirect("housing:resource_detail", pk=resource.pk)
    return render(request, "housing/resource_form.html", {"form": form, "resource": None})


@page_view("GET", "POST")
def resource_edit(request, pk):
    resource = selectors.resource_get_for(user=request.user, pk=pk)
    permissions.require_manage_resources(request.user, resource.provider_id)
    initial = {
        "kind": resource.kind,
        "name": resource.name,
        "address": resource.address,
        "city": resource.city,
        "capacity": resource.capacity,
        "target_groups": resource.target_groups,
        "max_stay_days": resource.max_stay_days,
    }
    form = forms.ResourceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            resources.resource_update(actor=request.user, resource=resource, data=form.cleaned_data)
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
    return render(
        request,
        "housing/resource_detail.html",
        {
            "resource": resource,
            "places": places,
            "can_manage": resource.provider_id in permissions.provider_ids(user, permissions.MANAGE_ROLES),
            "can_work": resource.provider_id in permissions.provider_ids(user, permissions.WORK_ROLES),
            "start_form": forms.StayStartForm(),
            "end_form": forms.StayEndForm(),
            "today": timezone.localdate(),
        },
    )


@page_view("POST")
def place_action(request, pk, action):
    service = {"close": resources.place_close, "reopen": resources.place_reopen}.get(action)
    if service is None:
        raise Http404
    try:
        place = service(actor=request.user, place=get_object_or_404(Place, pk=pk))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return back(request, "housing:home")
    messages.success(
        request, _("Place %(label)s: %(status)s.") % {"label": place.label, "status": place.get_status_display()}
    )
    return redirect("housing:resource_detail", pk=place.resource_id)
