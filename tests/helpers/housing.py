"""Housing records as the housing tests (and the browser journeys) build them, through the services."""

from __future__ import annotations

from decimal import Decimal

from housing.models import Application, ApplicationStatus, HousingProfile, Offer, ResourceKind
from housing.services import households, offers


def record_profile(actor, case, **overrides) -> HousingProfile:
    data = {
        "situation": "homeless",
        "household_size": 1,
        "minors": 0,
        "disabled_members": 0,
        "isee": Decimal("9000"),
        "years_in_region": 10,
    }
    data.update(overrides)
    return households.housing_profile_save(actor=actor, case=case, data=data)


def offer_sap(provider_cm, public_unit, case) -> Offer:
    """The SAP home `public_unit` offered to `case`'s waiting public-housing application."""
    application = Application.objects.get(case=case, kind=ResourceKind.PUBLIC, status=ApplicationStatus.WAITING)
    return offers.offer_make(actor=provider_cm, place=public_unit.places.get(), application=application)
