"""The coordinator's dashboard keeps its promises in a real browser (issue 16, items 11 and 12): every case-code
link leads to the case, a code the coordinator may not open is no link, and the bottleneck map marks one step as
the longest of the flow with its hours written the Italian way."""

from __future__ import annotations

import datetime

from django.urls import reverse

from cases.models import Case, Household, Intervention, InterventionKind
from cases.permissions.grants import grant_user_case_view
from partners.roles import Role
from tests.factories import PASSWORD, open_case, register_person
from tests.helpers.browser import login
from tests.helpers.reports import History, at


def _shared_household(network, case_a) -> Case:
    """Food parcels from A (case A) and from the municipality (a case the coordinator was asked to look at)."""
    manager_m = network.user("m", Role.CASE_MANAGER)
    case_m = open_case(
        manager_m,
        network.municipality,
        register_person(manager_m, network.municipality, first_name="Anna", last_name="Neri"),
    )
    family = Household.objects.create(name="Esposito", registered_by=network.org_a)
    Case.objects.filter(pk__in=[case_a.pk, case_m.pk]).update(household=family)
    for case, org in ((case_a, network.org_a), (case_m, network.municipality)):
        case.refresh_from_db()
        Intervention.objects.create(
            case=case,
            organisation=org,
            kind=InterventionKind.FOOD_PARCEL,
            delivered_on=datetime.date(2025, 3, 15),
            quantity=1,
            recorded_by=case.case_manager,
        )
    grant_user_case_view(case_m, network.user("m", Role.COORDINATOR))
    return case_m


def test_coordinator_case_links_lead_to_the_case_and_the_map_marks_one_longest_step(network, case_a, new_page):
    # given: a household helped by two organisations, and a case flow where assess and triage both waited 49 h
    case_m = _shared_household(network, case_a)
    history = History()
    history.task(case_a, step="assess", organisation=network.org_a, created=at(3, 1, 9), finished=at(3, 3, 10))
    history.task(case_a, step="triage", organisation=network.org_a, created=at(3, 4, 9), finished=at(3, 6, 10))
    history.task(case_a, step="triage", organisation=network.org_a, created=at(12, 30, 9))
    page = new_page()
    login(page, network.user("m", Role.COORDINATOR).username, PASSWORD)

    # when: the coordinator opens the 2025 dashboard
    page.goto(reverse("reports:home") + "?start=2025-01-01&end=2025-12-31")

    # then: case A's code is shown but is no link; the municipality's case code is one, and it opens the case
    table = page.locator("#table-duplicate-aid")
    assert case_a.code in table.inner_text()
    links = table.locator("a.font-monospace")
    assert links.all_inner_texts() == [case_m.code]
    with page.expect_navigation():
        links.first.click()
    assert page.url.endswith(reverse("cases:case_detail", args=[case_m.pk]))
    assert "Neri" in page.content()

    # and: the bottleneck map marks one step of the case flow as the longest, its hours as "49,0 h"
    page.goto(reverse("reports:bottlenecks") + "?start=2025-01-01&end=2025-12-31")
    longest = page.locator("#flow-case svg g.tv-heat-3")
    assert longest.count() == 1 and longest.get_attribute("data-step") == "triage"
    assert "49,0 h" in page.locator("#flow-case svg").inner_html()
