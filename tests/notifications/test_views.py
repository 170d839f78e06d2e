"""The notification pages: the list, opening one, marking read, the bell's dropdown, the preferences, the bell."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from notifications.models import EmailMode, Notification, NotificationKind, NotificationPreference
from notifications.services import notifications_record
from notifications.text import render as render_text
from notifications.views import UNREAD_EVENT
from partners.models import Membership
from partners.roles import Role
from partners.services import membership_add, membership_set_active
from workflows.models import HandoffKind
from workflows.services import handoffs

OP_B = ("b", Role.OPERATOR)
CM_A = ("a", Role.CASE_MANAGER)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def client(client):
    """The pages are asserted in English (Italian is the default language)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def as_user(client, network, member):
    user = network.user(*member)
    client.force_login(user)
    return user


_events = iter(range(1, 1_000_000))


def notify(
    user,
    organisation,
    *,
    count: int = 1,
    kind: str = NotificationKind.HANDOFF_RECEIVED,
    url: str = "/work/",
    case_code: str = "C2026-000042",
) -> list[Notification]:
    """`count` notifications for `user`, received through `organisation`, as the subscriptions write them."""
    keys = []
    for _i in range(count):
        key = f"test:{next(_events)}"
        keys.append(key)
        notifications_record(
            kind=kind,
            event_key=key,
            recipients=[(user.pk, organisation.pk if organisation else None)],
            params={
                "sender": "Caritas Test",
                "receiver": "Cooperativa Test",
                "service": "Pacco alimentare",
                "handoff_kind": HandoffKind.REFERRAL,
                "due": "2026-03-02T12:00:00+01:00",
            },
            url=url,
        )
    rows = list(Notification.objects.filter(event_key__in=keys).order_by("pk"))
    for row in rows:
        row.case_code = case_code
    Notification.objects.bulk_update(rows, ["case_code"])
    return rows


def deactivate(network, organisation, user) -> None:
    """Removed from `organisation` while still a volunteer of another one: their session stays (a member left with no
    organisation is logged out everywhere: tests/accounts/test_sessions.py)."""
    elsewhere = network.org_a if organisation != network.org_a else network.org_b
    membership_add(organisation=elsewhere, user=user, role=Role.VOLUNTEER)
    membership = Membership.objects.get(organisation=organisation, user=user)
    membership_set_active(
        organisation=organisation,
        membership_id=membership.pk,
        active=False,
        actor=network.user(organisation_key(network, organisation), Role.ORG_ADMIN),
    )


def organisation_key(network, organisation) -> str:
    return "a" if organisation == network.org_a else "b"


# --- the list ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["it", "en"])
def test_list_shows_the_users_notification_rendered_in_the_request_language(client, network, language):
    user = as_user(client, network, OP_B)
    (notification,) = notify(user, network.org_b)
    with translation.override(language):
        expected = render_text(kind=notification.kind, case_code=notification.case_code, params=notification.params)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    page = client.get(reverse("notifications:list")).content.decode()
    assert f'<html lang="{language}">' in page
    # the answer date is written the reader's way (02/03/2026 in Italian, 2 Mar 2026 in English)
    assert f">{escape(expected.title)}</a>" in page
    assert f'<p class="mb-1">{escape(expected.body)}</p>' in page


def test_the_text_names_the_case_and_the_sender(client, network):
    user = as_user(client, network, OP_B)
    notify(user, network.org_b)
    page = client.get(reverse("notifications:list")).content.decode()
    assert "Handoff received" in page
    assert "Caritas Test sent a referral for case C2026-000042 (Pacco alimentare)." in page


def test_list_does_not_show_another_users_notifications(client, network):
    as_user(client, network, OP_B)
    notify(network.user("b", Role.CASE_MANAGER), network.org_b, case_code="C2026-000777")
    page = client.get(reverse("notifications:list")).content.decode()
    assert "C2026-000777" not in page
    assert "No notifications yet." in page


def test_unread_filter_shows_only_unread_notifications(client, network):
    user = as_user(client, network, OP_B)
    read, unread = notify(user, network.org_b, count=2)
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    response = client.get(reverse("notifications:list"), {"show": "unread"})
    assert [row.notification.pk for row in response.context["rows"]] == [unread.pk]


def test_an_unknown_filter_shows_every_notification(client, network):
    user = as_user(client, network, OP_B)
    notify(user, network.org_b, count=2)
    response = client.get(reverse("notifications:list"), {"show": "<script>", "page": "x"})
    assert response.status_code == 200
    assert len(response.context["rows"]) == 2


def test_unread_notifications_are_marked_in_the_list(client, network):
    user = as_user(client, network, OP_B)
    read, unread = notify(user, network.org_b, count=2)
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    page = client.get(reverse("notifications:list")).content.decode()
    assert f'class="list-group-item tv-notification tv-unread" id="notification-{unread.pk}"' in page
    assert f'class="list-group-item tv-notification" id="notification-{read.pk}"' in page
    assert reverse("notifications:mark_read", args=[unread.pk]) in page
    assert reverse("notifications:mark_read", args=[read.pk]) not in page


def test_list_is_paginated_by_25_newest_first(client, network):
    user = as_user(client, network, OP_B)
    rows = notify(user, network.org_b, count=30)
    first = client.get(reverse("notifications:list")).context
    second = client.get(reverse("notifications:list"), {"page": 2}).context
    assert [row.notification.pk for row in first["rows"]] == [n.pk for n in reversed(rows)][:25]
    assert len(second["rows"]) == 5


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_query_count_does_not_grow_from_3_to_30_notifications(client, network):
    user = as_user(client, network, OP_B)
    notify(user, network.org_b, count=3)
    at_3 = _count(client, reverse("notifications:list"))
    notify(user, network.org_b, count=27)
    at_30 = _count(client, reverse("notifications:list"))
    assert at_3 == at_30


def test_list_answers_in_a_bounded_number_of_queries(client, network, django_assert_max_num_queries):
    user = as_user(client, network, OP_B)
    notify(user, network.org_b, count=30)
    # session, user, memberships, count, page, the bell, the navigation's task counts (and their content type),
    # the session's renewal (a savepoint, an update)
    with django_assert_max_num_queries(11):
        client.get(reverse("notifications:list"))


def test_the_list_needs_a_login(client, network):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- opening one -----------------------------------------------------------------------------------------------


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(client, network):
    user = as_user(client, network, OP_B)
    (notification,) = notify(user, network.org_b, url="/work/handoffs/7/")
    response = client.get(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/work/handoffs/7/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_opening_someone_elses_notification_is_not_found(client, network):
    as_user(client, network, OP_B)
    (other,) = notify(network.user("b", Role.CASE_MANAGER), network.org_b)
    response = client.get(reverse("notifications:open", args=[other.pk]))
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_a_notification_pointing_off_site_opens_the_list_instead(client, network):
    user = as_user(client, network, OP_B)
    (notification,) = notify(user, network.org_b, url="https://evil.example.org/")
    response = client.get(reverse("notifications:open", args=[notification.pk]))
    assert response["Location"] == reverse("notifications:list")


def test_the_notification_of_a_received_referral_opens_the_handoff(client, network, consenting_case, service):
    # given: A sends B a referral (the subscriptions write B's notifications)
    handoff = handoffs.handoff_send(
        actor=network.user(*CM_A),
        case=consenting_case,
        kind=HandoffKind.REFERRAL,
        receiver_organisation_id=network.org_b.pk,
        service_type_id=service.pk,
        reason="Needs food parcels",
        sections=["file"],
    )
    as_user(client, network, OP_B)
    notification = Notification.objects.get(user=network.user(*OP_B))
    # when: B's operator opens it from the list
    page = client.get(reverse("notifications:list")).content.decode()
    assert consenting_case.code in page
    response = client.get(reverse("notifications:open", args=[notification.pk]))
    # then: they land on the handoff
    assert response["Location"] == reverse("workflows:handoff_detail", args=[handoff.pk])


# --- marking read ----------------------------------------------------------------------------------------------


def test_marking_one_read_goes_back_to_the_page_it_came_from(client, network):
    user = as_user(client, network, OP_B)
    first, second = notify(user, network.org_b, count=2)
    back = reverse("notifications:list") + "?show=unread"
    response = client.post(reverse("notifications:mark_read", args=[first.pk]), {"next": back})
    assert response.status_code == 302
    assert response["Location"] == back
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None


def test_marking_read_ignores_a_next_address_off_site(client, network):
    user = as_user(client, network, OP_B)
    (notification,) = notify(user, network.org_b)
    response = client.post(
        reverse("notifications:mark_read", args=[notification.pk]), {"next": "https://evil.example.org/"}
    )
    assert response["Location"] == reverse("notifications:list")


def test_marking_someone_elses_notification_read_is_not_found(client, network):
    as_user(client, network, OP_B)
    (other,) = notify(network.user("b", Role.CASE_MANAGER), network.org_b)
    response = client.post(reverse("notifications:mark_read", args=[other.pk]))
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_marking_read_with_htmx_answers_the_updated_item_and_the_new_count(client, network):
    user = as_user(client, network, OP_B)
    first, _second = notify(user, network.org_b, count=2)
    response = client.post(reverse("notifications:mark_read", args=[first.pk]), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith('<li class="list-group-item tv-notification" id="notification-')
    assert reverse("notifications:mark_read", args=[first.pk]) not in html
    assert json.loads(response["HX-Trigger"]) == {UNREAD_EVENT: {"unread": 1}}


def test_marking_read_needs_a_post(client, network):
    user = as_user(client, network, OP_B)
    (notification,) = notify(user, network.org_b)
    response = client.get(reverse("notifications:mark_read", args=[notification.pk]))
    assert response.status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_marks_only_the_users_notifications(client, network):
    user = as_user(client, network, OP_B)
    notify(user, network.org_b, count=3)
    (other,) = notify(network.user("b", Role.CASE_MANAGER), network.org_b)
    response = client.post(reverse("notifications:mark_all_read"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("notifications:list")
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None
    assert "All your notifications are marked as read." in response.content.decode()


def test_mark_all_read_with_htmx_answers_the_dropdown(client, network):
    user = as_user(client, network, OP_B)
    notify(user, network.org_b, count=2)
    response = client.post(reverse("notifications:mark_all_read"), **HTMX)
    assert response.status_code == 200
    assert 'class="tv-bell-recent"' in response.content.decode()
    assert json.loads(response["HX-Trigger"]) == {UNREAD_EVENT: {"unread": 0}}
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()


# --- the bell's dropdown ---------------------------------------------------------------------------------------


def test_dropdown_shows_the_last_eight_with_links(client, network):
    user = as_user(client, network, OP_B)
    rows = notify(user, network.org_b, count=10)
    response = client.get(reverse("notifications:recent"), **HTMX)
    html = response.content.decode()
    shown = [row.notification.pk for row in response.context["rows"]]
    assert shown == [n.pk for n in reversed(rows)][:8]
    assert reverse("notifications:open", args=[rows[-1].pk]) in html
    assert reverse("notifications:open", args=[rows[0].pk]) not in html
    for name in ("notifications:list", "notifications:preferences", "notifications:mark_all_read"):
        assert reverse(name) in html
    assert json.loads(response["HX-Trigger"]) == {UNREAD_EVENT: {"unread": 10}}


def test_dropdown_without_htmx_is_the_list(client, network):
    as_user(client, network, OP_B)
    response = client.get(reverse("notifications:recent"))
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:list")


# --- leaving an organisation -----------------------------------------------------------------------------------


def test_a_member_removed_from_an_organisation_no_longer_sees_what_came_through_it(client, network):
    # given: B's operator has a notification received through B, and one addressed to them alone
    user = as_user(client, network, OP_B)
    (through_b,) = notify(user, network.org_b, case_code="C2026-000100")
    (personal,) = notify(user, None, case_code="C2026-000200")
    # when: B's administrator deactivates them
    deactivate(network, network.org_b, user)
    # then: the list shows only the personal one, and the other one cannot be opened
    page = client.get(reverse("notifications:list")).content.decode()
    assert "C2026-000200" in page and "C2026-000100" not in page
    assert client.get(reverse("notifications:open", args=[through_b.pk])).status_code == 404
    assert client.get(reverse("notifications:open", args=[personal.pk])).status_code == 302


# --- the bell ---------------------------------------------------------------------------------------------------


def test_every_page_shows_the_bell_with_the_unread_count(client, network):
    user = as_user(client, network, OP_B)
    rows = notify(user, network.org_b, count=3)
    Notification.objects.filter(pk=rows[0].pk).update(read_at=rows[0].created_at)
    page = client.get(reverse("home")).content.decode()
    assert 'aria-label="Notifications, 2 unread"' in page
    assert f'data-newest="{rows[-1].pk}"' in page
    assert 'tv-bell-count" aria-hidden="true">2</span>' in page
    assert 'id="tv-toasts"' in page and "js/notifications.js" in page


def test_the_bell_hides_its_badge_when_nothing_is_unread(client, network):
    as_user(client, network, OP_B)
    page = client.get(reverse("home")).content.decode()
    assert 'aria-label="Notifications, 0 unread"' in page
    assert 'tv-bell-count" aria-hidden="true" hidden>0</span>' in page


def test_the_bell_does_not_count_what_came_through_an_organisation_the_user_left(client, network):
    user = as_user(client, network, OP_B)
    notify(user, network.org_b, count=2)
    deactivate(network, network.org_b, user)
    page = client.get(reverse("home")).content.decode()
    assert 'aria-label="Notifications, 0 unread"' in page


def test_anonymous_pages_have_no_bell(client, network):
    page = client.get(reverse("login")).content.decode()
    assert 'id="tv-bell"' not in page
    assert "js/notifications.js" not in page


# --- preferences ------------------------------------------------------------------------------------------------


def test_preferences_show_the_defaults_for_a_user_who_never_chose(client, network):
    as_user(client, network, OP_B)
    response = client.get(reverse("notifications:preferences"))
    form = response.context["form"]
    assert form["email_mode"].value() == EmailMode.IMMEDIATE
    assert form["language"].value() == "it"


def test_saving_preferences_stores_them(client, network):
    user = as_user(client, network, OP_B)
    response = client.post(
        reverse("notifications:preferences"), {"email_mode": EmailMode.DIGEST, "language": "en"}, follow=True
    )
    assert "Your notification preferences are saved." in response.content.decode()
    preference = NotificationPreference.objects.get(user=user)
    assert (preference.email_mode, preference.language) == (EmailMode.DIGEST, "en")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email_mode": "sometimes", "language": "it"}, "email_mode"),
        ({"email_mode": EmailMode.OFF, "language": "klingon"}, "language"),
        ({"language": "it"}, "email_mode"),
    ],
)
def test_bad_preferences_are_a_form_error_and_change_nothing(client, network, data, field):
    as_user(client, network, OP_B)
    response = client.post(reverse("notifications:preferences"), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not NotificationPreference.objects.exists()
