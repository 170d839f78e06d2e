"""Lists are SQL: the number of queries does not grow with the number of rows (10 vs 1,000)."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import selectors
from cases.models import Case, CaseGroupObjectPermission, Person, PersonAccess
from partners.roles import Role


def bulk_cases(organisation, manager, count: int) -> None:
    start = Case.objects.count()
    people = Person.objects.bulk_create(
        Person(first_name=f"Nome{i}", last_name=f"Rossi{i:05d}", first_name_key=f"nome{i}",
               last_name_key=f"rossi{i:05d}", birth_date=datetime.date(1980, 1, 1), registered_by=organisation)
        for i in range(count)
    )
    cases = Case.objects.bulk_create(
        Case(code=f"B-{start + i}", person=p, lead_organisation=organisation, case_manager=manager)
        for i, p in enumerate(people)
    )
    view, change = Permission.objects.filter(codename__in=["view_case", "change_case"], content_type__app_label="cases")
    CaseGroupObjectPermission.objects.bulk_create(
        CaseGroupObjectPermission(group_id=organisation.group_id, permission=perm, content_object=case)
        for case in cases for perm in (view, change)
    )
    # What `permissions.grant_case_access` / `person_access_sync` write for these people.
    PersonAccess.objects.bulk_create(PersonAccess(person=p, group_id=organisation.group_id) for p in people)


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
        pytest.param(lambda u: [str(p.registered_by) for p in selectors.person_search_for(user=u)[:50]],
                     id="person_search_with_org"),
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
