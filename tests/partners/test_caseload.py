"""The caseload page: open cases per lead organisation, for administrators and the coordinator."""

import pytest
from django.conf import settings
from django.urls import reverse

from partners.roles import Role
from tests.factories import open_case


@pytest.fixture(autouse=True)
def english(client):
    """Assertions read English text: ask for it, so they still hold once locale/it is translated."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def cases(network, case_a):
    open_case(network.user("b", Role.CASE_MANAGER), network.org_b)
    open_case(network.user("b", Role.CASE_MANAGER), network.org_b)


def _table(html: str) -> str:
    return html[html.index("tv-caseload") :]


def test_org_admin_sees_their_organisation_only(client, network, cases):
    client.force_login(network.user("b", Role.ORG_ADMIN))

    response = client.get(reverse("cases:caseload"))

    assert response.status_code == 200
    table = _table(response.content.decode())
    assert "Cooperativa Test" in table
    assert "Caritas Test" not in table


def test_coordinator_sees_every_organisation_with_totals(client, network, cases):
    client.force_login(network.user("m", Role.COORDINATOR))

    table = _table(client.get(reverse("cases:caseload")).content.decode())

    assert "Cooperativa Test" in table
    assert "Caritas Test" in table
    assert response_total(table) == 3


def response_total(table: str) -> int:
    footer = table[table.index("<tfoot>") :]
    return int(footer.split('fw-semibold">')[1].split("<")[0])


@pytest.mark.parametrize(
    ("org_key", "role"),
    [("a", Role.CASE_MANAGER), ("a", Role.OPERATOR), ("a", Role.VOLUNTEER), ("m", Role.CASE_MANAGER)],
)
def test_other_roles_get_404(client, network, org_key, role):
    client.force_login(network.user(org_key, role))

    assert client.get(reverse("cases:caseload")).status_code == 404
