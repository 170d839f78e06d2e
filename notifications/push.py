"""Delivery to open browsers: after commit, to the channel-layer groups `user.<id>` and `org.<id>`.

Channel layers deliver at most once; a push that is lost (Redis restarting, a socket asleep) is found
again by the browser, which asks for everything after the last id it saw (`selectors.notifications_after`).
So a push never raises: a failure is logged and the outbox row stays for the replay.

Messages carry the notification's id, kind, case code, names and codes, and its link: never a person's name
or free text. A notification for two or more members of one organisation goes once to `org.<id>` with one
item per user (each socket keeps only its own user's item); the others go to `user.<id>`.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from notifications.models import Notification
from notifications.selectors import WIRE_FIELDS

logger = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def org_group(organisation_id: int) -> str:
    return f"org.{organisation_id}"


def wire_item(row: dict) -> dict:
    """The raw item sent through the channel layer; the consumer renders it in the socket's language."""
    return {
        "id": row["id"],
        "kind": row["kind"],
        "case_code": row["case_code"],
        "params": row["params"],
        "url": row["url"],
        "created_at": row["created_at"].isoformat(),
        "read": row.get("read_at") is not None,
    }


def messages_for(rows: list[dict]) -> list[tuple[str, dict]]:
    """(group, message) pairs for freshly written rows."""
    by_org: defaultdict[int | None, list[dict]] = defaultdict(list)
    for row in rows:
        by_org[row["organisation_id"]].append(row)
    messages: list[tuple[str, dict]] = []
    for organisation_id, org_rows in by_org.items():
        if organisation_id is not None and len(org_rows) > 1:
            messages.append(
                (
                    org_group(organisation_id),
                    {
                        "type": "notify.org",
                        "organisation": organisation_id,
                        "items": {str(row["user_id"]): wire_item(row) for row in org_rows},
                    },
                )
            )
        else:
            messages.extend(
                (
                    user_group(row["user_id"]),
                    {"type": "notify.user", "organisation": row["organisation_id"], "item": wire_item(row)},
                )
                for row in org_rows
            )
    return messages


def send_now(messages: list[tuple[str, dict]]) -> None:
    """Send through the channel layer; never raises (the replay covers what is lost)."""
    if not messages:
        return
    layer = get_channel_layer()
    if layer is None:
        return

    async def send_all() -> None:
        for group, message in messages:
            await layer.group_send(group, message)

    try:
        async_to_sync(send_all)()
    except Exception:  # any layer failure: the browser's replay delivers it later
        logger.warning("notification push failed; browsers will get it on their next sync", exc_info=True)


def push_event_on_commit(event_key: str) -> None:
    """After the current transaction commits, push the rows of this event (nothing if it rolls back)."""
    transaction.on_commit(lambda: push_event(event_key), robust=True)


def push_event(event_key: str) -> None:
    rows = list(Notification.objects.filter(event_key=event_key, read_at__isnull=True).values(*WIRE_FIELDS))
    send_now(messages_for(rows))


def push_read_state_on_commit(user_id: int, *, unread: int, ids: list[int] | None) -> None:
    """Tell the user's other tabs and devices what was read and the new unread count."""
    message = {"type": "notify.read", "unread": unread, "ids": ids, "all": ids is None}
    transaction.on_commit(lambda: send_now([(user_group(user_id), message)]), robust=True)


def push_memberships_changed_on_commit(user_id: int) -> None:
    """The user's open sockets recompute which organisations' groups they listen to."""
    message = {"type": "notify.memberships"}
    transaction.on_commit(lambda: send_now([(user_group(user_id), message)]), robust=True)


def push_sessions_ended_on_commit(user_id: int) -> None:
    """The user's sessions were ended (accounts.sessions.end_user_sessions): each open socket re-checks its session
    and closes (notifications.consumers.notify_session_ended)."""
    message = {"type": "notify.session_ended"}
    transaction.on_commit(lambda: send_now([(user_group(user_id), message)]), robust=True)
