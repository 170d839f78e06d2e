"""The permission matrix: providers manage and work their own places only; a person's housing section follows the
case (a provider sees it only once the case is shared with it); the coordinator sees codes, never names."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from cases.models import ShareSection
from cases.permissions import grants as case_grants
from housing.models import PlaceStatus, ResourceKind, Stay
from housing.services import households, placements, resources
from partners.roles import Role
from tests.helpers.housing import record_profile

pytestmark = pytest.mark.django_db

ROLES = [Role.CASE_MANAGER, Role.OPERATOR, Role.VOLUNTEER, Role.ORG_ADMIN]


def _outcome(call):
    try:
        call()
    except Http404:
        return "404"
    except PermissionDenied:
        return "403"
    return "ok"


@pytest.mark.parametrize("org", ["b", "a"])
@pytest.mark.parametrize("role", ROLES)
def test_see_the_resource_page(client, network, shelter, org, role):
    client.force_login(network.user(org, role))
    response = client.get(reverse("housing:resource_detail", args=[shelter.pk]))
    own_and_allowed = org == "b" and role != Role.VOLUNTEER
    assert response.status_code == (200 if own_and_allowed else 404)


@pytest.mark.parametrize("org", ["b", "a"])
@pytest.mark.parametrize("role", ROLES)
def test_create_a_resource(network, org, role):
    call = lambda: resources.resource_create(  # noqa: E731
        actor=network.user(org, role),
        provider=network.org_b,
        data={"kind": "temporary", "name": f"Alloggio {org}{role}", "address": "Via Monte Ortigara 4", "capacity": 2},
    )
    expected = "ok" if org == "b" and role in (Role.CASE_MANAGER, Role.ORG_ADMIN) else "403"
    assert _outcome(call) == expected


@pytest.mark.parametrize("org", ["b", "a"])
@pytest.mark.parametrize("role", ROLES)
def test_close_a_place(network, shelter, org, role):
    place = shelter.places.get(label="1")
    outcome = _outcome(lambda: resources.place_close(actor=network.user(org, role), place=place))
    if org == "b" and role in (Role.CASE_MANAGER, Role.ORG_ADMIN):
        assert outcome == "ok"
    elif org == "b" and role == Role.OPERATOR:
        assert outcome == "403"
    else:
        assert outcome == "404"
    place.refresh_from_db()
    assert (place.status == PlaceStatus.CLOSED) is (outcome == "ok")


@pytest.mark.parametrize("org", ["b", "a"])
@pytest.mark.parametrize("role", ROLES)
def test_record_a_move_in(network, shelter, shared_case, org, role):
    outcome = _outcome(
        lambda: placements.stay_start(
            actor=network.user(org, role), place=shelter.places.get(label="1"), case=shared_case
        )
    )
    if org == "b" and role in (Role.CASE_MANAGER, Role.OPERATOR):
        assert outcome == "ok"
    elif org == "b" and role == Role.ORG_ADMIN:
        assert outcome == "403"
    else:
        assert outcome == "404"
    assert Stay.objects.exists() is (outcome == "ok")


def test_a_provider_cannot_place_a_person_whose_case_is_not_shared_with_it(shelter, case_a, provider_cm):
    with pytest.raises(Http404):
        placements.stay_start(actor=provider_cm, place=shelter.places.get(label="1"), case=case_a)
    assert not Stay.objects.exists()


def test_housing_section_follows_the_case_share(client, network, case_a, lead, provider_cm):
    record_profile(lead, case_a, notes="Dorme in stazione")
    url = reverse("housing:case_panel", args=[case_a.pk])
    api = f"/api/v1/housing/cases/{case_a.pk}/"
    client.force_login(provider_cm)
    assert client.get(url).status_code == 404  # the case itself is not visible
    assert client.get(api).status_code == 404

    case_grants.share_case(case_a, network.org_b, sections=[ShareSection.NOTES])  # no file section
    body = client.get(url).content.decode()
    assert "Dorme in stazione" not in body and "not shared with your organisation" in body
    assert client.get(api).status_code == 404

    case_grants.share_case(case_a, network.org_b, sections=[ShareSection.FILE])
    assert "Dorme in stazione" in client.get(url).content.decode()
    assert client.get(api).json()["profile"]["notes"] == "Dorme in stazione"


@pytest.mark.parametrize(
    ("org", "role", "sees"),
    [
        ("a", Role.CASE_MANAGER, True),
        ("a", Role.OPERATOR, True),
        ("a", Role.ORG_ADMIN, True),
        ("a", Role.VOLUNTEER, False),
        ("b", Role.CASE_MANAGER, False),
    ],
)
def test_who_reads_the_housing_section_of_a_case(client, network, case_a, lead, org, role, sees):
    record_profile(lead, case_a, notes="Sfratto per morosità incolpevole")
    client.force_login(network.user(org, role))
    response = client.get(reverse("housing:case_panel", args=[case_a.pk]))
    assert ("Sfratto per morosità incolpevole" in response.content.decode()) is sees


def test_only_the_lead_edits_the_section(network, shared_case, provider_cm):
    with pytest.raises(PermissionDenied):
        record_profile(provider_cm, shared_case)


def test_the_coordinator_sees_the_waitlist_by_case_code_only(client, coordinator, shared_case, lead):
    record_profile(lead, shared_case)
    households.application_create(actor=lead, case=shared_case, kind=ResourceKind.SHELTER)
    client.force_login(coordinator)
    body = client.get(reverse("housing:waitlist", args=["shelter"])).content.decode()
    assert shared_case.code in body
    assert shared_case.person.last_name not in body
    # and cannot open the file
    assert client.get(reverse("housing:case_panel", args=[shared_case.pk])).status_code == 404


def test_a_member_sees_on_the_waitlist_only_the_households_they_may_read(client, network, shared_case, lead):
    from tests.factories import open_case

    record_profile(lead, shared_case)
    households.application_create(actor=lead, case=shared_case, kind=ResourceKind.SHELTER)
    other_lead = network.user("m", Role.CASE_MANAGER)
    other = open_case(other_lead, network.municipality)
    record_profile(other_lead, other)
    households.application_create(actor=other_lead, case=other, kind=ResourceKind.SHELTER)

    client.force_login(network.user("b", Role.OPERATOR))
    body = client.get(reverse("housing:waitlist", args=["shelter"])).content.decode()
    assert shared_case.code in body and other.code not in body


def test_guests_show_names_only_for_shared_cases(client, network, shelter, shared_case, provider_cm):
    placements.stay_start(actor=provider_cm, place=shelter.places.get(label="1"), case=shared_case)
    client.force_login(network.user("b", Role.ORG_ADMIN))
    body = client.get(reverse("housing:home")).content.decode()
    assert shared_case.person.full_name in body
    case_grants.unshare_case(shared_case, network.org_b)
    body = client.get(reverse("housing:home")).content.decode()
    assert shared_case.code in body and shared_case.person.full_name not in body


def test_hidden_objects_are_404(client, network, shelter):
    client.force_login(network.user("a", Role.CASE_MANAGER))
    place = shelter.places.get(label="1")
    assert client.post(reverse("housing:place_action", args=[place.pk, "close"])).status_code == 404
    assert client.get(reverse("housing:resource_edit", args=[shelter.pk])).status_code == 404
    assert client.get(reverse("housing:waitlist", args=["castle"])).status_code == 404
