"""Issue 16, item 7: the assessment step offers, for each housing step, only the organisations whose catalogue
has that kind of housing service (not the food bank, the pharmacies, AFOL...), and refuses any other provider on
submit too, with a form error in the reader's language."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from viewflow.workflow.models import Task

from housing.flows import HousingFlow
from housing.forms import AssessmentStepForm
from housing.services import pathway
from partners.models import ServiceType
from tests.factories import make_organisation
from tests.helpers.housing import record_profile
from workflows.models import Handoff

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelter_only(db):
    """A night shelter: an emergency provider, not a temporary-housing one."""
    org = make_organisation("Dormitorio Test")
    org.services.add(ServiceType.objects.get_or_create(code="emergency-shelter", defaults={"name": "Dormitorio"})[0])
    return org


def _choices(form, name) -> set[str]:
    return {str(label) for value, label in form.fields[name].choices if value}


def test_each_provider_list_holds_the_organisations_offering_that_housing(
    network, housing_services, food_bank, shelter_only
):
    form = AssessmentStepForm(prefix="assess")
    b = network.org_b.name
    assert _choices(form, "emergency_provider") == {b, shelter_only.name}
    assert _choices(form, "temporary_provider") == {b}
    assert _choices(form, "public_provider") == {b}


@pytest.fixture
def assess_task(consenting_case, lead):
    process = pathway.pathway_start(actor=lead, case=consenting_case)
    record_profile(lead, consenting_case)
    return Task.objects.get(process=process, flow_task=HousingFlow.assess)


def test_a_crafted_post_with_a_food_bank_is_refused_with_a_form_error(
    client, network, lead, housing_services, food_bank, assess_task, consenting_case
):
    client.force_login(lead)
    url = reverse("workflows:task_detail", args=[assess_task.pk])
    page = client.get(url).content.decode()
    assert food_bank.name not in page and network.org_b.name in page
    # when a crafted POST names the food bank as the temporary-housing provider (Italian page)
    with translation.override("it"):
        response = client.post(
            url,
            {"action": "assess", "assess-temporary_provider": food_bank.pk, "assess-public_provider": network.org_b.pk},
            HTTP_ACCEPT_LANGUAGE="it",
        )
    # then the form says so, in Italian, and nothing was sent
    assert response.status_code == 200
    assert (
        "Scegli un&#x27;opzione valida" in response.content.decode()
        or "Scegli un'opzione valida" in response.content.decode()
    )
    assert not Handoff.objects.filter(case=consenting_case).exists()
    assess_task.refresh_from_db()
    assert assess_task.status != "DONE"


def test_the_service_refuses_a_provider_without_that_housing(network, lead, housing_services, food_bank, assess_task):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        pathway.assessment_done(
            actor=lead,
            task=assess_task,
            emergency_needed=False,
            temporary_provider=food_bank,
            public_provider=network.org_b,
        )
    assert "temporary_provider" in refused.value.message_dict


def test_the_demo_network_offers_the_demo_pathways_providers():
    """The housing demo assesses with Lotta (shelter), La Cordata (temporary) and the municipality (SAP): each
    offers its step's service in the demo catalogue, and the food bank, the pharmacies and the job-placement
    partners offer none."""
    from demo.network import PROFILES

    chosen = {"emergency": "lotta", "temporary": "cordata", "public": "comune"}
    for step, slug in chosen.items():
        assert pathway.STEP_SERVICES[step][0] in PROFILES[slug].services
    housing_codes = {codes[0] for codes in pathway.STEP_SERVICES.values()}
    for slug in ("banco", "bancolombardia", "farmacie", "torpedone", "officina", "prima"):
        assert not housing_codes & set(PROFILES[slug].services)
