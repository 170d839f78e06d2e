"""The coordinator's pseudonymised network overview."""

import pytest
from django.urls import reverse

from partners.roles import Role
from tests.factories import open_case, register_person
from workflows.services import lifecycle


@pytest.fixture
def case_b(network):
    manager = network.user("b", Role.CASE_MANAGER)
    person = register_person(manager, network.org_b, first_name="Ugo", last_name="Fantozzi")
    return open_case(manager, network.org_b, person)


def test_coordinator_sees_codes_and_organisations_without_names(network, client, case_a, case_b):
    client.force_login(network.user("m", Role.COORDINATOR))
    response = client.get(reverse("cases:network_overview"))
    content = response.content.decode()
    assert response.status_code == 200
    assert case_a.code in content and case_b.code in content
    assert "Caritas Test" in content and "Cooperativa Test" in content
    for name in ("Giulia", "Bianchi", "Ugo", "Fantozzi", "BNCGLI80A41F205F"):
        assert name not in content
    assert reverse("cases:case_detail", args=[case_a.pk]) not in content


def test_filters_by_status_and_organisation(network, client, case_a, case_b):
    lifecycle.case_set_status(actor=network.user("b", Role.CASE_MANAGER), case=case_b, status="suspended")
    client.force_login(network.user("m", Role.COORDINATOR))
    url = reverse("cases:network_overview")
    assert [row["code"] for row in client.get(url, {"status": "suspended"}).context["page"]] == [case_b.code]
    assert [row["code"] for row in client.get(url, {"organisation": network.org_a.pk}).context["page"]] == [case_a.code]
    assert client.get(url, {"organisation": "999999"}).status_code == 200


@pytest.mark.parametrize("org_key, role", [("a", Role.CASE_MANAGER), ("a", Role.ORG_ADMIN), ("m", Role.CASE_MANAGER)])
def test_is_404_for_everyone_but_the_coordinator(network, client, case_a, org_key, role):
    client.force_login(network.user(org_key, role))
    assert client.get(reverse("cases:network_overview")).status_code == 404
