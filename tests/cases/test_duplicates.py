import datetime

import pytest

from cases import selectors
from cases.services import person_register
from cases.services.persons import DuplicatePerson, PossibleDuplicates
from partners.roles import Role
from tests.factories import register_person
from workflows.services.lifecycle import case_open

CF = "RSSMRA85T10A562S"


def test_same_codice_fiscale_is_the_same_person_for_the_same_org(network):
    manager = network.user("a", Role.CASE_MANAGER)
    first = register_person(manager, network.org_a, codice_fiscale=CF)
    with pytest.raises(DuplicatePerson) as exc:
        register_person(manager, network.org_a, first_name="M.", codice_fiscale=CF.lower())
    assert exc.value.person == first
    assert exc.value.visible is True


def test_codice_fiscale_known_elsewhere_is_reported_but_not_shown(network):
    register_person(network.user("a", Role.CASE_MANAGER), network.org_a, codice_fiscale=CF)
    with pytest.raises(DuplicatePerson) as exc:
        register_person(network.user("b", Role.CASE_MANAGER), network.org_b, codice_fiscale=CF)
    assert exc.value.visible is False


def test_org_b_can_open_its_own_case_for_a_known_person_only_with_the_code(network):
    from django.http import Http404

    person = register_person(network.user("a", Role.CASE_MANAGER), network.org_a, codice_fiscale=CF)
    manager_b = network.user("b", Role.CASE_MANAGER)
    with pytest.raises(Http404):
        case_open(actor=manager_b, organisation_id=network.org_b.pk, person=person, with_pathway=False)
    case = case_open(
        actor=manager_b, organisation_id=network.org_b.pk, person=person, codice_fiscale_proof=CF, with_pathway=False
    )
    assert case.lead_organisation == network.org_b
    # org B now sees the person and its own case, not org A's cases
    assert selectors.person_get_for(user=manager_b, pk=person.pk) == person
    assert list(selectors.case_list_for(user=manager_b)) == [case]


def test_similar_name_and_same_birth_date_are_candidates(network):
    manager = network.user("a", Role.CASE_MANAGER)
    existing = register_person(
        manager, network.org_a, first_name="Giuseppe", last_name="Esposito", birth_date=datetime.date(1970, 3, 4)
    )
    data = {"first_name": "Giusepe", "last_name": "Esposito", "birth_date": datetime.date(1970, 3, 4)}
    with pytest.raises(PossibleDuplicates) as exc:
        person_register(actor=manager, organisation_id=network.org_a.pk, data=data)
    assert exc.value.candidates == [existing]
    # swapped first and last name are found too
    swapped = {"first_name": "Esposito", "last_name": "Giuseppe", "birth_date": datetime.date(1970, 3, 4)}
    with pytest.raises(PossibleDuplicates):
        person_register(actor=manager, organisation_id=network.org_a.pk, data=swapped)
    # once confirmed, a new person is created
    created = person_register(actor=manager, organisation_id=network.org_a.pk, data=data, confirmed_new=True)
    assert created.pk != existing.pk


def test_different_birth_date_is_not_a_candidate(network):
    manager = network.user("a", Role.CASE_MANAGER)
    register_person(
        manager, network.org_a, first_name="Giuseppe", last_name="Esposito", birth_date=datetime.date(1970, 3, 4)
    )
    person = person_register(
        actor=manager,
        organisation_id=network.org_a.pk,
        data={"first_name": "Giuseppe", "last_name": "Esposito", "birth_date": datetime.date(1971, 3, 4)},
    )
    assert person.pk


def test_candidates_from_other_organisations_are_not_revealed(network):
    register_person(
        network.user("a", Role.CASE_MANAGER),
        network.org_a,
        first_name="Giuseppe",
        last_name="Esposito",
        birth_date=datetime.date(1970, 3, 4),
    )
    manager_b = network.user("b", Role.CASE_MANAGER)
    person = person_register(
        actor=manager_b,
        organisation_id=network.org_b.pk,
        data={"first_name": "Giuseppe", "last_name": "Esposito", "birth_date": datetime.date(1970, 3, 4)},
    )
    assert person.registered_by == network.org_b
