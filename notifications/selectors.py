"""Reads of notifications. A user sees their own notifications, minus those received through an organisation
they are no longer an active member of."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from notifications.models import Notification, NotificationPreference
from partners.models import Membership
from partners.selectors import active_memberships

# The columns a push or a replay sends (rendered by the websocket consumer in the reader's language).
WIRE_FIELDS = ("id", "user_id", "organisation_id", "kind", "case_code", "params", "url", "created_at", "read_at")


def active_organisation_ids(user_id: int) -> list[int]:
    """The organisations whose notifications the user receives now (one query; for the websocket)."""
    return list(Membership.objects.active().filter(user_id=user_id).values_list("organisation_id", flat=True))


def _visible(user_id: int | OuterRef, organisation_ids) -> QuerySet[Notification]:
    return Notification.objects.filter(
        Q(organisation__isnull=True) | Q(organisation_id__in=list(organisation_ids)), user_id=user_id
    )


def notification_list_for(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    organisation_ids = [m.organisation_id for m in active_memberships(user)]
    queryset = _visible(user.pk, organisation_ids).order_by("-id")
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return queryset


def notification_get_for(*, user, pk: int) -> Notification:
    """Raises Notification.DoesNotExist for someone else's notification (the view answers 404)."""
    return notification_list_for(user=user).get(pk=pk)


def unread_count_for(*, user_id: int, organisation_ids) -> int:
    return _visible(user_id, organisation_ids).filter(read_at__isnull=True).count()


def bell_state_for(*, user) -> dict[str, int]:
    """The unread count and the newest id, for the bell of every page: one query."""
    organisation_ids = [m.organisation_id for m in active_memberships(user)]
    visible = _visible(OuterRef("pk"), organisation_ids).order_by()
    unread = visible.filter(read_at__isnull=True).values("user_id").annotate(n=Count("id")).values("n")
    newest = visible.values("user_id").annotate(m=Max("id")).values("m")
    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            unread=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)),
            newest=Coalesce(Subquery(newest, output_field=IntegerField()), Value(0)),
        )
        .values("unread", "newest")
        .first()
    )
    return {"unread": row["unread"], "newest": row["newest"]} if row else {"unread": 0, "newest": 0}


# How far before the last id's row a replay looks again: on PostgreSQL ids are taken at INSERT, so a transaction
# that commits after a later one makes a lower id visible after a higher one was delivered. Longer than any
# transaction that writes notifications; the browser drops what it already has (de-duplication by id).
LATE_COMMIT_WINDOW = datetime.timedelta(seconds=10)


def notifications_after(
    *, user_id: int, organisation_ids, last_id: int, limit: int | None = None
) -> tuple[list[dict], bool]:
    """What a reconnecting browser missed: rows newer than `last_id`, plus rows created up to LATE_COMMIT_WINDOW
    before it, oldest first, at most `limit` (the newest ones when there are more). Returns (rows, whether older
    ones were left out)."""
    limit = limit or settings.TAVOLO_NOTIFY_REPLAY_LIMIT
    visible = _visible(user_id, organisation_ids)
    newer = Q(id__gt=last_id)
    last_created = visible.filter(id=last_id).values_list("created_at", flat=True).first() if last_id else None
    if last_created is not None:
        newer |= Q(id__lt=last_id, created_at__gte=last_created - LATE_COMMIT_WINDOW)
    newest_first = list(visible.filter(newer).order_by("-id").values(*WIRE_FIELDS)[: limit + 1])
    more = len(newest_first) > limit
    return list(reversed(newest_first[:limit])), more


def preference_for(user) -> NotificationPreference:
    """The user's preference, or the defaults (not saved) when they never chose."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)
