"""Organisation B's operator reads who a referral is about while deciding, declines it, and from then on its
received-handoffs list shows the case code only (issue 16, item 1)."""

from django.urls import reverse
from viewflow.workflow.models import Task

from partners.roles import Role
from tests.factories import PASSWORD
from tests.helpers.browser import login
from workflows.flows import HandoffFlow
from workflows.models import HandoffKind, HandoffStatus
from workflows.services import handoffs


def test_after_declining_the_receiver_sees_the_case_code_and_not_the_name(
    network, consenting_case, service, new_page, live_server
):
    case = consenting_case
    handoff = handoffs.handoff_send(
        actor=network.user("a", Role.CASE_MANAGER),
        case=case,
        kind=HandoffKind.REFERRAL,
        receiver_organisation_id=network.org_b.pk,
        service_type_id=service.pk,
        reason="Pacco alimentare",
        sections=["file"],
    )
    task = Task.objects.get(process_id=handoff.process_id, flow_task=HandoffFlow.decide)
    received = reverse("workflows:handoffs_received")
    page = new_page("en-GB")
    login(page, network.user("b", Role.OPERATOR).username, PASSWORD)

    # given: while the referral waits for B's answer, B's list names the person
    page.goto(received)
    row = page.locator("table.tv-handoff-list tbody tr", has_text=case.code)
    assert "Bianchi" in row.inner_text()

    # when: B's operator opens the request from the queue and declines it
    page.goto(reverse("workflows:task_detail", args=[task.pk]))
    page.select_option("main form.tv-decline-form select[name=decline-reason]", "capacity")
    with page.expect_navigation():
        page.click("main form.tv-decline-form [type=submit]")
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.DECLINED

    # then: the received list shows the case code, and the name no more
    page.goto(received)
    row = page.locator("table.tv-handoff-list tbody tr", has_text=case.code)
    assert row.count() == 1
    text = row.inner_text()
    assert "Bianchi" not in text and "Giulia" not in text
    assert "Bianchi" not in page.locator("main").inner_text()
