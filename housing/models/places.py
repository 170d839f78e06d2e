"""Resources of the providers and their places, with the availability state machine."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from partners.models import Organisation


class ResourceKind(models.TextChoices):
    SHELTER = "shelter", _("Emergency shelter (dormitorio / pronto intervento)")
    TEMPORARY = "temporary", _("Temporary housing (SAT / housing sociale)")
    SOCIAL = "social", _("Social housing (SAS)")
    PUBLIC = "public", _("Public housing (SAP)")


class TargetGroup(models.TextChoices):
    MEN = "men", _("Adult men")
    WOMEN = "women", _("Adult women")
    FAMILIES = "families", _("Families with children")
    VIOLENCE = "violence", _("Women leaving violence")
    YOUNG = "young", _("Young people (18-25)")
    ELDERLY = "elderly", _("Elderly people")
    ANYONE = "anyone", _("Anyone")


class Resource(models.Model):
    """A housing resource of a provider organisation: a dormitory, a flat of temporary housing, a SAP unit.

    Its capacity is its places (`Place`), one row each, so that every place has one state of its own."""

    provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="housing_resources", verbose_name=_("provider")
    )
    kind = models.CharField(_("type"), max_length=20, choices=ResourceKind.choices)
    name = models.CharField(_("name"), max_length=160)
    address = models.CharField(_("address"), max_length=200)
    city = models.CharField(_("city"), max_length=100, default="Cinisello Balsamo")
    target_groups = models.JSONField(_("target groups"), default=list, blank=True)
    max_stay_days = models.PositiveIntegerField(_("maximum stay (days)"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["provider__name", "kind", "name"]
        verbose_name = _("housing resource")
        verbose_name_plural = _("housing resources")
        constraints = [
            models.UniqueConstraint(fields=["provider", "name"], name="housing_resource_name_per_provider"),
            models.CheckConstraint(
                condition=Q(max_stay_days__isnull=True) | Q(max_stay_days__gt=0),
                name="housing_resource_max_stay_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def target_group_labels(self) -> list[str]:
        labels = dict(TargetGroup.choices)
        return [str(labels.get(code, code)) for code in self.target_groups or ()]


class PlaceStatus(models.TextChoices):
    AVAILABLE = "available", pgettext_lazy("place status", "Free")
    OFFERED = "offered", pgettext_lazy("place status", "Held (offered)")
    OCCUPIED = "occupied", pgettext_lazy("place status", "Occupied")
    CLOSED = "closed", pgettext_lazy("place status", "Closed")


# The availability state machine: which status may follow which (changed only under the place's row lock).
PLACE_TRANSITIONS: dict[str, frozenset[str]] = {
    PlaceStatus.AVAILABLE: frozenset({PlaceStatus.OFFERED, PlaceStatus.OCCUPIED, PlaceStatus.CLOSED}),
    PlaceStatus.OFFERED: frozenset({PlaceStatus.AVAILABLE, PlaceStatus.OCCUPIED}),
    PlaceStatus.OCCUPIED: frozenset({PlaceStatus.AVAILABLE}),
    PlaceStatus.CLOSED: frozenset({PlaceStatus.AVAILABLE}),
}


class Place(models.Model):
    """One bed or one unit: the row that is locked when it is offered, occupied, freed or closed."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="places", verbose_name=_("resource"))
    label = models.CharField(_("place"), max_length=60)
    status = models.CharField(_("status"), max_length=20, choices=PlaceStatus.choices, default=PlaceStatus.AVAILABLE)
    status_changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["resource_id", "label"]
        verbose_name = _("place")
        verbose_name_plural = _("places")
        constraints = [models.UniqueConstraint(fields=["resource", "label"], name="housing_place_label")]
        indexes = [models.Index(fields=["resource", "status"], name="housing_place_status")]

    def __str__(self) -> str:
        return f"{self.resource} · {self.label}"

    def can_become(self, status: str) -> bool:
        return status in PLACE_TRANSITIONS.get(self.status, frozenset())
