"""The housing home: the provider's places and guests, the coordinator's aggregates, the network's free places."""

from __future__ import annotations

import datetime

from django.shortcuts import render
from django.utils import timezone

from core.views import page_view
from housing import permissions, selectors
from housing.models import (
    ExitReason,
    ResourceKind,
)


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
