"""An emergency placement: the case's lead assessed the need and referred the person to a night shelter; the
shelter's operator finds the step in the queue, records the move-in on a free bed, marks the step done; the lead
sees the stay in the housing panel of the case page."""

from django.urls import reverse
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from housing.flows import HousingFlow
from housing.models import PlaceStatus, Stay
from housing.services import pathway
from partners.roles import Role
from tests.factories import PASSWORD
from tests.helpers.browser import login
from tests.helpers.housing import record_profile
from workflows.models import Handoff
from workflows.services import handoffs


def test_emergency_placement(
    network, consenting_case, shelter, housing_services, lead, provider_cm, new_page, live_server
):
    case = consenting_case
    # given: the lead started the housing pathway and assessed an emergency; the shelter accepted the referral
    process = pathway.pathway_start(actor=lead, case=case)
    record_profile(lead, case, situation="homeless", notes="Dorme alla stazione di Sesto")
    assess = Task.objects.get(process=process, flow_task=HousingFlow.assess)
    pathway.assessment_done(
        actor=lead,
        task=assess,
        emergency_needed=True,
        emergency_provider=network.org_b,
        temporary_provider=network.org_b,
        public_provider=network.org_b,
    )
    handoffs.handoff_accept(actor=provider_cm, handoff_id=Handoff.objects.get(case=case).pk)
    step = Task.objects.get(process=process, flow_task=HousingFlow.emergency_placement)

    # when: the shelter's operator finds the step in the queue
    operator = new_page("en-US")
    login(operator, network.user("b", Role.OPERATOR).username, PASSWORD)
    operator.goto(reverse("workflows:queue"))
    row = operator.locator("table.tv-task-list tbody tr", has_text=case.code).filter(has_text="Emergency placement")
    assert row.count() == 1

    # and records the move-in on bed 1 of the shelter
    operator.goto(reverse("housing:resource_detail", args=[shelter.pk]))
    bed = operator.locator("tr[data-place='1']")
    bed.locator("input[name=case_code]").fill(case.code)
    bed.locator("input[name=accompaniment_plan]").fill("Colloquio con l'assistente sociale entro 7 giorni")
    with operator.expect_navigation():
        bed.locator("button[type=submit]", has_text="Record the move-in").click()
    assert "Move-in recorded" in operator.locator("main").inner_text()
    assert "Occupied" in operator.locator("tr[data-place='1']").inner_text()

    # and marks the step done on its task page
    operator.goto(reverse("workflows:task_detail", args=[step.pk]))
    with operator.expect_navigation():
        operator.click("main form input[name=action][value=done] ~ button[type=submit]")

    # then: the bed is occupied by the person, the step is done, the pathway moved on to temporary housing
    stay = Stay.objects.get(case=case)
    assert stay.place.label == "1" and stay.place.status == PlaceStatus.OCCUPIED
    step.refresh_from_db()
    assert step.status == STATUS.DONE
    assert Task.objects.filter(process=process, flow_task=HousingFlow.temporary_placement, status=STATUS.NEW).exists()

    # and: the lead sees the stay in the housing panel of the case (its own page: the case page loads three
    # panels at once, which the live server's threads would run on one shared in-memory SQLite connection)
    lead_page = new_page("en-US")
    login(lead_page, lead.username, PASSWORD)
    lead_page.goto(reverse("housing:case_panel", args=[case.pk]))
    stays = lead_page.locator("#housing-stays")
    stays.wait_for()
    assert "Dormitorio Test" in stays.inner_text()
    assert "Dorme alla stazione di Sesto" in lead_page.locator("#housing-panel").inner_text()
