"""The permission matrix at the level of the rules (cases.permissions): role x own/other org x capability."""

import pytest
from django.http import Http404

from cases import selectors
from cases.permissions import checks, grants
from cases.services import note_add
from partners import services as partner_services
from partners.roles import Capability, Role

ROLES = [Role.CASE_MANAGER, Role.OPERATOR, Role.VOLUNTEER, Role.ORG_ADMIN]

EXPECTED = {
    Role.CASE_MANAGER: set(Capability.values),
    Role.OPERATOR: set(Capability.values) - {Capability.CHANGE_CASE},
    Role.VOLUNTEER: {Capability.VIEW_SUMMARY, Capability.ADD_INTERVENTION},
    Role.ORG_ADMIN: {
        Capability.VIEW_SUMMARY,
        Capability.VIEW_FILE,
        Capability.READ_NOTES,
        Capability.DOWNLOAD_DOCUMENT,
        Capability.VIEW_TIMELINE,
    },
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("capability", Capability.values)
def test_lead_organisation_roles(network, case_a, role, capability):
    user = network.user("a", role)
    allowed = capability in EXPECTED[role]
    assert (capability in checks.case_capabilities(user, case_a)) is allowed
    assert checks.visible_cases(user, capability).filter(pk=case_a.pk).exists() is allowed


@pytest.mark.parametrize("role", [*ROLES, Role.COORDINATOR])
@pytest.mark.parametrize("capability", Capability.values)
def test_other_organisations_and_coordinator_get_nothing(network, case_a, role, capability):
    user = network.user("m", role) if role == Role.COORDINATOR else network.user("b", role)
    assert checks.case_capabilities(user, case_a) == frozenset()
    assert not checks.visible_cases(user, capability).exists()
    assert not checks.visible_persons(user, capability).exists()


def test_municipality_case_manager_does_not_see_partner_cases(network, case_a):
    assert not selectors.case_list_for(user=network.user("m", Role.CASE_MANAGER)).exists()


def test_read_grant_gives_view_but_not_change(network, case_a):
    grants.grant_case_access(case_a, network.org_b, change=False)
    manager_b = network.user("b", Role.CASE_MANAGER)
    caps = checks.case_capabilities(manager_b, case_a)
    assert Capability.VIEW_FILE in caps
    assert Capability.CHANGE_CASE not in caps
    assert selectors.case_get_for(user=manager_b, pk=case_a.pk) == case_a


def test_sensitive_note_is_only_for_the_author_organisation(network, case_a):
    grants.grant_case_access(case_a, network.org_b, change=False)
    manager_a = network.user("a", Role.CASE_MANAGER)
    secret = note_add(actor=manager_a, case=case_a, body="Diagnosi", is_sensitive=True)
    plain = note_add(actor=manager_a, case=case_a, body="Colloquio", is_sensitive=False)
    assert set(selectors.note_list_for(user=network.user("a", Role.OPERATOR), case=case_a)) == {secret, plain}
    assert list(selectors.note_list_for(user=network.user("b", Role.CASE_MANAGER), case=case_a)) == [plain]
    timeline_b = selectors.timeline_for(user=network.user("b", Role.CASE_MANAGER), case=case_a)
    assert not timeline_b.filter(object_id=secret.pk, kind="note_added").exists()


def test_coordinator_sees_pseudonymised_overview_without_names(network, case_a):
    rows = list(selectors.network_case_overview(user=network.user("m", Role.COORDINATOR)))
    assert [row["code"] for row in rows] == [case_a.code]
    assert not any("person" in key for key in rows[0])
    assert not selectors.network_case_overview(user=network.user("a", Role.CASE_MANAGER)).exists()


def test_coordinator_with_a_per_user_grant_can_read_but_not_change(network, case_a):
    coordinator = network.user("m", Role.COORDINATOR)
    grants.grant_user_case_view(case_a, coordinator)
    caps = checks.case_capabilities(coordinator, case_a)
    assert Capability.VIEW_FILE in caps and Capability.CHANGE_CASE not in caps
    assert selectors.case_get_for(user=coordinator, pk=case_a.pk) == case_a


def test_deactivated_member_loses_access_at_once(network, case_a):
    operator = network.user("a", Role.OPERATOR)
    membership = operator.memberships.get()
    partner_services.membership_set_active(
        organisation=network.org_a, membership_id=membership.pk, active=False, actor=network.user("a", Role.ORG_ADMIN)
    )
    operator.refresh_from_db()
    fresh = type(operator).objects.get(pk=operator.pk)  # a new request loads the user again
    with pytest.raises(Http404):
        selectors.case_get_for(user=fresh, pk=case_a.pk)
    assert not fresh.groups.filter(pk=network.org_a.group_id).exists()


def test_deactivated_organisation_loses_access(network, case_a):
    partner_services.organisation_set_active(organisation=network.org_a, active=False)
    manager = type(network.user("a", Role.CASE_MANAGER)).objects.get(username="a_case_manager")
    assert not selectors.case_list_for(user=manager).exists()


def test_guardian_agrees_with_our_rules_for_group_grants(network, case_a):
    manager_a = type(network.user("a", Role.CASE_MANAGER)).objects.get(username="a_case_manager")
    manager_b = type(network.user("b", Role.CASE_MANAGER)).objects.get(username="b_case_manager")
    assert manager_a.has_perm("cases.view_case", case_a)
    assert manager_a.has_perm("cases.change_case", case_a)
    assert not manager_b.has_perm("cases.view_case", case_a)


def test_timeline_lines_follow_the_readers_language(network, case_a):
    from django.utils import translation

    from workflows.services.lifecycle import case_set_status

    case_set_status(actor=network.user("a", Role.CASE_MANAGER), case=case_a, status="active")
    event = case_a.events.get(kind="status_changed")
    assert event.data == {"from": "open", "to": "active"}
    with translation.override("en"):
        assert event.display_summary() == "Open → Active"
    with translation.override("it"):
        assert event.display_summary() == "Aperto → Attivo"
