"""The availability state machine: free → held (offer) → occupied → free, or closed; never twice at once."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.models import AuditEntry
from housing.models import (
    PLACE_TRANSITIONS,
    Application,
    ApplicationStatus,
    Offer,
    OfferStatus,
    Place,
    PlaceStatus,
    ResourceKind,
    Stay,
)
from housing.services import households, offers, placements, resources
from tests.helpers.housing import record_profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(shared_case, lead):
    record_profile(lead, shared_case)
    return households.application_create(actor=lead, case=shared_case, kind=ResourceKind.SHELTER)


def bed(shelter, n=1) -> Place:
    return shelter.places.get(label=str(n))


def test_a_new_resource_has_its_capacity_in_free_places(shelter):
    assert list(shelter.places.values_list("status", flat=True)) == [PlaceStatus.AVAILABLE] * 3
    assert AuditEntry.objects.filter(
        object_type="housing.resource", object_id=str(shelter.pk), action="create"
    ).exists()


def test_offer_holds_the_place_then_acceptance_occupies_it(shelter, application, provider_cm, lead):
    offer = offers.offer_make(actor=provider_cm, place=bed(shelter), application=application)
    assert bed(shelter).status == PlaceStatus.OFFERED
    assert offer.expires_at > timezone.now()

    stay = offers.offer_accept(actor=lead, offer=offer)

    assert bed(shelter).status == PlaceStatus.OCCUPIED
    offer.refresh_from_db()
    application.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED
    assert application.status == ApplicationStatus.PLACED and application.closed_on == timezone.localdate()
    assert stay.offer_id == offer.pk and stay.move_out is None
    # the max stay of the resource sets the planned move-out
    assert stay.planned_move_out == stay.move_in + datetime.timedelta(days=90)


def test_move_out_frees_the_place(shelter, shared_case, provider_op):
    stay = placements.stay_start(actor=provider_op, place=bed(shelter), case=shared_case)
    assert bed(shelter).status == PlaceStatus.OCCUPIED

    placements.stay_end(actor=provider_op, stay=stay, exit_reason="next_step")

    stay.refresh_from_db()
    assert stay.move_out == timezone.localdate() and bed(shelter).status == PlaceStatus.AVAILABLE


def test_declined_offer_frees_the_place_and_the_household_keeps_waiting(shelter, application, provider_cm, lead):
    offer = offers.offer_make(actor=provider_cm, place=bed(shelter), application=application)

    offers.offer_decline(actor=lead, offer=offer, reason="Too far from the children's school")

    offer.refresh_from_db()
    application.refresh_from_db()
    assert offer.status == OfferStatus.DECLINED and offer.decline_reason == "Too far from the children's school"
    assert bed(shelter).status == PlaceStatus.AVAILABLE
    assert application.status == ApplicationStatus.WAITING


def test_expired_offer_is_freed_by_the_sweep(shelter, application, provider_cm):
    offer = offers.offer_make(actor=provider_cm, place=bed(shelter), application=application, hold_days=2)
    assert offers.offers_expire(now=timezone.now() + datetime.timedelta(days=1)) == 0
    assert bed(shelter).status == PlaceStatus.OFFERED

    assert offers.offers_expire(now=timezone.now() + datetime.timedelta(days=2, minutes=1)) == 1

    offer.refresh_from_db()
    assert offer.status == OfferStatus.EXPIRED and bed(shelter).status == PlaceStatus.AVAILABLE
    assert AuditEntry.objects.filter(
        object_type="housing.offer", object_id=str(offer.pk), detail__status="expired"
    ).exists()


def test_an_expired_offer_cannot_be_accepted(shelter, application, provider_cm, lead):
    offer = offers.offer_make(actor=provider_cm, place=bed(shelter), application=application)
    Offer.objects.filter(pk=offer.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1),
        offered_at=timezone.now() - datetime.timedelta(days=3),
    )

    with pytest.raises(ValidationError, match="expired"):
        offers.offer_accept(actor=lead, offer=offer)
    assert not Stay.objects.exists() and bed(shelter).status == PlaceStatus.OFFERED


def test_a_held_place_cannot_be_offered_again(shelter, application, provider_cm, lead, network):
    from tests.factories import open_case

    offers.offer_make(actor=provider_cm, place=bed(shelter), application=application)
    other_case = open_case(lead, network.org_a)
    from cases.permissions import grants as case_grants

    case_grants.share_case(other_case, network.org_b, sections=["file"])
    record_profile(lead, other_case)
    other = households.application_create(actor=lead, case=other_case, kind=ResourceKind.SHELTER)

    with pytest.raises(ValidationError, match="held for another household"):
        offers.offer_make(actor=provider_cm, place=bed(shelter), application=other)
    assert Offer.objects.count() == 1


def test_close_and_reopen_a_free_place(shelter, provider_cm):
    resources.place_close(actor=provider_cm, place=bed(shelter))
    assert bed(shelter).status == PlaceStatus.CLOSED
    resources.place_reopen(actor=provider_cm, place=bed(shelter))
    assert bed(shelter).status == PlaceStatus.AVAILABLE


def test_an_occupied_place_cannot_be_closed(shelter, shared_case, provider_cm):
    placements.stay_start(actor=provider_cm, place=bed(shelter), case=shared_case)
    with pytest.raises(ValidationError, match="Only a free place"):
        resources.place_close(actor=provider_cm, place=bed(shelter))
    assert bed(shelter).status == PlaceStatus.OCCUPIED


@pytest.mark.parametrize(
    ("source", "target", "allowed"),
    [
        (PlaceStatus.AVAILABLE, PlaceStatus.OFFERED, True),
        (PlaceStatus.OFFERED, PlaceStatus.OCCUPIED, True),
        (PlaceStatus.OCCUPIED, PlaceStatus.AVAILABLE, True),
        (PlaceStatus.OCCUPIED, PlaceStatus.OFFERED, False),
        (PlaceStatus.OCCUPIED, PlaceStatus.CLOSED, False),
        (PlaceStatus.CLOSED, PlaceStatus.OCCUPIED, False),
        (PlaceStatus.OFFERED, PlaceStatus.CLOSED, False),
    ],
)
def test_transitions(source, target, allowed):
    assert Place(status=source).can_become(target) is allowed
    assert (target in PLACE_TRANSITIONS[source]) is allowed


def test_the_database_refuses_a_second_open_stay_in_a_place(shelter, shared_case, provider_cm, lead, network):
    from tests.factories import open_case

    placements.stay_start(actor=provider_cm, place=bed(shelter), case=shared_case)
    other_case = open_case(lead, network.org_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Stay.objects.create(
            place=bed(shelter),
            case=other_case,
            move_in=timezone.localdate(),
            organisation=network.org_b,
            created_by=provider_cm,
        )


def test_the_database_refuses_a_second_pending_offer_for_a_place(shelter, application, provider_cm):
    offers.offer_make(actor=provider_cm, place=bed(shelter), application=application)
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        Offer.objects.create(
            place=bed(shelter),
            application=application,
            offered_by=provider_cm,
            offered_at=now,
            expires_at=now + datetime.timedelta(days=1),
        )


def test_application_row_keeps_the_criteria_of_the_section(shared_case, lead):
    record_profile(
        lead, shared_case, situation="eviction", eviction_date=datetime.date(2030, 1, 10), minors=1, household_size=3
    )
    application = households.application_create(actor=lead, case=shared_case, kind=ResourceKind.PUBLIC)
    assert (application.situation, application.minors, application.eviction_date) == (
        "eviction",
        1,
        datetime.date(2030, 1, 10),
    )
    assert Application.objects.get(pk=application.pk).applied_day == timezone.localdate().toordinal()


def test_the_operator_sets_how_long_an_offer_holds_a_place(settings, shelter, application, provider_cm):
    # given an installation whose offers hold a place for 5 days
    settings.TAVOLO_HOUSING_OFFER_HOLD_DAYS = 5

    # when the provider makes an offer without saying for how long
    offer = offers.offer_make(actor=provider_cm, place=bed(shelter), application=application)

    # then it holds the place for the installation's 5 days, and the offer form proposes 5
    assert (offer.expires_at - offer.offered_at).days == 5
    from housing.forms import OfferForm

    assert OfferForm().fields["hold_days"].initial == 5
