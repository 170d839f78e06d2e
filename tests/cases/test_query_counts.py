"""Lists are SQL: the number of queries does not grow with the number of rows (10 vs 1,000)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import selectors
from partners.roles import Role
from tests.helpers.cases import bulk_cases


def count_queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "read",
    [
        pytest.param(lambda u: list(selectors.case_list_for(user=u)[:50]), id="case_list"),
        pytest.param(lambda u: list(selectors.case_list_for(user=u, query="rossi")[:50]), id="case_list_search"),
        pytest.param(lambda u: list(selectors.person_search_for(user=u, query="rossi")[:50]), id="person_search"),
        pytest.param(
            lambda u: [str(p.registered_by) for p in selectors.person_search_for(user=u)[:50]],
            id="person_search_with_org",
        ),
    ],
)
def test_query_count_is_the_same_at_10_and_1000_rows(network, read):
    manager = network.user("a", Role.CASE_MANAGER)
    bulk_cases(network.org_a, manager, 10)
    at_10 = count_queries(lambda: read(type(manager).objects.get(pk=manager.pk)))
    bulk_cases(network.org_a, manager, 990)
    at_1000 = count_queries(lambda: read(type(manager).objects.get(pk=manager.pk)))
    assert at_10 == at_1000
    assert at_1000 <= 3  # user's memberships + the list (+ the user row in the lambda)


def test_coordinator_overview_query_count_is_constant(network):
    coordinator = network.user("m", Role.COORDINATOR)
    bulk_cases(network.org_a, network.user("a", Role.CASE_MANAGER), 10)
    at_10 = count_queries(lambda: list(selectors.network_case_overview(user=coordinator)[:50]))
    bulk_cases(network.org_b, network.user("b", Role.CASE_MANAGER), 990)
    fresh = type(coordinator).objects.get(pk=coordinator.pk)
    at_1000 = count_queries(lambda: list(selectors.network_case_overview(user=fresh)[:50]))
    assert at_10 == at_1000 <= 2
