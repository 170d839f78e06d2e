"""Issue 16, item 5 under concurrency: the acceptance of a SAP home locks the offered place and the household's
current place (in id order) before it ends the stay there. Row locks only bite on PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tavolo_h1 .venv/bin/pytest tests/housing/test_move_on_concurrency.py
"""

from __future__ import annotations

import pytest
from django.db import connection

from core.models import AuditEntry
from housing.models import ExitReason, OfferStatus, PlaceStatus, Stay
from housing.services import offers, placements
from tests.helpers.concurrency import hold_locks, one_winner, race
from tests.helpers.housing import offer_sap as _offer_sap

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks (select_for_update) need PostgreSQL: SQLite serialises whole transactions",
    ),
    pytest.mark.django_db(transaction=True),
]


def _ended_once(stay: Stay) -> Stay:
    stay.refresh_from_db()
    assert stay.move_out is not None
    assert (
        AuditEntry.objects.filter(
            object_type__iendswith="stay", object_id=str(stay.pk), detail__has_key="exit_reason"
        ).count()
        == 1
    )
    return stay


def test_two_acceptances_of_the_sap_home_one_wins(
    monkeypatch, in_temporary_flat, public_unit, provider_cm, lead, shared_case
):
    offer = _offer_sap(provider_cm, public_unit, shared_case)
    hold_locks(monkeypatch, placements, "set_place_status")

    results = race(
        lambda: offers.offer_accept(actor=lead, offer=offer),
        lambda: offers.offer_accept(actor=provider_cm, offer=offer),
    )

    _winner, error = one_winner(results)
    assert "already answered" in str(error)
    old = _ended_once(in_temporary_flat)
    assert old.exit_reason == ExitReason.MOVED_INTO_OFFER and old.place.status == PlaceStatus.AVAILABLE
    assert Stay.objects.filter(case=shared_case, move_out__isnull=True).count() == 1
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED


def test_acceptance_racing_the_providers_move_out(
    monkeypatch, in_temporary_flat, public_unit, provider_cm, provider_op, lead, shared_case
):
    """The flat's provider records the move-out while the household accepts the SAP home: the stay ends once,
    whoever comes first, and the household ends up in the SAP home with the flat free."""
    offer = _offer_sap(provider_cm, public_unit, shared_case)
    hold_locks(monkeypatch, placements, "set_place_status")

    results = race(
        lambda: offers.offer_accept(actor=lead, offer=offer),
        lambda: placements.stay_end(actor=provider_op, stay=in_temporary_flat, exit_reason=ExitReason.NEXT_STEP),
    )

    accepted = results[0]
    assert accepted[0] == "ok", results
    if results[1][0] == "error":
        assert "already recorded" in str(results[1][1])
    old = _ended_once(in_temporary_flat)
    assert old.place.status == PlaceStatus.AVAILABLE
    new_stay = Stay.objects.get(case=shared_case, move_out__isnull=True)
    assert new_stay.place.resource_id == public_unit.pk and new_stay.place.status == PlaceStatus.OCCUPIED
