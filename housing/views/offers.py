"""The waitlists with their explained ranking, and the offers of a place."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from core.views import PAGE_SIZE, page_view
from housing import forms, permissions, priority, selectors
from housing.models import Application, Place, ResourceKind
from housing.services import offers
from housing.views.common import back, error_text


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
    return render(
        request,
        "housing/waitlist.html",
        {
            "kind": kind,
            "kind_label": ResourceKind(kind).label,
            "kinds": ResourceKind.choices,
            "day": day,
            "weights": weights,
            "page": page,
            "rows": rows,
            "pseudonymous": coordinator,
            "total": total,
            "free_places": free_places,
            "offer_form": forms.OfferForm(places=free_places) if free_places else None,
        },
    )


@page_view("POST")
def offer_make(request):
    form = forms.OfferForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was saved: choose a place and how long to hold it."))
        return back(request, "housing:home")
    try:
        offers.offer_make(
            actor=request.user,
            place=get_object_or_404(Place, pk=form.cleaned_data["place"]),
            application=get_object_or_404(Application, pk=form.cleaned_data["application"]),
            hold_days=form.cleaned_data["hold_days"],
            override=form.cleaned_data["override"],
            override_reason=form.cleaned_data["override_reason"],
        )
    except ValidationError as exc:
        messages.error(request, _("Nothing was saved: %(error)s") % {"error": error_text(exc)})
    else:
        messages.success(request, _("The place is held for the household until the offer is answered."))
    return back(request, "housing:home")


@page_view("POST")
def offer_answer(request, pk, answer):
    offer = selectors.offer_get_for(user=request.user, pk=pk)
    try:
        if answer == "accept":
            form = forms.AcceptOfferForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Check the dates."))
            stay = offers.offer_accept(
                actor=request.user,
                offer=offer,
                move_in=form.cleaned_data["move_in"],
                planned_move_out=form.cleaned_data["planned_move_out"],
                accompaniment_plan=form.cleaned_data["accompaniment_plan"],
            )
            messages.success(request, _("Offer accepted: the move-in is recorded."))
            left = getattr(stay, "left_stay", None)
            if left is not None:
                messages.info(
                    request,
                    _("The stay at %(place)s ended on the same day: that place is free.") % {"place": left.place},
                )
        elif answer == "decline":
            decline = forms.DeclineOfferForm(request.POST)
            if not decline.is_valid():
                raise ValidationError(_("Say why the offer is declined."))
            offers.offer_decline(actor=request.user, offer=offer, reason=decline.cleaned_data["reason"])
            messages.success(request, _("Offer declined: the place is free again."))
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, _("Nothing was saved: %(error)s") % {"error": error_text(exc)})
    return back(request, "housing:home")
