"""Providers' resources and places; the coordinator's eligibility rules and priority weights.

Every operation: lock → authorise → domain rules → change → audit row → domain event (`housing.events`), in one
transaction, on values the forms and serializers already parsed."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TypedDict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from core.bus import publish
from core.locks import lock_all, lock_one
from core.models import AuditAction
from housing import permissions
from housing.events import (
    EligibilityRuleSaved,
    PlaceClosed,
    PlaceReopened,
    PriorityWeightsSaved,
    ResourceCreated,
    ResourceUpdated,
)
from housing.models import EligibilityRule, Place, PlaceStatus, PriorityWeights, Resource, TargetGroup
from housing.services.common import actor_id, audit, lock_place, set_place_status
from partners.models import Organisation

MAX_PLACES = 500
CENTS = Decimal("0.01")
DEFAULT_CITY = "Cinisello Balsamo"


class ResourceData(TypedDict, total=False):
    """A resource as `housing.forms.ResourceForm` cleaned it."""

    kind: str
    name: str
    address: str
    city: str
    capacity: int
    target_groups: list[str]
    max_stay_days: int | None
    is_active: bool


class RuleData(TypedDict, total=False):
    """An eligibility rule as `housing.forms.RuleForm` cleaned it."""

    kind: str
    field: str
    comparison: str
    threshold: Decimal
    message: str
    source: str
    is_active: bool


def _resource_fields(data: ResourceData) -> dict:
    name = data.get("name", "").strip()
    if not name:
        raise ValidationError({"name": _("Give the resource a name.")})
    groups = set(data.get("target_groups") or [])
    return {
        "kind": data.get("kind", ""),
        "name": name[:160],
        "address": data.get("address", "").strip()[:200],
        "city": (data.get("city", "").strip() or DEFAULT_CITY)[:100],
        "target_groups": [g for g in TargetGroup.values if g in groups],
        "max_stay_days": data.get("max_stay_days"),
    }


def _require_capacity(capacity: int) -> None:
    if not 1 <= capacity <= MAX_PLACES:
        raise ValidationError(
            {"capacity": _("Enter a number from %(min)s to %(max)s.") % {"min": 1, "max": MAX_PLACES}}
        )


def _add_places(resource: Resource, count: int) -> None:
    start = resource.places.count()
    Place.objects.bulk_create([Place(resource=resource, label=str(start + i + 1)) for i in range(count)])


def resource_create(*, actor, provider: Organisation, data: ResourceData) -> Resource:
    """A new resource of `provider` with `data["capacity"]` places, all free. Raises PermissionDenied (not a
    manager of the provider) or ValidationError (a rule broken, keyed on its field: nothing is saved)."""
    with transaction.atomic():
        membership = permissions.require_manage_resources(actor, provider.pk)
        if not provider.is_active:
            raise ValidationError({"provider": _("Choose the provider organisation.")})
        fields = _resource_fields(data)
        capacity = data.get("capacity", 0)
        _require_capacity(capacity)
        if Resource.objects.filter(provider=provider, name=fields["name"]).exists():
            raise ValidationError({"name": _("%(org)s already has a resource with this name.") % {"org": provider}})
        resource = Resource.objects.create(provider=provider, **fields)
        _add_places(resource, capacity)
        audit(
            actor=actor,
            action=AuditAction.CREATE,
            obj=resource,
            organisation_id=membership.organisation_id,
            detail={"capacity": capacity, "kind": resource.kind},
        )
        publish(ResourceCreated(resource=resource, actor_id=actor_id(actor)))
    return resource


def resource_update(*, actor, resource: Resource, data: ResourceData) -> Resource:
    """Edit a resource; a larger capacity adds free places (a smaller one is refused: close places instead)."""
    with transaction.atomic():
        resource = lock_one(Resource.objects.all(), pk=resource.pk)
        if resource.provider_id not in permissions.provider_ids(actor):
            raise Http404
        membership = permissions.require_manage_resources(actor, resource.provider_id)
        fields = _resource_fields(data)
        current = resource.places.count()
        capacity = data.get("capacity") or current
        _require_capacity(capacity)
        if capacity < current:
            raise ValidationError(
                {
                    "capacity": _(
                        "A resource cannot have fewer places than it has (%(count)s): close "
                        "the places that are no longer available instead."
                    )
                    % {"count": current}
                }
            )
        if (
            Resource.objects.filter(provider_id=resource.provider_id, name=fields["name"])
            .exclude(pk=resource.pk)
            .exists()
        ):
            raise ValidationError({"name": _("Your organisation already has a resource with this name.")})
        before = {k: getattr(resource, k) for k in fields}
        for key, value in fields.items():
            setattr(resource, key, value)
        resource.is_active = data.get("is_active", resource.is_active)
        resource.save()
        _add_places(resource, capacity - current)
        audit(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=resource,
            organisation_id=membership.organisation_id,
            detail={"changed": sorted(k for k in fields if before[k] != fields[k]), "capacity": capacity},
        )
        publish(ResourceUpdated(resource=resource, actor_id=actor_id(actor)))
    return resource


def _lock_managed_place(actor, place: Place) -> tuple[Place, int]:
    """The place under its lock, and the organisation of the manager acting on it (Http404: not theirs)."""
    place = lock_place(place.pk)
    if place.resource.provider_id not in permissions.provider_ids(actor):
        raise Http404
    return place, permissions.require_manage_resources(actor, place.resource.provider_id).organisation_id


def place_close(*, actor, place: Place) -> Place:
    """Take a free place out of use (repairs, a closed dormitory). A held or occupied place cannot be closed."""
    with transaction.atomic():
        place, organisation_id = _lock_managed_place(actor, place)
        if place.status != PlaceStatus.AVAILABLE:
            raise ValidationError(
                _("Only a free place can be closed: this one is “%(status)s”.") % {"status": place.get_status_display()}
            )
        set_place_status(place, PlaceStatus.CLOSED)
        audit(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=place,
            organisation_id=organisation_id,
            detail={"status": PlaceStatus.CLOSED},
        )
        publish(PlaceClosed(place=place, actor_id=actor_id(actor)))
    return place


def place_reopen(*, actor, place: Place) -> Place:
    """A closed place is free again."""
    with transaction.atomic():
        place, organisation_id = _lock_managed_place(actor, place)
        if place.status != PlaceStatus.CLOSED:
            raise ValidationError(_("This place is not closed."))
        set_place_status(place, PlaceStatus.AVAILABLE)
        audit(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=place,
            organisation_id=organisation_id,
            detail={"status": PlaceStatus.AVAILABLE},
        )
        publish(PlaceReopened(place=place, actor_id=actor_id(actor)))
    return place


# --- the coordinator's data: eligibility rules and priority weights -----------------------------------------


def _rule_values(rule: EligibilityRule) -> dict:
    return {
        "field": rule.field,
        "comparison": rule.comparison,
        "threshold": str(rule.threshold),
        "is_active": rule.is_active,
    }


def rule_save(*, actor, data: RuleData, rule: EligibilityRule | None = None) -> EligibilityRule:
    """Create an eligibility rule, or change `rule` (coordinator only, audited with the old and new values)."""
    with transaction.atomic():
        locked = lock_one(EligibilityRule.objects.all(), pk=rule.pk) if rule is not None else None
        membership = permissions.require_coordinator(actor)
        message = data.get("message", "").strip()
        if not message:
            raise ValidationError({"message": _("Write the message shown when the rule is not met.")})
        before = _rule_values(locked) if locked is not None else None
        rule = locked or EligibilityRule()
        rule.kind, rule.field, rule.comparison = data["kind"], data["field"], data["comparison"]
        rule.threshold, rule.message = data["threshold"].quantize(CENTS), message[:300]
        rule.source = data.get("source", "").strip()[:300]
        rule.is_active = data.get("is_active", True)
        rule.updated_by = actor
        rule.save()
        audit(
            actor=actor,
            action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
            obj=rule,
            organisation_id=membership.organisation_id,
            detail={"before": before, "after": _rule_values(rule)},
        )
        publish(EligibilityRuleSaved(rule=rule, actor_id=actor_id(actor), created=before is None))
    return rule


WEIGHT_FIELDS = (
    "homeless",
    "eviction",
    "violence",
    "unfit",
    "overcrowding",
    "precarious",
    "per_minor",
    "minors_cap",
    "disability",
    "eviction_near",
    "eviction_window_days",
    "per_month_waiting",
    "waiting_cap_months",
)


def weight_maximum(name: str) -> int:
    return 3650 if name == "eviction_window_days" else 1000


def _weight_values(values: dict[str, int]) -> dict[str, int]:
    for name in WEIGHT_FIELDS:
        if not 0 <= values[name] <= weight_maximum(name):
            raise ValidationError(
                {name: _("Enter a number from %(min)s to %(max)s.") % {"min": 0, "max": weight_maximum(name)}}
            )
    return {name: values[name] for name in WEIGHT_FIELDS}


def weights_create(*, actor, effective_from: datetime.date, values: dict[str, int], note: str = "") -> PriorityWeights:
    """A new version of the priority weights, valid from `effective_from` (today or later: a past ranking must
    stay as it was). Coordinator only; audited with the previous version's values."""
    with transaction.atomic():
        existing = next(iter(lock_all(PriorityWeights.objects.filter(effective_from=effective_from))), None)
        membership = permissions.require_coordinator(actor)
        if effective_from < timezone.localdate():
            raise ValidationError(
                {
                    "effective_from": _(
                        "New weights apply from today or a later day: past rankings must stay reproducible."
                    )
                }
            )
        cleaned = _weight_values(values)
        if existing is not None and existing.effective_from <= timezone.localdate():
            raise ValidationError(
                {"effective_from": _("Weights valid from that day are already in use: choose a later day.")}
            )
        previous = (
            PriorityWeights.objects.filter(effective_from__lte=effective_from).order_by("-effective_from").first()
        )
        weights = existing or PriorityWeights(effective_from=effective_from)
        for name, value in cleaned.items():
            setattr(weights, name, value)
        weights.note = note.strip()[:300]
        weights.created_by = actor
        weights.save()
        audit(
            actor=actor,
            action=AuditAction.CREATE if existing is None else AuditAction.UPDATE,
            obj=weights,
            organisation_id=membership.organisation_id,
            detail={
                "effective_from": effective_from.isoformat(),
                "values": cleaned,
                "previous": {n: getattr(previous, n) for n in WEIGHT_FIELDS} if previous else None,
            },
        )
        publish(PriorityWeightsSaved(weights=weights, actor_id=actor_id(actor)))
    return weights


def default_weights_values() -> dict[str, int]:
    defaults = PriorityWeights(effective_from=datetime.date.today())
    return {name: getattr(defaults, name) for name in WEIGHT_FIELDS}
