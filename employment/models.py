"""Active labour policy: the employability profile of a case, courses, internships, job opportunities, the
pathway (with its referral, placement and follow-ups).

Everything personal hangs off a `Case`: who may read or change it is decided by `cases.permissions`, never
by a rule of this app. Opportunities and courses are public offers of the territory (no personal data).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.models import Case
from partners.models import Organisation
from workflows.models import CaseProcess, Handoff


class SkillKind(models.TextChoices):
    SKILL = "skill", _("Skill")
    QUALIFICATION = "qualification", _("Qualification or certificate")
    LICENCE = "licence", _("Licence")


class Skill(models.Model):
    """An entry of the skills catalogue (ESCO-inspired codes; labels in Italian, as the territory uses them)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    label = models.CharField(_("label"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=SkillKind.choices, default=SkillKind.SKILL)

    class Meta:
        ordering = ["kind", "label"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")

    def __str__(self) -> str:
        return self.label


class Language(models.TextChoices):
    ITALIAN = "it", _("Italian")
    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")
    SPANISH = "es", _("Spanish")
    ARABIC = "ar", _("Arabic")
    ROMANIAN = "ro", _("Romanian")
    UKRAINIAN = "uk", _("Ukrainian")
    RUSSIAN = "ru", _("Russian")
    CHINESE = "zh", _("Chinese")
    ALBANIAN = "sq", _("Albanian")
    TIGRINYA = "ti", _("Tigrinya")
    WOLOF = "wo", _("Wolof")
    PORTUGUESE = "pt", _("Portuguese")
    GERMAN = "de", _("German")
    URDU = "ur", _("Urdu")
    BENGALI = "bn", _("Bengali")
    TAGALOG = "tl", _("Tagalog")


class CefrLevel(models.IntegerChoices):
    """CEFR levels as integers, so that "at least B1" is `level >= 3` in SQL."""

    A1 = 1, "A1"
    A2 = 2, "A2"
    B1 = 3, "B1"
    B2 = 4, "B2"
    C1 = 5, "C1"
    C2 = 6, "C2"


class EducationLevel(models.TextChoices):
    NONE = "none", _("No formal education")
    PRIMARY = "primary", _("Primary school")
    LOWER_SECONDARY = "lower_secondary", _("Lower secondary (licenza media)")
    VOCATIONAL = "vocational", _("Vocational qualification (IeFP)")
    UPPER_SECONDARY = "upper_secondary", _("Upper secondary diploma")
    BACHELOR = "bachelor", _("Bachelor's degree")
    MASTER = "master", _("Master's degree or higher")
    FOREIGN_UNRECOGNISED = "foreign", _("Foreign title not recognised")


class Mobility(models.IntegerChoices):
    """How far the person can get to work; an opportunity's area uses the same scale (comparable in SQL)."""

    LOCAL = 1, _("Cinisello Balsamo and neighbouring towns")
    METRO = 2, _("Milan and the metropolitan area by public transport")
    WIDE = 3, _("Anywhere reachable with their own vehicle")


class Shift(models.TextChoices):
    DAY = "day", _("Daytime")
    EVENING = "evening", _("Evening")
    NIGHT = "night", _("Night")


class DidStatus(models.TextChoices):
    """The DID (dichiarazione di immediata disponibilità) at the job centre."""

    NONE = "none", _("Not made")
    ACTIVE = "active", _("Made and valid")
    LAPSED = "lapsed", _("Lapsed")


# Working days as a bit mask, so "the person is free every day the job asks" is one bitwise AND in SQL.
DAY_BITS = {"mon": 1, "tue": 2, "wed": 4, "thu": 8, "fri": 16, "sat": 32, "sun": 64}
WEEKDAYS_MASK = 1 | 2 | 4 | 8 | 16
ALL_DAYS_MASK = 127


def day_labels() -> list[tuple[str, object]]:
    return [("mon", _("Mon")), ("tue", _("Tue")), ("wed", _("Wed")), ("thu", _("Thu")), ("fri", _("Fri")),
            ("sat", _("Sat")), ("sun", _("Sun"))]


class EmployabilityProfile(models.Model):
    """The employability section of a case. Constraints are stated without special-category detail: whether
    childcare limits the hours, how far the person can travel — never why (no health data)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="employability_profile",
                                verbose_name=_("case"))
    education_level = models.CharField(_("education"), max_length=20, choices=EducationLevel.choices,
                                       default=EducationLevel.LOWER_SECONDARY)
    qualifications = models.TextField(_("titles and qualifications"), blank=True)
    work_history = models.TextField(_("work history"), blank=True)
    skills = models.ManyToManyField(Skill, through="ProfileSkill", related_name="+", blank=True,
                                    verbose_name=_("skills, qualifications and licences"))
    max_weekly_hours = models.PositiveSmallIntegerField(
        _("hours available per week"), default=40, validators=[MinValueValidator(1), MaxValueValidator(60)])
    available_days = models.PositiveSmallIntegerField(
        _("days available"), default=WEEKDAYS_MASK, validators=[MinValueValidator(1), MaxValueValidator(127)])
    childcare_constraint = models.BooleanField(
        _("childcare limits work to daytime"), default=False)
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
            models.CheckConstraint(condition=Q(did_status="none") | Q(did_date__isnull=False),
                                   name="employability_did_has_date"),
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

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("published by"))
    employer = models.CharField(_("employer"), max_length=150)
    role = models.CharField(_("role"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    city = models.CharField(_("location"), max_length=100)
    area = models.PositiveSmallIntegerField(_("reachable from"), choices=Mobility.choices, default=Mobility.LOCAL)
    weekly_hours = models.PositiveSmallIntegerField(_("hours per week"),
                                                    validators=[MinValueValidator(1), MaxValueValidator(60)])
    days = models.PositiveSmallIntegerField(_("working days"), default=WEEKDAYS_MASK,
                                            validators=[MinValueValidator(1), MaxValueValidator(127)])
    shift = models.CharField(_("shift"), max_length=10, choices=Shift.choices, default=Shift.DAY)
    contract_type = models.CharField(_("contract type"), max_length=20, choices=ContractType.choices)
    closing_on = models.DateField(_("closing date"), db_index=True)
    required_skills = models.ManyToManyField(Skill, through="OpportunitySkill", related_name="+", blank=True,
                                             verbose_name=_("required skills"))
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

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("provider"))
    title = models.CharField(_("title"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    location = models.CharField(_("location"), max_length=150, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    seats = models.PositiveSmallIntegerField(_("seats"), validators=[MinValueValidator(1), MaxValueValidator(500)])
    required_skills = models.ManyToManyField(Skill, related_name="+", blank=True, verbose_name=_("requirements"))
    min_italian_level = models.PositiveSmallIntegerField(_("minimum level of Italian"), choices=CefrLevel.choices,
                                                         null=True, blank=True)
    teaches = models.ForeignKey(Skill, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("qualification obtained"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_on", "id"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")),
                                              name="course_ends_after_start")]

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
    pathway = models.ForeignKey("EmploymentPathway", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="enrolments")
    status = models.CharField(_("status"), max_length=20, choices=EnrolmentStatus.choices,
                              default=EnrolmentStatus.ENROLLED)
    enrolled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    enrolled_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-enrolled_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["course", "case"], name="enrolment_once_per_course")]
        indexes = [models.Index(fields=["course", "status"], name="enrolment_seats")]

    def __str__(self) -> str:
        return f"{self.case_id} in {self.course_id}"


class InternshipStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("internship status", "Planned")
    IN_PROGRESS = "in_progress", pgettext_lazy("internship status", "In progress")
    COMPLETED = "completed", pgettext_lazy("internship status", "Completed")
    INTERRUPTED = "interrupted", pgettext_lazy("internship status", "Interrupted")


class Internship(models.Model):
    """A tirocinio di inclusione: promoted by an organisation of the network, hosted by an employer."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    pathway = models.ForeignKey("EmploymentPathway", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="internships")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("promoter"))
    host_employer = models.CharField(_("host employer"), max_length=150)
    tutor = models.CharField(_("tutor"), max_length=150)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    weekly_hours = models.PositiveSmallIntegerField(_("hours per week"),
                                                    validators=[MinValueValidator(1), MaxValueValidator(40)])
    monthly_allowance = models.DecimalField(_("monthly allowance (€)"), max_digits=7, decimal_places=2,
                                            validators=[MinValueValidator(0)])
    status = models.CharField(_("status"), max_length=20, choices=InternshipStatus.choices,
                              default=InternshipStatus.PLANNED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ends_on", "id"]
        verbose_name = _("internship")
        verbose_name_plural = _("internships")
        constraints = [models.CheckConstraint(condition=Q(ends_on__gt=models.F("starts_on")),
                                              name="internship_ends_after_start")]
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
    process = models.OneToOneField(CaseProcess, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="employment_pathway", editable=False)
    lead_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    provider_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True,
                                              related_name="+", verbose_name=_("employment service"))
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
            models.UniqueConstraint(fields=["case"], condition=Q(ended_at__isnull=True),
                                    name="employment_one_running_pathway"),
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
