"""Websockets opened against the whole ASGI application (origin check, session authentication, routing), as a
browser opens them: the notification tests' clients."""

from __future__ import annotations

import contextlib

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator  # needs daphne (a dev dependency) for its live-server half
from django.conf import settings
from django.test import Client

WS_PATH = "/ws/notifications/"
ORIGIN = b"http://localhost"  # in ALLOWED_HOSTS outside production (config.settings)
# Long enough for the Redis layer to deliver a message that was sent (a push is complete when the service returns).
QUIET = 0.5


def logged_in_client(user, *, language: str | None = None) -> Client:
    """A browser's session: Django's test client logged in as `user` (a real session row)."""
    client = Client()
    client.force_login(user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def cookie_header(client: Client) -> bytes:
    return "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items()).encode("latin-1")


def socket_to_app(*, cookie: bytes = b"", origin: bytes = ORIGIN):
    """A websocket to `config.asgi.application`, not connected yet."""
    from config.asgi import application

    headers = [(b"origin", origin)]
    if cookie:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, WS_PATH, headers=headers)


@contextlib.asynccontextmanager
async def browser_socket(client: Client | None = None, *, last_id: int | None = None, origin: bytes = ORIGIN):
    """An open, accepted socket in `client`'s session; with `last_id` the first sync is made and its replay read
    (so the socket has joined its groups). Disconnected on exit."""
    communicator = socket_to_app(cookie=cookie_header(client) if client else b"", origin=origin)
    connected, _subprotocol = await communicator.connect()
    assert connected
    try:
        if last_id is not None:
            await sync(communicator, last_id)
        yield communicator
    finally:
        await communicator.disconnect()


async def sync(communicator, last_id: int) -> dict:
    """What the browser sends on (re)connect and every 30 seconds; returns the replay."""
    await communicator.send_json_to({"type": "sync", "last_id": last_id})
    replay = await communicator.receive_json_from(timeout=3)
    assert replay["type"] == "replay"
    return replay


async def login_async(user, *, language: str | None = None) -> Client:
    return await database_sync_to_async(logged_in_client)(user, language=language)
