"""On a phone (390 px) a case manager opens the guide from the menu, reads it in Italian, switches to English and
reads the same page; the "?" of the case page leads to the section about the case page (issue 16, item 20)."""

from django.urls import reverse

from partners.roles import Role
from tests.factories import PASSWORD
from tests.helpers.browser import login

PHONE = {"width": 390, "height": 844}


def open_menu(page) -> None:
    page.click("button.navbar-toggler")
    page.wait_for_selector("#tv-nav.show")


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_case_manager_opens_the_guide_from_the_menu_on_a_phone_in_italian_then_english(network, case_a, new_page):
    page = new_page("it-IT")
    page.set_viewport_size(PHONE)
    login(page, network.user("a", Role.CASE_MANAGER).username, PASSWORD)

    # Italian: the menu's guide item opens the guide at the reader's role.
    open_menu(page)
    with page.expect_navigation():
        page.click("#tv-nav a.tv-nav-help")
    assert page.url.endswith(reverse("help:page", args=["case-manager"]))
    assert page.locator("main h1").inner_text() == "Responsabile del caso"
    assert page.locator("main h2#intake").is_visible()
    assert page.locator("main nav[aria-labelledby=tv-guide-contents-title] a[aria-current=page]").count() == 1
    assert fits_the_screen(page)

    # English: the language switch keeps the page and the guide follows.
    open_menu(page)
    page.click("#tv-nav .dropdown-toggle[aria-label]")
    with page.expect_navigation():
        page.click("#tv-nav button[name=language][value=en]")
    assert page.url.endswith(reverse("help:page", args=["case-manager"]))
    assert page.locator("main h1").inner_text() == "Case manager"
    assert page.locator("html").get_attribute("lang") == "en"
    assert fits_the_screen(page)

    # The "?" of the case page, outside the collapsed menu, leads to the section about the case page.
    page.goto(reverse("cases:case_detail", args=[case_a.pk]))
    help_link = page.locator("nav a.tv-help-link")
    assert help_link.is_visible()
    with page.expect_navigation():
        help_link.click()
    assert page.url.endswith(reverse("help:page", args=["case-manager"]) + "#case-file")
    assert page.locator("main h2#case-file").inner_text() == "The case page"
    assert page.locator("main h2#case-file").is_visible()
