"""The network's directory of organisations: public to every active member, no case data."""

import pytest
from django.conf import settings
from django.urls import reverse

from partners import services
from partners.models import Organisation
from partners.roles import Role
from tests.factories import ServiceTypeFactory


@pytest.fixture(autouse=True)
def english(client):
    """Assertions read English text: ask for it, so they still hold once locale/it is translated."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def food_bank(network):
    bank = services.organisation_create(
        name="Banco Alimentare Test",
        kind="association",
        address="Via Roma 1",
        postcode="20092",
        city="Cinisello Balsamo",
        phone="02 1234567",
        email="info@banco.example.org",
        services=[ServiceTypeFactory(code="food", name="Food parcels")],
    )
    return bank


@pytest.mark.parametrize(("org_key", "role"), [("a", Role.VOLUNTEER), ("b", Role.ORG_ADMIN), ("m", Role.COORDINATOR)])
def test_every_member_sees_the_directory(client, network, food_bank, org_key, role):
    client.force_login(network.user(org_key, role))

    response = client.get(reverse("partners:organisation_list"))

    assert response.status_code == 200
    html = response.content.decode()
    for name in ("Comune di Test", "Caritas Test", "Cooperativa Test", "Banco Alimentare Test"):
        assert name in html
    assert "Food parcels" in html
    assert "Coordinator" in html  # network role
    assert "Association" in html  # kind


def test_directory_hides_inactive_organisations_unless_asked(client, network, food_bank):
    services.organisation_set_active(organisation=food_bank, active=False)
    client.force_login(network.user("a", Role.OPERATOR))

    default = client.get(reverse("partners:organisation_list")).content.decode()
    everything = client.get(reverse("partners:organisation_list"), {"inactive": "1"}).content.decode()

    assert "Banco Alimentare Test" not in default
    assert "Banco Alimentare Test" in everything


def test_directory_filters_by_service(client, network, food_bank):
    client.force_login(network.user("a", Role.OPERATOR))
    service = food_bank.services.get()

    html = client.get(reverse("partners:organisation_list"), {"service": service.pk}).content.decode()

    table = html[html.index("<tbody>") :]
    assert "Banco Alimentare Test" in table
    assert "Caritas Test" not in table


def test_directory_query_count_is_constant(client, network, django_assert_max_num_queries):
    service = ServiceTypeFactory()
    for number in range(40):
        services.organisation_create(name=f"Associazione {number}", kind="association", services=[service])
    client.force_login(network.user("a", Role.OPERATOR))

    with django_assert_max_num_queries(11):  # 10 + the bell's unread count (notifications.context_processors)
        response = client.get(reverse("partners:organisation_list"))

    assert response.content.decode().count(service.name) >= 40


def test_detail_shows_contacts_services_and_active_flag(client, network, food_bank):
    client.force_login(network.user("a", Role.VOLUNTEER))

    html = client.get(reverse("partners:organisation_detail", args=[food_bank.pk])).content.decode()

    for text in (
        "Banco Alimentare Test",
        "Via Roma 1",
        "20092 Cinisello Balsamo",
        "02 1234567",
        "info@banco.example.org",
        "Food parcels",
        "tv-active",
    ):
        assert text in html


def test_detail_of_an_inactive_organisation_says_so(client, network, food_bank):
    services.organisation_set_active(organisation=food_bank, active=False)
    client.force_login(network.user("a", Role.VOLUNTEER))

    html = client.get(reverse("partners:organisation_detail", args=[food_bank.pk])).content.decode()

    assert "tv-inactive-badge" in html


def test_detail_of_a_missing_organisation_is_404(client, network):
    client.force_login(network.user("a", Role.VOLUNTEER))

    response = client.get(reverse("partners:organisation_detail", args=[Organisation.objects.latest("pk").pk + 1]))

    assert response.status_code == 404


def test_detail_links_to_member_management_for_its_admin_only(client, network):
    url = reverse("partners:organisation_detail", args=[network.org_a.pk])
    members = reverse("partners:member_list", args=[network.org_a.pk])

    client.force_login(network.user("a", Role.ORG_ADMIN))
    assert members in client.get(url).content.decode()
    client.force_login(network.user("b", Role.ORG_ADMIN))
    assert members not in client.get(url).content.decode()


def test_directory_is_closed_to_users_without_active_membership(client, network):
    admin, operator = network.user("a", Role.ORG_ADMIN), network.user("a", Role.OPERATOR)
    services.membership_set_active(
        organisation=network.org_a, membership_id=operator.memberships.get().pk, active=False, actor=admin
    )
    client.force_login(operator)

    # 403 with the "membership no longer active" page (issue 16, item 17), not the directory
    assert client.get(reverse("partners:organisation_list")).status_code == 403
    assert client.get(reverse("partners:organisation_detail", args=[network.org_a.pk])).status_code == 403


def test_directory_needs_login(client, network):
    response = client.get(reverse("partners:organisation_list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
