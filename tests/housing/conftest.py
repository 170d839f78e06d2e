"""Actors of the housing tests: organisation A leads the case, organisation B (a cooperative) provides places.

`shared_case` is case A shared with B the way an accepted referral shares it (the file section); `case_a` alone
is not visible to B.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from cases import permissions as case_permissions
from cases.models import ConsentPurpose, ShareSection
from cases.services import consent_record
from housing.models import EligibilityRule, HousingProfile, ResourceKind
from housing.services import households, resources
from partners.models import ServiceType
from partners.roles import Role


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def lead(network):
    return network.user("a", Role.CASE_MANAGER)


@pytest.fixture
def provider_cm(network):
    return network.user("b", Role.CASE_MANAGER)


@pytest.fixture
def provider_op(network):
    return network.user("b", Role.OPERATOR)


@pytest.fixture
def coordinator(network):
    return network.user("m", Role.COORDINATOR)


@pytest.fixture
def shelter(network, provider_cm):
    """A dormitory of organisation B with three beds."""
    return resources.resource_create(actor=provider_cm, provider_id=network.org_b.pk, data={
        "kind": ResourceKind.SHELTER, "name": "Dormitorio Test", "address": "Via Frova 1", "capacity": 3,
        "target_groups": ["men"], "max_stay_days": 90})


@pytest.fixture
def public_unit(network, provider_cm):
    return resources.resource_create(actor=provider_cm, provider_id=network.org_b.pk, data={
        "kind": ResourceKind.PUBLIC, "name": "Alloggio SAP Test", "address": "Via Verdi 3", "capacity": 1})


@pytest.fixture
def consenting_case(case_a, lead):
    today = timezone.localdate()
    for purpose in (ConsentPurpose.PROCESSING, ConsentPurpose.SHARE_NETWORK):
        consent_record(actor=lead, person=case_a.person, purpose=purpose, given_on=today - datetime.timedelta(days=1))
    return case_a


@pytest.fixture
def shared_case(case_a, network):
    case_permissions.share_case(case_a, network.org_b, sections=[ShareSection.FILE])
    return case_a


def record_profile(actor, case, **overrides) -> HousingProfile:
    data = {"situation": "homeless", "household_size": 1, "minors": 0, "disabled_members": 0,
            "isee": Decimal("9000"), "years_in_region": 10}
    data.update(overrides)
    return households.housing_profile_save(actor=actor, case=case, data=data)


@pytest.fixture
def sap_rule(db):
    EligibilityRule.objects.filter(kind=ResourceKind.PUBLIC).delete()
    return EligibilityRule.objects.create(kind=ResourceKind.PUBLIC, field="isee", comparison="lte",
                                          threshold=Decimal("16000"), message="ISEE above 16,000 €.")


@pytest.fixture
def housing_services(network):
    """B's catalogue has the housing services the pathway's referrals ask for."""
    codes = ["emergency-shelter", "temporary-housing", "social-housing-support"]
    services = [ServiceType.objects.get_or_create(code=code, defaults={"name": code})[0] for code in codes]
    network.org_b.services.add(*services)
    return services
