"""The notification outbox: one row per recipient and event, written in the event's transaction."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cases.models import Case, TimelineKind
from partners.models import Organisation


def _timeline(kind: TimelineKind) -> tuple[str, Promise | str]:
    """A notification kind that is the case timeline's event kind: the same code and label."""
    return kind.value, kind.label


class NotificationKind(models.TextChoices):
    HANDOFF_RECEIVED = "handoff_received", _("Handoff received")
    HANDOFF_ACCEPTED = "handoff_accepted", _("Handoff accepted")
    HANDOFF_DECLINED = "handoff_declined", _("Handoff declined")
    HANDOFF_REVOKED = "handoff_revoked", _("Handoff withdrawn")
    HANDOFF_OUTCOME = "handoff_outcome", _("Handoff outcome reported")
    TASK_ASSIGNED = "task_assigned", _("Task assigned to you")
    TASK_QUEUED = "task_queued", _("New task in your organisation's queue")
    SLA_DUE_SOON = "sla_due_soon", _("Answer due soon")
    SLA_EXPIRED = "sla_expired", _("Answer overdue")
    CONSENT_EXPIRING = "consent_expiring", _("Consent expiring")
    CASE_TRANSFERRED = "case_transferred", _("Case transferred")
    CASE_CLOSED = "case_closed", _("Case closed")
    # Steps of the pathways: the case timeline's own codes and labels (`cases.models.TimelineKind`), so that a step's
    # event and its notification share one kind.
    HOUSING_OFFER_MADE = _timeline(TimelineKind.HOUSING_OFFER_MADE)
    HOUSING_OFFER_ACCEPTED = _timeline(TimelineKind.HOUSING_OFFER_ACCEPTED)
    HOUSING_OFFER_DECLINED = _timeline(TimelineKind.HOUSING_OFFER_DECLINED)
    HOUSING_OFFER_EXPIRED = _timeline(TimelineKind.HOUSING_OFFER_EXPIRED)
    HOUSING_MOVED_IN = _timeline(TimelineKind.HOUSING_MOVED_IN)
    HOUSING_MOVED_OUT = _timeline(TimelineKind.HOUSING_MOVED_OUT)
    COURSE_ENROLLED = _timeline(TimelineKind.COURSE_ENROLLED)
    INTERNSHIP_RECORDED = _timeline(TimelineKind.INTERNSHIP_RECORDED)
    JOB_PLACEMENT_RECORDED = _timeline(TimelineKind.JOB_PLACEMENT_RECORDED)
    JOB_FOLLOW_UP_RECORDED = _timeline(TimelineKind.JOB_FOLLOW_UP_RECORDED)
    HOUSING_FOLLOW_UP_RECORDED = _timeline(TimelineKind.HOUSING_FOLLOW_UP_RECORDED)


# New work for the reader: the browser shows these as a toast as well as in the bell.
TOAST_KINDS = frozenset(
    {
        NotificationKind.HANDOFF_RECEIVED,
        NotificationKind.TASK_ASSIGNED,
        NotificationKind.TASK_QUEUED,
        NotificationKind.SLA_EXPIRED,
    }
)

# Changes what the reader's work lists and menu badges show: an open page refreshes them from the server.
WORK_KINDS = frozenset(
    {
        NotificationKind.HANDOFF_RECEIVED,
        NotificationKind.HANDOFF_ACCEPTED,
        NotificationKind.HANDOFF_DECLINED,
        NotificationKind.HANDOFF_REVOKED,
        NotificationKind.HANDOFF_OUTCOME,
        NotificationKind.TASK_ASSIGNED,
        NotificationKind.TASK_QUEUED,
        NotificationKind.SLA_EXPIRED,
        NotificationKind.CASE_TRANSFERRED,
        NotificationKind.CASE_CLOSED,
    }
)


class EmailState(models.TextChoices):
    PENDING = "pending", _("Not e-mailed yet")
    CLAIMED = "claimed", _("Being e-mailed")
    SENT = "sent", _("E-mailed")
    SKIPPED = "skipped", _("Not e-mailed")


class Notification(models.Model):
    """What one user is told about one event. `params` hold names and codes (organisation and service names,
    statuses, dates) that `notifications.text` renders in the reader's language; never a person's name, a note
    or any other free text about the person."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    # The membership it was received through: a member who leaves the organisation stops seeing it.
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    event_key = models.CharField(max_length=120)
    case = models.ForeignKey(Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    case_code = models.CharField(max_length=20, blank=True)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email_state = models.CharField(max_length=10, choices=EmailState.choices, default=EmailState.PENDING)
    email_claim = models.CharField(max_length=32, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            # Retries of the same event never notify anyone twice; the push reads an event's rows by its key.
            models.UniqueConstraint(fields=["event_key", "user"], name="notification_once_per_event"),
        ]
        indexes = [
            models.Index(fields=["user", "-id"], name="notification_user_recent"),
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread"),
            models.Index(
                fields=["created_at"],
                condition=Q(email_state="pending", read_at__isnull=True),
                name="notification_email_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.case_code} → {self.user_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def shows_toast(self) -> bool:
        return self.kind in TOAST_KINDS


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", _("E-mail me each notification I have not read in time")
    DIGEST = "digest", _("One e-mail a day with what I have not read")
    OFF = "off", _("No e-mails")


class NotificationPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_mode = models.CharField(_("e-mail"), max_length=10, choices=EmailMode.choices, default=EmailMode.IMMEDIATE)
    language = models.CharField(
        _("language of the e-mails"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # The day of the last digest: claimed atomically so two sweeps never send the same digest.
    digest_sent_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.email_mode}"
