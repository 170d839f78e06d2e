"""`PersonAccess`: the (person, organisation group) rows behind `visible_persons`, kept in step with the case
grants and the registering organisation by `cases.permissions`."""

import datetime
import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.test.utils import CaptureQueriesContext

from cases import selectors
from cases.models import Person, PersonAccess
from cases.permissions import checks, grants
from cases.services import person_merge
from partners import services as partner_services
from partners.models import Membership
from partners.roles import Capability, Role
from partners.selectors import memberships_with
from tests.factories import open_case, register_person
from tests.helpers.cases import bulk_cases


def rows(person) -> set[int]:
    return set(PersonAccess.objects.filter(person=person).values_list("group_id", flat=True))


def old_visible_persons(user, capability):
    """The definition before PersonAccess, kept here as the oracle."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Person.objects.none()
    cases = checks.visible_cases(user, capability).filter(person_id=OuterRef("pk"))
    registering_orgs = [m.organisation_id for m in memberships_with(user, capability)]
    return Person.objects.not_merged().filter(Q(Exists(cases)) | Q(registered_by_id__in=registering_orgs))


@pytest.fixture
def manager_a(network):
    return network.user("a", Role.CASE_MANAGER)


# --- rows written by the services and the grants -----------------------------------------------------


def test_registering_writes_the_registering_organisation_row(network, manager_a):
    person = register_person(manager_a, network.org_a)
    assert rows(person) == {network.org_a.group_id}


def test_opening_a_case_elsewhere_adds_that_organisation(network, manager_a):
    person = register_person(
        manager_a, network.org_a, codice_fiscale="RSSMRA85T10A562S", birth_date=datetime.date(1985, 12, 10), sex="M"
    )
    open_case(network.user("b", Role.CASE_MANAGER), network.org_b, person, codice_fiscale_proof=person.codice_fiscale)
    assert rows(person) == {network.org_a.group_id, network.org_b.group_id}


def test_a_read_grant_adds_a_row_once(network, case_a):
    grants.grant_case_access(case_a, network.org_b, change=False)
    grants.grant_case_access(case_a, network.org_b, change=True)
    assert rows(case_a.person) == {network.org_a.group_id, network.org_b.group_id}
    assert PersonAccess.objects.filter(person=case_a.person, group_id=network.org_b.group_id).count() == 1


def test_revoking_the_only_grant_removes_the_row(network, case_a):
    grants.grant_case_access(case_a, network.org_b, change=False)
    grants.revoke_case_access(case_a, network.org_b)
    assert rows(case_a.person) == {network.org_a.group_id}


def test_revoking_change_only_keeps_the_row(network, case_a):
    grants.grant_case_access(case_a, network.org_b, change=True)
    grants.revoke_case_access(case_a, network.org_b, change_only=True)
    assert network.org_b.group_id in rows(case_a.person)


def test_row_kept_while_another_case_of_the_person_is_granted(network, manager_a, case_a):
    other = open_case(manager_a, network.org_a, case_a.person)
    grants.grant_case_access(case_a, network.org_b, change=False)
    grants.grant_case_access(other, network.org_b, change=False)
    grants.revoke_case_access(case_a, network.org_b)
    assert network.org_b.group_id in rows(case_a.person)
    grants.revoke_case_access(other, network.org_b)
    assert network.org_b.group_id not in rows(case_a.person)


def test_row_kept_for_the_registering_organisation(network, case_a):
    grants.revoke_case_access(case_a, network.org_a)
    assert rows(case_a.person) == {network.org_a.group_id}


def test_merge_moves_the_access_with_the_cases(network, manager_a):
    kept = register_person(manager_a, network.org_a, first_name="Mario", last_name="Rossi")
    merged = register_person(manager_a, network.org_a, first_name="Mario", last_name="Rosi")
    case = open_case(manager_a, network.org_a, merged)
    grants.grant_case_access(case, network.org_b, change=False)
    person_merge(actor=manager_a, kept=kept, merged=merged, reason="Same person")
    assert rows(kept) == {network.org_a.group_id, network.org_b.group_id}
    assert rows(merged) == {network.org_a.group_id}
    operator_b = network.user("b", Role.OPERATOR)
    assert list(checks.visible_persons(operator_b)) == [kept]


def test_sync_repairs_missing_and_stray_rows(network, case_a):
    person = case_a.person
    grants.grant_case_access(case_a, network.org_b, change=False)
    PersonAccess.objects.filter(person=person).delete()
    PersonAccess.objects.create(person=person, group_id=network.municipality.group_id)
    grants.person_access_sync(person)
    assert rows(person) == {network.org_a.group_id, network.org_b.group_id}


def test_migration_backfill_rebuilds_the_rows(network, manager_a, case_a):
    register_person(manager_a, network.org_a, first_name="Anna", last_name="Verdi")
    grants.grant_case_access(case_a, network.org_b, change=False)
    expected = set(PersonAccess.objects.values_list("person_id", "group_id"))
    PersonAccess.objects.all().delete()
    migration = importlib.import_module("cases.migrations.0005_person_access")
    migration.backfill(apps, SimpleNamespace(connection=connection, quote_name=connection.ops.quote_name))
    assert set(PersonAccess.objects.values_list("person_id", "group_id")) == expected


# --- visible_persons agrees with the old definition -----------------------------------------------------


def build_scenario(network, scenario: str) -> None:
    manager_a, manager_b = network.user("a", Role.CASE_MANAGER), network.user("b", Role.CASE_MANAGER)
    shared = open_case(manager_a, network.org_a, register_person(manager_a, network.org_a, last_name="Shared"))
    register_person(manager_a, network.org_a, last_name="OnlyRegistered")
    register_person(manager_b, network.org_b, last_name="RegisteredByB")
    known = register_person(
        manager_a,
        network.org_a,
        last_name="Known",
        codice_fiscale="RSSMRA85T10A562S",
        birth_date=datetime.date(1985, 12, 10),
        sex="M",
    )
    open_case(manager_b, network.org_b, known, codice_fiscale_proof=known.codice_fiscale)
    if scenario in ("shared", "revoked", "merged", "deactivated"):
        grants.grant_case_access(shared, network.org_b, change=scenario == "deactivated")
    if scenario == "revoked":
        grants.revoke_case_access(shared, network.org_b)
        grants.revoke_case_access(shared, network.org_a)
    if scenario == "coordinator":
        grants.grant_user_case_view(shared, network.user("m", Role.COORDINATOR))
    if scenario == "merged":
        duplicate = register_person(manager_b, network.org_b, last_name="Duplicate")
        open_case(manager_b, network.org_b, duplicate)
        person_merge(actor=manager_a, kept=shared.person, merged=known, reason="Same person")
    if scenario == "deactivated":
        membership = Membership.objects.get(user=network.user("b", Role.OPERATOR), organisation=network.org_b)
        partner_services.membership_set_active(
            organisation=network.org_b,
            membership_id=membership.pk,
            active=False,
            actor=network.user("b", Role.ORG_ADMIN),
        )
        user = network.user("a", Role.VOLUNTEER)
        user.is_active = False
        user.save()


@pytest.mark.parametrize("scenario", ["lead_only", "shared", "revoked", "coordinator", "merged", "deactivated"])
def test_visible_persons_matches_the_old_definition(network, scenario):
    build_scenario(network, scenario)
    for user in network.users.values():
        for capability in Capability.values:
            fresh = type(user).objects.get(pk=user.pk)
            new = set(checks.visible_persons(fresh, capability).values_list("pk", flat=True))
            old = set(old_visible_persons(fresh, capability).values_list("pk", flat=True))
            assert new == old, (user.username, capability, scenario)


def test_coordinator_sees_a_person_through_a_per_user_grant_only(network, case_a):
    coordinator = network.user("m", Role.COORDINATOR)
    assert not checks.visible_persons(coordinator).exists()
    grants.grant_user_case_view(case_a, coordinator)
    fresh = type(coordinator).objects.get(pk=coordinator.pk)
    assert list(checks.visible_persons(fresh)) == [case_a.person]


# --- person search: constant query count, same order with either query shape ----------------------------


@pytest.mark.parametrize("query", ["", "r", "rossi", "nome rossi"])
def test_person_search_query_count_is_constant(network, manager_a, query):
    def count():
        user = type(manager_a).objects.get(pk=manager_a.pk)
        with CaptureQueriesContext(connection) as ctx:
            list(selectors.person_search_for(user=user, query=query)[:50])
        return len(ctx.captured_queries)

    bulk_cases(network.org_a, manager_a, 10)
    at_10 = count()
    bulk_cases(network.org_a, manager_a, 990)
    assert count() == at_10 <= 2


def test_search_order_is_by_name_with_a_short_or_long_query(network, manager_a):
    for last, first in (("Rossini", "Bruno"), ("Rossi", "Carla"), ("Rossi", "Anna"), ("Bianchi", "Rosa")):
        register_person(manager_a, network.org_a, first_name=first, last_name=last)
    expected = ["Bianchi Rosa", "Rossi Anna", "Rossi Carla", "Rossini Bruno"]
    for query in ("r", "ro", "ros", "rossi"):
        found = [str(p) for p in selectors.person_search_for(user=manager_a, query=query)]
        assert found == [name for name in expected if any(word.startswith(query) for word in name.lower().split())]
