"""The bottleneck map's "longest of the flow": one step per flow at most, never a step with no wait, and figures
written in the reader's language (issue 16, item 12)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from partners.roles import Role
from reports.bottlenecks import LONGEST, _longest, bottleneck_maps
from reports.permissions import Scope
from tests.factories import login
from tests.helpers.reports import PERIOD, at

NETWORK = Scope(is_network=True, organisation_ids=None, acting_organisation_id=None)


@pytest.fixture
def ties(network, history, case_a):
    """Case flow: assess and triage both waited a median 49 h (a tie; triage has one task waiting), plan was done
    at once (0 h) but has the longest queue."""
    org = network.org_a
    history.task(case_a, step="assess", organisation=org, created=at(3, 1, 9), finished=at(3, 3, 10))
    history.task(case_a, step="triage", organisation=org, created=at(3, 4, 9), finished=at(3, 6, 10))
    history.task(case_a, step="triage", organisation=org, created=at(12, 30, 9))
    history.task(case_a, step="plan", organisation=org, created=at(3, 7, 9), finished=at(3, 7, 9))
    for day in (28, 29, 30):
        history.task(case_a, step="plan", organisation=org, created=at(12, day, 10))


def _case_flow_levels() -> dict[str, int]:
    (case_map,) = [m for m in bottleneck_maps(scope=NETWORK, period=PERIOD) if m.flow == "case"]
    return {s.step: s.level for s in case_map.steps}


def test_one_step_only_is_the_longest_of_the_flow_and_ties_do_not_share_it(ties):
    levels = _case_flow_levels()
    assert [step for step, level in levels.items() if level == LONGEST] == ["triage"]
    assert levels["assess"] < LONGEST


def test_a_step_without_wait_is_never_the_longest_even_with_the_longest_queue(ties):
    assert _case_flow_levels()["plan"] < LONGEST


def test_no_step_is_the_longest_when_nothing_waited():
    assert _longest({"assess": 0.0, "triage": 0.0}, {"assess": 4, "triage": 1}) is None
    assert _longest({}, {}) is None
    assert _longest({"a": 5.0, "b": 5.0}, {"a": 0, "b": 0}) == "a"  # a tie is broken, never shared


def test_the_map_labels_one_step_longest_and_writes_hours_in_italian(client, network, ties):
    login(client, network, "m", Role.COORDINATOR)
    with translation.override("it"):
        response = client.get(
            reverse("reports:bottlenecks"), {"start": "2025-01-01", "end": "2025-12-31"}, HTTP_ACCEPT_LANGUAGE="it"
        )
    body = response.content.decode()
    assert response.status_code == 200
    case_section = body.split('id="flow-case"', 1)[1].split("</section>", 1)[0]
    assert len(re.findall(r'class="tv-step tv-heat-3"', case_section)) == 1
    assert re.search(r'<g data-step="triage"[^>]*class="tv-step tv-heat-3"', case_section)
    assert "49,0 h" in case_section and "49.0 h" not in case_section


def test_the_map_speaks_italian_in_its_titles_and_step_names(client, network, ties):
    """The graph's accessible title and every step name are Italian (the .svg templates were not extracted, and
    viewflow names an untitled step from its attribute: "Escalation Done")."""
    login(client, network, "m", Role.COORDINATOR)
    with translation.override("it"):
        body = client.get(
            reverse("reports:bottlenecks"), {"start": "2025-01-01", "end": "2025-12-31"}, HTTP_ACCEPT_LANGUAGE="it"
        ).content.decode()
    svg_titles = re.findall(r"<title[^>]*>([^<]*)</title>", body)
    assert svg_titles
    assert not [t for t in svg_titles if "steps coloured by waiting time" in t or " waiting, median wait " in t]
    assert "Escalation Done" not in body and "Follow-up done" not in body
    assert "Seguito concluso" in body
