"""Issue 16, item 5: a household in temporary housing accepts a public-housing (SAP) home. The acceptance records
the move-in and ends the temporary stay on the same day, in the same transaction: the temporary place is free and
the stays say why the household left. A household still cannot be in two places at once otherwise."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from housing.models import (
    ExitReason,
    OfferStatus,
    PlaceStatus,
    Stay,
)
from housing.services import offers, placements
from tests.helpers.housing import offer_sap as _offer_sap

pytestmark = pytest.mark.django_db


def test_accepting_the_sap_home_ends_the_temporary_stay(in_temporary_flat, public_unit, provider_cm, lead, shared_case):
    # given a household in the temporary flat with a SAP home offered
    offer = _offer_sap(provider_cm, public_unit, shared_case)
    today = timezone.localdate()

    # when the household accepts
    new_stay = offers.offer_accept(actor=lead, offer=offer, move_in=today)

    # then it lives in the SAP home, and the temporary stay ended the same day, the flat is free
    old = Stay.objects.get(pk=in_temporary_flat.pk)
    assert old.move_out == today and old.exit_reason == ExitReason.MOVED_INTO_OFFER
    assert old.place.status == PlaceStatus.AVAILABLE
    assert new_stay.place.status == PlaceStatus.OCCUPIED and new_stay.move_out is None
    assert Stay.objects.filter(case=shared_case, move_out__isnull=True).get() == new_stay
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED
    # and the audit says why the temporary stay ended
    row = AuditEntry.objects.filter(object_id=str(old.pk), detail__exit_reason=ExitReason.MOVED_INTO_OFFER).get()
    assert row.detail["moved_into_place"] == new_stay.place_id


def test_the_case_panel_says_why_the_temporary_stay_ended(
    in_temporary_flat, public_unit, provider_cm, lead, shared_case, client
):
    offer = _offer_sap(provider_cm, public_unit, shared_case)
    client.force_login(lead)
    response = client.post(reverse("housing:offer_answer", args=[offer.pk, "accept"]), follow=True)
    assert "Offer accepted" in response.content.decode()
    panel = client.get(reverse("housing:case_panel", args=[shared_case.pk])).content.decode()
    assert "Moved into the home offered to the household" in panel


def test_a_failed_acceptance_leaves_the_temporary_stay_alone(
    in_temporary_flat, public_unit, provider_cm, lead, shared_case
):
    # given a move-in date before the household even entered the temporary flat
    offer = _offer_sap(provider_cm, public_unit, shared_case)
    too_early = in_temporary_flat.move_in - datetime.timedelta(days=1)
    with pytest.raises(ValidationError):
        offers.offer_accept(actor=lead, offer=offer, move_in=too_early)
    # then nothing changed (one transaction)
    old = Stay.objects.get(pk=in_temporary_flat.pk)
    assert old.move_out is None and old.place.status == PlaceStatus.OCCUPIED
    offer.refresh_from_db()
    assert offer.status == OfferStatus.PENDING


def test_a_future_move_in_does_not_end_todays_stay(in_temporary_flat, public_unit, provider_cm, lead, shared_case):
    offer = _offer_sap(provider_cm, public_unit, shared_case)
    with pytest.raises(ValidationError, match="still lives"):
        offers.offer_accept(actor=lead, offer=offer, move_in=timezone.localdate() + datetime.timedelta(days=5))
    assert Stay.objects.get(pk=in_temporary_flat.pk).move_out is None


def test_a_direct_move_in_elsewhere_is_still_refused(in_temporary_flat, shelter, provider_op, shared_case):
    """Not through an offer: the household cannot be in two places, the provider records the move-out first."""
    with pytest.raises(ValidationError, match="already housed"):
        placements.stay_start(actor=provider_op, place=shelter.places.get(label="1"), case=shared_case)
