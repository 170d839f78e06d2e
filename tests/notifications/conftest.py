"""Fixtures of the notification tests (more cases to send handoffs from). The websocket clients are in
`tests/helpers/sockets.py`; the workflow fixtures the scenarios start from in `tests/conftest.py`."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cases.models import ConsentPurpose
from cases.services import consent_record
from partners.roles import Role
from tests.factories import open_case, register_person


@pytest.fixture
def more_cases(network) -> list:
    """Two more cases led by A whose people consent to sharing: more handoffs to B (one per case may be pending)."""
    manager = network.user("a", Role.CASE_MANAGER)
    cases = []
    for first_name in ("Anna", "Bruno"):
        person = register_person(manager, network.org_a, first_name=first_name, last_name="Esempio")
        for purpose in (ConsentPurpose.PROCESSING, ConsentPurpose.SHARE_NETWORK):
            consent_record(
                actor=manager,
                person=person,
                purpose=purpose,
                given_on=timezone.localdate() - datetime.timedelta(days=1),
            )
        cases.append(open_case(manager, network.org_a, person))
    return cases
