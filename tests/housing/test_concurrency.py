"""Two offers of the same bed at the same moment: exactly one succeeds, the other is told the bed is held.

Row locks only bite on PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tavolo_housing .venv/bin/pytest tests/housing/test_concurrency.py
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from cases.permissions import grants as case_grants
from housing.models import Offer, OfferStatus, PlaceStatus, ResourceKind, Stay
from housing.services import households, offers, placements
from tests.factories import open_case
from tests.helpers.concurrency import hold_locks, one_winner, race
from tests.helpers.housing import record_profile

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks (select_for_update) need PostgreSQL: SQLite serialises whole transactions",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def two_households(network, lead):
    applications = []
    for _ in range(2):
        case = open_case(lead, network.org_a)
        case_grants.share_case(case, network.org_b, sections=["file"])
        record_profile(lead, case)
        applications.append(households.application_create(actor=lead, case=case, kind=ResourceKind.SHELTER))
    return applications


def test_two_offers_of_the_same_bed(monkeypatch, shelter, two_households, provider_cm, provider_op):
    bed = shelter.places.get(label="1")
    hold_locks(monkeypatch, placements, "set_place_status")
    first, second = two_households

    results = race(
        lambda: offers.offer_make(actor=provider_cm, place=bed, application=first),
        lambda: offers.offer_make(actor=provider_op, place=bed, application=second),
    )

    winner, error = one_winner(results)
    assert isinstance(error, ValidationError) and "held for another household" in str(error)
    assert Offer.objects.filter(place=bed, status=OfferStatus.PENDING).count() == 1
    bed.refresh_from_db()
    assert bed.status == PlaceStatus.OFFERED


def test_two_move_ins_into_the_same_bed(monkeypatch, shelter, two_households, provider_cm, provider_op):
    bed = shelter.places.get(label="2")
    hold_locks(monkeypatch, placements, "set_place_status")
    first, second = two_households

    results = race(
        lambda: placements.stay_start(actor=provider_cm, place=bed, case=first.case),
        lambda: placements.stay_start(actor=provider_op, place=bed, case=second.case),
    )

    _winner, error = one_winner(results)
    assert isinstance(error, ValidationError) and "occupied" in str(error)
    assert Stay.objects.filter(place=bed).count() == 1


def test_accept_racing_the_expiry_sweep(monkeypatch, shelter, two_households, provider_cm, lead):
    """The household accepts at the moment the sweep expires the offer: one of them wins, the place is consistent."""
    import datetime

    from django.utils import timezone

    bed = shelter.places.get(label="3")
    offer = offers.offer_make(actor=provider_cm, place=bed, application=two_households[0])
    deadline = timezone.now() + datetime.timedelta(days=3, seconds=1)
    hold_locks(monkeypatch, placements, "set_place_status")

    results = race(lambda: offers.offer_accept(actor=lead, offer=offer), lambda: offers.offers_expire(now=deadline))

    offer.refresh_from_db()
    bed.refresh_from_db()
    assert (offer.status, bed.status) in {
        (OfferStatus.ACCEPTED, PlaceStatus.OCCUPIED),
        (OfferStatus.EXPIRED, PlaceStatus.AVAILABLE),
    }
    assert Stay.objects.filter(place=bed).exists() is (offer.status == OfferStatus.ACCEPTED)
    assert all(kind in ("ok", "error") for kind, _value in results)
