"""The e-mail fallback: notifications still unread after a delay are e-mailed, once, in the reader's language.

- **Immediate** (the default, also without a preference row): one e-mail per user and sweep listing every
  notification that became due since the last sweep (unread, at least TAVOLO_NOTIFY_EMAIL_DELAY_MINUTES old).
  One e-mail per user rather than per notification: a redirected referral or a busy morning would otherwise
  send a burst of e-mails a minute apart, and the subject's count ("Tavolo: 3 unread notifications") says at
  a glance how much is waiting.
- **Digest**: one e-mail a day from TAVOLO_NOTIFY_DIGEST_HOUR (local time) listing every pending unread
  notification, without the delay (a summary of what is waiting; whatever arrives later waits for tomorrow's).
  A day is claimed even when there is nothing to say, so a digest goes out at the digest hour or not at all.
- **Skipped**, for good: notifications older than TAVOLO_NOTIFY_EMAIL_MAX_AGE_DAYS (an e-mail about something
  three days old does more harm than good, e.g. after the sweep was stopped), of users who chose no e-mails,
  who have no address or are deactivated, and of those received through an organisation the user has left
  (they no longer see them). Skipped rows leave the partial index `notification_email_due`.
  Read notifications are never e-mailed (they leave that index by being read).

Never twice, also with several sweeps at once: a user's due rows are claimed by one conditional UPDATE
(`WHERE email_state = 'pending' AND read_at IS NULL`, filters on the notification row only, so PostgreSQL
re-checks them on the row another sweep just changed) that writes a random token; only the rows carrying this
sweep's token are read back, sent and marked `sent`. Each step commits on its own (autocommit): a claim is
never rolled back after the e-mail went out. A digest day is claimed the same way on `digest_sent_on`.

When sending fails, the rows stay `claimed` and are never sent again: the SMTP server may have accepted the
message before the error, and a retry could then send it twice. The failure is logged with the user and the
claim token, and the sweep stops sending (the mail server is probably away); users it did not reach yet keep
their rows `pending` for the next sweep. Recovery, when the operator knows the message was not delivered:
`Notification.objects.filter(email_state="claimed", email_claim=<token>).update(email_state="pending")`.
The notifications themselves are never lost: they stay in the bell and the list.

Content: `notifications.text.render` of each notification (case codes, organisation and service names, dates)
and its link; never a person's name, a case title or a note.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from notifications.models import EmailMode, EmailState, Notification, NotificationPreference
from notifications.text import render
from partners.models import Membership

logger = logging.getLogger(__name__)


def open_link(notification_id: int) -> str:
    """The absolute link that marks the notification read and opens what it is about."""
    return settings.TAVOLO_SITE_URL + reverse("notifications:open", args=[notification_id])


def preferences_link() -> str:
    return settings.TAVOLO_SITE_URL + reverse("notifications:preferences")


@dataclass
class MailCounts:
    """What one pass sent: e-mails, the notifications they listed, and e-mails that failed."""

    emails: int = 0
    notifications: int = 0
    failed: int = 0

    def add(self, other: MailCounts) -> None:
        self.emails += other.emails
        self.notifications += other.notifications
        self.failed += other.failed


@dataclass
class _Recipient:
    user_id: int
    email: str
    language: str


@dataclass
class _Outbox:
    """One SMTP connection for the whole sweep, opened at the first message (most sweeps send nothing)."""

    connection: BaseEmailBackend = field(default_factory=lambda: get_connection(fail_silently=False))
    opened: bool = False

    def send(self, message: EmailMessage) -> None:
        """Raises whatever the mail backend raises; a message the backend did not take raises RuntimeError."""
        if not self.opened:
            self.connection.open()
            self.opened = True
        if self.connection.send_messages([message]) != 1:
            raise RuntimeError("the mail backend did not send the message")

    def close(self) -> None:
        if self.opened:
            self.connection.close()
            self.opened = False


# --- which notifications -----------------------------------------------------------------------------------


def _oldest(now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(days=settings.TAVOLO_NOTIFY_EMAIL_MAX_AGE_DAYS)


def _due_before(now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(minutes=settings.TAVOLO_NOTIFY_EMAIL_DELAY_MINUTES)


def _waiting() -> QuerySet[Notification]:
    """Not e-mailed, not skipped, not read: the rows of the partial index `notification_email_due`."""
    return Notification.objects.filter(email_state=EmailState.PENDING, read_at__isnull=True)


def _left_organisation() -> Q:
    """Received through an organisation the user is no longer an active member of (they no longer see it)."""
    still_member = Membership.objects.active().filter(
        user_id=OuterRef("user_id"), organisation_id=OuterRef("organisation_id")
    )
    return Q(organisation_id__isnull=False) & Q(~Exists(still_member))


def skip_undeliverable(*, now: datetime.datetime | None = None) -> int:
    """Mark `skipped` the waiting notifications that must never be e-mailed (see the module's docstring).
    One UPDATE whose conditions on other tables are subqueries; returns how many rows it skipped."""
    now = now or timezone.now()
    unreachable_users = (
        get_user_model()
        .objects.filter(Q(is_active=False) | Q(email="") | Q(notification_preference__email_mode=EmailMode.OFF))
        .values("pk")
    )
    return (
        _waiting()
        .filter(Q(created_at__lt=_oldest(now)) | Q(user_id__in=unreachable_users) | _left_organisation())
        .update(email_state=EmailState.SKIPPED)
    )


def _recipients(users: QuerySet) -> list[_Recipient]:
    rows = (
        users.filter(is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("pk", "email", "notification_preference__language")
    )
    return [
        _Recipient(user_id=pk, email=email, language=language or settings.LANGUAGE_CODE) for pk, email, language in rows
    ]


def immediate_recipients(*, now: datetime.datetime) -> list[_Recipient]:
    """Users in immediate mode (or who never chose) with at least one notification due: one query."""
    due = _waiting().filter(user_id=OuterRef("pk"), created_at__lte=_due_before(now), created_at__gte=_oldest(now))
    users = (
        get_user_model()
        .objects.filter(Exists(due))
        .exclude(notification_preference__email_mode__in=[EmailMode.DIGEST, EmailMode.OFF])
    )
    return _recipients(users)


def digest_recipients(*, today: datetime.date) -> list[_Recipient]:
    """Users in digest mode whose digest of `today` has not been claimed yet: one query."""
    preferences = NotificationPreference.objects.filter(email_mode=EmailMode.DIGEST).filter(
        Q(digest_sent_on__isnull=True) | Q(digest_sent_on__lt=today)
    )
    return _recipients(get_user_model().objects.filter(pk__in=preferences.values("user_id")))


def claim_digest_day(*, user_id: int, today: datetime.date) -> bool:
    """Claim the user's digest of `today` (a conditional UPDATE: only one sweep gets True)."""
    return (
        NotificationPreference.objects.filter(
            Q(digest_sent_on__isnull=True) | Q(digest_sent_on__lt=today),
            user_id=user_id,
            email_mode=EmailMode.DIGEST,
        ).update(digest_sent_on=today)
        == 1
    )


def claim_notifications(*, user_id: int, now: datetime.datetime, due_before: datetime.datetime) -> str | None:
    """Claim the user's waiting notifications created in [max age, `due_before`]: one conditional UPDATE that
    writes a fresh token. Returns the token, or None when there was nothing left to claim (another sweep
    took them, or they were read meanwhile)."""
    token = uuid.uuid4().hex
    claimed = (
        _waiting()
        .filter(
            ~_left_organisation(),
            user_id=user_id,
            created_at__lte=due_before,
            created_at__gte=_oldest(now),
        )
        .update(email_state=EmailState.CLAIMED, email_claim=token)
    )
    return token if claimed else None


def claimed_rows(*, user_id: int, token: str) -> list[Notification]:
    return list(
        Notification.objects.filter(user_id=user_id, email_claim=token, email_state=EmailState.CLAIMED).order_by(
            "created_at", "id"
        )
    )


def mark_sent(*, user_id: int, token: str, sent_ids: list[int]) -> None:
    """The listed rows were e-mailed; rows of the claim read in the meantime were not, and never will be."""
    Notification.objects.filter(pk__in=sent_ids, email_claim=token).update(
        email_state=EmailState.SENT, emailed_at=timezone.now()
    )
    Notification.objects.filter(user_id=user_id, email_claim=token, email_state=EmailState.CLAIMED).update(
        email_state=EmailState.SKIPPED
    )


# --- the e-mail ----------------------------------------------------------------------------------------------


def email_for(*, recipient: _Recipient, notifications: list[Notification], digest: bool) -> EmailMessage:
    """The plain-text e-mail listing `notifications`, in the recipient's language."""
    with translation.override(recipient.language):
        items = []
        for notification in notifications:
            text = render(kind=notification.kind, case_code=notification.case_code, params=notification.params)
            items.append({"title": str(text.title), "body": text.body, "link": open_link(notification.pk)})
        context = {"digest": digest, "count": len(items), "items": items, "preferences_link": preferences_link()}
        subject = " ".join(render_to_string("notifications/email/subject.txt", context).split())
        body = render_to_string("notifications/email/body.txt", context).strip() + "\n"
    return EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[recipient.email])


def _send_claimed(outbox: _Outbox, *, recipient: _Recipient, token: str, digest: bool) -> MailCounts:
    """Send the rows carrying `token`. A failure leaves them claimed (see the module's docstring) and is
    reported in the counts; it never raises."""
    rows = [row for row in claimed_rows(user_id=recipient.user_id, token=token) if row.read_at is None]
    if not rows:
        mark_sent(user_id=recipient.user_id, token=token, sent_ids=[])
        return MailCounts()
    try:
        outbox.send(email_for(recipient=recipient, notifications=rows, digest=digest))
    except Exception:  # any mail error: the rows stay claimed, never sent twice
        logger.exception(
            "Notification e-mail to user %s failed; its %s notification(s) stay claimed "
            "with token %s and will not be retried",
            recipient.user_id,
            len(rows),
            token,
        )
        return MailCounts(failed=1)
    mark_sent(user_id=recipient.user_id, token=token, sent_ids=[row.pk for row in rows])
    return MailCounts(emails=1, notifications=len(rows))


def send_immediate(*, now: datetime.datetime | None = None, outbox: _Outbox | None = None) -> MailCounts:
    """E-mail each user in immediate mode their notifications due now. Stops at the first failure (the mail
    server is probably away): the users after it keep their rows pending for the next sweep."""
    now = now or timezone.now()
    own_outbox = outbox is None
    outbox = outbox or _Outbox()
    counts = MailCounts()
    try:
        for recipient in immediate_recipients(now=now):
            token = claim_notifications(user_id=recipient.user_id, now=now, due_before=_due_before(now))
            if token is None:
                continue
            counts.add(_send_claimed(outbox, recipient=recipient, token=token, digest=False))
            if counts.failed:
                break
    finally:
        if own_outbox:
            outbox.close()
    return counts


def digest_is_due(now: datetime.datetime) -> bool:
    return timezone.localtime(now).hour >= settings.TAVOLO_NOTIFY_DIGEST_HOUR


def send_digests(*, now: datetime.datetime | None = None, outbox: _Outbox | None = None) -> MailCounts:
    """From the digest hour, send each user in digest mode one e-mail for the day with all their pending unread
    notifications. Stops at the first failure; a user whose day was claimed but whose e-mail failed gets no
    digest that day (their rows stay claimed), the others get theirs on the next sweep."""
    now = now or timezone.now()
    counts = MailCounts()
    if not digest_is_due(now):
        return counts
    today = timezone.localdate(now)
    own_outbox = outbox is None
    outbox = outbox or _Outbox()
    try:
        for recipient in digest_recipients(today=today):
            if not claim_digest_day(user_id=recipient.user_id, today=today):
                continue  # another sweep has it
            token = claim_notifications(user_id=recipient.user_id, now=now, due_before=now)
            if token is None:
                continue  # nothing to say today
            counts.add(_send_claimed(outbox, recipient=recipient, token=token, digest=True))
            if counts.failed:
                break
    finally:
        if own_outbox:
            outbox.close()
    return counts
