"""The employment pathway of a case (with its referral), internships, placements and follow-ups."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.models import Case
from employment.models.offers import ContractType, Opportunity
from partners.models import Organisation
from workflows.models import CaseProcess, Handoff


class InternshipStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("internship status", "Planned")
    IN_PROGRESS = "in_progress", pgettext_lazy("internship status", "In progress")
    COMPLETED = "completed", pgettext_lazy("internship status", "Completed")
    INTERRUPTED = "interrupted", pgettext_lazy("internship status", "Interrupted")


class Internship(models.Model):
    """A tirocinio di inclusione: promoted by an organisation of the network, hosted by an employer."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    pathway = models.ForeignKey(
        "EmploymentPathway", on_delete=models.SET_NULL, null=True, blank=True, related_name="internships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("promoter")
    )
    host_employer = models.CharField(_("host employer"), max_length=150)
    tutor = models.CharField(_("tutor"), max_length=150)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    weekly_hours = models.PositiveSmallIntegerField(
        _("hours per week"), validators=[MinValueValidator(1), MaxValueValidator(40)]
    )
    monthly_allowance = models.DecimalField(
        _("monthly allowance (€)"), max_digits=7, decimal_places=2, validators=[MinValueValidator(0)]
    )
    status = models.CharField(
        _("status"), max_length=20, choices=InternshipStatus.choices, default=InternshipStatus.PLANNED
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ends_on", "id"]
        verbose_name = _("internship")
        verbose_name_plural = _("internships")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gt=models.F("starts_on")), name="internship_ends_after_start")
        ]
        indexes = [models.Index(fields=["status", "ends_on"], name="internship_running")]

    def __str__(self) -> str:
        return f"{self.host_employer} ({self.starts_on}–{self.ends_on})"


class PathType(models.TextChoices):
    """The agreed path (percorso GOL)."""

    REINSERTION = "reinserimento", _("Job reinsertion (reinserimento lavorativo)")
    UPSKILLING = "upskilling", _("Upskilling (aggiornamento)")
    RESKILLING = "reskilling", _("Reskilling (riqualificazione)")
    INCLUSION = "lavoro_inclusione", _("Work and inclusion (lavoro e inclusione)")


class Stage(models.TextChoices):
    PROFILING = "profiling", _("Profiling")
    REFERRAL = "referral", _("Referral to an employment service")
    AGREEMENT = "agreement", _("Agreeing the path")
    TRAINING = "training", _("Training and internship")
    PLACEMENT = "placement", _("Placement")
    FOLLOW_UP = "follow_up", _("Follow-up")
    ENDED = "ended", _("Ended")


class PathwayOutcome(models.TextChoices):
    EMPLOYED = "employed", _("Still employed at 6 months")
    JOB_LOST = "job_lost", _("Placed, then no longer employed")
    NOT_PLACED = "not_placed", _("Not placed")
    DROPPED_OUT = "dropped_out", _("Dropped out")


class EmploymentPathway(models.Model):
    """One run of the employment flow for a case: its stage, the referral, the provider, the dates that the
    coordinator's figures read (profiling → placement)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+", verbose_name=_("case"))
    process = models.OneToOneField(
        CaseProcess, on_delete=models.SET_NULL, null=True, blank=True, related_name="employment_pathway", editable=False
    )
    lead_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    provider_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("employment service"),
    )
    referral = models.OneToOneField(Handoff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.PROFILING)
    path_type = models.CharField(_("agreed path"), max_length=20, choices=PathType.choices, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    profiled_at = models.DateTimeField(null=True, blank=True)
    agreed_at = models.DateTimeField(null=True, blank=True)
    placed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=PathwayOutcome.choices, blank=True)
    outcome_note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("employment pathway")
        verbose_name_plural = _("employment pathways")
        constraints = [
            # One running pathway per case; ended ones stay as history.
            models.UniqueConstraint(
                fields=["case"], condition=Q(ended_at__isnull=True), name="employment_one_running_pathway"
            ),
        ]
        indexes = [models.Index(fields=["stage"], name="employment_pathway_stage")]

    def __str__(self) -> str:
        return f"employment pathway {self.pk} of case {self.case_id}"


class Placement(models.Model):
    """A job found: employer, contract type and start date are required."""

    pathway = models.ForeignKey(EmploymentPathway, on_delete=models.PROTECT, related_name="placements")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    opportunity = models.ForeignKey(Opportunity, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    employer = models.CharField(_("employer"), max_length=150)
    contract_type = models.CharField(_("contract type"), max_length=20, choices=ContractType.choices)
    starts_on = models.DateField(_("start date"))
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        constraints = [models.CheckConstraint(condition=~Q(employer=""), name="placement_has_employer")]

    def __str__(self) -> str:
        return f"{self.employer} ({self.starts_on})"


class FollowUp(models.Model):
    """The check at 3 and 6 months after the placement: is the person still employed?"""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="follow_ups")
    months = models.PositiveSmallIntegerField(_("months after the placement"), choices=[(3, "3"), (6, "6")])
    checked_on = models.DateField(_("checked on"))
    still_employed = models.BooleanField(_("still employed"))
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["months"]
        constraints = [models.UniqueConstraint(fields=["placement", "months"], name="follow_up_once")]

    def __str__(self) -> str:
        return f"{self.placement_id} at {self.months} months"
