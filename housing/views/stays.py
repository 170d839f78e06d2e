"""Move-ins, move-outs and accompaniment plans, recorded by the provider's staff."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from cases.models import Case
from core.views import page_view
from housing import forms
from housing.models import Place, Stay
from housing.services import placements
from housing.views.common import back, error_text


@page_view("POST")
def stay_start(request, place_pk):
    form = forms.StayStartForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was saved: check the case code and the dates."))
        return back(request, "housing:home")
    code = form.cleaned_data["case_code"].strip()
    case = Case.objects.filter(code__iexact=code).first()
    try:
        if case is None:
            raise ValidationError(_("No case you can see has the code %(code)s.") % {"code": code})
        placements.stay_start(
            actor=request.user,
            place=get_object_or_404(Place, pk=place_pk),
            case=case,
            move_in=form.cleaned_data["move_in"],
            planned_move_out=form.cleaned_data["planned_move_out"],
            accompaniment_plan=form.cleaned_data["accompaniment_plan"],
        )
    except Http404:
        messages.error(
            request,
            _(
                "No case you can see has the code %(code)s: the case must be shared with your "
                "organisation (an accepted referral)."
            )
            % {"code": code},
        )
        return back(request, "housing:home")
    except ValidationError as exc:
        messages.error(request, _("Nothing was saved: %(error)s") % {"error": error_text(exc)})
        return back(request, "housing:home")
    messages.success(request, _("Move-in recorded."))
    return back(request, "housing:home")


@page_view("POST")
def stay_end(request, pk):
    form = forms.StayEndForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was saved: check the move-out date and the reason."))
        return back(request, "housing:home")
    try:
        placements.stay_end(
            actor=request.user,
            stay=get_object_or_404(Stay, pk=pk),
            move_out=form.cleaned_data["move_out"],
            exit_reason=form.cleaned_data["exit_reason"],
        )
    except ValidationError as exc:
        messages.error(request, _("Nothing was saved: %(error)s") % {"error": error_text(exc)})
    else:
        messages.success(request, _("Move-out recorded: the place is free."))
    return back(request, "housing:home")


@page_view("POST")
def stay_plan(request, pk):
    form = forms.StayPlanForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was saved: write the accompaniment plan."))
        return back(request, "housing:home")
    try:
        placements.stay_update_plan(
            actor=request.user,
            stay=get_object_or_404(Stay, pk=pk),
            accompaniment_plan=form.cleaned_data["accompaniment_plan"],
            planned_move_out=form.cleaned_data["planned_move_out"],
        )
    except ValidationError as exc:
        messages.error(request, _("Nothing was saved: %(error)s") % {"error": error_text(exc)})
    else:
        messages.success(request, _("Accompaniment plan saved."))
    return back(request, "housing:home")
