"""Housing steps reach the case manager (issue 16, item 10): a shelter's operator records a move-in on its resource
page; the case manager of the lead organisation finds it on the case timeline and in the notification list, in
the reader's language, naming the case by its code."""

from django.urls import reverse
from django.utils import formats, timezone, translation

from partners.roles import Role
from tests.factories import PASSWORD
from tests.helpers.browser import login


def test_a_move_in_recorded_by_the_provider_reaches_the_case_manager(network, shared_case, shelter, lead, new_page):
    case = shared_case
    # when: the shelter's operator records the move-in on bed 1
    operator = new_page("en-US")
    login(operator, network.user("b", Role.OPERATOR).username, PASSWORD)
    operator.goto(reverse("housing:resource_detail", args=[shelter.pk]))
    bed = operator.locator("tr[data-place='1']")
    bed.locator("input[name=case_code]").fill(case.code)
    with operator.expect_navigation():
        bed.locator("button[type=submit]", has_text="Record the move-in").click()
    assert "Move-in recorded" in operator.locator("main").inner_text()

    # then: the case manager sees the step on the case timeline
    today = timezone.localdate()
    with translation.override("en"):
        english_day = formats.date_format(today, "SHORT_DATE_FORMAT")
    manager = new_page("en-US")
    login(manager, lead.username, PASSWORD)
    manager.goto(reverse("cases:timeline", args=[case.pk]))
    item = manager.locator("main li.list-group-item", has_text="Move-in")
    assert item.count() == 1
    assert (
        f"Emergency shelter (dormitorio / pronto intervento) at Cooperativa Test, from {english_day}"
        in item.inner_text()
    )

    # and in the notification list, by the case's code only
    manager.goto(reverse("notifications:list"))
    notice = manager.locator("li.tv-notification", has_text="Move-in")
    assert notice.count() == 1
    text = notice.inner_text()
    assert f"Case {case.code}: Emergency shelter (dormitorio / pronto intervento) at Cooperativa Test" in text
    assert "Bianchi" not in text

    # and a reader of Italian gets the line with Italian words and dates
    italian = new_page("it-IT")
    login(italian, lead.username, PASSWORD)
    italian.goto(reverse("cases:timeline", args=[case.pk]))
    line = (
        italian.locator("main li.list-group-item", has_text="Cooperativa Test")
        .filter(has_text="Accoglienza di emergenza")
        .inner_text()
    )
    assert today.strftime("%d/%m/%Y") in line and "Emergency shelter" not in line
