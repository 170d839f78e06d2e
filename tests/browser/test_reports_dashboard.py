"""The coordinator filters the dashboard to one organisation, reads a chart and its data table on a phone, opens the
bottleneck map and downloads a CSV; no person's name appears anywhere on the way."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.urls import reverse

from cases.models import Case
from partners.roles import Role
from tests.factories import PASSWORD
from tests.helpers.browser import login
from tests.helpers.reports import History, at


def test_coordinator_dashboard_filter_map_and_csv_on_a_phone(network, case_a, new_page, live_server):
    # given: a year of history at A (two assessments done, a triage waiting)
    history = History()
    Case.objects.filter(pk=case_a.pk).update(opened_on=datetime.date(2025, 2, 1))
    history.task(case_a, step="assess", organisation=network.org_a, created=at(3, 1), finished=at(3, 3))
    history.task(case_a, step="triage", organisation=network.org_a, created=at(3, 3))
    page = new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, network.user("m", Role.COORDINATOR).username, PASSWORD)

    # when: the coordinator opens the dashboard for 2025 and narrows it to organisation A
    page.goto(reverse("reports:home"))
    page.fill("#id_start", "2025-01-01")
    page.fill("#id_end", "2025-12-31")
    page.select_option("#id_organisation", str(network.org_a.pk))
    with page.expect_navigation():
        page.click("main form [type=submit]")

    # then: the steps table says one task waits and one was done, with a chart next to it
    steps = page.locator("#table-steps table")
    assert steps.locator("caption").is_visible()
    row = steps.locator("tbody tr").first
    assert row.locator("th").inner_text().strip() in ("Assessment", "Valutazione", "Triage")
    # and: its chart is the phone drawing, labels above the bars at a readable size (the wide drawing, shrunk to
    # a phone, put them at about 7 px)
    compact, wide = (page.locator(f"#table-steps svg.{c}") for c in ("tv-chart-compact", "tv-chart-wide"))
    assert compact.is_visible() and not wide.is_visible()
    assert compact.locator("text").first.bounding_box()["height"] >= 10
    assert "Giulia" not in page.content() and "Bianchi" not in page.content()

    # and: on a laptop the same chart has its labels beside the bars
    page.set_viewport_size({"width": 1280, "height": 800})
    assert wide.is_visible() and not compact.is_visible()
    page.set_viewport_size({"width": 390, "height": 844})

    # and: the bottleneck map keeps the filters and colours the steps
    with page.expect_navigation():
        page.click(f"a[href^='{reverse('reports:bottlenecks')}']")
    assert "organisation=" in page.url
    assert page.locator("#flow-case svg [data-step=assess]").count() == 1
    assert page.locator("#flow-case tbody tr[data-step=triage]").count() == 1

    # and: a table downloads as CSV
    page.goto(reverse("reports:home") + f"?start=2025-01-01&end=2025-12-31&organisation={network.org_a.pk}")
    with page.expect_download() as download:
        page.click("#table-caseload-organisations a[download]")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "Caritas Test" in text and "Bianchi" not in text
