"""Issue 16, items 5, 7 and 8 as a social worker sees them.

- The assessment step lists, as temporary-housing providers, only the organisations that offer it (not the food
  bank).
- A household living in a temporary flat is offered a SAP home: the case page shows its waitlist position (the
  same as the waitlist's line, which reads 1..n), the case manager accepts, and the temporary stay ends that day
  with its reason, the flat free again.
"""

import re

from django.urls import reverse
from viewflow.workflow.models import Task

from housing.flows import HousingFlow
from housing.models import PlaceStatus, ResourceKind, Stay
from housing.services import households, pathway
from tests.factories import PASSWORD, open_case
from tests.helpers.browser import login
from tests.helpers.housing import offer_sap as _offer_sap
from tests.helpers.housing import record_profile


def test_the_assessment_lists_only_housing_providers(
    network, consenting_case, housing_services, food_bank, lead, new_page
):
    process = pathway.pathway_start(actor=lead, case=consenting_case)
    record_profile(lead, consenting_case)
    task = Task.objects.get(process=process, flow_task=HousingFlow.assess)

    page = new_page("en-US")
    login(page, lead.username, PASSWORD)
    page.goto(reverse("workflows:task_detail", args=[task.pk]))
    options = page.locator("select[name=assess-temporary_provider] option").all_inner_texts()
    assert network.org_b.name in options
    assert food_bank.name not in options
    assert network.org_a.name not in options  # the lead's own organisation offers no temporary housing here


def test_accepting_the_sap_home_from_the_temporary_flat(
    network, in_temporary_flat, public_unit, provider_cm, lead, shared_case, new_page
):
    # given another household ahead on the SAP waitlist, whose file A cannot read
    other = open_case(provider_cm, network.org_b)
    record_profile(provider_cm, other, situation="homeless", household_size=3, minors=2)  # more points
    households.application_create(actor=provider_cm, case=other, kind=ResourceKind.PUBLIC)
    offer = _offer_sap(provider_cm, public_unit, shared_case)
    case = shared_case

    page = new_page("en-US")
    login(page, lead.username, PASSWORD)
    # the waitlist reads 1, 2: the other household as a line without details, this one second
    page.goto(reverse("housing:waitlist", args=[ResourceKind.PUBLIC]))
    assert page.locator("#ranking td.tv-position").all_inner_texts() == ["1", "2"]
    assert case.code in page.locator("#ranking tr[data-position='2']").inner_text()
    assert other.code not in page.locator("#ranking").inner_text()
    # and the case page says the same position
    page.goto(reverse("housing:case_panel", args=[case.pk]))
    assert "position 2 of 2 on the waitlist" in page.locator("#housing-panel").inner_text()

    # when the case manager records the household's yes
    with page.expect_navigation():
        page.locator(f"form[action='{reverse('housing:offer_answer', args=[offer.pk, 'accept'])}'] button").click()
    text = page.locator("main").inner_text()
    assert "Offer accepted" in text and re.search(r"The stay at .* ended on the same day", text)

    # then the stays show the SAP home now and the temporary flat ended with its reason; the flat is free
    page.goto(reverse("housing:case_panel", args=[case.pk]))
    stays = page.locator("#housing-stays").inner_text()
    assert "Alloggio SAP Test" in stays and "Moved into the home offered to the household" in stays
    in_temporary_flat.refresh_from_db()
    assert in_temporary_flat.move_out is not None
    assert in_temporary_flat.place.status == PlaceStatus.AVAILABLE
    assert Stay.objects.get(case=case, move_out__isnull=True).place.resource_id == public_unit.pk
