"""The lists answer in a number of queries that does not grow with the rows."""

import datetime

import pytest
from django.urls import reverse

from cases import services
from cases.models import Case, Person
from partners.roles import Role
from workflows.services import lifecycle

# One bound for 5 rows and for 60 (more than two pages of 25); it includes the navigation's count of the user's
# tasks (one query, workflows.context_processors) and the bell's unread count (one query,
# notifications.context_processors).
MAX_QUERIES = 12


def make_cases(network, n: int) -> list[Case]:
    manager = network.user("a", Role.CASE_MANAGER)
    cases = []
    for i in range(n):
        person = services.person_register(
            actor=manager,
            organisation_id=network.org_a.pk,
            confirmed_new=True,
            data={
                "first_name": f"Nome{i}",
                "last_name": "Rossi",
                "birth_date": datetime.date(1960, 1, 1) + datetime.timedelta(days=i),
            },
        )
        cases.append(
            lifecycle.case_open(actor=manager, organisation_id=network.org_a.pk, person=person, with_pathway=False)
        )
    return cases


@pytest.mark.parametrize("rows", [5, 60])
def test_case_list(network, client, django_assert_max_num_queries, rows):
    make_cases(network, rows)
    client.force_login(network.user("a", Role.CASE_MANAGER))
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("cases:case_list"))
    assert len(response.context["page"]) == min(rows, 25)


@pytest.mark.parametrize("rows", [5, 60])
def test_person_search(network, client, django_assert_max_num_queries, rows):
    make_cases(network, rows)
    client.force_login(network.user("a", Role.CASE_MANAGER))
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("cases:person_search"), {"q": "rossi"})
    assert len(response.context["page"]) == min(rows, 25)
    assert Person.objects.count() == rows


@pytest.mark.parametrize("rows", [5, 60])
def test_network_overview(network, client, django_assert_max_num_queries, rows):
    make_cases(network, rows)
    client.force_login(network.user("m", Role.COORDINATOR))
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("cases:network_overview"))
    assert len(response.context["page"]) == min(rows, 25)
