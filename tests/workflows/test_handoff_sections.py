"""The send form ticks the sections the chosen service needs and says what the receiver will and will not see
(issue 16, item 3). A referral sent with no section ticked goes as "summary only", and the sender is told so."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from partners.models import ServiceType
from partners.roles import Role
from workflows.forms import HandoffSendForm
from workflows.models import Handoff

CM_A = ("a", Role.CASE_MANAGER)


@pytest.fixture
def client(client):
    """The pages are asserted in English (Italian is the default language)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def housing(network) -> ServiceType:
    service = ServiceType.objects.create(
        code="social-housing-support", name="Accompagnamento all'abitare", share_sections=["file", "documents"]
    )
    network.org_b.services.add(service)
    return service


@pytest.fixture
def clothing(network) -> ServiceType:
    service = ServiceType.objects.create(code="clothing", name="Guardaroba solidale", share_sections=[])
    network.org_b.services.add(service)
    return service


def send_url(case) -> str:
    return reverse("workflows:handoff_send", args=[case.pk])


def ticked(html: str) -> set[str]:
    """The values of the section checkboxes that are checked."""
    return {match.group(1) for match in re.finditer(r'<input[^>]*name="sections"[^>]*value="(\w+)"[^>]*checked', html)}


def summary(html: str) -> str:
    """The text of the summary next to the submit button, visible parts only, without tags."""
    block = re.search(r'<div[^>]*id="tv-share-summary".*?</div>\s*<!-- /tv-share-summary -->', html, re.S).group(0)
    block = re.sub(r"<(\w+)[^>]*\shidden[^>]*>.*?</\1>", "", block, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", block).split())


def test_a_new_form_ticks_nothing_until_a_service_is_chosen(network, consenting_case, housing):
    form = HandoffSendForm(receivers=network.org_b.__class__.objects.all())
    assert not form["sections"].value()


@pytest.mark.parametrize(
    ("service_name", "expected"),
    [
        ("housing", ["file", "documents"]),
        ("clothing", []),
    ],
)
def test_the_form_starts_with_the_chosen_services_sections(network, housing, clothing, service_name, expected):
    service = {"housing": housing, "clothing": clothing}[service_name]
    form = HandoffSendForm(
        receivers=network.org_b.__class__.objects.all(),
        receiver_id=network.org_b.pk,
        initial={"receiver_organisation": network.org_b.pk, "service_type": service.pk},
    )
    assert form["sections"].value() == expected


def test_the_page_ticks_the_services_sections_and_names_them_in_the_summary(client, network, consenting_case, housing):
    client.force_login(network.user(*CM_A))
    response = client.get(
        send_url(consenting_case), {"receiver_organisation": network.org_b.pk, "service_type": housing.pk}
    )
    html = response.content.decode()
    assert ticked(html) == {"file", "documents"}
    text = summary(html)
    assert "Cooperativa Test will see: the case code, the person's name and year of birth" in text
    assert "Personal data, assessment and plan" in text.split("It will not see")[0]
    assert "Documents" in text.split("It will not see")[0]
    assert "Notes (not the sensitive ones)" in text.split("It will not see")[1]
    assert "Case timeline" in text.split("It will not see")[1]
    assert "Summary only" not in text


def test_each_service_option_carries_its_sections_for_the_browser(client, network, consenting_case, housing, clothing):
    client.force_login(network.user(*CM_A))
    html = client.get(send_url(consenting_case), {"receiver_organisation": network.org_b.pk}).content.decode()
    assert re.search(rf'<option value="{housing.pk}"[^>]*data-sections="file documents"', html)
    assert re.search(rf'<option value="{clothing.pk}"[^>]*data-sections=""', html)


def test_with_no_section_ticked_the_summary_says_summary_only(client, network, consenting_case, clothing):
    client.force_login(network.user(*CM_A))
    html = client.get(
        send_url(consenting_case), {"receiver_organisation": network.org_b.pk, "service_type": clothing.pk}
    ).content.decode()
    assert ticked(html) == set()
    text = summary(html)
    assert "Summary only:" in text
    assert "It will not see: Personal data, assessment and plan" in text


def test_for_a_transfer_the_summary_says_the_whole_file(client, network, consenting_case, housing):
    client.force_login(network.user(*CM_A))
    html = client.get(
        send_url(consenting_case), {"receiver_organisation": network.org_b.pk, "kind": "transfer"}
    ).content.decode()
    text = summary(html)
    assert "Cooperativa Test becomes the lead organisation and will see the whole file." in text
    assert '<div class="tv-share-referral" hidden>' in html


def test_a_re_rendered_form_keeps_the_senders_ticks(client, network, consenting_case, housing):
    client.force_login(network.user(*CM_A))
    response = client.post(
        send_url(consenting_case),
        {
            "kind": "referral",
            "receiver_organisation": network.org_b.pk,
            "service_type": housing.pk,
            "reason": "",
            "sections": ["notes"],
            "urgency": "normal",
        },
    )
    assert response.status_code == 200  # the reason is missing
    assert ticked(response.content.decode()) == {"notes"}


def test_sending_with_no_section_ticked_records_and_says_summary_only(client, network, consenting_case, housing):
    client.force_login(network.user(*CM_A))
    response = client.post(
        send_url(consenting_case),
        {
            "kind": "referral",
            "receiver_organisation": network.org_b.pk,
            "service_type": housing.pk,
            "reason": "Looking for a home",
            "urgency": "normal",
        },
        follow=True,
    )
    handoff = Handoff.objects.get(case=consenting_case)
    assert handoff.sections == []
    page = " ".join(response.content.decode().split())
    assert (
        "Referral sent to Cooperativa Test, summary only: it sees the case code, the person&#x27;s name and "
        "year of birth, the reason and the requested service, and nothing of the file."
    ) in page


def test_sending_with_sections_names_them_in_the_confirmation(client, network, consenting_case, housing):
    client.force_login(network.user(*CM_A))
    response = client.post(
        send_url(consenting_case),
        {
            "kind": "referral",
            "receiver_organisation": network.org_b.pk,
            "service_type": housing.pk,
            "reason": "Looking for a home",
            "sections": ["documents", "file"],
            "urgency": "normal",
        },
        follow=True,
    )
    assert Handoff.objects.get(case=consenting_case).sections == ["file", "documents"]
    page = " ".join(response.content.decode().split())
    assert "Referral sent to Cooperativa Test. Shared: Personal data, assessment and plan, Documents." in page


def test_the_api_keeps_summary_only_when_sections_are_omitted(network, consenting_case, housing):
    """Backward compatible: the API does not apply the service's sections for the client; it shows them."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user=network.user(*CM_A))
    response = client.post(
        reverse("api-handoff-list"),
        {
            "case": consenting_case.pk,
            "kind": "referral",
            "receiver_organisation": network.org_b.pk,
            "service_type": housing.pk,
            "reason": "Looking for a home",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert Handoff.objects.get(case=consenting_case).sections == []
    assert response.json()["sections"] == []
    assert response.json()["service_type"]["share_sections"] == ["file", "documents"]
