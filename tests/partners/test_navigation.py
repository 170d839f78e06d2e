"""The navigation bar shows each role the pages it may use, and nothing else."""

import pytest
from django.conf import settings
from django.urls import reverse

from partners.roles import Role


@pytest.fixture(autouse=True)
def english(client):
    """Assertions read English text: ask for it, so they still hold once locale/it is translated."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _nav(response) -> str:
    html = response.content.decode()
    start = html.index('id="tv-nav"')
    return html[start : html.index("</nav>", start)]


def _href(name, *args) -> str:
    return f'href="{reverse(name, args=args)}"'


CASES, PEOPLE, REGISTER = "cases:case_list", "cases:person_search", "cases:person_register"
OVERVIEW, CASELOAD, AUDIT, ORGS = (
    "cases:network_overview",
    "cases:caseload",
    "partners:audit_log",
    "partners:organisation_list",
)
ALL_LINKS = {CASES, PEOPLE, REGISTER, OVERVIEW, CASELOAD, AUDIT, ORGS}


@pytest.mark.parametrize(
    ("org_key", "role", "expected"),
    [
        ("a", Role.CASE_MANAGER, {CASES, PEOPLE, REGISTER, ORGS}),
        ("a", Role.OPERATOR, {CASES, PEOPLE, ORGS}),
        ("a", Role.VOLUNTEER, {CASES, ORGS}),
        ("a", Role.ORG_ADMIN, {CASELOAD, AUDIT, ORGS}),
        ("m", Role.COORDINATOR, {OVERVIEW, CASELOAD, AUDIT, ORGS}),
    ],
)
def test_nav_links_follow_the_role(client, network, org_key, role, expected):
    client.force_login(network.user(org_key, role))

    nav = _nav(client.get(reverse("partners:organisation_list")))

    for name in expected:
        assert _href(name) in nav, name
    for name in ALL_LINKS - expected:
        assert _href(name) not in nav, name


def test_org_admin_nav_links_to_members_of_own_organisation_only(client, network):
    client.force_login(network.user("a", Role.ORG_ADMIN))

    nav = _nav(client.get(reverse("home")))

    assert _href("partners:member_list", network.org_a.pk) in nav
    assert _href("partners:member_list", network.org_b.pk) not in nav


@pytest.mark.parametrize(("org_key", "role"), [("a", Role.CASE_MANAGER), ("m", Role.COORDINATOR)])
def test_nav_has_no_members_link_for_other_roles(client, network, org_key, role):
    client.force_login(network.user(org_key, role))

    nav = _nav(client.get(reverse("home")))

    assert "/members/" not in nav


def test_user_menu_shows_name_organisations_roles_and_logout_form(client, network):
    user = network.user("a", Role.CASE_MANAGER)
    client.force_login(user)

    nav = _nav(client.get(reverse("home")))

    assert user.get_full_name() in nav
    assert "Caritas Test" in nav
    assert "Case manager" in nav
    assert _href("password_change") in nav
    assert f'<form action="{reverse("logout")}" method="post">' in nav
    assert f'action="{reverse("set_language")}" method="post"' in nav


def test_user_without_active_membership_gets_no_navigation_links(client, network):
    from partners import services

    admin = network.user("a", Role.ORG_ADMIN)
    operator = network.user("a", Role.OPERATOR)
    membership = operator.memberships.get()
    services.membership_set_active(organisation=network.org_a, membership_id=membership.pk, active=False, actor=admin)
    client.force_login(operator)

    nav = _nav(client.get(reverse("home")))

    assert _href(ORGS) not in nav
    assert _href(CASES) not in nav
    assert "Not active in any organisation" in nav


def test_anonymous_visitor_sees_login_link_only(client, db):
    nav = _nav(client.get(reverse("login")))

    assert _href("login") in nav
    assert _href(ORGS) not in nav
