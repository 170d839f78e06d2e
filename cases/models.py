"""Person registry and case file."""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from partners.models import Organisation, ServiceType, ShareSection


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")
    OTHER = "X", _("Other / not stated")


class IdentifierKind(models.TextChoices):
    IDENTITY_CARD = "identity_card", _("Identity card")
    PASSPORT = "passport", _("Passport")
    RESIDENCE_PERMIT = "residence_permit", _("Residence permit")
    STP = "stp", _("STP code (temporarily present foreigner)")
    ENI = "eni", _("ENI code (EU citizen not registered)")
    OTHER = "other", _("Other document")


class PersonQuerySet(models.QuerySet):
    def not_merged(self):
        return self.filter(merged_into__isnull=True)


class Person(models.Model):
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    # Normalised (lower case, no accents, no spaces) copies used by search and duplicate detection.
    first_name_key = models.CharField(max_length=100, editable=False, db_index=True)
    last_name_key = models.CharField(max_length=100, editable=False, db_index=True)
    codice_fiscale = models.CharField(_("codice fiscale"), max_length=16, null=True, blank=True, unique=True)
    other_id_kind = models.CharField(_("other identifier"), max_length=20, choices=IdentifierKind.choices, blank=True)
    other_id_number = models.CharField(_("identifier number"), max_length=40, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True, db_index=True)
    birth_place = models.CharField(_("birth place"), max_length=100, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    citizenship = models.CharField(_("citizenship"), max_length=60, blank=True)
    languages = models.CharField(_("languages spoken"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_homeless = models.BooleanField(_("homeless (senza dimora)"), default=False)
    address = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    registered_by = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("registered by")
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_from",
        verbose_name=_("merged into"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["last_name_key", "first_name_key", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.CheckConstraint(
                condition=Q(codice_fiscale__isnull=True) | ~Q(codice_fiscale=""), name="person_cf_null_not_blank"
            ),
        ]
        indexes = [models.Index(fields=["last_name_key", "first_name_key"])]

    def __str__(self) -> str:
        return f"{self.last_name} {self.first_name}"

    def save(self, *args, **kwargs):
        from cases.text import name_key

        self.first_name_key = name_key(self.first_name)
        self.last_name_key = name_key(self.last_name)
        if self.codice_fiscale == "":
            self.codice_fiscale = None
        if "update_fields" in kwargs and kwargs["update_fields"] is not None:
            kwargs["update_fields"] = set(kwargs["update_fields"]) | {"first_name_key", "last_name_key"}
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class PersonMerge(models.Model):
    """The record of one merge: who merged which person into which, and a full snapshot of the merged one."""

    kept = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_kept")
    merged = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_absorbed")
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    snapshot = models.JSONField(_("snapshot of the merged person"))
    moved = models.JSONField(_("records moved"), default=dict)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.merged_id} -> {self.kept_id}"


class Household(models.Model):
    """Nucleo familiare."""

    name = models.CharField(_("name"), max_length=120, help_text=_("e.g. the reference person's surname"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    isee_value = models.DecimalField(
        _("ISEE value (€)"), max_digits=10, decimal_places=2, null=True, blank=True,
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


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


class ClosureOutcome(models.TextChoices):
    GOALS_REACHED = "goals_reached", _("Goals reached")
    PARTIALLY_REACHED = "partially_reached", _("Goals partially reached")
    TRANSFERRED_OUT = "transferred_out", _("Taken over by another service")
    MOVED_AWAY = "moved_away", _("Moved away")
    WITHDREW = "withdrew", _("Person withdrew")
    UNREACHABLE = "unreachable", _("Person unreachable")
    DECEASED = "deceased", _("Deceased")
    OTHER = "other", _("Other")


class Case(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases", verbose_name=_("person"))
    household = models.ForeignKey(
        Household, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases", verbose_name=_("household")
    )
    lead_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="led_cases", verbose_name=_("lead organisation")
    )
    case_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="managed_cases",
        verbose_name=_("case manager"),
    )
    title = models.CharField(_("title"), max_length=160, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    opened_on = models.DateField(_("opened on"), default=timezone.localdate)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closure_outcome = models.CharField(_("outcome"), max_length=30, choices=ClosureOutcome.choices, blank=True)
    closure_note = models.TextField(_("closure note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_on", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | (Q(closed_on__isnull=False) & ~Q(closure_outcome="")),
                name="closed_case_has_date_and_outcome",
            ),
        ]
        indexes = [
            models.Index(fields=["lead_organisation", "status"]),
            models.Index(fields=["status", "-opened_on"]),
            # Lists are recent first: PostgreSQL walks this index and probes the grants (bench/caselist.py).
            models.Index(fields=["-opened_on", "-id"], name="case_recent_first"),
        ]

    def __str__(self) -> str:
        return self.code


class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        # guardian's unique (user, permission, content_object) leads with the user: the list queries
        # filter by case and group/user, so they get their own index.
        indexes = [models.Index(fields=["content_object", "user"])]


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["content_object", "group"]), models.Index(fields=["group", "permission"])]


class PersonAccess(models.Model):
    """This organisation's group may see this person: it registered them, or it holds `view_case` on one
    of their cases. A derived table, written only by `cases.permissions` (grant, revoke,
    `person_access_sync`): person lists probe it as one semi-join instead of an OR over the case grants
    (bench/caselist.py)."""

    # Both columns are covered by the two composite indexes below, so no single-column ones.
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+", db_index=False)
    group = models.ForeignKey("auth.Group", on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        constraints = [
            # Also the index of a group's people: a small organisation's list starts from it.
            models.UniqueConstraint(fields=["group", "person"], name="person_access_once"),
        ]
        # The probe of a list that walks people in name order: this person, one of my groups.
        indexes = [models.Index(fields=["person", "group"], name="person_access_by_person")]

    def __str__(self) -> str:
        return f"{self.group_id} sees {self.person_id}"


class CaseShare(models.Model):
    """What an organisation that is not the lead may see of a case it was given (a referral's data scope),
    and until when. Written only by `cases.permissions`; an organisation with a grant and no share row
    (the lead) sees what its roles allow.

    After the case closes a share becomes `own_records_only`: the organisation keeps reading what it wrote
    itself (its notes, documents and services), and nothing else, until `until`.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="shares")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    sections = models.JSONField(default=list, blank=True)
    own_records_only = models.BooleanField(default=False)
    until = models.DateField(null=True, blank=True)
    # Derived from the two fields above on save, so person lists can test it in SQL on any database.
    shows_file = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "organisation"], name="case_share_once")]
        indexes = [models.Index(fields=["until"], name="case_share_until")]

    def __str__(self) -> str:
        return f"{self.organisation_id} on {self.case_id}: {', '.join(self.sections)}"

    def save(self, *args, **kwargs):
        self.shows_file = ShareSection.FILE in self.sections and not self.own_records_only
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "shows_file"}
        super().save(*args, **kwargs)


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
            models.Index(fields=["kind", "recipient_key", "organisation"], include=["delivered_on", "quantity"],
                         name="intervention_recipient"),
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


class EventKind(models.TextChoices):
    CASE_OPENED = "case_opened", _("Case opened")
    CASE_UPDATED = "case_updated", _("Case updated")
    STATUS_CHANGED = "status_changed", _("Status changed")
    CASE_CLOSED = "case_closed", _("Case closed")
    PERSON_UPDATED = "person_updated", _("Personal data updated")
    PERSON_MERGED = "person_merged", _("Duplicate person merged")
    HOUSEHOLD_UPDATED = "household_updated", _("Household updated")
    CONSENT_RECORDED = "consent_recorded", _("Consent recorded")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent withdrawn")
    ASSESSMENT_RECORDED = "assessment_recorded", _("Assessment recorded")
    PLAN_UPDATED = "plan_updated", _("Plan updated")
    NOTE_ADDED = "note_added", _("Note added")
    DOCUMENT_UPLOADED = "document_uploaded", _("Document uploaded")
    INTERVENTION_RECORDED = "intervention_recorded", _("Service delivered")
    ACCESS_GRANTED = "access_granted", _("Access granted")
    ACCESS_REVOKED = "access_revoked", _("Access revoked")
    HANDOFF_SENT = "handoff_sent", _("Handoff sent")
    HANDOFF_ACCEPTED = "handoff_accepted", _("Handoff accepted")
    HANDOFF_DECLINED = "handoff_declined", _("Handoff declined")
    HANDOFF_REVOKED = "handoff_revoked", _("Handoff revoked")
    HANDOFF_REDIRECTED = "handoff_redirected", _("Handoff redirected")
    HANDOFF_ESCALATED = "handoff_escalated", _("Handoff escalated")
    HANDOFF_OUTCOME = "handoff_outcome", _("Handoff outcome reported")
    HANDOFF_CLOSED = "handoff_closed", _("Handoff closed")
    CASE_TRIAGED = "case_triaged", _("Case triaged")
    CASE_REVIEWED = "case_reviewed", _("Case reviewed")
    # Steps of the housing and employment pathways (written by `housing.services` and `employment.services`).
    HOUSING_OFFER_MADE = "housing_offer_made", _("Housing offer made")
    HOUSING_OFFER_ACCEPTED = "housing_offer_accepted", _("Housing offer accepted")
    HOUSING_OFFER_DECLINED = "housing_offer_declined", _("Housing offer declined")
    HOUSING_OFFER_EXPIRED = "housing_offer_expired", _("Housing offer expired")
    HOUSING_MOVED_IN = "housing_moved_in", _("Move-in")
    HOUSING_MOVED_OUT = "housing_moved_out", _("Move-out")
    COURSE_ENROLLED = "course_enrolled", _("Enrolled in a course")
    INTERNSHIP_RECORDED = "internship_recorded", _("Internship recorded")
    JOB_PLACEMENT_RECORDED = "job_placement_recorded", _("Job placement recorded")
    JOB_FOLLOW_UP_RECORDED = "job_follow_up_recorded", _("Job follow-up recorded")
    HOUSING_FOLLOW_UP_RECORDED = "housing_follow_up_recorded", _("Housing follow-up recorded")


class CaseEvent(models.Model):
    """The case timeline: one row per event, written by the service that caused it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    # `summary` holds what a person typed (a note's start, a document title); `data` holds codes
    # (statuses, domains, field names) that are rendered in the reader's language by `display_summary`.
    summary = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    # Sensitive events (a sensitive note) are shown only to the organisation that wrote them.
    is_sensitive = models.BooleanField(default=False)
    object_type = models.CharField(max_length=50, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["case", "-at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d}"

    def display_summary(self) -> str:
        """The event's one-line description in the current language."""
        from cases.event_text import render_event_summary

        return render_event_summary(self)
