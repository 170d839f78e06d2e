"""Item 16 of issue 16: organisation B's operator has a work list open while A's case manager sends B a referral
in another browser; the menu's badge and the open list change without reloading the page. Served by uvicorn
(`asgi_live_server`), for the websocket."""

from django.urls import reverse
from playwright.sync_api import expect

from partners.roles import Role
from tests.factories import PASSWORD
from tests.helpers.browser import login, open_with_live_connection, send_referral_through_the_form
from workflows.models import Handoff


def receiver_on(asgi_new_page, network, url: str):
    page = asgi_new_page()
    login(page, network.user("b", Role.OPERATOR).username, PASSWORD)
    open_with_live_connection(page, url)
    page.evaluate("window.tvSamePage = true")
    return page


def referral_from_a(asgi_new_page, network, case, service):
    sender = asgi_new_page()
    login(sender, network.user("a", Role.CASE_MANAGER).username, PASSWORD)
    send_referral_through_the_form(sender, case, network.org_b, service)
    return Handoff.objects.get(case=case)


def test_the_open_queue_and_its_badge_change_when_a_referral_arrives(network, consenting_case, service, asgi_new_page):
    # given: B's operator on the queue (filtered), with an empty queue and no badge
    page = receiver_on(asgi_new_page, network, reverse("workflows:queue") + "?q=")
    badge = page.locator('#tv-nav [data-tv-work-count="queue"]')
    expect(badge).to_be_hidden()
    rows = page.locator("#tv-live-list table tbody tr")
    expect(rows).to_have_count(1)  # the "queue is empty" row
    expect(page.locator("#tv-live-list")).not_to_contain_text(consenting_case.code)

    # when: A's case manager sends B a referral, in another browser
    referral_from_a(asgi_new_page, network, consenting_case, service)

    # then: the list shows the answer task of the new referral, and the menu counts it
    expect(page.locator("#tv-live-list")).to_contain_text(consenting_case.code)
    expect(badge).to_have_text("1")
    assert page.evaluate("document.querySelector('#tv-nav [data-tv-work-count=\"queue\"]').hidden") is False
    # and: a screen reader is told, politely
    expect(page.locator("#tv-live-status")).to_have_attribute("aria-live", "polite")
    expect(page.locator("#tv-live-status")).not_to_have_text("")
    # and: the page was not reloaded, its filters are where they were
    assert page.evaluate("window.tvSamePage") is True
    assert page.url.endswith("?q=")


def test_the_open_list_of_received_handoffs_changes_when_a_referral_arrives(
    network, consenting_case, service, asgi_new_page
):
    # given: B's operator on the handoffs received, none yet
    page = receiver_on(asgi_new_page, network, reverse("workflows:handoffs_received"))
    expect(page.locator("#tv-live-list")).not_to_contain_text(consenting_case.code)

    # when
    handoff = referral_from_a(asgi_new_page, network, consenting_case, service)

    # then: the new referral is listed, linking to it, without a reload
    link = page.locator(f'#tv-live-list a[href="{reverse("workflows:handoff_detail", args=[handoff.pk])}"]')
    expect(link).to_have_text(consenting_case.code)
    expect(page.locator('#tv-nav [data-tv-work-count="queue"]')).to_have_text("1")
    assert page.evaluate("window.tvSamePage") is True
