"""The coordinator's eligibility rules and priority weights."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.parsing import posted_id
from core.views import apply_errors, page_view
from housing import forms, permissions, priority
from housing.models import (
    EligibilityRule,
    PriorityWeights,
)
from housing.services import resources
from housing.services.resources import WEIGHT_FIELDS, default_weights_values


def _posted_rule(request) -> EligibilityRule | None:
    """The rule the form changes (`rule`: its id), or None for a new one; a bad or unknown id is a 404."""
    if not request.POST.get("rule"):
        return None
    return get_object_or_404(EligibilityRule, pk=posted_id(request.POST["rule"]) or 0)


@page_view("GET", "POST")
def rules(request):
    coordinator = permissions.sees_network_aggregates(request.user)
    form = forms.RuleForm(request.POST or None) if coordinator else None
    if request.method == "POST":
        permissions.require_coordinator(request.user)
        if form is not None and form.is_valid():
            try:
                resources.rule_save(actor=request.user, data=form.cleaned_data, rule=_posted_rule(request))
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Eligibility rule saved."))
                return redirect("housing:rules")
    return render(
        request,
        "housing/rules.html",
        {
            "rules": EligibilityRule.objects.order_by("kind", "field", "pk"),
            "form": form,
            "weights": PriorityWeights.objects.order_by("-effective_from")[:50],
            "weight_fields": WEIGHT_FIELDS,
            "can_edit": coordinator,
            "weights_form": forms.WeightsForm(
                initial={**default_weights_values(), **_current_weights(), "effective_from": timezone.localdate()}
            )
            if coordinator
            else None,
        },
    )


def _current_weights() -> dict:
    current = priority.weights_on(timezone.localdate())
    return {name: getattr(current, name) for name in WEIGHT_FIELDS}


@page_view("POST")
def weights_create(request):
    permissions.require_coordinator(request.user)
    form = forms.WeightsForm(request.POST)
    if form.is_valid():
        try:
            resources.weights_create(
                actor=request.user,
                effective_from=form.cleaned_data["effective_from"],
                values=form.cleaned_data,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("New priority weights saved."))
            return redirect("housing:rules")
    messages.error(request, _("Nothing was saved: see the message on the form."))
    return render(
        request,
        "housing/rules.html",
        {
            "rules": EligibilityRule.objects.order_by("kind", "field", "pk"),
            "form": forms.RuleForm(),
            "weights": PriorityWeights.objects.order_by("-effective_from")[:50],
            "weight_fields": WEIGHT_FIELDS,
            "can_edit": True,
            "weights_form": form,
        },
        status=400,
    )
