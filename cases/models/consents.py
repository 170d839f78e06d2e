"""Consents to share a person's data with named organisations."""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.persons import Person
from partners.models import Organisation


def consent_document_path(instance, filename: str) -> str:
    return f"consents/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class ConsentPurpose(models.TextChoices):
    PROCESSING = "processing", _("Processing of personal data")
    SHARE_NAMED = "share_named", _("Sharing with named organisations")
    SHARE_NETWORK = "share_network", _("Sharing with the whole network")


class ConsentQuerySet(models.QuerySet):
    def valid_on(self, day: datetime.date):
        return self.filter(given_on__lte=day, withdrawn_on__isnull=True).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=day)
        )


class Consent(models.Model):
    """Informativa privacy: one purpose, given on a date, possibly expiring, possibly withdrawn."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=ConsentPurpose.choices)
    organisations = models.ManyToManyField(
        Organisation, blank=True, related_name="+", verbose_name=_("organisations covered")
    )
    given_on = models.DateField(_("given on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    signed_document = models.FileField(_("signed document"), upload_to=consent_document_path, blank=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawal_note = models.CharField(_("withdrawal note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_by_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-given_on", "-id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("given_on")),
                name="consent_expires_after_given",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.given_on})"

    def status_on(self, day: datetime.date) -> str:
        if self.withdrawn_on is not None:
            return "withdrawn"
        if self.given_on > day:
            return "future"
        if self.expires_on is not None and self.expires_on < day:
            return "expired"
        return "valid"
