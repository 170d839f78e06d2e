import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from cases import services
from partners.roles import Role
from tests.factories import PASSWORD, ServiceTypeFactory, make_organisation


def test_organisations_list_only_active_ones_with_services_and_contacts(network, client_for):
    food = ServiceTypeFactory(code="food", name="Food aid")
    network.org_a.services.add(food)
    network.org_a.phone = "02 555"
    network.org_a.save()
    closed = make_organisation("Associazione chiusa")
    closed.is_active = False
    closed.save()
    response = client_for(network.user("b", Role.VOLUNTEER)).get(reverse("api-organisation-list"))
    assert response.status_code == 200
    rows = {row["id"]: row for row in response.json()["results"]}
    assert set(rows) == {network.municipality.pk, network.org_a.pk, network.org_b.pk}
    org_a = rows[network.org_a.pk]
    assert org_a["services"] == [{"id": food.pk, "code": "food", "name": "Food aid", "share_sections": []}]
    assert org_a["contacts"]["phone"] == "02 555"
    assert (org_a["kind"], org_a["network_role"]) == ("association", "partner")
    assert rows[network.municipality.pk]["network_role"] == "coordinator"


def test_inactive_organisation_detail_is_404(network, client_for):
    closed = make_organisation("Associazione chiusa")
    closed.is_active = False
    closed.save()
    client = client_for(network.user("a", Role.OPERATOR))
    assert client.get(reverse("api-organisation-detail", args=[closed.pk])).status_code == 404
    assert client.get(reverse("api-organisation-detail", args=[network.org_b.pk])).status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "api-root",
        "api-organisation-list",
        "api-person-list",
        "api-household-list",
        "api-case-list",
        "api-intervention-list",
    ],
)
def test_browsable_api_renders_lists(network, case_a, name):
    client = APIClient()
    client.login(username=network.user("a", Role.CASE_MANAGER).username, password=PASSWORD)
    response = client.get(reverse(name), HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert "text/html" in response["Content-Type"]


@pytest.mark.parametrize(
    ("name", "marker"),
    [
        ("api-case-detail", "Sostegno abitativo"),
        ("api-case-note-list", "Visita domiciliare"),
        ("api-case-intervention-list", "Pacco consegnato"),
    ],
)
def test_browsable_api_renders_a_case_and_its_parts(network, case_a, name, marker):
    manager = network.user("a", Role.CASE_MANAGER)
    services.note_add(actor=manager, case=case_a, body="Visita domiciliare")
    services.intervention_record(actor=manager, case=case_a, kind="food_parcel", note="Pacco consegnato")
    client = APIClient()
    client.login(username=manager.username, password=PASSWORD)
    response = client.get(reverse(name, args=[case_a.pk]), HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert marker in response.content.decode()
