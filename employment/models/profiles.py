"""The employability profile of a case, with its skills and languages."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from employment.models.catalogue import (
    DAY_BITS,
    WEEKDAYS_MASK,
    CefrLevel,
    DidStatus,
    EducationLevel,
    Language,
    Mobility,
    Skill,
    day_labels,
)


class EmployabilityProfile(models.Model):
    """The employability section of a case. Constraints are stated without special-category detail: whether
    childcare limits the hours, how far the person can travel — never why (no health data)."""

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, related_name="employability_profile", verbose_name=_("case")
    )
    education_level = models.CharField(
        _("education"), max_length=20, choices=EducationLevel.choices, default=EducationLevel.LOWER_SECONDARY
    )
    qualifications = models.TextField(_("titles and qualifications"), blank=True)
    work_history = models.TextField(_("work history"), blank=True)
    skills = models.ManyToManyField(
        Skill,
        through="ProfileSkill",
        related_name="+",
        blank=True,
        verbose_name=_("skills, qualifications and licences"),
    )
    max_weekly_hours = models.PositiveSmallIntegerField(
        _("hours available per week"), default=40, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    available_days = models.PositiveSmallIntegerField(
        _("days available"), default=WEEKDAYS_MASK, validators=[MinValueValidator(1), MaxValueValidator(127)]
    )
    childcare_constraint = models.BooleanField(_("childcare limits work to daytime"), default=False)
    mobility = models.PositiveSmallIntegerField(_("mobility"), choices=Mobility.choices, default=Mobility.METRO)
    did_status = models.CharField(_("DID status"), max_length=10, choices=DidStatus.choices, default=DidStatus.NONE)
    did_date = models.DateField(_("DID date"), null=True, blank=True)
    receives_adi = models.BooleanField(_("receives ADI (Assegno di inclusione)"), default=False)
    receives_sfl = models.BooleanField(_("receives SFL (Supporto formazione e lavoro)"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("employability profile")
        verbose_name_plural = _("employability profiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(did_status="none") | Q(did_date__isnull=False), name="employability_did_has_date"
            ),
        ]

    def __str__(self) -> str:
        return f"profile of case {self.case_id}"

    @property
    def day_names(self) -> list[str]:
        return [str(label) for key, label in day_labels() if self.available_days & DAY_BITS[key]]


class ProfileSkill(models.Model):
    profile = models.ForeignKey(EmployabilityProfile, on_delete=models.CASCADE, related_name="profile_skills")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["profile", "skill"], name="profile_skill_once")]
        # The matching probes "who has skill S" (candidates) and "what has profile P" (the explanation).
        indexes = [models.Index(fields=["skill", "profile"], name="profile_skill_by_skill")]

    def __str__(self) -> str:
        return f"{self.profile_id}: {self.skill_id}"


class ProfileLanguage(models.Model):
    profile = models.ForeignKey(EmployabilityProfile, on_delete=models.CASCADE, related_name="languages")
    language = models.CharField(_("language"), max_length=5, choices=Language.choices)
    level = models.PositiveSmallIntegerField(_("CEFR level"), choices=CefrLevel.choices)

    class Meta:
        ordering = ["-level", "language"]
        constraints = [models.UniqueConstraint(fields=["profile", "language"], name="profile_language_once")]
        indexes = [models.Index(fields=["language", "level"], name="profile_language_level")]

    def __str__(self) -> str:
        return f"{self.language} {self.get_level_display()}"
