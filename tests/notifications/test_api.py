"""/api/v1/notifications/: one's own visible notifications, rendered in the request's language, and read state."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from rest_framework.test import APIClient

from notifications.models import Notification, NotificationKind
from notifications.services import notifications_record
from notifications.text import render
from partners.models import Membership
from partners.roles import Role
from partners.services import membership_set_active
from workflows.models import HandoffKind

URL = "/api/v1/notifications/"
OP_B = ("b", Role.OPERATOR)


@pytest.fixture
def as_member(network):
    """`as_member(("b", Role.OPERATOR), language="en")`: an API client authenticated as that member."""

    def make(member, *, language: str = "en"):
        client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
        # a fresh copy of the user, as a real request has: nothing cached on it (the memberships) leaks in
        client.force_authenticate(user=get_user_model().objects.get(pk=network.user(*member).pk))
        return client

    return make


_events = iter(range(1, 1_000_000))


def notify(user, organisation, *, count: int = 1) -> list[Notification]:
    keys = []
    for _i in range(count):
        key = f"api-test:{next(_events)}"
        keys.append(key)
        notifications_record(
            kind=NotificationKind.HANDOFF_RECEIVED,
            event_key=key,
            recipients=[(user.pk, organisation.pk if organisation else None)],
            url="/work/handoffs/1/",
            params={
                "sender": "Caritas Test",
                "service": "Pacco alimentare",
                "handoff_kind": HandoffKind.REFERRAL,
                "due": "2026-03-02T12:00:00+01:00",
            },
        )
    return list(Notification.objects.filter(event_key__in=keys).order_by("pk"))


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["results"]]


# --- reading ------------------------------------------------------------------------------------------------


def test_list_answers_the_users_own_notifications_newest_first(network, as_member):
    rows = notify(network.user(*OP_B), network.org_b, count=3)
    notify(network.user("b", Role.CASE_MANAGER), network.org_b)
    response = as_member(OP_B).get(URL)
    assert response.status_code == 200
    assert ids(response) == [n.pk for n in reversed(rows)]


@pytest.mark.parametrize("language", ["it", "en"])
def test_title_and_body_are_rendered_in_the_request_language(network, as_member, language):
    (notification,) = notify(network.user(*OP_B), network.org_b)
    with translation.override(language):
        expected = render(kind=notification.kind, case_code=notification.case_code, params=notification.params)
    item = as_member(OP_B, language=language).get(URL).json()["results"][0]
    assert (item["title"], item["body"]) == (str(expected.title), expected.body)
    assert item["kind"] == NotificationKind.HANDOFF_RECEIVED
    assert item["url"] == "/work/handoffs/1/"
    assert item["read"] is False


def test_unread_filter(network, as_member):
    read, unread = notify(network.user(*OP_B), network.org_b, count=2)
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    assert ids(as_member(OP_B).get(URL, {"unread": "true"})) == [unread.pk]


def test_after_answers_the_newer_ones_oldest_first(network, as_member):
    rows = notify(network.user(*OP_B), network.org_b, count=4)
    response = as_member(OP_B).get(URL, {"after": rows[1].pk})
    assert ids(response) == [rows[2].pk, rows[3].pk]


@pytest.mark.parametrize("query", [{"after": "abc"}, {"after": "-1"}, {"unread": "maybe"}])
def test_bad_filters_are_a_400(network, as_member, query):
    response = as_member(OP_B).get(URL, query)
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) <= {"after", "unread"}


def test_reading_someone_elses_notification_is_not_found(network, as_member):
    (other,) = notify(network.user("b", Role.CASE_MANAGER), network.org_b)
    assert as_member(OP_B).get(f"{URL}{other.pk}/").status_code == 404


def test_anonymous_clients_are_refused(network):
    assert APIClient().get(URL).status_code == 401


def test_list_query_count_does_not_grow_from_3_to_30(network, as_member):
    user = network.user(*OP_B)

    def count() -> int:
        client = as_member(OP_B)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    notify(user, network.org_b, count=3)
    at_3 = count()
    notify(user, network.org_b, count=27)
    assert count() == at_3 == 3  # memberships, count, page


# --- read state ---------------------------------------------------------------------------------------------


def test_marking_one_read(network, as_member):
    first, second = notify(network.user(*OP_B), network.org_b, count=2)
    response = as_member(OP_B).post(f"{URL}{first.pk}/read/")
    assert response.status_code == 200
    assert response.json()["read"] is True
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None


def test_marking_someone_elses_notification_read_is_not_found(network, as_member):
    (other,) = notify(network.user("b", Role.CASE_MANAGER), network.org_b)
    response = as_member(OP_B).post(f"{URL}{other.pk}/read/")
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_read_all_marks_every_notification_of_the_user_and_no_one_elses(network, as_member):
    user = network.user(*OP_B)
    notify(user, network.org_b, count=3)
    (other,) = notify(network.user("b", Role.CASE_MANAGER), network.org_b)
    response = as_member(OP_B).post(f"{URL}read-all/")
    assert response.json() == {"marked": 3, "unread": 0}
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None


def test_unread_count(network, as_member):
    rows = notify(network.user(*OP_B), network.org_b, count=3)
    Notification.objects.filter(pk=rows[0].pk).update(read_at=rows[0].created_at)
    assert as_member(OP_B).get(f"{URL}unread-count/").json() == {"unread": 2}


def test_read_all_needs_a_post(network, as_member):
    notify(network.user(*OP_B), network.org_b)
    assert as_member(OP_B).get(f"{URL}read-all/").status_code == 405


# --- leaving an organisation --------------------------------------------------------------------------------


def test_a_member_removed_from_an_organisation_no_longer_gets_what_came_through_it(network, as_member):
    # given: one notification received through B, one addressed to the user alone
    user = network.user(*OP_B)
    (through_b,) = notify(user, network.org_b)
    (personal,) = notify(user, None)
    # when: B's administrator deactivates them
    membership = Membership.objects.get(organisation=network.org_b, user=user)
    membership_set_active(
        organisation=network.org_b, membership_id=membership.pk, active=False, actor=network.user("b", Role.ORG_ADMIN)
    )
    client = as_member(OP_B)
    # then: the list, the count and the actions leave the first one out
    assert ids(client.get(URL)) == [personal.pk]
    assert client.get(f"{URL}unread-count/").json() == {"unread": 1}
    assert client.post(f"{URL}{through_b.pk}/read/").status_code == 404
