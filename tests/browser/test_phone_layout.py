"""Item 18 of issue 16: at 390 px (a phone) and 1280 px (a laptop) nothing of the case page and the work lists
lies off-screen: the consent badge stays inside its card, every handoff tab and section-menu entry can be
reached, and the pathway diagram is whole or scrolls inside its card. Measured on bounding boxes."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import ConsentPurpose
from cases.services import consent_record
from partners.roles import Role
from tests.factories import PASSWORD
from tests.helpers.browser import login
from workflows.services import casepath

WIDTHS = [390, 1280]
SLACK = 0.5  # sub-pixel rounding


@pytest.fixture
def named_consent_case(case_a, network):
    """A case, its pathway running, its person consenting to sharing with named organisations only, a consent
    expiring soon: the longest consent badges."""
    manager = network.user("a", Role.CASE_MANAGER)
    today = timezone.localdate()
    consent_record(
        actor=manager,
        person=case_a.person,
        purpose=ConsentPurpose.PROCESSING,
        given_on=today - datetime.timedelta(days=1),
    )
    consent_record(
        actor=manager,
        person=case_a.person,
        purpose=ConsentPurpose.SHARE_NAMED,
        organisations=[network.org_b],
        given_on=today - datetime.timedelta(days=1),
        expires_on=today + datetime.timedelta(days=10),
    )
    casepath.case_flow_start(case=case_a, actor=manager)
    return case_a


def phone_or_laptop(browser, live_server, width: int):
    context = browser.new_context(
        base_url=live_server.url, locale="it-IT", viewport={"width": width, "height": 844 if width < 500 else 900}
    )
    context.set_default_timeout(10_000)
    return context


def no_sideways_scroll(page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5 && e.getClientRects().length)
        .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths[0]} px wide in a {widths[1]} px window: {wide}"


def box(locator) -> dict:
    return locator.evaluate(
        "e => { const r = e.getBoundingClientRect(); return {left: r.left, right: r.right, width: r.width}; }"
    )


def inside(inner: dict, outer: dict) -> bool:
    return inner["left"] >= outer["left"] - SLACK and inner["right"] <= outer["right"] + SLACK


@pytest.mark.parametrize("width", WIDTHS)
def test_the_case_page_fits_the_screen(browser, live_server, network, named_consent_case, width):
    context = phone_or_laptop(browser, live_server, width)
    try:
        page = context.new_page()
        login(page, network.user("a", Role.CASE_MANAGER).username, PASSWORD)
        page.goto(reverse("cases:case_detail", args=[named_consent_case.pk]))
        svg = page.locator("#pathway .tv-pathway-svg")
        expect(svg).to_be_visible()

        # the consent badges stay inside the header card
        card = page.locator("main .card", has=page.locator("h1")).first
        badges = card.locator(".badge")
        assert badges.count() >= 1
        for index in range(badges.count()):
            assert inside(box(badges.nth(index)), box(card)), f"badge {index} spills out of its card"

        # every entry of the section menu lies on the screen
        menu = page.locator("main .tv-section-menu")
        expect(menu).to_be_visible()
        screen = {"left": 0, "right": width}
        assert inside(box(menu), screen)
        links = menu.locator("a.nav-link")
        for index in range(links.count()):
            link = links.nth(index)
            assert inside(box(link), screen), f"section link {index} is off-screen"

        # the diagram: whole inside its card, or its box scrolls sideways inside the card to show all of it
        holder = page.locator("#pathway .tv-pathway")
        holder_box, card_box = box(holder), box(page.locator("#pathway"))
        assert inside(holder_box, card_box)
        drawn = page.evaluate("""() => {
            const holder = document.querySelector('#pathway .tv-pathway');
            const svg = holder.querySelector('svg');
            return {scroll: holder.scrollWidth, client: holder.clientWidth, svg: svg.getBoundingClientRect().width,
                    overflow: getComputedStyle(holder).overflowX,
                    cue: getComputedStyle(holder).backgroundImage,
                    viewBox: svg.viewBox.baseVal.width};
        }""")
        whole = drawn["scroll"] <= drawn["client"] + SLACK
        scrolls = drawn["overflow"] in ("auto", "scroll")
        assert whole or scrolls, drawn
        if not whole:  # a phone: a shadow on the edge says there is more to the side
            assert "gradient" in drawn["cue"], drawn
        # nothing of the drawing is cut: the scrolled box reaches the drawing's last pixel
        assert drawn["scroll"] + SLACK >= drawn["svg"], drawn
        if width >= 1280:
            assert whole, f"on a laptop the diagram is clipped on the right: {drawn}"
        no_sideways_scroll(page)
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_every_work_tab_can_be_reached(browser, live_server, network, width):
    context = phone_or_laptop(browser, live_server, width)
    try:
        page = context.new_page()
        login(page, network.user("a", Role.CASE_MANAGER).username, PASSWORD)
        page.goto(reverse("workflows:handoffs_received"))
        tabs = page.locator("main .tv-work-tabs a.nav-link")
        assert tabs.count() >= 4
        strip = box(page.locator("main .tv-work-tabs"))
        assert strip["right"] <= width + SLACK
        for index in range(tabs.count()):
            tab = tabs.nth(index)
            expect(tab).to_be_visible()
            tab_box = box(tab)
            assert tab_box["left"] >= -SLACK and tab_box["right"] <= width + SLACK, f"tab {index} is off-screen"
        no_sideways_scroll(page)
    finally:
        context.close()
