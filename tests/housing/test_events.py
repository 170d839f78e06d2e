"""Every housing operation publishes its past-tense event (`housing.events`) inside its transaction, after its
timeline and audit rows; a refused operation publishes nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cases.models import CaseEvent, TimelineKind
from core import bus
from housing import events
from housing.models import ResourceKind
from housing.services import households, offers, placements, resources
from tests.helpers.housing import record_profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(monkeypatch):
    """The housing events published during the test, in order."""
    seen: list = []
    original = bus.publish

    def spy(event):
        if type(event).__module__ == events.__name__:
            # Published after the operation's rows: the timeline line of a step is already there.
            seen.append((event, CaseEvent.objects.count()))
        original(event)

    for module in (households, offers, placements, resources):
        monkeypatch.setattr(module, "publish", spy)
    return seen


def test_a_move_in_publishes_placement_started_after_its_timeline_line(shelter, shared_case, provider_cm, published):
    stay = placements.stay_start(actor=provider_cm, place=shelter.places.get(label="1"), case=shared_case)

    [(event, timeline_rows)] = published
    assert isinstance(event, events.PlacementStarted) and event.stay == stay and event.actor_id == provider_cm.pk
    # Every row of the operation (its move-in line among them) was written before the event went out.
    assert timeline_rows == CaseEvent.objects.count()
    assert CaseEvent.objects.filter(case=shared_case, kind=TimelineKind.HOUSING_MOVED_IN).exists()


def test_an_accepted_offer_publishes_the_move_out_of_the_earlier_home_then_offer_accepted(
    in_temporary_flat, public_unit, shared_case, lead, provider_cm, published
):
    application = shared_case.housing_applications.get(kind=ResourceKind.PUBLIC)
    offer = offers.offer_make(actor=provider_cm, place=public_unit.places.get(), application=application)

    stay = offers.offer_accept(actor=provider_cm, offer=offer)

    kinds = [type(event) for event, _rows in published]
    assert kinds == [events.OfferMade, events.StayEnded, events.OfferAccepted]
    accepted = published[-1][0]
    assert accepted.offer == offer and accepted.stay == stay and accepted.left_stay == in_temporary_flat


def test_a_refused_operation_publishes_nothing(shelter, shared_case, provider_cm, published):
    place = shelter.places.get(label="1")
    resources.place_close(actor=provider_cm, place=place)
    published.clear()

    with pytest.raises(ValidationError, match="closed"):
        placements.stay_start(actor=provider_cm, place=place, case=shared_case)

    assert published == []


def test_the_housing_section_and_the_application_publish_their_events(case_a, lead, published):
    profile = record_profile(lead, case_a)
    application = households.application_create(actor=lead, case=case_a, kind=ResourceKind.SHELTER)

    assert [type(event) for event, _rows in published] == [events.HousingProfileSaved, events.ApplicationCreated]
    assert published[0][0].profile == profile and published[0][0].created is True
    assert published[1][0].application == application
