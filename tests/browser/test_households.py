"""A social worker finds a household by a member's surname and by its address, and opens it, in Italian and in
English; on a phone the list is one card per household (issue 16, item 19). Before, /cases/households/ was a 404."""

import pytest
from django.urls import reverse
from django.utils import translation

from cases import services
from cases.models import Relationship
from partners.roles import Role
from tests.factories import PASSWORD
from tests.helpers.browser import login


@pytest.fixture
def households(network, case_a):
    manager = network.user("a", Role.CASE_MANAGER)
    verdi = services.household_create(
        actor=manager,
        organisation_id=network.org_a.pk,
        name="Nucleo Verdi",
        address="Via Roma 12, Cinisello Balsamo",
        reference_person=case_a.person,
    )
    services.household_create(actor=manager, organisation_id=network.org_a.pk, name="Ferrari", address="Via Milano 3")
    assert verdi.members.get().relationship == Relationship.REFERENCE
    return verdi


def _search(page, text: str) -> list[str]:
    page.fill("main input[name=q]", text)
    with page.expect_navigation():
        page.click("main form[role=search] [type=submit]")
    return page.locator("main table.tv-household-list tbody tr td:first-child").all_inner_texts()


@pytest.mark.parametrize("locale, language", [("it-IT", "it"), ("en-GB", "en")])
def test_find_a_household_by_member_and_address_and_open_it(network, households, new_page, locale, language):
    page = new_page(locale)
    login(page, network.user("a", Role.CASE_MANAGER).username, PASSWORD)
    with translation.override(language):
        menu_label = translation.gettext("Households")

    # the menu leads to the list, which shows both households
    page.goto(reverse("cases:case_list"))
    with page.expect_navigation():
        page.click(f"nav a.nav-link:text-is('{menu_label}')")
    assert page.url.endswith(reverse("cases:household_list"))
    assert page.locator("main h1").inner_text() == menu_label

    # by a member's surname (the household carries another name), then by its address
    assert [row.strip() for row in _search(page, "bianchi")] == ["Nucleo Verdi"]
    assert [row.strip() for row in _search(page, "via roma")] == ["Nucleo Verdi"]
    assert "Via Roma 12" in page.locator("main table").inner_text()

    # and open it
    with page.expect_navigation():
        page.click("main table a:text-is('Nucleo Verdi')")
    assert page.url.endswith(reverse("cases:household_detail", args=[households.pk]))
    assert "Nucleo Verdi" in page.locator("main h1").inner_text()
    assert "Bianchi Giulia" in page.locator("main").inner_text()


def test_on_a_phone_each_household_is_a_card_that_fits(network, households, new_page):
    page = new_page("it-IT")
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, network.user("a", Role.CASE_MANAGER).username, PASSWORD)
    page.goto(reverse("cases:household_list") + "?q=roma")
    cell = page.locator("main table.tv-household-list tbody td").first
    assert cell.evaluate("el => getComputedStyle(el).display") == "block"  # stacked, not a table row
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator("main table.tv-household-list tbody tr").first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
