"""The pages render for each audience, and their query counts do not grow with the rows."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.permissions import grants as case_grants
from core.models import AuditEntry
from housing.models import Application, Place, ResourceKind, Stay
from housing.services import households, resources
from partners.roles import Role
from tests.factories import open_case
from tests.helpers.housing import record_profile

pytestmark = pytest.mark.django_db


def bulk_rows(network, lead, provider_cm, *, cases: int, resources_count: int):
    """`resources_count` resources of B with 4 places each, `cases` cases shared with B, each waiting for a shelter
    and staying in one place."""
    made = [
        resources.resource_create(
            actor=provider_cm,
            provider=network.org_b,
            data={"kind": ResourceKind.SHELTER, "name": f"Dormitorio {i}", "address": "Via Garibaldi 9", "capacity": 4},
        )
        for i in range(resources_count)
    ]
    places = list(Place.objects.filter(resource__in=made).order_by("pk"))
    today = timezone.localdate()
    for i in range(cases):
        case = open_case(lead, network.org_a)
        case_grants.share_case(case, network.org_b, sections=["file"])
        record_profile(lead, case, minors=i % 3, household_size=3)
        app = households.application_create(
            actor=lead, case=case, kind=ResourceKind.SHELTER, applied_on=today - datetime.timedelta(days=30 * i)
        )
        Stay.objects.create(
            place=places[i],
            case=case,
            move_in=today,
            organisation=network.org_b,
            created_by=provider_cm,
            planned_move_out=today + datetime.timedelta(days=i),
        )
        Place.objects.filter(pk=places[i].pk).update(status="occupied")
        assert app.pk


@pytest.mark.parametrize("size", [2, 12])
def test_provider_home_query_count_is_flat(client, network, lead, provider_cm, django_assert_max_num_queries, size):
    bulk_rows(network, lead, provider_cm, cases=size, resources_count=size)
    client.force_login(network.user("b", Role.OPERATOR))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("housing:home"))
    assert response.status_code == 200
    assert response.content.decode().count("Dormitorio ") >= size


@pytest.mark.parametrize("size", [2, 12])
def test_waitlist_query_count_is_flat(client, network, lead, provider_cm, django_assert_max_num_queries, size):
    bulk_rows(network, lead, provider_cm, cases=size, resources_count=size)
    Stay.objects.all().delete()
    Place.objects.update(status="available")
    client.force_login(provider_cm)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("housing:waitlist", args=["shelter"]))
    assert response.status_code == 200
    assert response.content.decode().count('name="application"') == min(size, 25)


@pytest.mark.parametrize("size", [2, 12])
def test_coordinator_home_query_count_is_flat(
    client, network, lead, provider_cm, coordinator, django_assert_max_num_queries, size
):
    bulk_rows(network, lead, provider_cm, cases=size, resources_count=size)
    client.force_login(coordinator)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("housing:home"))
    body = response.content.decode()
    assert "Occupancy by type and provider" in body
    assert Application.objects.count() == size


@pytest.mark.parametrize("size", [2, 12])
def test_resource_page_query_count_is_flat(client, network, provider_cm, django_assert_max_num_queries, size):
    resource = resources.resource_create(
        actor=provider_cm,
        provider=network.org_b,
        data={"kind": "temporary", "name": "Housing sociale", "address": "Via Dante 2", "capacity": size},
    )
    client.force_login(provider_cm)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("housing:resource_detail", args=[resource.pk]))
    assert response.content.decode().count("data-place=") == size


def test_case_panel_fragment_and_audit(client, case_a, lead):
    record_profile(lead, case_a)
    client.force_login(lead)
    fragment = client.get(reverse("housing:case_panel", args=[case_a.pk]), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    assert "housing-panel" in fragment.content.decode()
    page = client.get(reverse("housing:case_panel", args=[case_a.pk]))
    assert "<html" in page.content.decode()
    assert AuditEntry.objects.filter(action="read", case_id=case_a.pk, user=lead).exists()


def test_coordinator_aggregates(client, network, lead, provider_cm, coordinator):
    bulk_rows(network, lead, provider_cm, cases=3, resources_count=1)
    client.force_login(coordinator)
    body = client.get(reverse("housing:home")).content.decode()
    assert "Cooperativa Test" in body and "75%" in body  # 3 of 4 beds occupied


def test_resource_create_page(client, network, provider_cm):
    client.force_login(provider_cm)
    response = client.post(
        reverse("housing:resource_create"),
        {
            "provider": network.org_b.pk,
            "kind": "shelter",
            "name": "Piano freddo",
            "address": "Via Libertà 5",
            "city": "Cinisello Balsamo",
            "capacity": "6",
            "target_groups": ["men", "women"],
            "max_stay_days": "120",
        },
    )
    assert response.status_code == 302
    from housing.models import Resource

    resource = Resource.objects.get(name="Piano freddo")
    assert resource.places.count() == 6 and resource.target_groups == ["men", "women"]


def test_rules_page(client, coordinator, lead):
    client.force_login(lead)
    assert client.get(reverse("housing:rules")).status_code == 200
    assert client.post(reverse("housing:rules"), {"kind": "public"}).status_code == 403
    client.force_login(coordinator)
    response = client.post(
        reverse("housing:rules"),
        {
            "kind": "social",
            "field": "isee",
            "comparison": "lte",
            "threshold": "40000",
            "message": "ISEE oltre 40.000 €",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    response = client.post(reverse("housing:weights_create"), {"effective_from": "2001-01-01"})
    assert response.status_code == 400


def test_the_oversight_section(network, lead, provider_cm, django_assert_max_num_queries):
    import datetime as dt

    from reports.housing_section import housing_section

    bulk_rows(network, lead, provider_cm, cases=3, resources_count=2)
    scope = type("Scope", (), {"organisation_ids": None})()
    period = type("Period", (), {"start": timezone.localdate() - dt.timedelta(days=30), "end": timezone.localdate()})()
    with django_assert_max_num_queries(3):
        section = housing_section(scope=scope, period=period)
    figures = {str(label): value for label, value in section.figures}
    assert figures == {"Places occupied": 3, "Places": 8, "Households waiting": 3}
    occupancy = section.tables[0].rows
    assert occupancy == [(ResourceKind.SHELTER.label, "Cooperativa Test", 8, 3, 5)]
    # The lead's org_admin: no places of its own, but the three households it filed for are waiting.
    lead_scope = type("Scope", (), {"organisation_ids": (network.org_a.pk,)})()
    section = housing_section(scope=lead_scope, period=period)
    assert section.tables[0].rows == []
    assert {str(label): value for label, value in section.figures}["Households waiting"] == 3
    # The provider's org_admin: its places, and no household of its own waiting.
    provider_scope = type("Scope", (), {"organisation_ids": (network.org_b.pk,)})()
    section = housing_section(scope=provider_scope, period=period)
    assert {str(label): value for label, value in section.figures} == {
        "Places occupied": 3,
        "Places": 8,
        "Households waiting": 0,
    }
    assert section.tables[1].rows[0][1] == 0  # the shelter row of "waiting by type"
