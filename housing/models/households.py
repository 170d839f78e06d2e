"""The housing section of a case, the eligibility rules and priority weights kept as data, and the
applications to the waitlists."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.models import Case
from housing.models.places import ResourceKind
from partners.models import Organisation


class Situation(models.TextChoices):
    HOMELESS = "homeless", _("Homeless (senza dimora)")
    EVICTION = "eviction", _("Eviction notice (sfratto)")
    VIOLENCE = "violence", _("Needs a domestic-violence shelter")
    UNFIT = "unfit", _("Unfit housing")
    OVERCROWDING = "overcrowding", _("Overcrowding")
    PRECARIOUS = "precarious", _("Precarious (guest of friends or relatives)")
    HOUSED = "housed", _("Adequately housed")


class HousingProfile(models.Model):
    """The housing section of a case: where the household lives now and what the eligibility rules read."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="housing_profile")
    situation = models.CharField(_("current situation"), max_length=20, choices=Situation.choices)
    eviction_date = models.DateField(_("eviction date"), null=True, blank=True)
    household_size = models.PositiveSmallIntegerField(_("household size"), default=1)
    minors = models.PositiveSmallIntegerField(_("minors in the household"), default=0)
    disabled_members = models.PositiveSmallIntegerField(_("members with a disability"), default=0)
    isee = models.DecimalField(_("ISEE (€)"), max_digits=10, decimal_places=2, null=True, blank=True)
    isee_erp = models.DecimalField(_("ISEE-ERP (€)"), max_digits=10, decimal_places=2, null=True, blank=True)
    income = models.DecimalField(_("yearly income (€)"), max_digits=10, decimal_places=2, null=True, blank=True)
    years_in_region = models.PositiveSmallIntegerField(_("years of residence in Lombardy"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    assessed_on = models.DateField(_("assessed on"), default=timezone.localdate)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("housing section")
        verbose_name_plural = _("housing sections")
        constraints = [
            models.CheckConstraint(condition=Q(isee__isnull=True) | Q(isee__gte=0), name="housing_isee_not_negative"),
            models.CheckConstraint(
                condition=Q(isee_erp__isnull=True) | Q(isee_erp__gte=0), name="housing_isee_erp_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(income__isnull=True) | Q(income__gte=0), name="housing_income_not_negative"
            ),
            models.CheckConstraint(condition=Q(household_size__gte=1), name="housing_household_size_positive"),
            models.CheckConstraint(condition=Q(minors__lt=F("household_size")), name="housing_minors_in_household"),
            models.CheckConstraint(
                condition=Q(disabled_members__lte=F("household_size")), name="housing_disabled_in_household"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.get_situation_display()}"


class RuleField(models.TextChoices):
    """The values of the housing section an eligibility rule may read."""

    ISEE = "isee", _("ISEE (€)")
    ISEE_ERP = "isee_erp", _("ISEE-ERP (€)")
    INCOME = "income", _("yearly income (€)")
    YEARS_IN_REGION = "years_in_region", _("years of residence in Lombardy")
    HOUSEHOLD_SIZE = "household_size", _("household size")


class Comparison(models.TextChoices):
    LTE = "lte", "≤"
    LT = "lt", "<"
    GTE = "gte", "≥"
    GT = "gt", ">"


class EligibilityRule(models.Model):
    """One requirement for a resource type: `field comparison threshold` (e.g. ISEE ≤ 16,000 € for SAP).

    Kept as data so that the coordinator changes a threshold when the Region does, without a release;
    `message` is what the page shows when a household does not meet it, `source` where the rule comes from."""

    kind = models.CharField(_("resource type"), max_length=20, choices=ResourceKind.choices)
    field = models.CharField(_("value"), max_length=30, choices=RuleField.choices)
    comparison = models.CharField(_("comparison"), max_length=5, choices=Comparison.choices)
    threshold = models.DecimalField(_("threshold"), max_digits=12, decimal_places=2)
    message = models.CharField(_("message when not met"), max_length=300)
    source = models.CharField(_("source"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "field", "pk"]
        verbose_name = _("eligibility rule")
        verbose_name_plural = _("eligibility rules")
        constraints = [models.CheckConstraint(condition=Q(threshold__gte=0), name="housing_rule_threshold")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.field} {self.get_comparison_display()} {self.threshold}"


class PriorityWeights(models.Model):
    """A version of the priority weights, valid from `effective_from` until the next version.

    Never edited in place: a change is a new version (audited), so the ranking of any past date is computed
    again with the weights that were valid on it."""

    effective_from = models.DateField(_("valid from"), unique=True)
    homeless = models.PositiveSmallIntegerField(_("homeless"), default=30)
    eviction = models.PositiveSmallIntegerField(_("eviction notice"), default=20)
    violence = models.PositiveSmallIntegerField(_("domestic violence"), default=30)
    unfit = models.PositiveSmallIntegerField(_("unfit housing"), default=10)
    overcrowding = models.PositiveSmallIntegerField(_("overcrowding"), default=8)
    precarious = models.PositiveSmallIntegerField(_("precarious housing"), default=6)
    per_minor = models.PositiveSmallIntegerField(_("per minor"), default=5)
    minors_cap = models.PositiveSmallIntegerField(_("most minors counted"), default=4)
    disability = models.PositiveSmallIntegerField(_("disability in the household"), default=10)
    eviction_near = models.PositiveSmallIntegerField(_("eviction within the window"), default=15)
    eviction_window_days = models.PositiveSmallIntegerField(_("eviction window (days)"), default=90)
    per_month_waiting = models.PositiveSmallIntegerField(_("per month of waiting"), default=1)
    waiting_cap_months = models.PositiveSmallIntegerField(_("most months of waiting counted"), default=24)
    note = models.CharField(_("why this version"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("priority weights")
        verbose_name_plural = _("priority weights")

    def __str__(self) -> str:
        return f"{self.effective_from}"


class ApplicationStatus(models.TextChoices):
    WAITING = "waiting", pgettext_lazy("application status", "Waiting")
    PLACED = "placed", pgettext_lazy("application status", "Placed")
    WITHDRAWN = "withdrawn", pgettext_lazy("application status", "Withdrawn")


class Application(models.Model):
    """A household on the waitlist of a resource type.

    The criteria the priority reads are copied from the housing section when the application is made (and
    updated with it while it waits), so the ranking is one scan of this table and a past date is reproducible:
    an application counts on day D when it was made by D and not closed before D."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="housing_applications")
    kind = models.CharField(_("resource type"), max_length=20, choices=ResourceKind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.WAITING
    )
    applied_on = models.DateField(_("applied on"), default=timezone.localdate)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    situation = models.CharField(_("situation"), max_length=20, choices=Situation.choices)
    minors = models.PositiveSmallIntegerField(_("minors"), default=0)
    disabled_members = models.PositiveSmallIntegerField(_("members with a disability"), default=0)
    eviction_date = models.DateField(_("eviction date"), null=True, blank=True)
    # Day numbers (`date.toordinal()`) of `applied_on` and `eviction_date`: the priority's integer arithmetic.
    applied_day = models.PositiveIntegerField(editable=False, default=0)
    eviction_day = models.PositiveIntegerField(editable=False, null=True, blank=True)
    protocol_number = models.CharField(_("protocol number"), max_length=40, blank=True)
    official_rank = models.PositiveIntegerField(_("position in the official ranking"), null=True, blank=True)
    eligibility_override = models.BooleanField(_("accepted although not eligible"), default=False)
    override_reason = models.TextField(_("reason for the override"), blank=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["applied_on", "pk"]
        verbose_name = _("housing application")
        verbose_name_plural = _("housing applications")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"], condition=Q(status="waiting"), name="housing_one_waiting_application_per_kind"
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("applied_on")),
                name="housing_application_closed_after_applied",
            ),
        ]
        indexes = [models.Index(fields=["kind", "status", "applied_on"], name="housing_app_waitlist")]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        self.set_day_numbers()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "applied_day", "eviction_day"}
        super().save(*args, **kwargs)

    def set_day_numbers(self) -> None:
        self.applied_day = self.applied_on.toordinal()
        self.eviction_day = self.eviction_date.toordinal() if self.eviction_date else None
