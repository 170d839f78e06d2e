"""Live notifications in real browsers: organisation A's case manager sends a referral while organisation B's
operator has a page open; B sees the toast and the bell's count change without reloading. Served by uvicorn
(`asgi_live_server`), for the websocket."""

import re

from django.db import transaction
from django.urls import reverse
from playwright.sync_api import expect

from notifications.models import Notification, NotificationKind
from notifications.services import notifications_record
from partners.roles import Role
from tests.factories import PASSWORD
from tests.helpers.browser import login, open_with_live_connection, send_referral_through_the_form
from workflows.models import Handoff, HandoffStatus


def test_a_referral_reaches_the_receivers_open_page_as_a_toast_and_on_the_bell(
    network, consenting_case, service, asgi_new_page
):
    case = consenting_case
    operator = network.user("b", Role.OPERATOR)

    # given: B's operator on the home page, connected, with nothing unread
    receiver = asgi_new_page()
    login(receiver, operator.username, PASSWORD)
    open_with_live_connection(receiver, reverse("home"))
    bell = receiver.locator("#tv-bell")
    count = bell.locator(".tv-bell-count")
    expect(count).to_be_hidden()
    receiver.evaluate("window.tvSamePage = true")

    # when: A's case manager sends B a referral through the form, in another browser
    sender = asgi_new_page()
    login(sender, network.user("a", Role.CASE_MANAGER).username, PASSWORD)
    send_referral_through_the_form(sender, case, network.org_b, service)
    handoff = Handoff.objects.get(case=case)
    assert handoff.status == HandoffStatus.PENDING

    # then: B's page shows a toast naming the case, linking to the notification
    toast = receiver.locator("#tv-toasts .toast", has_text=case.code)
    expect(toast).to_be_visible()
    notification = Notification.objects.get(user=operator)
    expect(toast.locator("a.tv-toast-link")).to_have_attribute("href", f"/notifications/{notification.pk}/open/")
    # and: the bell counts it, for the eye and for a screen reader
    expect(count).to_have_text("1")
    expect(bell).to_have_attribute("aria-label", re.compile(r"\b1\b"))
    # and: the page was not reloaded
    assert receiver.evaluate("window.tvSamePage") is True

    # when: B follows the toast's link
    with receiver.expect_navigation():
        toast.locator("a.tv-toast-link").click()

    # then: it opens the handoff, and the notification is read
    assert receiver.url.endswith(reverse("workflows:handoff_detail", args=[handoff.pk]))
    notification.refresh_from_db()
    assert notification.read_at is not None
    expect(receiver.locator("#tv-bell .tv-bell-count")).to_be_hidden()


def test_reading_in_one_tab_updates_the_count_in_the_other(network, consenting_case, service, asgi_new_page):
    # given: B's operator has an unread referral and two tabs open, both connected
    from workflows.services import handoffs

    handoffs.handoff_send(
        actor=network.user("a", Role.CASE_MANAGER),
        case=consenting_case,
        kind="referral",
        receiver_organisation_id=network.org_b.pk,
        service_type_id=service.pk,
        reason="Pacco alimentare",
        sections=["file"],
    )
    first = asgi_new_page()
    login(first, network.user("b", Role.OPERATOR).username, PASSWORD)
    open_with_live_connection(first, reverse("home"))
    expect(first.locator("#tv-bell .tv-bell-count")).to_have_text("1")
    second = first.context.new_page()
    open_with_live_connection(second, reverse("notifications:list"))

    # when: the second tab marks everything read
    with second.expect_navigation():
        second.click("main form.tv-mark-all-read [type=submit]")

    # then: the first tab's bell goes to zero without reloading
    expect(first.locator("#tv-bell .tv-bell-count")).to_be_hidden()
    expect(first.locator("#tv-bell")).to_have_attribute("data-unread", "0")


def test_notifications_whose_push_was_lost_arrive_with_the_next_sync(network, asgi_new_page, monkeypatch):
    # given: B's operator on the home page, connected
    operator = network.user("b", Role.OPERATOR)
    page = asgi_new_page()
    # The page's first heartbeat comes at a random moment of 30 s: here at the end of them, so that no heartbeat
    # sync falls while the five rows below are written (it would replay only the first ones).
    page.add_init_script("Math.random = function () { return 0.999; };")
    login(page, operator.username, PASSWORD)
    open_with_live_connection(page, reverse("home"))
    # and: five new tasks reach the outbox while their pushes are lost (a Redis restart, a sleeping laptop)
    # (committed together: a sync that a slow machine's page sends on its own while they are written one by one,
    # e.g. its first one answered late, would otherwise replay the first ones alone and toast them twice over)
    monkeypatch.setattr("notifications.push.push_event_on_commit", lambda event_key: None)
    with transaction.atomic():
        for number in range(5):
            notifications_record(
                kind=NotificationKind.TASK_QUEUED,
                event_key=f"lost-push:{number}",
                url=reverse("workflows:queue"),
                recipients=[(operator.pk, network.org_b.pk)],
                params={"flow": "case", "step": "assess", "organisation": network.org_b.name},
            )

    # when: the page syncs (as its heartbeat does every 30 s; here at once, as when the tab becomes visible)
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")

    # then: the count is exact, and three toasts and a "more" one link to the rest
    expect(page.locator("#tv-bell .tv-bell-count")).to_have_text("5")
    toasts = page.locator("#tv-toasts .toast")
    expect(toasts).to_have_count(4)
    expect(toasts.nth(3).locator("a")).to_have_attribute("href", reverse("notifications:list"))
    expect(toasts.nth(3)).to_contain_text("2")


def test_after_a_server_restart_the_page_reconnects_and_gets_what_it_missed(
    network, asgi_live_server, asgi_new_page, monkeypatch
):
    # given: B's operator on the home page, connected
    operator = network.user("b", Role.OPERATOR)
    page = asgi_new_page()
    login(page, operator.username, PASSWORD)
    open_with_live_connection(page, reverse("home"))
    reconnected: list = []
    page.on("websocket", lambda socket: reconnected.append(socket))
    # when: the server goes away, a handoff reaches the outbox while nobody can be told, and the server comes back
    asgi_live_server.stop()
    monkeypatch.setattr("notifications.push.push_event_on_commit", lambda event_key: None)
    notifications_record(
        kind=NotificationKind.HANDOFF_RECEIVED,
        event_key="while-down",
        url=reverse("workflows:handoffs_received"),
        recipients=[(operator.pk, network.org_b.pk)],
        params={"sender": network.org_a.name, "handoff_kind": "referral"},
    )
    asgi_live_server.restart()

    # then: the page reconnects by itself (backoff from 1 s), and the replay brings the toast and the count
    expect(page.locator("#tv-toasts .toast")).to_have_count(1)
    expect(page.locator("#tv-bell .tv-bell-count")).to_have_text("1")
    assert len(reconnected) >= 1
