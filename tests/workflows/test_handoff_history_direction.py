"""The handoff page's history reads every row the way the handoff went, sender → receiver, whoever acted
(issue 16, item 15: a Comune → Caritas referral showed as "Caritas → Comune" once Caritas had answered)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from partners.models import ServiceType
from partners.roles import Role
from tests.factories import make_member, make_organisation
from workflows.models import Outcome
from workflows.services import casepath, handoffs

_ROW = re.compile(
    r'<li class="list-group-item">\s*<div class="d-flex[^"]*">\s*<span class="fw-medium">([^<]+)'
    r'.*?<div class="small text-body-secondary">\s*([^<·]*?)\s*(?:·|</div>)',
    re.S,
)


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def history_rows(client, user, handoff) -> list[tuple[str, str]]:
    """(event, "Sender → Receiver") for each row of the page's history."""
    client.force_login(user)
    response = client.get(reverse("workflows:handoff_detail", args=[handoff.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    history = page[page.index("tv-handoff-history") :]
    return [(kind.strip(), pair.replace("&#x27;", "'")) for kind, pair in _ROW.findall(history)]


def send(network, case, *, kind="referral", service=None, sections=("file",)):
    return handoffs.handoff_send(
        actor=network.user("a", Role.CASE_MANAGER),
        case=case,
        kind=kind,
        receiver_organisation_id=network.org_b.pk,
        service_type_id=service.pk if service else None,
        reason="Ha bisogno di un pacco alimentare",
        sections=list(sections),
    )


def test_a_declined_then_redirected_referral_reads_sender_to_receiver_on_every_row(
    client, network, consenting_case, service
):
    # given: A → B, B declines, A redirects to C, C accepts and reports the outcome
    org_c = make_organisation("Associazione Terza")
    operator_c = make_member(org_c, Role.OPERATOR, username="c_operator")
    service_c = ServiceType.objects.create(code="ascolto", name="Centro d'ascolto")
    org_c.services.add(service_c)
    referral = send(network, consenting_case, service=service)
    handoffs.handoff_decline(actor=network.user("b", Role.OPERATOR), handoff_id=referral.pk, reason="capacity")
    handoffs.handoff_redirect(
        actor=network.user("a", Role.CASE_MANAGER),
        handoff_id=referral.pk,
        receiver_organisation_id=org_c.pk,
        service_type_id=service_c.pk,
    )
    handoffs.handoff_accept(actor=operator_c, handoff_id=referral.pk)
    handoffs.handoff_report_outcome(actor=operator_c, handoff_id=referral.pk, outcome=Outcome.COMPLETED)
    a, b, c = network.org_a.name, network.org_b.name, org_c.name
    # when
    rows = dict(history_rows(client, network.user("a", Role.CASE_MANAGER), referral))
    # then
    assert rows["Handoff sent"] == f"{a} → {b}"
    assert rows["Handoff declined"] == f"{a} → {b}"
    assert rows["Handoff redirected"] == f"{a} → {c}"
    assert rows["Handoff accepted"] == f"{a} → {c}"
    assert rows["Outcome reported"] == f"{a} → {c}"


def test_an_accepted_transfer_reads_sender_to_receiver_for_the_receiver_too(client, network, consenting_case):
    # given
    casepath.case_flow_start(case=consenting_case, actor=network.user("a", Role.CASE_MANAGER))
    transfer = send(network, consenting_case, kind="transfer", sections=())
    handoffs.handoff_accept(actor=network.user("b", Role.CASE_MANAGER), handoff_id=transfer.pk)
    # when
    rows = history_rows(client, network.user("b", Role.CASE_MANAGER), transfer)
    # then: every row, task rows included, names A first
    expected = f"{network.org_a.name} → {network.org_b.name}"
    assert {kind for kind, _pair in rows} >= {"Handoff sent", "Handoff accepted"}
    assert all(pair == expected for _kind, pair in rows), rows
