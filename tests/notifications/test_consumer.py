"""The websocket at /ws/notifications/, through the whole ASGI application (origin check, session, routing): who
may connect, who receives a handoff as it is sent, replay after a gap, removal from an organisation, read state
across tabs, the socket's language, and a session logged out while its socket stays open.

The services run in a thread (`database_sync_to_async`), so their transactions commit and push as in production;
that thread shares the database with the test (`transaction=True`). Every test passes on the in-memory channel
layer and on Redis (`REDIS_URL`)."""

from __future__ import annotations

import contextlib
import datetime
import json

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db.models import F
from django.utils import translation

from notifications.consumers import CLOSE_UNAUTHENTICATED
from notifications.models import Notification, NotificationKind
from notifications.push import org_group, wire_item
from notifications.selectors import LATE_COMMIT_WINDOW, WIRE_FIELDS
from notifications.services import notifications_mark_read
from notifications.text import render
from partners.models import Membership
from partners.roles import Role
from partners.services import membership_add, membership_set_active
from tests.factories import make_member
from tests.helpers.handoffs import send
from tests.helpers.sockets import QUIET, browser_socket, cookie_header, login_async, socket_to_app, sync

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

B_OPERATOR = ("b", Role.OPERATOR)


@pytest.fixture(autouse=True)
def _empty_channel_layer():
    """Each test starts with no group and no message left by an earlier one (in memory or in Redis)."""
    async_to_sync(get_channel_layer().flush)()


# --- helpers ----------------------------------------------------------------------------------------------


async def refer(network, case, service) -> None:
    """A's case manager refers the case to B; returns once the handoff is committed and pushed."""
    await database_sync_to_async(send)(network, case, service)


@database_sync_to_async
def rows_of(user) -> list[Notification]:
    return list(Notification.objects.filter(user=user).order_by("pk"))


@database_sync_to_async
def age(notifications: list[Notification], *, by: datetime.timedelta) -> None:
    """These notifications were written `by` earlier (a gap between two visits)."""
    Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(created_at=F("created_at") - by)


async def pushed(communicator) -> dict:
    message = await communicator.receive_json_from(timeout=3)
    assert message["type"] == "notification", message
    return message["item"]


async def close_code(communicator) -> int | None:
    output = await communicator.receive_output(timeout=3)
    assert output["type"] == "websocket.close", output
    return output.get("code")


def rendered(notification: Notification, language: str):
    with translation.override(language):
        return render(kind=notification.kind, case_code=notification.case_code, params=notification.params)


# --- who may connect --------------------------------------------------------------------------------------


async def test_an_anonymous_socket_is_closed_with_4401(network):
    communicator = socket_to_app()
    connected, _subprotocol = await communicator.connect()
    try:
        # Accepted then closed: a refused handshake would reach the browser as a bare 1006, and it would retry.
        assert connected
        assert await close_code(communicator) == CLOSE_UNAUTHENTICATED
    finally:
        await communicator.disconnect()


async def test_a_logged_in_socket_from_a_foreign_origin_is_refused(network):
    client = await login_async(network.user(*B_OPERATOR))
    communicator = socket_to_app(cookie=cookie_header(client), origin=b"https://evil.example.com")
    connected, _code = await communicator.connect()
    await communicator.disconnect()

    assert not connected


async def test_a_logged_in_socket_from_the_sites_origin_is_accepted_and_replays(network):
    client = await login_async(network.user(*B_OPERATOR))
    async with browser_socket(client) as ws:
        replay = await sync(ws, 0)

    assert replay == {"type": "replay", "items": [], "more": False, "unread": 0}


# --- a handoff, live ----------------------------------------------------------------------------------------


async def test_a_member_of_the_receiver_gets_the_handoff_as_it_is_sent(network, consenting_case, service):
    operator = network.user(*B_OPERATOR)
    async with browser_socket(await login_async(operator), last_id=0) as ws:
        await refer(network, consenting_case, service)
        item = await pushed(ws)

    (row,) = await rows_of(operator)
    text = rendered(row, "it")  # the site's language: no language cookie
    assert item["id"] == row.pk and item["kind"] == NotificationKind.HANDOFF_RECEIVED
    assert (item["title"], item["body"]) == (str(text.title), text.body)
    assert consenting_case.code in item["body"]
    assert item["url"] == f"/notifications/{row.pk}/open/"
    assert item["toast"] is True and item["read"] is False


async def test_the_pushed_item_names_no_person(network, consenting_case, service):
    operator = network.user(*B_OPERATOR)
    async with browser_socket(await login_async(operator), last_id=0) as ws:
        await refer(network, consenting_case, service)
        message = json.dumps(await pushed(ws))

    person = consenting_case.person
    sender = network.user("a", Role.CASE_MANAGER)
    for private in (
        person.first_name,
        person.last_name,
        person.codice_fiscale,
        consenting_case.title,
        "Ha bisogno di un pacco alimentare",
        sender.last_name,
        sender.username,
    ):
        assert private not in message


async def test_nobody_but_the_receivers_members_gets_the_handoff(network, consenting_case, service):
    others = [
        network.user(*member)
        for member in (
            ("a", Role.CASE_MANAGER),  # the sender: the actor
            ("a", Role.OPERATOR),
            ("a", Role.ORG_ADMIN),
            ("b", Role.VOLUNTEER),
            ("b", Role.ORG_ADMIN),  # B's members whose role does not answer handoffs
            ("m", Role.COORDINATOR),
        )
    ]
    async with contextlib.AsyncExitStack() as stack:
        receiver = await stack.enter_async_context(
            browser_socket(await login_async(network.user("b", Role.CASE_MANAGER)), last_id=0)
        )
        sockets = [
            await stack.enter_async_context(browser_socket(await login_async(user), last_id=0)) for user in others
        ]
        await refer(network, consenting_case, service)

        assert (await pushed(receiver))["kind"] == NotificationKind.HANDOFF_RECEIVED
        for ws in sockets:
            assert await ws.receive_nothing(timeout=QUIET)


# --- replay -------------------------------------------------------------------------------------------------


async def test_after_a_gap_the_replay_returns_the_missed_notifications_in_order_with_the_count(
    network,
    consenting_case,
    service,
    more_cases,
):
    operator = network.user(*B_OPERATOR)
    client = await login_async(operator)
    async with browser_socket(client, last_id=0) as ws:
        await refer(network, consenting_case, service)
        last_id = (await pushed(ws))["id"]
    await age(await rows_of(operator), by=datetime.timedelta(minutes=5))  # the laptop slept
    await refer(network, more_cases[0], service)
    await refer(network, more_cases[1], service)

    async with browser_socket(client) as ws:
        replay = await sync(ws, last_id)

    missed = [row.pk for row in await rows_of(operator) if row.pk > last_id]
    assert len(missed) == 2
    assert [item["id"] for item in replay["items"] if item["id"] > last_id] == missed
    assert replay["unread"] == 3 and replay["more"] is False


async def test_the_replay_leaves_out_what_came_before_the_last_id_and_its_late_commit_window(
    network,
    consenting_case,
    service,
    more_cases,
):
    operator = network.user(*B_OPERATOR)
    await refer(network, consenting_case, service)
    await refer(network, more_cases[0], service)
    older, last = await rows_of(operator)
    await age([older], by=LATE_COMMIT_WINDOW + datetime.timedelta(minutes=1))

    async with browser_socket(await login_async(operator)) as ws:
        replay = await sync(ws, last.pk)

    assert older.pk not in [item["id"] for item in replay["items"]]


async def test_the_replay_sends_again_what_was_written_just_before_the_last_id(
    network, consenting_case, service, more_cases
):
    # On PostgreSQL a transaction that commits late makes a lower id visible after a higher one was delivered: the
    # replay looks LATE_COMMIT_WINDOW back from the last id (the last id itself is not sent again).
    operator = network.user(*B_OPERATOR)
    await refer(network, consenting_case, service)
    await refer(network, more_cases[0], service)
    first, second = await rows_of(operator)

    async with browser_socket(await login_async(operator)) as ws:
        replay = await sync(ws, second.pk)

    assert [item["id"] for item in replay["items"]] == [first.pk]


# --- removal from an organisation ---------------------------------------------------------------------------


@pytest.fixture
def second_operator_b(network):
    """B gets a second operator, so a handoff to B is pushed once to B's group (two recipients or more)."""
    return make_member(network.org_b, Role.OPERATOR, username="b_operator_2")


def deactivate(network, user) -> None:
    """Removed from B while still a volunteer of A: their session and socket stay open (a member left with no
    organisation is logged out everywhere and their sockets closed: tests/accounts/test_sessions.py)."""
    membership_add(organisation=network.org_a, user=user, role=Role.VOLUNTEER)
    membership = Membership.objects.get(user=user, organisation=network.org_b)
    membership_set_active(
        organisation=network.org_b, membership_id=membership.pk, active=False, actor=network.user("b", Role.ORG_ADMIN)
    )


async def test_a_member_removed_with_an_open_socket_gets_no_later_handoff(
    network, consenting_case, service, second_operator_b
):
    removed = network.user(*B_OPERATOR)
    stayed = [network.user("b", Role.CASE_MANAGER), second_operator_b]
    async with (
        browser_socket(await login_async(removed), last_id=0) as removed_ws,
        browser_socket(await login_async(stayed[0]), last_id=0) as first_ws,
        browser_socket(await login_async(stayed[1]), last_id=0) as second_ws,
    ):
        await database_sync_to_async(deactivate)(network, removed)
        await refer(network, consenting_case, service)

        assert (await pushed(first_ws))["kind"] == NotificationKind.HANDOFF_RECEIVED
        assert (await pushed(second_ws))["kind"] == NotificationKind.HANDOFF_RECEIVED
        assert await removed_ws.receive_nothing(timeout=QUIET)


async def test_a_removed_members_open_socket_drops_the_organisations_push_in_flight(
    network, consenting_case, service, second_operator_b
):
    # Written for the member just before the removal, pushed just after: the socket left B's group and ignores it.
    removed = network.user(*B_OPERATOR)
    await refer(network, consenting_case, service)
    (row,) = await rows_of(removed)
    message = await database_sync_to_async(org_message_for)(row)
    async with browser_socket(await login_async(removed), last_id=row.pk) as ws:
        await get_channel_layer().group_send(org_group(network.org_b.pk), message)
        assert (await pushed(ws))["id"] == row.pk  # while a member: delivered

        await database_sync_to_async(deactivate)(network, removed)
        await get_channel_layer().group_send(org_group(network.org_b.pk), message)

        assert await ws.receive_nothing(timeout=QUIET)


def org_message_for(row: Notification) -> dict:
    values = Notification.objects.filter(pk=row.pk).values(*WIRE_FIELDS).get()
    return {"type": "notify.org", "organisation": row.organisation_id, "items": {str(row.user_id): wire_item(values)}}


async def test_after_removal_the_replay_leaves_out_the_organisations_older_notifications(
    network,
    consenting_case,
    service,
):
    removed = network.user(*B_OPERATOR)
    await refer(network, consenting_case, service)
    async with browser_socket(await login_async(removed), last_id=0) as ws:
        await database_sync_to_async(deactivate)(network, removed)
        replay = await sync(ws, 0)

    assert replay["items"] == [] and replay["unread"] == 0


# --- read state across tabs ---------------------------------------------------------------------------------


async def test_reading_in_one_session_sends_the_new_count_to_the_users_other_socket(
    network, consenting_case, service, more_cases
):
    operator = network.user(*B_OPERATOR)
    await refer(network, consenting_case, service)
    await refer(network, more_cases[0], service)
    first, _second = await rows_of(operator)
    async with (
        browser_socket(await login_async(operator), last_id=0),
        browser_socket(await login_async(operator), last_id=0) as other_device,
    ):
        await database_sync_to_async(notifications_mark_read)(user=operator, ids=[first.pk])

        message = await other_device.receive_json_from(timeout=3)

    assert message == {"type": "read", "unread": 1, "ids": [first.pk], "all": False}


# --- language ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "it"])
async def test_the_socket_speaks_the_language_of_its_cookie(network, consenting_case, service, language):
    operator = network.user(*B_OPERATOR)
    async with browser_socket(await login_async(operator, language=language), last_id=0) as ws:
        await refer(network, consenting_case, service)
        item = await pushed(ws)

    (row,) = await rows_of(operator)
    text = rendered(row, language)
    assert (item["title"], item["body"]) == (str(text.title), text.body)
    other = rendered(row, "it" if language == "en" else "en")
    assert item["body"] != other.body


# --- a session that ends ---------------------------------------------------------------------------------------


async def test_a_sync_after_the_session_was_logged_out_closes_the_socket_with_4401(network):
    client = await login_async(network.user(*B_OPERATOR))
    async with browser_socket(client, last_id=0) as ws:
        await database_sync_to_async(client.logout)()
        await ws.send_json_to({"type": "sync", "last_id": 0})

        assert await close_code(ws) == CLOSE_UNAUTHENTICATED
