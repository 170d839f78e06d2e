"""Actors and helpers for the workflow tests: organisation B offers a service, the person consents."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cases.models import ConsentPurpose
from cases.services import consent_record
from partners.models import ServiceType
from partners.roles import Role


@pytest.fixture
def service(network):
    """A service in organisation B's catalogue, with the default SLA of 3 working days."""
    service = ServiceType.objects.create(code="pacco-alimentare", name="Pacco alimentare")
    network.org_b.services.add(service)
    return service


@pytest.fixture
def consenting_case(case_a, network):
    """Case A whose person consents to processing and to sharing across the network."""
    manager = network.user("a", Role.CASE_MANAGER)
    today = timezone.localdate()
    for purpose in (ConsentPurpose.PROCESSING, ConsentPurpose.SHARE_NETWORK):
        consent_record(actor=manager, person=case_a.person, purpose=purpose,
                       given_on=today - datetime.timedelta(days=1))
    return case_a
