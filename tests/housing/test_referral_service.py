"""Issue 16, item 6: the referral of each housing step asks the provider for the service that matches the step,
not the first code of its catalogue in alphabetical order (which labelled a temporary placement with the night
shelter)."""

from __future__ import annotations

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from housing.flows import HousingFlow
from housing.services import pathway
from tests.helpers.housing import record_profile
from workflows.models import Handoff

pytestmark = pytest.mark.django_db


def _assess(*, lead, case, **choices) -> Handoff:
    process = pathway.pathway_start(actor=lead, case=case)
    record_profile(lead, case)
    task = Task.objects.get(
        process=process, flow_task=HousingFlow.assess, status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]
    )
    pathway.assessment_done(actor=lead, task=task, **choices)
    return Handoff.objects.select_related("service_type").get(case=case)


def test_a_temporary_placement_referral_asks_for_temporary_housing(consenting_case, lead, network, housing_services):
    # given a provider offering the shelter, temporary housing and social-housing support
    # when no emergency placement is asked for
    handoff = _assess(
        lead=lead,
        case=consenting_case,
        emergency_needed=False,
        temporary_provider=network.org_b,
        public_provider=network.org_b,
    )
    # then the referral carries the temporary-housing service, not the night shelter
    assert handoff.service_type.code == "temporary-housing"


def test_an_emergency_placement_referral_asks_for_the_shelter(consenting_case, lead, network, housing_services):
    handoff = _assess(
        lead=lead,
        case=consenting_case,
        emergency_needed=True,
        emergency_provider=network.org_b,
        temporary_provider=network.org_b,
        public_provider=network.org_b,
    )
    assert handoff.service_type.code == "emergency-shelter"
