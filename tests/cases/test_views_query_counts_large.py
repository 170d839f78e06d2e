"""The case list, the person search and the coordinator's overview pages run exactly as many queries with
1,000 rows as with 10."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partners.roles import Role
from tests.cases.test_query_counts import bulk_cases

PAGES = [
    pytest.param(("a", Role.CASE_MANAGER), "cases:case_list", {}, id="case_list"),
    pytest.param(("a", Role.CASE_MANAGER), "cases:case_list", {"q": "rossi"}, id="case_list_query"),
    pytest.param(("a", Role.CASE_MANAGER), "cases:person_search", {"q": "rossi"}, id="person_search"),
    pytest.param(("m", Role.COORDINATOR), "cases:network_overview", {}, id="network_overview"),
]


def page_queries(client, url_name: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse(url_name), params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(("member", "url_name", "params"), PAGES)
def test_page_query_count_does_not_grow_from_10_to_1000_rows(network, client, member, url_name, params):
    client.force_login(network.user(*member))
    manager = network.user("a", Role.CASE_MANAGER)
    bulk_cases(network.org_a, manager, 10)
    at_10 = page_queries(client, url_name, params)
    bulk_cases(network.org_a, manager, 990)
    at_1000 = page_queries(client, url_name, params)
    print(f"\n{url_name} {params}: {at_10} queries at 10 rows, {at_1000} at 1,000")
    assert at_10 == at_1000
