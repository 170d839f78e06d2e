"""Households and who belongs to them."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.persons import Person
from partners.models import Organisation


class Household(models.Model):
    """Nucleo familiare."""

    name = models.CharField(_("name"), max_length=120, help_text=_("e.g. the reference person's surname"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    isee_value = models.DecimalField(
        _("ISEE value (€)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    isee_expires_on = models.DateField(_("ISEE expiry date"), null=True, blank=True)
    registered_by = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.CheckConstraint(
                condition=Q(isee_value__isnull=True) | Q(isee_value__gte=0), name="isee_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def isee_is_valid(self) -> bool:
        return self.isee_value is not None and (
            self.isee_expires_on is None or self.isee_expires_on >= timezone.localdate()
        )


class Relationship(models.TextChoices):
    REFERENCE = "reference", _("Reference person")
    SPOUSE = "spouse", _("Spouse / partner")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    SIBLING = "sibling", _("Sibling")
    GRANDCHILD = "grandchild", _("Grandchild")
    OTHER_RELATIVE = "other_relative", _("Other relative")
    COHABITANT = "cohabitant", _("Cohabitant")


class HouseholdMember(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="household_memberships")
    relationship = models.CharField(_("relationship"), max_length=20, choices=Relationship.choices)

    class Meta:
        ordering = ["household", "id"]
        constraints = [models.UniqueConstraint(fields=["household", "person"], name="household_member_once")]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.household_id} ({self.relationship})"
