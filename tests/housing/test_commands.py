"""The sweep that frees places whose offer expired (and fires the workflow timers)."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from housing.models import Offer, OfferStatus, PlaceStatus, ResourceKind
from housing.services import households, offers, placements
from tests.helpers.housing import record_profile

pytestmark = pytest.mark.django_db


def test_housing_sweep_expires_offers(shelter, shared_case, lead, provider_cm):
    record_profile(lead, shared_case)
    application = households.application_create(actor=lead, case=shared_case, kind=ResourceKind.SHELTER)
    offer = offers.offer_make(actor=provider_cm, place=shelter.places.get(label="1"), application=application)
    Offer.objects.filter(pk=offer.pk).update(
        offered_at=timezone.now() - datetime.timedelta(days=4), expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    out = StringIO()

    call_command("housing_sweep", stdout=out)

    offer.refresh_from_db()
    assert offer.status == OfferStatus.EXPIRED
    assert shelter.places.get(label="1").status == PlaceStatus.AVAILABLE
    assert "1 housing offer(s) expired" in out.getvalue()


def test_accompaniment_plan_from_the_guest_list(client, shelter, shared_case, provider_op):
    stay = placements.stay_start(actor=provider_op, place=shelter.places.get(label="1"), case=shared_case)
    client.force_login(provider_op)
    response = client.post(
        reverse("housing:stay_plan", args=[stay.pk]),
        {"accompaniment_plan": "Colloquio settimanale", "planned_move_out": ""},
        follow=True,
    )
    assert response.status_code == 200
    stay.refresh_from_db()
    assert stay.accompaniment_plan == "Colloquio settimanale"
    assert "Colloquio settimanale" in client.get(reverse("housing:home")).content.decode()
