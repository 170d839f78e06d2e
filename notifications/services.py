"""Writes of notifications: the outbox rows, read state, preferences."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.locks import lock_one
from notifications import push
from notifications.models import EmailMode, Notification, NotificationPreference
from notifications.recipients import Recipient
from notifications.selectors import notification_list_for, unread_count_for
from partners.selectors import active_memberships


def notifications_record(
    *,
    kind: str,
    event_key: str,
    recipients: Iterable[Recipient],
    case=None,
    params: dict | None = None,
    url: str = "",
    actor_id: int | None = None,
) -> int:
    """Write one row per recipient in the current transaction and push them after it commits.

    The person who caused the event is not told about it. A user reached through two organisations gets one
    row (the first organisation). Recording the same event again adds nothing (unique per user and event).
    Returns how many recipients were meant.
    """
    seen: set[int] = set()
    rows = []
    for user_id, organisation_id in recipients:
        if user_id in seen or user_id == actor_id:
            continue
        seen.add(user_id)
        rows.append(
            Notification(
                user_id=user_id,
                organisation_id=organisation_id,
                kind=kind,
                event_key=event_key[:120],
                case=case,
                case_code=getattr(case, "code", "") or "",
                params=params or {},
                url=url[:300],
            )
        )
    if rows:
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        push.push_event_on_commit(event_key[:120])
    return len(rows)


def _organisation_ids(user) -> list[int]:
    return [m.organisation_id for m in active_memberships(user)]


@transaction.atomic
def notifications_mark_read(*, user, ids: Iterable[int]) -> int:
    """Mark some of the user's notifications read; ids that are not theirs are ignored. Returns how many
    changed. The user's other tabs get the new count."""
    wanted = [int(pk) for pk in ids]
    changed_ids = list(
        notification_list_for(user=user, unread_only=True).filter(pk__in=wanted).values_list("pk", flat=True)
    )
    if changed_ids:
        Notification.objects.filter(pk__in=changed_ids, read_at__isnull=True).update(read_at=timezone.now())
        unread = unread_count_for(user_id=user.pk, organisation_ids=_organisation_ids(user))
        push.push_read_state_on_commit(user.pk, unread=unread, ids=changed_ids)
    return len(changed_ids)


@transaction.atomic
def notifications_mark_all_read(*, user) -> int:
    changed = Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
    if changed:
        push.push_read_state_on_commit(user.pk, unread=0, ids=None)
    return changed


@transaction.atomic
def preference_set(*, user, email_mode: str, language: str | None = None) -> NotificationPreference:
    if email_mode not in EmailMode.values:
        raise ValidationError({"email_mode": _("Choose how you want to be e-mailed.")})
    NotificationPreference.objects.get_or_create(user=user)  # a first choice creates the row, then it is locked
    preference = lock_one(NotificationPreference.objects, user=user)
    preference.email_mode = email_mode
    if language is not None:
        if language not in dict(settings.LANGUAGES):
            raise ValidationError({"language": _("Choose a language.")})
        preference.language = language
    preference.save()
    return preference
