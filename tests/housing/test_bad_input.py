"""Each "Bad input" line of the issue: a clear translated error, nothing half-saved, never a 500."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from core.models import AuditEntry
from housing.models import HousingProfile, Offer, PlaceStatus, ResourceKind, Stay
from housing.services import households, offers, placements, resources
from tests.factories import open_case
from tests.helpers.housing import record_profile

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        Stay.objects.count(),
        Offer.objects.count(),
        HousingProfile.objects.count(),
        sorted(Stay.objects.values_list("pk", "move_out")),
    )


def test_move_in_to_an_occupied_place(shelter, shared_case, provider_op, lead, network):
    place = shelter.places.get(label="1")
    placements.stay_start(actor=provider_op, place=place, case=shared_case)
    other = open_case(lead, network.org_a)
    from cases.permissions import grants as case_grants

    case_grants.share_case(other, network.org_b, sections=["file"])
    before = snapshot()

    with pytest.raises(ValidationError, match="occupied: record the move-out"):
        placements.stay_start(actor=provider_op, place=place, case=other)
    assert snapshot() == before


def test_move_in_to_a_closed_place(shelter, shared_case, provider_cm):
    place = shelter.places.get(label="2")
    resources.place_close(actor=provider_cm, place=place)
    with pytest.raises(ValidationError, match="closed"):
        placements.stay_start(actor=provider_cm, place=place, case=shared_case)
    assert not Stay.objects.exists()
    place.refresh_from_db()
    assert place.status == PlaceStatus.CLOSED


def test_overlapping_stays_of_the_same_household(shelter, shared_case, provider_cm):
    placements.stay_start(actor=provider_cm, place=shelter.places.get(label="1"), case=shared_case)
    with pytest.raises(ValidationError, match="already housed"):
        placements.stay_start(actor=provider_cm, place=shelter.places.get(label="2"), case=shared_case)
    assert Stay.objects.count() == 1
    assert shelter.places.get(label="2").status == PlaceStatus.AVAILABLE


def test_overlapping_stays_in_the_same_place(shelter, shared_case, provider_cm, lead, network):
    """A past stay that ended after the new move-in date overlaps it."""
    place = shelter.places.get(label="1")
    today = timezone.localdate()
    stay = placements.stay_start(
        actor=provider_cm, place=place, case=shared_case, move_in=today - datetime.timedelta(days=20)
    )
    placements.stay_end(actor=provider_cm, stay=stay, move_out=today - datetime.timedelta(days=5))
    other = open_case(lead, network.org_a)
    from cases.permissions import grants as case_grants

    case_grants.share_case(other, network.org_b, sections=["file"])
    with pytest.raises(ValidationError, match="overlaps"):
        placements.stay_start(actor=provider_cm, place=place, case=other, move_in=today - datetime.timedelta(days=10))
    assert Stay.objects.count() == 1 and shelter.places.get(label="1").status == PlaceStatus.AVAILABLE


def test_move_out_before_move_in(shelter, shared_case, provider_cm):
    stay = placements.stay_start(actor=provider_cm, place=shelter.places.get(label="1"), case=shared_case)
    with pytest.raises(ValidationError) as exc:
        placements.stay_end(actor=provider_cm, stay=stay, move_out=stay.move_in - datetime.timedelta(days=1))
    assert "before the move-in" in str(exc.value)
    stay.refresh_from_db()
    assert stay.move_out is None and shelter.places.get(label="1").status == PlaceStatus.OCCUPIED


def test_planned_move_out_before_move_in(shelter, shared_case, provider_cm):
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="planned move-out cannot be before"):
        placements.stay_start(
            actor=provider_cm,
            place=shelter.places.get(label="1"),
            case=shared_case,
            move_in=today,
            planned_move_out=today - datetime.timedelta(days=1),
        )
    assert not Stay.objects.exists()


@pytest.mark.parametrize("field", ["isee", "isee_erp", "income"])
def test_negative_isee_is_refused(case_a, lead, field):
    with pytest.raises(ValidationError) as exc:
        record_profile(lead, case_a, **{field: Decimal("-1")})
    assert exc.value.error_dict[field][0].messages == ["The amount cannot be negative."]
    assert not HousingProfile.objects.exists()


def test_negative_isee_does_not_change_a_recorded_section(case_a, lead):
    record_profile(lead, case_a, isee=Decimal("8000"))
    with pytest.raises(ValidationError):
        record_profile(lead, case_a, isee=Decimal("-50"), situation="eviction", eviction_date=datetime.date(2031, 1, 1))
    profile = HousingProfile.objects.get()
    assert profile.isee == Decimal("8000") and profile.situation == "homeless"


def test_negative_isee_on_the_page_is_a_400_with_the_message(client, case_a, lead):
    client.force_login(lead)
    with translation.override("en"):
        response = client.post(
            reverse("housing:profile_save", args=[case_a.pk]),
            {
                "profile-situation": "homeless",
                "profile-household_size": "1",
                "profile-minors": "0",
                "profile-disabled_members": "0",
                "profile-isee": "-100",
            },
        )
    assert response.status_code == 400
    assert (
        "Ensure this value is greater than or equal to 0" in response.content.decode()
        or "cannot be negative" in response.content.decode()
    )
    assert not HousingProfile.objects.exists()


def test_negative_isee_through_the_api_is_a_400(client, case_a, lead):
    client.force_login(lead)
    response = client.post(
        f"/api/v1/housing/cases/{case_a.pk}/profile/",
        {"situation": "homeless", "isee": "-5"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "isee" in response.json()["error"]["fields"]
    assert not HousingProfile.objects.exists()


def test_garbage_on_the_api_is_a_400(client, case_a, lead):
    client.force_login(lead)
    response = client.post(
        f"/api/v1/housing/cases/{case_a.pk}/profile/",
        {"situation": "castle", "household_size": "many"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) >= {"situation", "household_size"}


def test_minors_cannot_be_the_whole_household(case_a, lead):
    with pytest.raises(ValidationError, match="at least one adult"):
        record_profile(lead, case_a, household_size=2, minors=2)
    assert not HousingProfile.objects.exists()


def test_offer_to_an_ineligible_household_is_refused_without_override(
    shared_case, lead, provider_cm, public_unit, sap_rule
):
    record_profile(lead, shared_case, isee=Decimal("9000"))
    application = households.application_create(actor=lead, case=shared_case, kind=ResourceKind.PUBLIC)
    # The household's ISEE grows after it applied: it is no longer eligible when a home is offered.
    record_profile(lead, shared_case, isee=Decimal("21000"))
    place = public_unit.places.get()

    with pytest.raises(ValidationError, match="not eligible: ISEE above 16,000"):
        offers.offer_make(actor=provider_cm, place=place, application=application)
    with pytest.raises(ValidationError) as exc:
        offers.offer_make(actor=provider_cm, place=place, application=application, override=True)
    assert "override_reason" in exc.value.error_dict
    assert not Offer.objects.exists()
    place.refresh_from_db()
    assert place.status == PlaceStatus.AVAILABLE


def test_offer_to_an_ineligible_household_as_an_audited_override(shared_case, lead, provider_cm, public_unit, sap_rule):
    record_profile(lead, shared_case, isee=Decimal("9000"))
    application = households.application_create(actor=lead, case=shared_case, kind=ResourceKind.PUBLIC)
    record_profile(lead, shared_case, isee=Decimal("21000"))

    offer = offers.offer_make(
        actor=provider_cm,
        place=public_unit.places.get(),
        application=application,
        override=True,
        override_reason="Sfratto esecutivo con minori: deroga del Comune",
    )

    assert offer.eligibility_override and offer.override_reason.startswith("Sfratto")
    entry = AuditEntry.objects.get(object_type="housing.offer", object_id=str(offer.pk), action="create")
    assert entry.detail["eligibility_override"] is True
    assert entry.detail["override_reason"] == "Sfratto esecutivo con minori: deroga del Comune"
    assert entry.detail["not_met"] and entry.case_id == shared_case.pk


def test_an_operator_cannot_override_eligibility(shared_case, lead, provider_op, public_unit, sap_rule):
    from django.core.exceptions import PermissionDenied

    record_profile(lead, shared_case, isee=Decimal("21000"))
    application = households.application_create(
        actor=lead, case=shared_case, kind=ResourceKind.PUBLIC, override=True, override_reason="Emergenza abitativa"
    )
    with pytest.raises(PermissionDenied):
        offers.offer_make(
            actor=provider_op,
            place=public_unit.places.get(),
            application=application,
            override=True,
            override_reason="x",
        )
    assert not Offer.objects.exists()


def test_application_of_an_ineligible_household_needs_a_reasoned_override(shared_case, lead, sap_rule):
    record_profile(lead, shared_case, isee=Decimal("30000"))
    with pytest.raises(ValidationError, match="not eligible"):
        households.application_create(actor=lead, case=shared_case, kind=ResourceKind.PUBLIC)
    application = households.application_create(
        actor=lead,
        case=shared_case,
        kind=ResourceKind.PUBLIC,
        override=True,
        override_reason="Decisione della commissione",
    )
    assert application.eligibility_override
    assert AuditEntry.objects.filter(
        object_type="housing.application", object_id=str(application.pk), detail__eligibility_override=True
    ).exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"case_code": "NOPE-1"},
        {"case_code": "", "move_in": "not-a-date"},
        {"case_code": "X", "move_in": "2020-13-45"},
    ],
)
def test_move_in_form_garbage_is_a_message_not_a_500(client, shelter, provider_cm, payload):
    client.force_login(provider_cm)
    response = client.post(reverse("housing:stay_start", args=[shelter.places.get(label="1").pk]), payload, follow=True)
    assert response.status_code == 200
    assert "Nothing was saved" in response.content.decode() or "No case you can see" in response.content.decode()
    assert not Stay.objects.exists()


def test_move_out_before_move_in_on_the_page(client, shelter, shared_case, provider_cm):
    stay = placements.stay_start(actor=provider_cm, place=shelter.places.get(label="1"), case=shared_case)
    client.force_login(provider_cm)
    response = client.post(
        reverse("housing:stay_end", args=[stay.pk]),
        {"move_out": (stay.move_in - datetime.timedelta(days=3)).isoformat(), "exit_reason": "left"},
        follow=True,
    )
    assert response.status_code == 200
    assert "cannot be before the move-in" in response.content.decode()
    stay.refresh_from_db()
    assert stay.move_out is None


def test_resource_with_bad_capacity(network, provider_cm):
    with pytest.raises(ValidationError) as exc:
        resources.resource_create(
            actor=provider_cm,
            provider=network.org_b,
            data={"kind": "shelter", "name": "X", "address": "Via Y", "capacity": -3},
        )
    assert "capacity" in exc.value.error_dict
    from housing.models import Resource

    assert not Resource.objects.exists()
