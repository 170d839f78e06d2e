"""The case list, the person search and the coordinator's overview pages run exactly as many queries with
1,000 rows as with 10."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partners.roles import Role
from tests.helpers.cases import bulk_cases

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


def _fill_case_file(case, manager, network, n: int) -> None:
    from cases import services

    for i in range(n):
        services.note_add(actor=manager, case=case, body=f"Nota {i}", is_sensitive=i % 3 == 0)
        services.intervention_record(actor=manager, case=case, kind="food_parcel")
        services.assessment_record(actor=manager, case=case, domain=["housing", "work", "food"][i % 3], severity=2)


def test_case_page_query_count_does_not_grow_with_the_file(network, client, case_a):
    manager = network.user("a", Role.CASE_MANAGER)
    client.force_login(manager)
    _fill_case_file(case_a, manager, network, 2)
    url = reverse("cases:case_detail", args=[case_a.pk])
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _fill_case_file(case_a, manager, network, 40)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    print(f"\ncase page: {len(small)} queries with a small file, {len(large)} with 120 more records")
    assert len(small) == len(large) <= 22  # 20 + the navigation's count of the user's tasks + the bell's count
