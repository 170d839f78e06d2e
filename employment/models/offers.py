"""The offer of the territory: job opportunities and training courses (no personal data), and the enrolments
of people in courses."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.models import Case
from employment.models.catalogue import (
    DAY_BITS,
    WEEKDAYS_MASK,
    CefrLevel,
    Language,
    Mobility,
    Shift,
    Skill,
    day_labels,
)
from partners.models import Organisation


class ContractType(models.TextChoices):
    PERMANENT = "permanent", _("Permanent (tempo indeterminato)")
    FIXED_TERM = "fixed_term", _("Fixed term (tempo determinato)")
    APPRENTICESHIP = "apprenticeship", _("Apprenticeship")
    AGENCY = "agency", _("Temporary agency work (somministrazione)")
    ON_CALL = "on_call", _("On call / occasional")
    SELF_EMPLOYED = "self_employed", _("Self-employed")


class Opportunity(models.Model):
    """A job opportunity of the territory, published by an organisation of the network (the job centre, a
    placement cooperative). Requirements are skills (licences included) and languages at a CEFR level."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("published by")
    )
    employer = models.CharField(_("employer"), max_length=150)
    role = models.CharField(_("role"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    city = models.CharField(_("location"), max_length=100)
    area = models.PositiveSmallIntegerField(_("reachable from"), choices=Mobility.choices, default=Mobility.LOCAL)
    weekly_hours = models.PositiveSmallIntegerField(
        _("hours per week"), validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    days = models.PositiveSmallIntegerField(
        _("working days"), default=WEEKDAYS_MASK, validators=[MinValueValidator(1), MaxValueValidator(127)]
    )
    shift = models.CharField(_("shift"), max_length=10, choices=Shift.choices, default=Shift.DAY)
    contract_type = models.CharField(_("contract type"), max_length=20, choices=ContractType.choices)
    closing_on = models.DateField(_("closing date"), db_index=True)
    required_skills = models.ManyToManyField(
        Skill, through="OpportunitySkill", related_name="+", blank=True, verbose_name=_("required skills")
    )
    # Skills + languages required: kept by `employment.services` so that a rank needs no count of them.
    requirement_count = models.PositiveSmallIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["closing_on", "id"]
        verbose_name = _("job opportunity")
        verbose_name_plural = _("job opportunities")

    def __str__(self) -> str:
        return f"{self.role} · {self.employer}"

    @property
    def is_open(self) -> bool:
        return self.closing_on >= timezone.localdate()

    @property
    def day_names(self) -> list[str]:
        return [str(label) for key, label in day_labels() if self.days & DAY_BITS[key]]


class OpportunitySkill(models.Model):
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="skill_requirements")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["opportunity", "skill"], name="opportunity_skill_once")]
        indexes = [models.Index(fields=["skill", "opportunity"], name="opportunity_skill_by_skill")]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.skill_id}"


class OpportunityLanguage(models.Model):
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="language_requirements")
    language = models.CharField(_("language"), max_length=5, choices=Language.choices)
    min_level = models.PositiveSmallIntegerField(_("minimum CEFR level"), choices=CefrLevel.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["opportunity", "language"], name="opportunity_language_once")]

    def __str__(self) -> str:
        return f"{self.language} ≥ {self.get_min_level_display()}"


class Course(models.Model):
    """A training course of a provider of the network, with a number of seats."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("provider")
    )
    title = models.CharField(_("title"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    location = models.CharField(_("location"), max_length=150, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    seats = models.PositiveSmallIntegerField(_("seats"), validators=[MinValueValidator(1), MaxValueValidator(500)])
    required_skills = models.ManyToManyField(Skill, related_name="+", blank=True, verbose_name=_("requirements"))
    min_italian_level = models.PositiveSmallIntegerField(
        _("minimum level of Italian"), choices=CefrLevel.choices, null=True, blank=True
    )
    teaches = models.ForeignKey(
        Skill,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("qualification obtained"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_on", "id"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="course_ends_after_start")
        ]

    def __str__(self) -> str:
        return self.title


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", pgettext_lazy("enrolment status", "Enrolled")
    COMPLETED = "completed", pgettext_lazy("enrolment status", "Completed")
    WITHDRAWN = "withdrawn", pgettext_lazy("enrolment status", "Withdrawn")


# Enrolments that hold a seat.
SEAT_STATUSES = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)


class Enrolment(models.Model):
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="enrolments")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    pathway = models.ForeignKey(
        "EmploymentPathway", on_delete=models.SET_NULL, null=True, blank=True, related_name="enrolments"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ENROLLED
    )
    enrolled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    enrolled_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-enrolled_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["course", "case"], name="enrolment_once_per_course")]
        indexes = [models.Index(fields=["course", "status"], name="enrolment_seats")]

    def __str__(self) -> str:
        return f"{self.case_id} in {self.course_id}"
