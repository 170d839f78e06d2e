"""The person registry: people, their identifiers and the record of merges of duplicates."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from partners.models import Organisation


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
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
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
