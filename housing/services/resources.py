"""Providers' resources and places; the coordinator's eligibility rules and priority weights."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import AuditAction
from core.parsing import posted_id_or_zero
from housing import permissions
from housing.models import (
    Comparison,
    EligibilityRule,
    Place,
    PlaceStatus,
    PriorityWeights,
    Resource,
    ResourceKind,
    RuleField,
    TargetGroup,
)
from housing.services.common import as_amount, as_count, as_date, audit, lock_place, set_place_status
from partners.models import Organisation

MAX_PLACES = 500


def _clean_resource(data: dict) -> dict:
    kind = data.get("kind")
    if kind not in ResourceKind.values:
        raise ValidationError({"kind": _("Choose the type of resource.")})
    name = str(data.get("name") or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the resource a name.")})
    address = str(data.get("address") or "").strip()
    if not address:
        raise ValidationError({"address": _("Enter the address.")})
    groups = data.get("target_groups") or []
    if isinstance(groups, str):
        groups = [groups]
    try:
        groups = list(groups)
    except TypeError:
        raise ValidationError({"target_groups": _("Choose the target groups.")}) from None
    unknown = set(groups) - set(TargetGroup.values)
    if unknown:
        raise ValidationError({"target_groups": _("Unknown target group: %(name)s.") % {"name": ", ".join(
            sorted(map(str, unknown)))}})
    max_stay = data.get("max_stay_days")
    if max_stay not in (None, ""):
        max_stay = as_count(max_stay, field="max_stay_days", minimum=1, maximum=3650)
    else:
        max_stay = None
    return {"kind": kind, "name": name[:160], "address": address[:200],
            "city": (str(data.get("city") or "").strip() or "Cinisello Balsamo")[:100],
            "target_groups": [g for g in TargetGroup.values if g in set(groups)], "max_stay_days": max_stay}


def _add_places(resource: Resource, count: int) -> None:
    start = resource.places.count()
    Place.objects.bulk_create([Place(resource=resource, label=str(start + i + 1)) for i in range(count)])


def resource_create(*, actor, provider_id, data: dict) -> Resource:
    """A new resource of the provider with `capacity` places, all free. Raises PermissionDenied (not a manager
    of the provider) or ValidationError (bad input: nothing is saved)."""
    provider = Organisation.objects.filter(pk=posted_id_or_zero(provider_id), is_active=True).first()
    if provider is None:
        raise ValidationError({"provider": _("Choose the provider organisation.")})
    membership = permissions.require_manage_resources(actor, provider.pk)
    fields = _clean_resource(data)
    capacity = as_count(data.get("capacity"), field="capacity", minimum=1, maximum=MAX_PLACES)
    with transaction.atomic():
        if Resource.objects.filter(provider=provider, name=fields["name"]).exists():
            raise ValidationError({"name": _("%(org)s already has a resource with this name.") % {"org": provider}})
        resource = Resource.objects.create(provider=provider, **fields)
        _add_places(resource, capacity)
        audit(actor=actor, action=AuditAction.CREATE, obj=resource, organisation_id=membership.organisation_id,
              detail={"capacity": capacity, "kind": resource.kind})
    return resource


def resource_update(*, actor, resource_id, data: dict) -> Resource:
    """Edit a resource; a larger capacity adds free places (a smaller one is refused: close places instead)."""
    with transaction.atomic():
        resource = Resource.objects.select_for_update().filter(pk=posted_id_or_zero(resource_id)).first()
        if resource is None or resource.provider_id not in permissions.provider_ids(actor):
            raise Http404
        membership = permissions.require_manage_resources(actor, resource.provider_id)
        fields = _clean_resource(data)
        capacity = as_count(data.get("capacity"), field="capacity", minimum=1, maximum=MAX_PLACES,
                            default=resource.places.count())
        current = resource.places.count()
        if capacity < current:
            raise ValidationError({"capacity": _("A resource cannot have fewer places than it has (%(count)s): close "
                                                 "the places that are no longer available instead.")
                                   % {"count": current}})
        if Resource.objects.filter(provider_id=resource.provider_id, name=fields["name"]).exclude(
                pk=resource.pk).exists():
            raise ValidationError({"name": _("Your organisation already has a resource with this name.")})
        before = {k: getattr(resource, k) for k in fields}
        for key, value in fields.items():
            setattr(resource, key, value)
        resource.is_active = bool(data.get("is_active", resource.is_active))
        resource.save()
        _add_places(resource, capacity - current)
        audit(actor=actor, action=AuditAction.UPDATE, obj=resource, organisation_id=membership.organisation_id,
              detail={"changed": sorted(k for k in fields if before[k] != fields[k]), "capacity": capacity})
    return resource


def place_close(*, actor, place_id) -> Place:
    """Take a free place out of use (repairs, a closed dormitory). A held or occupied place cannot be closed."""
    with transaction.atomic():
        place = lock_place(place_id)
        if place.resource.provider_id not in permissions.provider_ids(actor):
            raise Http404
        membership = permissions.require_manage_resources(actor, place.resource.provider_id)
        if place.status != PlaceStatus.AVAILABLE:
            raise ValidationError(_("Only a free place can be closed: this one is “%(status)s”.")
                                  % {"status": place.get_status_display()})
        set_place_status(place, PlaceStatus.CLOSED)
        audit(actor=actor, action=AuditAction.UPDATE, obj=place, organisation_id=membership.organisation_id,
              detail={"status": PlaceStatus.CLOSED})
    return place


def place_reopen(*, actor, place_id) -> Place:
    with transaction.atomic():
        place = lock_place(place_id)
        if place.resource.provider_id not in permissions.provider_ids(actor):
            raise Http404
        membership = permissions.require_manage_resources(actor, place.resource.provider_id)
        if place.status != PlaceStatus.CLOSED:
            raise ValidationError(_("This place is not closed."))
        set_place_status(place, PlaceStatus.AVAILABLE)
        audit(actor=actor, action=AuditAction.UPDATE, obj=place, organisation_id=membership.organisation_id,
              detail={"status": PlaceStatus.AVAILABLE})
    return place


# --- the coordinator's data: eligibility rules and priority weights -----------------------------------------

def rule_save(*, actor, data: dict, rule_id=None) -> EligibilityRule:
    """Create or change an eligibility rule (coordinator only, audited with the old and new values)."""
    membership = permissions.require_coordinator(actor)
    if data.get("kind") not in ResourceKind.values:
        raise ValidationError({"kind": _("Choose the type of resource.")})
    if data.get("field") not in RuleField.values:
        raise ValidationError({"field": _("Choose the value the rule reads.")})
    if data.get("comparison") not in Comparison.values:
        raise ValidationError({"comparison": _("Choose the comparison.")})
    threshold = as_amount(data.get("threshold"), field="threshold")
    if threshold is None:
        raise ValidationError({"threshold": _("Enter the threshold.")})
    message = str(data.get("message") or "").strip()
    if not message:
        raise ValidationError({"message": _("Write the message shown when the rule is not met.")})
    with transaction.atomic():
        rule = (EligibilityRule.objects.select_for_update().filter(pk=posted_id_or_zero(rule_id)).first()
                if rule_id else None)
        if rule_id and rule is None:
            raise Http404
        before = None if rule is None else {"field": rule.field, "comparison": rule.comparison,
                                            "threshold": str(rule.threshold), "is_active": rule.is_active}
        rule = rule or EligibilityRule()
        rule.kind, rule.field, rule.comparison = data["kind"], data["field"], data["comparison"]
        rule.threshold, rule.message = threshold, message[:300]
        rule.source = str(data.get("source") or "").strip()[:300]
        rule.is_active = bool(data.get("is_active", True))
        rule.updated_by = actor
        rule.save()
        audit(actor=actor, action=AuditAction.CREATE if before is None else AuditAction.UPDATE, obj=rule,
              organisation_id=membership.organisation_id,
              detail={"before": before, "after": {"field": rule.field, "comparison": rule.comparison,
                                                  "threshold": str(rule.threshold), "is_active": rule.is_active}})
    return rule


WEIGHT_FIELDS = ("homeless", "eviction", "violence", "unfit", "overcrowding", "precarious", "per_minor", "minors_cap",
                 "disability", "eviction_near", "eviction_window_days", "per_month_waiting", "waiting_cap_months")


def weights_create(*, actor, effective_from, values: dict, note: str = "") -> PriorityWeights:
    """A new version of the priority weights, valid from `effective_from` (today or later: a past ranking must
    stay as it was). Coordinator only; audited with the previous version's values."""
    membership = permissions.require_coordinator(actor)
    day = as_date(effective_from, field="effective_from")
    if day is None or day < timezone.localdate():
        raise ValidationError({"effective_from": _("New weights apply from today or a later day: past rankings "
                                                   "must stay reproducible.")})
    cleaned = {name: as_count(values.get(name), field=name, minimum=0, maximum=1000 if name != "eviction_window_days"
                              else 3650) for name in WEIGHT_FIELDS}
    with transaction.atomic():
        previous = PriorityWeights.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
        existing = PriorityWeights.objects.select_for_update().filter(effective_from=day).first()
        if existing is not None and existing.effective_from <= timezone.localdate():
            raise ValidationError({"effective_from": _("Weights valid from that day are already in use: choose a "
                                                       "later day.")})
        weights = existing or PriorityWeights(effective_from=day)
        for name, value in cleaned.items():
            setattr(weights, name, value)
        weights.note = str(note or "").strip()[:300]
        weights.created_by = actor
        weights.save()
        audit(actor=actor, action=AuditAction.CREATE if existing is None else AuditAction.UPDATE, obj=weights,
              organisation_id=membership.organisation_id,
              detail={"effective_from": day.isoformat(), "values": cleaned,
                      "previous": {n: getattr(previous, n) for n in WEIGHT_FIELDS} if previous else None})
    return weights


def default_weights_values() -> dict[str, int]:
    defaults = PriorityWeights(effective_from=datetime.date.today())
    return {name: getattr(defaults, name) for name in WEIGHT_FIELDS}

