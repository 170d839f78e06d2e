"""What is written on a case: assessments, the plan (goals, actions), notes, documents and services delivered."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.cases import Case
from cases.models.households import Household
from partners.models import Organisation, ServiceType


class Domain(models.TextChoices):
    HOUSING = "housing", _("Housing")
    WORK = "work", _("Work")
    INCOME = "income", _("Income")
    FOOD = "food", _("Food")
    HEALTH = "health", _("Health")
    FAMILY = "family", _("Family")
    DEBTS = "debts", _("Debts")
    LEGAL = "legal", _("Legal")
    LANGUAGE = "language", _("Language")


class Severity(models.IntegerChoices):
    NONE = 0, _("No need")
    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")
    CRITICAL = 4, _("Critical")


class Assessment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    domain = models.CharField(_("domain"), max_length=20, choices=Domain.choices)
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices)
    notes = models.TextField(_("notes"), blank=True)
    assessed_on = models.DateField(_("assessed on"), default=timezone.localdate)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain", "-assessed_on", "-id"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")

    def __str__(self) -> str:
        return f"{self.domain}: {self.severity}"


class ItemStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class Plan(models.Model):
    """Progetto individualizzato / patto: agreed with the person, reviewed periodically."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="plan")
    agreed_on = models.DateField(_("agreed on"), null=True, blank=True)
    next_review_on = models.DateField(_("next review"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"plan {self.case_id}"


class Goal(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    domain = models.CharField(_("domain"), max_length=20, choices=Domain.choices)
    description = models.CharField(_("goal"), max_length=300)
    status = models.CharField(_("status"), max_length=20, choices=ItemStatus.choices, default=ItemStatus.PLANNED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description


class Action(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(_("action"), max_length=300)
    owner_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner organisation")
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ItemStatus.choices, default=ItemStatus.PLANNED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.description


class Note(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("text"))
    is_sensitive = models.BooleanField(
        _("sensitive"), default=False, help_text=_("Health, justice... visible only to your organisation.")
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        indexes = [models.Index(fields=["case", "-created_at"])]

    def __str__(self) -> str:
        return f"note {self.pk} on {self.case_id}"


class DocumentKind(models.TextChoices):
    IDENTITY = "identity", _("Identity document")
    ISEE = "isee", _("ISEE certificate")
    CONSENT = "consent", _("Signed consent")
    INCOME = "income", _("Income / payslip")
    HOUSING = "housing", _("Housing (lease, eviction notice)")
    HEALTH = "health", _("Health certificate")
    OTHER = "other", _("Other")


def document_path(instance: Document, filename: str) -> str:
    # The stored name never reuses the uploaded one: no path tricks, no guessable names.
    return f"cases/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class Document(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    title = models.CharField(_("title"), max_length=160)
    file = models.FileField(upload_to=document_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    is_sensitive = models.BooleanField(_("sensitive"), default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.title


class InterventionKind(models.TextChoices):
    FOOD_PARCEL = "food_parcel", _("Food parcel")
    MEAL = "meal", _("Meal")
    VOUCHER = "voucher", _("Voucher")
    SUBSIDY = "subsidy", _("Financial subsidy")
    BILL_PAYMENT = "bill_payment", _("Bill payment")
    RENT_SUPPORT = "rent_support", _("Rent support")
    CLOTHING = "clothing", _("Clothing")
    MEDICINES = "medicines", _("Medicines")
    COUNSELLING = "counselling", _("Counselling / listening")
    LEGAL_ADVICE = "legal_advice", _("Legal advice")
    SHELTER_NIGHT = "shelter_night", _("Shelter night")
    OTHER = "other", _("Other")


class Intervention(models.Model):
    """The services ledger: what was delivered to whom, by which organisation, when, worth how much."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="interventions")
    household = models.ForeignKey(Household, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=InterventionKind.choices)
    service_type = models.ForeignKey(
        ServiceType, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("service")
    )
    delivered_on = models.DateField(_("delivered on"), default=timezone.localdate)
    quantity = models.PositiveIntegerField(_("quantity"), default=1, validators=[MinValueValidator(1)])
    value = models.DecimalField(
        _("value (€)"), max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Who received it, for the duplicate-aid signals: the delivery's household, else the case's, else minus the
    # person's id (a person without a household is a household of one; the sign keeps the two apart). Kept by
    # `recipient_key_of` on save and by `cases.services.case_file.rekey_deliveries` when a case's household or
    # person changes.
    recipient_key = models.BigIntegerField(editable=False, default=0)

    class Meta:
        ordering = ["-delivered_on", "-id"]
        verbose_name = _("intervention")
        verbose_name_plural = _("interventions")
        constraints = [
            models.CheckConstraint(condition=Q(value__isnull=True) | Q(value__gte=0), name="intervention_value_gte_0"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="intervention_quantity_gte_1"),
        ]
        indexes = [
            models.Index(fields=["household", "kind", "delivered_on"]),
            # The duplicate-aid signals read the ledger in this order, with no sort (PostgreSQL: index-only).
            models.Index(
                fields=["kind", "recipient_key", "organisation"],
                include=["delivered_on", "quantity"],
                name="intervention_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.delivered_on}"

    def save(self, *args, **kwargs):
        if not self.recipient_key:
            self.recipient_key = recipient_key_of(household_id=self.household_id, case=self.case)
        super().save(*args, **kwargs)


def recipient_key_of(*, household_id: int | None, case: Case) -> int:
    """The recipient of a delivery: its household, else the case's household, else minus the case's person."""
    return household_id or case.household_id or -case.person_id
