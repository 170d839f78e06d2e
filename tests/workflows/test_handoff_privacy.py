"""Who a handoff is about, as its receiver sees it (issue 16, items 1 and 4).

While a referral waits for its answer the receiver reads the person's name (the consent gate let it through and
it must decide); after accepting it works the case and still does. Once it declined, or the sender withdrew the
referral (by hand or by closing the case), it sees the case code only — on every list, page and API response.
A pending referral withdrawn by the case's closure is announced to the receiver like any withdrawal.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import CaseEvent, ConsentPurpose, TimelineKind
from cases.services import consent_record
from notifications.models import Notification, NotificationKind
from partners.roles import Role
from tests.factories import open_case, register_person
from workflows.models import Handoff, HandoffKind, HandoffStatus, HistoryKind, WorkflowEvent
from workflows.services import handoffs, lifecycle

NAME = "Bianchi"
CM_A = ("a", Role.CASE_MANAGER)
OP_B = ("b", Role.OPERATOR)


@pytest.fixture
def client(client):
    """The pages are asserted in English (Italian is the default language)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _send(network, case, service) -> Handoff:
    return handoffs.handoff_send(
        actor=network.user(*CM_A),
        case=case,
        kind=HandoffKind.REFERRAL,
        receiver_organisation_id=network.org_b.pk,
        service_type_id=service.pk,
        reason="Needs food parcels",
        sections=["file"],
    )


def _decline(network, handoff):
    handoffs.handoff_decline(actor=network.user(*OP_B), handoff_id=handoff.pk, reason="capacity")


def _accept(network, handoff):
    handoffs.handoff_accept(actor=network.user(*OP_B), handoff_id=handoff.pk)


def _close_case(network, handoff):
    lifecycle.case_close(actor=network.user(*CM_A), case=handoff.case, outcome="goals_reached")


# Each state a handoff can reach, how to get there from "pending", and whether its receiver reads the name.
STATES = {
    "pending": ([], HandoffStatus.PENDING, True),
    "declined": ([_decline], HandoffStatus.DECLINED, False),
    "revoked": (
        [lambda network, h: handoffs.handoff_revoke(actor=network.user(*CM_A), handoff_id=h.pk)],
        HandoffStatus.REVOKED,
        False,
    ),
    "closed after a decline": (
        [_decline, lambda network, h: handoffs.handoff_close(actor=network.user(*CM_A), handoff_id=h.pk)],
        HandoffStatus.CLOSED,
        False,
    ),
    "revoked by the case's closure": ([_close_case], HandoffStatus.REVOKED, False),
    "declined, then the case closed": ([_decline, _close_case], HandoffStatus.CLOSED, False),
    "accepted": ([_accept], HandoffStatus.ACCEPTED, True),
    "outcome reported": (
        [
            _accept,
            lambda network, h: handoffs.handoff_report_outcome(
                actor=network.user(*OP_B), handoff_id=h.pk, outcome="completed"
            ),
        ],
        HandoffStatus.COMPLETED,
        True,
    ),
    "accepted, then the case closed": ([_accept, _close_case], HandoffStatus.CLOSED, True),
}


@pytest.fixture(params=list(STATES))
def state(request, network, consenting_case, service):
    """(handoff, whether its receiver may read the person's name), for each state of STATES."""
    steps, status, shows = STATES[request.param]
    handoff = _send(network, consenting_case, service)
    for step in steps:
        step(network, handoff)
    handoff = Handoff.objects.select_related("case__person").get(pk=handoff.pk)
    assert handoff.status == status
    return handoff, shows


def test_the_rule_on_the_row(state):
    handoff, shows = state
    assert handoff.receiver_sees_person is shows


def test_received_list_shows_the_name_only_while_pending_or_accepted(client, network, state):
    handoff, shows = state
    client.force_login(network.user(*OP_B))
    page = client.get(reverse("workflows:handoffs_received")).content.decode()
    assert handoff.case.code in page
    assert (NAME in page) is shows


def test_received_list_of_the_administrator_follows_the_same_rule(client, network, state):
    handoff, shows = state
    client.force_login(network.user("b", Role.ORG_ADMIN))
    page = client.get(reverse("workflows:handoffs_received")).content.decode()
    assert handoff.case.code in page
    assert (NAME in page) is shows


def test_sent_list_always_shows_the_name_to_the_sender(client, network, state):
    handoff, _shows = state
    client.force_login(network.user(*CM_A))
    page = client.get(reverse("workflows:handoffs_sent")).content.decode()
    assert handoff.case.code in page and NAME in page


def test_handoff_page_of_the_receiver_follows_the_rule(client, network, state):
    handoff, shows = state
    client.force_login(network.user(*OP_B))
    page = client.get(reverse("workflows:handoff_detail", args=[handoff.pk])).content.decode()
    assert handoff.case.code in page
    assert (NAME in page) is shows
    assert ("Needs food parcels" in page) is shows


def test_api_of_the_receiver_follows_the_rule(network, state):
    handoff, shows = state
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(user=network.user(*OP_B))
    listed = api.get("/api/v1/handoffs/", {"box": "received"}).json()["results"]
    detail = api.get(f"/api/v1/handoffs/{handoff.pk}/").json()
    for data in (*listed, detail):
        assert (data["person"] is not None) is shows
        assert (data["reason"] is not None) is shows


def test_queue_shows_the_name_of_a_pending_referral(client, network, consenting_case, service):
    _send(network, consenting_case, service)
    client.force_login(network.user(*OP_B))
    page = client.get(reverse("workflows:queue")).content.decode()
    assert consenting_case.code in page and NAME in page


def test_supervision_shows_the_name_of_a_pending_referral(client, network, consenting_case, service):
    _send(network, consenting_case, service)
    client.force_login(network.user("b", Role.ORG_ADMIN))
    page = client.get(reverse("workflows:supervision")).content.decode()
    assert consenting_case.code in page and NAME in page


def _declined_referrals(network, service, n: int) -> None:
    """n referrals to B, every other one declined: the list mixes rows with and without the name."""
    manager = network.user(*CM_A)
    for i in range(n):
        person = register_person(manager, network.org_a, first_name="Persona", last_name=f"Numero{i}")
        for purpose in (ConsentPurpose.PROCESSING, ConsentPurpose.SHARE_NETWORK):
            consent_record(actor=manager, person=person, purpose=purpose, given_on=timezone.localdate())
        handoff = _send(network, open_case(manager, network.org_a, person), service)
        if i % 2:
            _decline(network, handoff)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("member", [OP_B, CM_A])
def test_received_and_sent_lists_do_not_grow_per_row(client, network, service, member):
    client.force_login(network.user(*member))
    url = reverse("workflows:handoffs_received" if member == OP_B else "workflows:handoffs_sent")
    _declined_referrals(network, service, 4)
    at_4 = _queries(client, url)
    _declined_referrals(network, service, 16)
    assert _queries(client, url) == at_4


# --- item 4: the case closes while a referral waits for its answer ----------------------------------------


def test_closing_the_case_tells_the_receiver_the_referral_was_withdrawn(
    network, consenting_case, service, django_capture_on_commit_callbacks
):
    handoff = _send(network, consenting_case, service)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        _close_case(network, handoff)
    # then
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.REVOKED
    receiver = network.user(*OP_B)
    notification = Notification.objects.get(user=receiver, kind=NotificationKind.HANDOFF_REVOKED)
    assert notification.case_id == consenting_case.pk
    assert notification.url == reverse("workflows:handoff_detail", args=[handoff.pk])
    event = WorkflowEvent.objects.get(handoff=handoff, to_state=HandoffStatus.REVOKED)
    assert event.kind == HistoryKind.HANDOFF_REVOKED and event.detail == {"why": "case_closed"}
    assert not WorkflowEvent.objects.filter(handoff=handoff, kind=HistoryKind.HANDOFF_CLOSED).exists()
    timeline = CaseEvent.objects.get(case=consenting_case, kind=TimelineKind.HANDOFF_REVOKED)
    assert timeline.object_id == handoff.pk and timeline.data["why"] == "case_closed"


def test_closing_the_case_closes_an_accepted_referral_without_a_withdrawal(network, consenting_case, service):
    handoff = _send(network, consenting_case, service)
    _accept(network, handoff)
    _close_case(network, handoff)
    assert WorkflowEvent.objects.filter(handoff=handoff, kind=HistoryKind.HANDOFF_CLOSED).exists()
    assert not Notification.objects.filter(kind=NotificationKind.HANDOFF_REVOKED).exists()


def test_the_withdrawal_by_closure_reads_as_revoked_on_the_handoff_page(client, network, consenting_case, service):
    handoff = _send(network, consenting_case, service)
    _close_case(network, handoff)
    client.force_login(network.user(*CM_A))
    page = client.get(reverse("workflows:handoff_detail", args=[handoff.pk])).content.decode()
    assert "Handoff revoked" in page
