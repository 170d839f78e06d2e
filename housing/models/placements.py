"""Offers of a place, stays (move-in / move-out) and the housing pathway of a case."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.models import Case
from housing.models.households import Application
from housing.models.places import Place
from partners.models import Organisation


class OfferStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("offer status", "Waiting for an answer")
    ACCEPTED = "accepted", pgettext_lazy("offer status", "Accepted")
    DECLINED = "declined", pgettext_lazy("offer status", "Declined")
    EXPIRED = "expired", pgettext_lazy("offer status", "Expired")


class Offer(models.Model):
    """A place offered to a household, held for it until `expires_at`."""

    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="offers")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="offers")
    status = models.CharField(_("status"), max_length=20, choices=OfferStatus.choices, default=OfferStatus.PENDING)
    offered_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("answer by"))
    offered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    eligibility_override = models.BooleanField(_("offered although not eligible"), default=False)
    override_reason = models.TextField(_("reason for the override"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decline_reason = models.TextField(_("reason for declining"), blank=True)

    class Meta:
        ordering = ["-offered_at", "-pk"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            # The database's own guard: at most one offer waiting for an answer per place.
            models.UniqueConstraint(fields=["place"], condition=Q(status="pending"), name="housing_one_pending_offer"),
            models.CheckConstraint(condition=Q(expires_at__gt=F("offered_at")), name="housing_offer_expires_later"),
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="housing_offer_due")]

    def __str__(self) -> str:
        return f"{self.place} → {self.application_id} ({self.status})"


class ExitReason(models.TextChoices):
    NEXT_STEP = "next_step", _("Moved on to the next step of the pathway")
    # Recorded by the acceptance of an offer of a later step of the chain (`placements.offer_accept`).
    MOVED_INTO_OFFER = "moved_into_offer", _("Moved into the home offered to the household")
    AUTONOMY = "autonomy", _("Autonomous housing")
    END_OF_TERM = "end_of_term", _("End of the maximum stay")
    LEFT = "left", _("Left on their own")
    REMOVED = "removed", _("Removed (rules broken)")
    OTHER = "other", _("Other")


class Stay(models.Model):
    """A household in a place from `move_in` to `move_out` (open while `move_out` is empty)."""

    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="stays")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="housing_stays")
    application = models.ForeignKey(Application, on_delete=models.SET_NULL, null=True, blank=True, related_name="stays")
    offer = models.OneToOneField(Offer, on_delete=models.SET_NULL, null=True, blank=True, related_name="stay")
    move_in = models.DateField(_("move-in"))
    planned_move_out = models.DateField(_("planned move-out"), null=True, blank=True)
    move_out = models.DateField(_("move-out"), null=True, blank=True)
    exit_reason = models.CharField(_("reason for leaving"), max_length=20, choices=ExitReason.choices, blank=True)
    accompaniment_plan = models.TextField(_("accompaniment plan"), blank=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-move_in", "-pk"]
        verbose_name = _("stay")
        verbose_name_plural = _("stays")
        constraints = [
            models.CheckConstraint(
                condition=Q(move_out__isnull=True) | Q(move_out__gte=F("move_in")),
                name="housing_stay_move_out_after_move_in",
            ),
            models.CheckConstraint(
                condition=Q(planned_move_out__isnull=True) | Q(planned_move_out__gte=F("move_in")),
                name="housing_stay_planned_after_move_in",
            ),
            # At most one household in a place at a time (the services also check overlapping dates).
            models.UniqueConstraint(
                fields=["place"], condition=Q(move_out__isnull=True), name="housing_one_open_stay_per_place"
            ),
        ]
        indexes = [models.Index(fields=["case", "move_in"], name="housing_stay_case")]

    def __str__(self) -> str:
        return f"{self.place} · {self.case_id} {self.move_in}–{self.move_out or ''}"


class HousingPathway(models.Model):
    """Who provides each step of one housing pathway (the flow's process): chosen at the assessment."""

    process = models.OneToOneField("workflows.CaseProcess", on_delete=models.CASCADE, related_name="housing")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="housing_pathways")
    emergency_needed = models.BooleanField(_("emergency placement needed"), default=False)
    emergency_provider = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("emergency provider"),
    )
    temporary_provider = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("temporary housing provider"),
    )
    public_provider = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("public housing provider"),
    )
    assessed_at = models.DateTimeField(null=True, blank=True)
    placed_at = models.DateTimeField(null=True, blank=True)
    moved_in_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, blank=True)
    started_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("housing pathway")
        verbose_name_plural = _("housing pathways")

    def __str__(self) -> str:
        return f"{self.case_id} · {self.process_id}"
