"""Item 16 of issue 16: the work lists and the menu's badges follow new work live.

The websocket does not carry counts or lists: a pushed notification says whether it changes the reader's work
(`work`), and the page then asks the server for its counts (`workflows:work_counts`, permission-filtered, a
constant number of queries) and for its list. These tests cover the flag on the socket's messages and the
counts endpoint; tests/browser/test_live_queue.py covers what a person sees."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from notifications.consumers import browser_item
from notifications.models import WORK_KINDS, NotificationKind
from partners.roles import Role
from tests.helpers.handoffs import send

COUNTS = "workflows:work_counts"


def raw_item(kind: str) -> dict:
    return {
        "id": 7,
        "kind": kind,
        "case_code": "C2026-0001",
        "params": {"sender": "Comune", "handoff_kind": "referral"},
        "url": "/work/handoffs/1/",
        "created_at": "2026-12-05T10:00:00+00:00",
        "read": False,
    }


# --- the socket's message ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind",
    [
        NotificationKind.HANDOFF_RECEIVED,
        NotificationKind.HANDOFF_ACCEPTED,
        NotificationKind.HANDOFF_DECLINED,
        NotificationKind.HANDOFF_REVOKED,
        NotificationKind.TASK_ASSIGNED,
        NotificationKind.TASK_QUEUED,
        NotificationKind.CASE_CLOSED,
    ],
)
def test_a_notification_that_changes_the_readers_work_says_so(kind):
    assert browser_item(raw_item(kind), "it")["work"] is True


def test_a_notification_that_changes_no_list_does_not_ask_for_a_refresh():
    assert browser_item(raw_item(NotificationKind.CONSENT_EXPIRING), "it")["work"] is False
    assert NotificationKind.CONSENT_EXPIRING not in WORK_KINDS


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_receivers_socket_is_told_its_work_changed_without_a_name(network, consenting_case, service):
    from channels.db import database_sync_to_async

    from tests.helpers.sockets import browser_socket, login_async

    operator = network.user("b", Role.OPERATOR)
    async with browser_socket(await login_async(operator), last_id=0) as ws:
        await database_sync_to_async(send)(network, consenting_case, service)
        message = await ws.receive_json_from(timeout=3)

    assert message["type"] == "notification"
    assert message["item"]["work"] is True
    text = json.dumps(message)
    person = consenting_case.person
    for private in (person.first_name, person.last_name, consenting_case.title):
        assert private not in text


# --- the counts the badges show ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_counts_follow_a_referral_into_the_receivers_queue(client, network, consenting_case, service):
    client.force_login(network.user("b", Role.OPERATOR))
    before = client.get(reverse(COUNTS))
    assert before.status_code == 200
    assert before.json() == {"inbox": 0, "queue": 0}

    send(network, consenting_case, service)

    assert client.get(reverse(COUNTS)).json() == {"inbox": 0, "queue": 1}


@pytest.mark.django_db
def test_the_counts_are_only_the_users_own_organisations(client, network, consenting_case, service):
    send(network, consenting_case, service)  # work for B
    client.force_login(network.user("a", Role.OPERATOR))

    assert client.get(reverse(COUNTS)).json() == {"inbox": 0, "queue": 0}


@pytest.mark.django_db
def test_the_counts_are_not_cached_and_need_a_login(client, network):
    response = client.get(reverse(COUNTS))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    client.force_login(network.user("b", Role.OPERATOR))
    response = client.get(reverse(COUNTS))
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_the_counts_cost_the_same_queries_however_much_work_waits(
    client, network, consenting_case, service, more_cases, django_assert_max_num_queries
):
    client.force_login(network.user("b", Role.OPERATOR))
    send(network, consenting_case, service)
    with django_assert_max_num_queries(8) as captured:
        client.get(reverse(COUNTS))
    one = len(captured.captured_queries)
    for case in more_cases:
        send(network, case, service)

    with django_assert_max_num_queries(one):
        response = client.get(reverse(COUNTS))
    assert response.json()["queue"] == 3
