"""The case, who may reach it (guardian grant tables, `PersonAccess`) and how far (`CaseShare`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from cases.models.households import Household
from cases.models.persons import Person
from partners.models import Organisation, ShareSection


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
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_cases",
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
    of their cases. A derived table, written only by `cases.permissions.grants` (grant, revoke,
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
    and until when. Written only by `cases.permissions.grants`; an organisation with a grant and no share row
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
