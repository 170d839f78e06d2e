"""Waiting-time percentiles per step: the PostgreSQL path (percentile_cont) and the portable window path agree
with the definition of percentile_cont (linear interpolation between the closest ranks)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from partners.roles import Role
from reports.periods import Period
from reports.permissions import Scope
from reports.selectors import step_figures, step_figures_both
from tests.factories import open_case
from tests.helpers.reports import PERIOD, at

NETWORK = Scope(is_network=True, organisation_ids=None, acting_organisation_id=None)
PATHS = [
    pytest.param(False, id="window"),
    pytest.param(
        True,
        id="percentile_cont",
        marks=pytest.mark.skipif(connection.vendor != "postgresql", reason="percentile_cont is PostgreSQL only"),
    ),
]


@pytest.fixture
def ten_assessments(network, history):
    """Ten assessments at A finished after 1, 2, ..., 10 hours; two still waiting since 1 and 3 December."""
    manager = network.user("a", Role.CASE_MANAGER)
    cases = [open_case(manager, network.org_a) for _ in range(12)]
    for hours, case in enumerate(cases[:10], start=1):
        created = at(3, hours, 8)
        history.task(
            case,
            step="assess",
            organisation=network.org_a,
            created=created,
            finished=created + datetime.timedelta(hours=hours),
        )
    history.task(cases[10], step="assess", organisation=network.org_a, created=at(12, 1, 0))
    history.task(cases[11], step="assess", organisation=network.org_a, created=at(12, 3, 0))
    return cases


@pytest.mark.parametrize("native", PATHS)
def test_median_and_p90_of_finished_tasks(ten_assessments, native):
    # given ten waits of 1..10 hours
    # when
    (row,) = step_figures(scope=NETWORK, period=PERIOD, native=native)
    # then percentile_cont: median at rank 4.5 -> 5.5 h, p90 at rank 8.1 -> 9.1 h; the longest 10 h
    assert (row.flow, row.step) == ("case", "assess")
    assert row.done.count == 10
    assert row.done.p50 == pytest.approx(5.5 * 3600, abs=1)
    assert row.done.p90 == pytest.approx(9.1 * 3600, abs=1)
    assert row.done.maximum == pytest.approx(10 * 3600, abs=1)


@pytest.mark.parametrize("native", PATHS)
def test_waiting_tasks_and_their_age_at_the_end_of_the_period(ten_assessments, native):
    # when: the year ends on 1 January at midnight, 31 and 29 days after the two tasks were created
    (row,) = step_figures(scope=NETWORK, period=PERIOD, native=native)
    # then
    assert row.waiting == 2
    assert row.waiting_age.p50 == pytest.approx(30 * 86400, abs=1)
    assert row.waiting_age.maximum == pytest.approx(31 * 86400, abs=1)


@pytest.mark.parametrize("native", PATHS)
def test_a_task_finished_after_the_period_was_waiting_at_its_end(network, history, native):
    manager = network.user("a", Role.CASE_MANAGER)
    case = open_case(manager, network.org_a)
    history.task(case, step="triage", organisation=network.org_a, created=at(6, 1), finished=at(8, 1))
    june = Period(start=datetime.date(2025, 6, 1), end=datetime.date(2025, 6, 30))
    (row,) = step_figures(scope=NETWORK, period=june, native=native)
    assert row.waiting == 1 and row.done is None
    (row,) = step_figures(scope=NETWORK, period=PERIOD, native=native)
    assert row.waiting == 0 and row.done.count == 1


def test_canceled_tasks_do_not_count_as_done_nor_waiting(network, history):
    manager = network.user("a", Role.CASE_MANAGER)
    case = open_case(manager, network.org_a)
    history.task(case, step="plan", organisation=network.org_a, created=at(2, 1), finished=at(2, 2), canceled=True)
    assert step_figures(scope=NETWORK, period=PERIOD) == []


@pytest.mark.parametrize("native", PATHS)
def test_by_organisation_splits_the_wait_where_it_sits(ten_assessments, network, history, native):
    manager = network.user("b", Role.CASE_MANAGER)
    case = open_case(manager, network.org_b)
    history.task(case, step="assess", organisation=network.org_b, created=at(5, 1), finished=at(5, 3))
    rows = step_figures(scope=NETWORK, period=PERIOD, by_organisation=True, native=native)
    by_org = {r.organisation_id: r for r in rows}
    assert by_org[network.org_a.pk].done.count == 10
    assert by_org[network.org_b.pk].done.count == 1
    assert by_org[network.org_b.pk].done.p50 == pytest.approx(2 * 86400, abs=1)
    assert by_org[network.org_b.pk].organisation == str(network.org_b)


def test_an_org_admin_scope_sees_only_its_organisations_steps(ten_assessments, network, history):
    manager = network.user("b", Role.CASE_MANAGER)
    case = open_case(manager, network.org_b)
    history.task(case, step="assess", organisation=network.org_b, created=at(5, 1), finished=at(5, 3))
    scope_b = Scope(is_network=False, organisation_ids=(network.org_b.pk,), acting_organisation_id=network.org_b.pk)
    (row,) = step_figures(scope=scope_b, period=PERIOD)
    assert row.done.count == 1 and row.waiting == 0


def test_query_count_does_not_grow_with_events(ten_assessments, network, history, django_assert_max_num_queries):
    # two grouped queries and the names (PostgreSQL: each inside a savepoint with SET LOCAL work_mem)
    with django_assert_max_num_queries(9):
        step_figures(scope=NETWORK, period=PERIOD, by_organisation=True)


@pytest.mark.parametrize("native", PATHS)
def test_both_views_in_one_pass_match_the_separate_ones(ten_assessments, network, history, native):
    manager = network.user("b", Role.CASE_MANAGER)
    case = open_case(manager, network.org_b)
    history.task(case, step="assess", organisation=network.org_b, created=at(5, 1), finished=at(5, 3))
    by_org, per_step = step_figures_both(scope=NETWORK, period=PERIOD, native=native)
    assert by_org == step_figures(scope=NETWORK, period=PERIOD, by_organisation=True, native=native)
    assert per_step == step_figures(scope=NETWORK, period=PERIOD, native=native)
    (total,) = per_step
    assert total.done.count == 11 and total.waiting == 2
