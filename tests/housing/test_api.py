"""The housing API: the same rules as the pages."""

from __future__ import annotations

from decimal import Decimal

import pytest

from housing.models import HousingProfile
from partners.roles import Role
from tests.helpers.housing import record_profile

pytestmark = pytest.mark.django_db


def test_resources_with_availability_for_members(client, network, shelter):
    client.force_login(network.user("a", Role.VOLUNTEER))
    rows = client.get("/api/v1/housing/resources/").json()
    rows = rows.get("results", rows)
    row = next(r for r in rows if r["id"] == shelter.pk)
    assert (row["capacity"], row["free"], row["occupied"], row["provider"]["id"]) == (3, 3, 0, network.org_b.pk)
    assert client.get("/api/v1/housing/resources/?kind=castle").status_code == 400


def test_anonymous_is_401(client):
    assert client.get("/api/v1/housing/resources/").status_code == 401


def test_case_housing_section(client, case_a, lead):
    record_profile(lead, case_a, isee=Decimal("8500.50"))
    client.force_login(lead)
    body = client.get(f"/api/v1/housing/cases/{case_a.pk}/").json()
    assert body["profile"]["isee"] == "8500.50" and body["code"] == case_a.code


def test_profile_post_records_the_section(client, case_a, lead):
    client.force_login(lead)
    response = client.post(
        f"/api/v1/housing/cases/{case_a.pk}/profile/",
        {"situation": "eviction", "eviction_date": "2031-02-01", "household_size": 4, "minors": 2, "isee": "12000"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert HousingProfile.objects.get(case=case_a).minors == 2


def test_an_operator_cannot_post_the_section(client, case_a, network):
    client.force_login(network.user("a", Role.OPERATOR))
    response = client.post(
        f"/api/v1/housing/cases/{case_a.pk}/profile/", {"situation": "homeless"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not HousingProfile.objects.exists()


def test_missing_eviction_date_is_a_400(client, case_a, lead):
    client.force_login(lead)
    response = client.post(
        f"/api/v1/housing/cases/{case_a.pk}/profile/", {"situation": "eviction"}, content_type="application/json"
    )
    assert response.status_code == 400 and "eviction_date" in response.json()["error"]["fields"]


def test_other_ids_are_404(client, lead):
    client.force_login(lead)
    assert client.get("/api/v1/housing/cases/999999/").status_code == 404
    assert client.get("/api/v1/housing/cases/abc/").status_code == 404
