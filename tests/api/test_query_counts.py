"""Every list endpoint runs a number of queries that does not depend on the number of rows:
the same bound holds with 5 rows and with 60 (more than a page of 50)."""

import datetime

import pytest
from django.urls import reverse

from cases import services
from cases.permissions import grants
from partners.roles import Role
from tests.factories import ServiceTypeFactory, make_organisation, open_case, register_person

ROWS = [5, 60]


def _person(manager, org, i):
    return register_person(
        manager,
        org,
        first_name=f"Nome{i}",
        last_name=f"Cognome{i}",
        birth_date=datetime.date(1950, 1, 1) + datetime.timedelta(days=i),
    )


def _organisations(network, n):
    service = ServiceTypeFactory()
    for i in range(n):
        make_organisation(f"Associazione {i}").services.add(service)
    return reverse("api-organisation-list"), {}


def _persons(network, n):
    manager = network.user("a", Role.CASE_MANAGER)
    for i in range(n):
        _person(manager, network.org_a, i)
    return reverse("api-person-list"), {}


def _households(network, n):
    manager = network.user("a", Role.CASE_MANAGER)
    for i in range(n):
        household = services.household_create(
            actor=manager,
            organisation_id=None,
            name=f"Famiglia {i}",
            reference_person=_person(manager, network.org_a, i),
        )
        services.household_member_add(
            actor=manager, household=household, person=_person(manager, network.org_a, 1000 + i), relationship="child"
        )
    return reverse("api-household-list"), {}


def _consents(network, n):
    manager = network.user("a", Role.CASE_MANAGER)
    person = _person(manager, network.org_a, 0)
    for i in range(n):
        services.consent_record(
            actor=manager,
            person=person,
            purpose="share_named",
            given_on=datetime.date(2020, 1, 1) + datetime.timedelta(days=i),
            organisations=[network.org_a, network.org_b],
        )
    return reverse("api-consent-list"), {"person": person.pk}


def _cases(network, n):
    manager = network.user("a", Role.CASE_MANAGER)
    household = services.household_create(actor=manager, organisation_id=None, name="Famiglia")
    for i in range(n):
        case = open_case(manager, network.org_a, _person(manager, network.org_a, i), household=household)
        grants.grant_case_access(case, network.org_b, change=False)
    return reverse("api-case-list"), {}


def _notes(network, n):
    manager = network.user("a", Role.CASE_MANAGER)
    case = open_case(manager, network.org_a)
    for i in range(n):
        services.note_add(actor=manager, case=case, body=f"Nota {i}", is_sensitive=i % 2 == 0)
    return reverse("api-case-note-list", args=[case.pk]), {}


def _case_interventions(network, n):
    manager = network.user("a", Role.CASE_MANAGER)
    service = ServiceTypeFactory()
    case = open_case(manager, network.org_a)
    for _i in range(n):
        services.intervention_record(actor=manager, case=case, kind="meal", service_type=service)
    return reverse("api-case-intervention-list", args=[case.pk]), {}


def _household_interventions(network, n):
    manager = network.user("a", Role.CASE_MANAGER)
    household = services.household_create(actor=manager, organisation_id=None, name="Famiglia")
    for i in range(n):
        case = open_case(manager, network.org_a, _person(manager, network.org_a, i), household=household)
        services.intervention_record(actor=manager, case=case, kind="food_parcel", value=10)
    return reverse("api-intervention-list"), {"household": household.pk}


# endpoint -> (builder, bound). Every bound counts the user's memberships (1), the page count (1) and
# the page (1), plus: organisations their services; households the members and
# which of them the reader may see; consents the person check twice and the organisations; notes
# the case and the case's grants (twice: the view and the selector); interventions the case or the
# household.
ENDPOINTS = {
    "organisations": (_organisations, 4),
    "persons": (_persons, 3),
    "households": (_households, 5),
    "consents": (_consents, 6),
    "cases": (_cases, 3),
    "case_notes": (_notes, 8),
    "case_interventions": (_case_interventions, 4),
    "household_interventions": (_household_interventions, 5),
}


@pytest.mark.parametrize("rows", ROWS)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_list_query_count_is_constant(network, client_for, django_assert_max_num_queries, endpoint, rows):
    # given
    build, bound = ENDPOINTS[endpoint]
    url, params = build(network, rows)
    client = client_for(network.user("a", Role.CASE_MANAGER))
    # when
    with django_assert_max_num_queries(bound):
        response = client.get(url, params)
    # then
    assert response.status_code == 200
    extra = 3 if endpoint == "organisations" else 0  # the network fixture's own organisations
    assert len(response.json()["results"]) == min(rows + extra, 50)
