"""What a person reads on a real page (issue 16, item 13): an amount with Italian separators in Italian, and a
date day first in English."""

import datetime
from decimal import Decimal

from django.urls import reverse

from cases import services
from partners.roles import Role
from tests.factories import PASSWORD
from tests.helpers.browser import login


def test_household_page_in_italian_and_english(network, new_page, live_server, case_a):
    # given: a household with ISEE 16,000 € until 4 December 2026
    manager = network.user("a", Role.CASE_MANAGER)
    household = services.household_create(
        actor=manager,
        organisation_id=network.org_a.pk,
        name="Bianchi",
        isee_value=Decimal("16000"),
        isee_expires_on=datetime.date(2026, 12, 4),
        reference_person=case_a.person,
    )
    url = reverse("cases:household_detail", args=[household.pk])
    # when: the case manager reads it in Italian, then in English
    italian = new_page("it-IT")
    login(italian, manager.username, PASSWORD)
    italian.goto(url)
    english = new_page("en-GB")
    login(english, manager.username, PASSWORD)
    english.goto(url)
    # then
    italian_text, english_text = italian.locator("main").inner_text(), english.locator("main").inner_text()
    assert "€ 16.000,00" in italian_text and "04/12/2026" in italian_text
    assert "4 Dec 2026" in english_text and "12/04/2026" not in english_text
