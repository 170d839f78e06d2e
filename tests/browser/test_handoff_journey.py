"""Organisation A's case manager sends a referral from the case page; organisation B's operator finds it in the
queue and accepts it; A sees the acceptance in the case's handoff history."""

from django.urls import reverse

from partners.roles import Role
from tests.factories import PASSWORD
from tests.helpers.browser import login
from workflows.models import Handoff, HandoffStatus


def test_referral_sent_found_in_the_queue_accepted_and_seen_by_the_sender(
    network, consenting_case, service, new_page, live_server
):
    case = consenting_case
    case_url = reverse("cases:case_detail", args=[case.pk])

    # given: A's case manager on the case page, whose workflows panel loads by itself
    sender = new_page()
    login(sender, network.user("a", Role.CASE_MANAGER).username, PASSWORD)
    sender.goto(case_url)
    sender.wait_for_selector("#workflows .tv-workflows-panel")

    # when: they send a referral to B for a service in B's catalogue
    with sender.expect_navigation():
        sender.click(f"main a[href='{reverse('workflows:handoff_send', args=[case.pk])}']")
    sender.select_option("main select[name=receiver_organisation]", str(network.org_b.pk))
    # choosing B reloads its catalogue and the consent check (htmx)
    sender.wait_for_selector("#tv-target-dynamic .text-success-emphasis")
    sender.select_option("main select[name=service_type]", str(service.pk))
    sender.fill("main textarea[name=reason]", "Ha bisogno di un pacco alimentare settimanale.")
    sender.check("main input[name=sections][value=file]")
    with sender.expect_navigation():
        sender.click("main form.tv-handoff-form [type=submit]")

    # then: the referral is waiting for B, and A is back on the case page
    handoff = Handoff.objects.get(case=case)
    assert handoff.status == HandoffStatus.PENDING and handoff.receiver_organisation == network.org_b
    assert sender.url.endswith(case_url)

    # when: B's operator opens the queue, finds the case and accepts it
    receiver = new_page()
    login(receiver, network.user("b", Role.OPERATOR).username, PASSWORD)
    receiver.goto(reverse("workflows:queue"))
    row = receiver.locator("table.tv-task-list tbody tr", has_text=case.code)
    assert row.count() == 1
    with receiver.expect_navigation():
        row.locator("a", has_text=case.code).click()
    assert "Ha bisogno di un pacco alimentare" in receiver.locator("main").inner_text()
    with receiver.expect_navigation():
        receiver.click("main form.tv-accept-form [type=submit]")

    # then: the handoff is accepted
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.ACCEPTED
    assert handoff.decided_by == network.user("b", Role.OPERATOR)

    # and: A reloads the case page and sees the acceptance in the handoff history
    sender.reload()
    history = sender.locator("#handoffs table.tv-case-handoffs tbody tr", has_text=network.org_b.name)
    history.locator(".tv-handoff-accepted").wait_for()
    assert history.count() == 1
