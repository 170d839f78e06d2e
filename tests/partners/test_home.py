"""The landing page says who you are in the network and what you have to do."""

import re
from html import unescape

import pytest
from django.conf import settings
from django.urls import reverse

from partners import services
from partners.roles import Role
from tests.factories import open_case
from workflows.services import lifecycle


@pytest.fixture(autouse=True)
def english(client):
    """Assertions read English text: ask for it, so they still hold once locale/it is translated."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _count(html: str, key: str) -> int:
    match = re.search(rf'data-count="{key}">(\d+)<', html)
    assert match, key
    return int(match.group(1))


@pytest.fixture
def case_b(network):
    return open_case(network.user("b", Role.CASE_MANAGER), network.org_b)


def test_case_manager_sees_their_open_cases_and_intake_links(client, network, case_a):
    client.force_login(network.user("a", Role.CASE_MANAGER))

    html = client.get(reverse("home")).content.decode()

    assert _count(html, "my-open") == 1
    assert _count(html, "visible-open") == 1
    assert f'href="{reverse("cases:case_list")}?mine=1"' in html
    assert f'href="{reverse("cases:person_register")}"' in html
    assert "Caritas Test" in html
    assert "Case manager" in html


def test_operator_sees_their_organisations_open_cases_without_intake(client, network, case_a, case_b):
    client.force_login(network.user("a", Role.OPERATOR))

    html = client.get(reverse("home")).content.decode()

    assert _count(html, "visible-open") == 1
    assert 'data-count="my-open"' not in html
    assert f'href="{reverse("cases:person_register")}"' not in html


def test_closed_cases_are_not_counted(client, network, case_a):

    manager = network.user("a", Role.CASE_MANAGER)
    lifecycle.case_close(actor=manager, case=case_a, outcome="goals_reached", note="")
    client.force_login(manager)

    html = client.get(reverse("home")).content.decode()

    assert _count(html, "my-open") == 0


def test_org_admin_sees_the_caseload_of_their_organisation_only(client, network, case_a, case_b):
    client.force_login(network.user("a", Role.ORG_ADMIN))

    html = client.get(reverse("home")).content.decode()

    assert "Your organisation's caseload" in unescape(html)
    assert "Caritas Test" in html
    assert "Cooperativa Test" not in html
    assert f'href="{reverse("partners:member_list", args=[network.org_a.pk])}"' in html
    assert 'data-count="visible-open"' not in html


def test_coordinator_sees_the_network_caseload(client, network, case_a, case_b):
    client.force_login(network.user("m", Role.COORDINATOR))

    html = client.get(reverse("home")).content.decode()

    assert "Network caseload" in html
    table = html[html.index("tv-caseload") :]
    assert "Caritas Test" in table
    assert "Cooperativa Test" in table
    assert f'href="{reverse("cases:network_overview")}"' in html


def test_the_caseload_columns_count_cases_in_italian(client, network, case_a, case_b):
    client.force_login(network.user("m", Role.COORDINATOR))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"

    html = client.get(reverse("home")).content.decode()

    head = html[html.index("tv-caseload") :].split("</thead>", 1)[0]
    columns = re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', head)
    assert columns[1:4] == ["Aperti", "Attivi", "Sospesi"]


def test_user_without_active_membership_sees_only_the_not_active_message(client, network, case_a):
    admin, manager = network.user("a", Role.ORG_ADMIN), network.user("a", Role.CASE_MANAGER)
    services.membership_set_active(
        organisation=network.org_a, membership_id=manager.memberships.get().pk, active=False, actor=admin
    )
    client.force_login(manager)

    response = client.get(reverse("home"))
    html = unescape(response.content.decode())

    assert response.status_code == 403  # issue 16, item 17: one clear page for a member whose access ended
    assert "Your membership is no longer active" in html
    assert "data-count" not in html
    assert "Caritas Test" not in html


def test_anonymous_visitor_is_sent_to_login(client, db):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
