"""The websocket at `/ws/notifications/`: pushes a user's notifications and replays what they missed.

- Authenticated by the session (channels' `AuthMiddlewareStack`); anonymous sockets are closed with 4401 and
  join nothing.
  The origin is checked by `AllowedHostsOriginValidator` in `config/asgi.py`.
- Joins `user.<id>` and `org.<id>` for each organisation the user is an active member of. A membership change
  reaches the user's sockets as `notify.memberships`: they leave the groups of organisations they left, at once.
- The browser sends `{"type": "sync", "last_id": N}` when it connects and every 30 seconds; the server
  re-joins the groups (a restarted Redis forgets them), checks that the session is still logged in, and
  replays every notification newer than N with the exact unread count. The browser de-duplicates by id.
- An item whose kind changes the reader's work (`work`: a handoff received, answered or withdrawn, a task
  assigned...) makes an open page refresh its menu badges and work list from the server: the socket carries
  neither counts nor rows.
- Items are rendered here, in the socket's language (the language cookie, as for pages).
"""

from __future__ import annotations

from importlib import import_module

from channels.auth import get_user
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import translation

from accounts.sessions import session_is_current
from notifications import selectors
from notifications.models import TOAST_KINDS, WORK_KINDS
from notifications.push import org_group, user_group, wire_item
from notifications.text import render

CLOSE_UNAUTHENTICATED = 4401


def socket_language(scope) -> str:
    cookies = {}
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, _sep, val = part.strip().partition("=")
                cookies[key] = val
    language = cookies.get(settings.LANGUAGE_COOKIE_NAME, "")
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def stored_session(session_key: str | None):
    """A fresh, lazily loaded copy of the session (read from the session store on first access)."""
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def browser_item(item: dict, language: str) -> dict:
    """What the browser gets for one notification: rendered text, link, and whether to toast it."""
    with translation.override(language):
        text = render(kind=item["kind"], case_code=item["case_code"], params=item["params"])
    return {
        "id": item["id"],
        "kind": item["kind"],
        "title": str(text.title),
        "body": text.body,
        "url": f"/notifications/{item['id']}/open/",
        "created_at": item["created_at"],
        "read": item.get("read", False),
        "toast": item["kind"] in TOAST_KINDS,
        # The page then fetches its badges' counts and its work list from the server (static/js/live_work.js).
        "work": item["kind"] in WORK_KINDS,
    }


def _replay(user_id: int, organisation_ids: list[int], last_id: int) -> dict:
    rows, more = selectors.notifications_after(user_id=user_id, organisation_ids=organisation_ids, last_id=last_id)
    unread = selectors.unread_count_for(user_id=user_id, organisation_ids=organisation_ids)
    return {"rows": [wire_item(row) for row in rows], "more": more, "unread": unread}


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    user_id: int
    organisation_ids: set[int]
    groups_joined: set[str]

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            # Accepted then closed, so the browser sees 4401 (a refused handshake is only "1006") and stops.
            await self.accept()
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user_id = user.pk
        self.language = socket_language(self.scope)
        self.groups_joined = set()
        await self.accept()
        await self.join_groups()

    async def disconnect(self, code) -> None:
        for group in getattr(self, "groups_joined", set()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def join_groups(self) -> None:
        """Listen to the user's group and their organisations' groups, and leave those they no longer belong to."""
        self.organisation_ids = set(await database_sync_to_async(selectors.active_organisation_ids)(self.user_id))
        wanted = {user_group(self.user_id)} | {org_group(pk) for pk in self.organisation_ids}
        for group in self.groups_joined - wanted:
            await self.channel_layer.group_discard(group, self.channel_name)
        for group in wanted:  # again for joined ones too: refreshes the group's expiry in Redis
            await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined = wanted

    async def still_logged_in(self) -> bool:
        if "session" not in self.scope:
            return True
        # The session as stored now: the scope's copy was read at connect and would not see a later logout.
        session = stored_session(self.scope["session"].session_key)
        user = await get_user({"session": session})
        if not (user.is_authenticated and user.pk == self.user_id):
            return False
        return await database_sync_to_async(session_is_current)(session)  # the absolute lifetime (accounts.sessions)

    async def receive_json(self, content, **kwargs) -> None:
        if not isinstance(content, dict) or content.get("type") != "sync":
            return
        if not await self.still_logged_in():
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        try:
            last_id = max(0, int(content.get("last_id") or 0))
        except (TypeError, ValueError):
            last_id = 0
        await self.join_groups()
        result = await database_sync_to_async(_replay)(self.user_id, sorted(self.organisation_ids), last_id)
        await self.send_json(
            {
                "type": "replay",
                "items": [browser_item(row, self.language) for row in result["rows"]],
                "more": result["more"],
                "unread": result["unread"],
            }
        )

    # --- channel-layer messages (see notifications.push) ---

    async def notify_org(self, message: dict) -> None:
        if message.get("organisation") not in self.organisation_ids:
            return
        item = message["items"].get(str(self.user_id))
        if item is not None:
            await self.send_json({"type": "notification", "item": browser_item(item, self.language)})

    async def notify_user(self, message: dict) -> None:
        organisation_id = message.get("organisation")
        if organisation_id is not None and organisation_id not in self.organisation_ids:
            return
        await self.send_json({"type": "notification", "item": browser_item(message["item"], self.language)})

    async def notify_read(self, message: dict) -> None:
        await self.send_json(
            {"type": "read", "unread": message["unread"], "ids": message["ids"], "all": message["all"]}
        )

    async def notify_memberships(self, message: dict) -> None:
        await self.join_groups()

    async def notify_session_ended(self, message: dict) -> None:
        """The user's sessions were ended (accounts.sessions.end_user_sessions): close now if this one was."""
        if not await self.still_logged_in():
            await self.close(code=CLOSE_UNAUTHENTICATED)
