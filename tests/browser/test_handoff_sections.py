"""On a phone (390 px), a case manager sending a referral chooses the receiver and the service: the sections that
service needs are ticked, and the summary next to the button says what the receiver will and will not see, live
(issue 16, item 3). Once the sender changed a tick, choosing another service leaves the ticks alone."""

from __future__ import annotations

import pytest
from django.urls import reverse

from partners.models import ServiceType
from partners.roles import Role
from tests.factories import PASSWORD
from tests.helpers.browser import login

PHONE = {"width": 390, "height": 844}
LABELS = {
    "en-GB": {
        "file": "Personal data, assessment and plan",
        "notes": "Notes (not the sensitive ones)",
        "documents": "Documents",
        "timeline": "Case timeline",
    },
    "it-IT": {
        "file": "Dati anagrafici, valutazione e progetto",
        "notes": "Note (escluse quelle riservate)",
        "documents": "Documenti",
        "timeline": "Cronologia del caso",
    },
}


def ticked(page) -> set[str]:
    return set(page.eval_on_selector_all("input[name=sections]:checked", "boxes => boxes.map(b => b.value)"))


def visible_items(page, part: str) -> list[str]:
    return [text.strip() for text in page.locator(f"#tv-share-summary .{part} li:visible").all_inner_texts()]


@pytest.mark.parametrize("locale", ["it-IT", "en-GB"])
def test_choosing_a_service_ticks_its_sections_and_the_summary_follows(
    network, consenting_case, new_page, live_server, locale
):
    housing = ServiceType.objects.create(
        code="social-housing-support", name="Accompagnamento all'abitare", share_sections=["file", "documents"]
    )
    clothing = ServiceType.objects.create(code="clothing", name="Guardaroba solidale", share_sections=[])
    network.org_b.services.add(housing, clothing)
    labels = LABELS[locale]
    page = new_page(locale)
    page.set_viewport_size(PHONE)
    login(page, network.user("a", Role.CASE_MANAGER).username, PASSWORD)
    page.goto(reverse("workflows:handoff_send", args=[consenting_case.pk]))
    summary = page.locator("#tv-share-summary")

    # given: nothing chosen yet, nothing ticked, and the summary says so
    assert ticked(page) == set()
    assert page.locator("#tv-share-summary .tv-share-summary-only").is_visible()

    # when: the receiver, then a housing service, are chosen
    with page.expect_response(lambda response: "receiver_organisation=" in response.url):
        page.select_option("select[name=receiver_organisation]", str(network.org_b.pk))
    page.wait_for_function("document.querySelectorAll('select[name=service_type] optgroup').length === 0")
    page.select_option("select[name=service_type]", str(housing.pk))

    # then: its sections are ticked, and the summary names the receiver and what it will and will not see
    assert ticked(page) == {"file", "documents"}
    assert "Cooperativa Test" in summary.inner_text()
    assert visible_items(page, "tv-share-seen")[1:] == [labels["file"], labels["documents"]]
    assert visible_items(page, "tv-share-unseen")[:2] == [labels["notes"], labels["timeline"]]
    assert not page.locator("#tv-share-summary .tv-share-summary-only").is_visible()
    if locale == "en-GB":
        assert "Cooperativa Test will see:" in summary.inner_text()
        assert "It will not see:" in summary.inner_text()

    # when: a service that needs the summary only is chosen instead
    page.select_option("select[name=service_type]", str(clothing.pk))

    # then: nothing is ticked and the summary says "summary only"
    assert ticked(page) == set()
    assert page.locator("#tv-share-summary .tv-share-summary-only").is_visible()
    assert visible_items(page, "tv-share-seen")[1:] == []
    assert labels["file"] in visible_items(page, "tv-share-unseen")
    if locale == "en-GB":
        assert "Summary only:" in summary.inner_text()

    # when: the sender ticks the notes themselves, then goes back to the housing service
    page.locator("input[name=sections][value=notes]").check()
    assert visible_items(page, "tv-share-seen")[1:] == [labels["notes"]]
    page.select_option("select[name=service_type]", str(housing.pk))

    # then: the sender's own choice stays as it is
    assert ticked(page) == {"notes"}
    assert visible_items(page, "tv-share-seen")[1:] == [labels["notes"]]

    # and: on a phone the form fits the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
