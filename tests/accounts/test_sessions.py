"""Session lifetime and ending a user's sessions (issue 18): the absolute lifetime besides the idle timeout, the
session row written about once a minute instead of on every request, and every session of a user ended at once
(other browsers and open websockets) on a password change, a password reset and a deactivation."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.sessions import end_user_sessions
from core.models import AuditAction, AuditEntry
from notifications.consumers import CLOSE_UNAUTHENTICATED
from notifications.push import user_group
from partners.models import Membership
from partners.roles import Role
from partners.services import membership_add, membership_set_active
from tests.factories import PASSWORD
from tests.helpers.sockets import QUIET, browser_socket

NEW_PASSWORD = "un-altra-password-2026"
START = datetime.datetime(2026, 12, 7, 8, 0, tzinfo=datetime.UTC)
MINUTE = datetime.timedelta(minutes=1)


def logged_in(username: str) -> Client:
    """A browser logged in through the real form."""
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def is_logged_in(client: Client) -> bool:
    return client.get(reverse("home")).status_code == 200


# --- lifetime ---------------------------------------------------------------------------------------------


def test_a_session_used_every_twenty_minutes_ends_at_the_absolute_limit(network, settings):
    settings.SESSION_ABSOLUTE_TIMEOUT = 2 * 60 * 60
    with time_machine.travel(START, tick=False) as traveller:
        client = logged_in("a_operator")
        for _ in range(5):  # 20, 40 ... 100 minutes: each within the 30-minute idle timeout of the one before
            traveller.shift(20 * MINUTE)
            assert is_logged_in(client)

        traveller.shift(20 * MINUTE)  # 2 hours after the login

        assert not is_logged_in(client)
    (row,) = AuditEntry.objects.filter(action=AuditAction.LOGOUT)
    assert row.username == "a_operator"
    assert row.detail == {"reason": "session_lifetime"}
    assert not Session.objects.exists()


def test_the_idle_timeout_still_ends_a_session_left_alone(network):
    with time_machine.travel(START, tick=False) as traveller:
        client = logged_in("a_operator")
        traveller.shift(29 * MINUTE)
        assert is_logged_in(client)
        traveller.shift(29 * MINUTE)  # the request above pushed the expiry forward
        assert is_logged_in(client)

        traveller.shift(31 * MINUTE)

        assert not is_logged_in(client)


def test_a_request_within_the_minute_does_not_push_the_idle_expiry(network):
    # The price of not writing on every request: the idle timeout counts from the last write, at most a minute
    # before the last request.
    with time_machine.travel(START, tick=False) as traveller:
        client = logged_in("a_operator")
        traveller.shift(50 * datetime.timedelta(seconds=1))
        assert is_logged_in(client)  # not written: still expires 30 minutes after the login

        traveller.shift(29 * MINUTE + 20 * datetime.timedelta(seconds=1))

        assert not is_logged_in(client)


def session_updates(client: Client, *, requests: int, every: datetime.timedelta) -> int:
    with time_machine.travel(START + MINUTE, tick=False) as traveller, CaptureQueriesContext(connection) as queries:
        for _ in range(requests):
            traveller.shift(every)
            assert is_logged_in(client)
    return sum(1 for q in queries.captured_queries if q["sql"].startswith('UPDATE "django_session"'))


@pytest.mark.parametrize("save_every_request, expected", [(True, 30), (False, 5)])
def test_the_session_row_is_written_about_once_a_minute(network, settings, save_every_request, expected):
    # 30 pages, one every 10 seconds (5 minutes of work): 30 UPDATEs of django_session before, 5 now.
    settings.SESSION_SAVE_EVERY_REQUEST = save_every_request
    with time_machine.travel(START, tick=False):
        client = logged_in("a_operator")

    assert session_updates(client, requests=30, every=datetime.timedelta(seconds=10)) == expected


# --- ending a user's sessions -----------------------------------------------------------------------------


def test_a_password_change_logs_the_users_other_browsers_out_and_keeps_this_one(network):
    user = network.user("a", Role.OPERATOR)
    here, elsewhere = logged_in("a_operator"), logged_in("a_operator")
    other_user = logged_in("a_case_manager")

    response = here.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert is_logged_in(here)
    assert not is_logged_in(elsewhere)
    assert is_logged_in(other_user)
    assert Session.objects.count() == 2
    (row,) = AuditEntry.objects.filter(action=AuditAction.SESSIONS_ENDED)
    assert row.user == user
    assert row.organisation_id == network.org_a.pk
    assert row.detail == {"reason": "password_change", "sessions": 1}


def test_deactivating_a_members_last_membership_ends_their_sessions(network, django_capture_on_commit_callbacks):
    member, admin = network.user("b", Role.OPERATOR), network.user("b", Role.ORG_ADMIN)
    browsers = [logged_in("b_operator"), logged_in("b_operator")]
    membership = Membership.objects.get(user=member, organisation=network.org_b)

    with django_capture_on_commit_callbacks(execute=True):
        membership_set_active(organisation=network.org_b, membership_id=membership.pk, active=False, actor=admin)

    assert not Session.objects.filter(pk__in=[b.session.session_key for b in browsers]).exists()
    assert not any(is_logged_in(browser) for browser in browsers)
    (row,) = AuditEntry.objects.filter(action=AuditAction.SESSIONS_ENDED)
    assert row.user == admin  # the actor
    assert row.object_id == str(member.pk)
    assert row.organisation_id == network.org_b.pk
    assert row.detail == {"reason": "deactivation", "sessions": 2}


def test_a_member_with_another_active_membership_keeps_their_sessions(network):
    member, admin = network.user("b", Role.OPERATOR), network.user("b", Role.ORG_ADMIN)
    membership_add(organisation=network.org_a, user=member, role=Role.VOLUNTEER)
    browser = logged_in("b_operator")
    membership = Membership.objects.get(user=member, organisation=network.org_b)

    membership_set_active(organisation=network.org_b, membership_id=membership.pk, active=False, actor=admin)

    assert is_logged_in(browser)
    assert not AuditEntry.objects.filter(action=AuditAction.SESSIONS_ENDED).exists()


def test_end_user_sessions_leaves_other_users_alone(network):
    logged_in("a_operator")
    others = [logged_in("a_case_manager"), logged_in("b_operator")]

    ended = end_user_sessions(network.user("a", Role.OPERATOR), reason="test")

    assert ended == 1
    assert all(is_logged_in(client) for client in others)


# --- open websockets --------------------------------------------------------------------------------------


@pytest.fixture
def _empty_channel_layer():
    async_to_sync(get_channel_layer().flush)()


async def close_code(communicator) -> int | None:
    output = await communicator.receive_output(timeout=3)
    assert output["type"] == "websocket.close", output
    return output.get("code")


def deactivate(network, user) -> None:
    membership = Membership.objects.get(user=user, organisation=network.org_b)
    membership_set_active(
        organisation=network.org_b, membership_id=membership.pk, active=False, actor=network.user("b", Role.ORG_ADMIN)
    )


def change_password(client: Client) -> None:
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_empty_channel_layer")
async def test_a_deactivated_members_open_socket_is_closed_at_once(network):
    browser = await database_sync_to_async(logged_in)("b_operator")
    async with browser_socket(browser, last_id=0) as ws:
        await database_sync_to_async(deactivate)(network, network.user("b", Role.OPERATOR))

        assert await close_code(ws) == CLOSE_UNAUTHENTICATED


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_empty_channel_layer")
async def test_a_password_change_closes_the_sockets_of_the_other_sessions(network):
    here = await database_sync_to_async(logged_in)("a_operator")
    elsewhere = await database_sync_to_async(logged_in)("a_operator")
    async with browser_socket(elsewhere, last_id=0) as ended_ws:
        await database_sync_to_async(change_password)(here)

        assert await close_code(ended_ws) == CLOSE_UNAUTHENTICATED
    # The browser that changed it keeps its session (under a new key, Django's update_session_auth_hash): its
    # next page opens a socket that stays open.
    async with browser_socket(here, last_id=0) as kept_ws:
        user_id = network.user("a", Role.OPERATOR).pk
        await get_channel_layer().group_send(user_group(user_id), {"type": "notify.session_ended"})

        assert await kept_ws.receive_nothing(timeout=QUIET)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_empty_channel_layer")
async def test_a_socket_past_the_absolute_lifetime_closes_on_its_next_sync(network, settings):
    settings.SESSION_ABSOLUTE_TIMEOUT = 60 * 60
    browser = await database_sync_to_async(logged_in)("a_operator")
    async with browser_socket(browser, last_id=0) as ws:
        with time_machine.travel(datetime.datetime.now(datetime.UTC) + 61 * MINUTE):
            await ws.send_json_to({"type": "sync", "last_id": 0})

            assert await close_code(ws) == CLOSE_UNAUTHENTICATED
