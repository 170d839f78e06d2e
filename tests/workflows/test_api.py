"""The /api/v1/ endpoints of workflows: tasks (inbox, queue, claim, release) and handoffs (send, answer,
revoke, redirect, close, outcome), with the same rules as the UI; and the cases API driving the pathway."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases import services as case_services
from cases.models import CaseStatus, ConsentPurpose
from core.models import AuditAction, AuditEntry
from partners.roles import Role
from partners.services import organisation_set_active
from tests.factories import make_member, make_organisation, open_case, register_person
from tests.helpers.api import handoff_payload as _payload
from tests.helpers.api import send_referral as _send
from workflows.flows import CaseFlow, HandoffFlow
from workflows.models import CaseProcess, Handoff, HandoffStatus, HistoryKind, WorkflowEvent
from workflows.services import handoffs, lifecycle

HANDOFFS = "/api/v1/handoffs/"
TASKS = "/api/v1/tasks/"


def _handoff_url(pk: int, verb: str = "") -> str:
    return f"{HANDOFFS}{pk}/{verb}/" if verb else f"{HANDOFFS}{pk}/"


def _consent_to_network(manager, person) -> None:
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    for purpose in (ConsentPurpose.PROCESSING, ConsentPurpose.SHARE_NETWORK):
        case_services.consent_record(actor=manager, person=person, purpose=purpose, given_on=yesterday)


@pytest.fixture
def client_for():
    """`client_for(user)`: an API client authenticated as a fresh copy of `user`, asking for English."""

    def make(user):
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_authenticate(user=get_user_model().objects.get(pk=user.pk))
        return client

    return make


@pytest.fixture
def pending(network, consenting_case, service) -> Handoff:
    """A referral of A's case to B, waiting for B's answer."""
    return _send(network, consenting_case, service)


@pytest.fixture
def accepted(network, pending) -> Handoff:
    handoffs.handoff_accept(actor=network.user("b", Role.CASE_MANAGER), handoff_id=pending.pk)
    pending.refresh_from_db()
    return pending


def _messages(response) -> str:
    return str(response.json())


# --- the loop ----------------------------------------------------------------------------------------


def test_send_creates_a_pending_referral(network, consenting_case, service, client_for):
    # when
    response = client_for(network.user("a", Role.CASE_MANAGER)).post(
        HANDOFFS, _payload(consenting_case, network.org_b, service), format="json"
    )
    # then
    assert response.status_code == 201, response.content
    handoff = Handoff.objects.get()
    assert response.json()["id"] == handoff.pk
    assert response.json()["status"] == HandoffStatus.PENDING
    assert response.json()["receiver_organisation"] == {"id": network.org_b.pk, "name": network.org_b.name}
    assert handoff.sections == ["file"]
    assert WorkflowEvent.objects.filter(handoff=handoff, kind=HistoryKind.HANDOFF_SENT).exists()


def test_full_loop_send_queue_accept_outcome(network, consenting_case, service, client_for):
    sender = client_for(network.user("a", Role.CASE_MANAGER))
    receiver = client_for(network.user("b", Role.OPERATOR))
    # A sends
    handoff_id = sender.post(HANDOFFS, _payload(consenting_case, network.org_b, service), format="json").json()["id"]
    # B finds the answer in its queue
    queue = receiver.get(TASKS, {"scope": "queue"}).json()["results"]
    assert [(t["step"], t["handoff"]) for t in queue] == [("decide", handoff_id)]
    # B accepts, then reports the outcome
    assert receiver.post(_handoff_url(handoff_id, "accept"), {"note": "Ok"}, format="json").json()["status"] == (
        HandoffStatus.ACCEPTED
    )
    response = receiver.post(_handoff_url(handoff_id, "outcome"), {"outcome": "completed"}, format="json")
    assert response.status_code == 200, response.content
    # A sees the loop closed
    sent = sender.get(HANDOFFS, {"box": "sent"}).json()["results"]
    assert [(h["id"], h["status"], h["outcome"]) for h in sent] == [(handoff_id, "completed", "completed")]
    assert list(
        WorkflowEvent.objects.filter(handoff_id=handoff_id, kind__startswith="handoff_").values_list("kind", flat=True)
    ) == ["handoff_sent", "handoff_accepted", "handoff_outcome"]


def test_accept_shares_the_case_with_the_receiver(network, pending, client_for):
    # given
    operator = client_for(network.user("b", Role.OPERATOR))
    assert operator.get(f"/api/v1/cases/{pending.case_id}/").status_code == 404
    # when
    operator.post(_handoff_url(pending.pk, "accept"), {}, format="json")
    # then
    assert operator.get(f"/api/v1/cases/{pending.case_id}/").status_code == 200


def test_decline_with_a_reason_goes_back_to_the_sender(network, pending, client_for):
    response = client_for(network.user("b", Role.CASE_MANAGER)).post(
        _handoff_url(pending.pk, "decline"), {"reason": "capacity"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == HandoffStatus.DECLINED
    assert response.json()["decline_reason"] == "capacity"
    assert Task.objects.get(flow_task=HandoffFlow.after_decline).owner == network.user("a", Role.CASE_MANAGER)


def test_revoke_a_pending_handoff(network, pending, client_for):
    response = client_for(network.user("a", Role.CASE_MANAGER)).post(
        _handoff_url(pending.pk, "revoke"), {"reason": "Solved otherwise"}, format="json"
    )
    assert response.status_code == 200, response.content
    pending.refresh_from_db()
    assert (pending.status, pending.revoke_reason) == (HandoffStatus.REVOKED, "Solved otherwise")
    assert not Task.objects.filter(process_id=pending.process_id, status=STATUS.NEW).exists()


def test_redirect_a_declined_handoff_to_another_organisation(network, pending, service, client_for):
    # given
    org_c = make_organisation("Fondazione Test")
    org_c.services.add(service)
    make_member(org_c, Role.CASE_MANAGER, username="c_case_manager")
    handoffs.handoff_decline(actor=network.user("b", Role.CASE_MANAGER), handoff_id=pending.pk, reason="capacity")
    # when
    response = client_for(network.user("a", Role.CASE_MANAGER)).post(
        _handoff_url(pending.pk, "redirect"),
        {"receiver_organisation": org_c.pk, "service_type": service.pk},
        format="json",
    )
    # then
    assert response.status_code == 200, response.content
    pending.refresh_from_db()
    assert (pending.status, pending.receiver_organisation_id, pending.receivers_count) == (
        HandoffStatus.PENDING,
        org_c.pk,
        2,
    )


def test_close_a_declined_handoff(network, pending, client_for):
    handoffs.handoff_decline(actor=network.user("b", Role.CASE_MANAGER), handoff_id=pending.pk, reason="capacity")
    response = client_for(network.user("a", Role.CASE_MANAGER)).post(
        _handoff_url(pending.pk, "close"), {"note": "Nobody else"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == HandoffStatus.CLOSED


# --- bad input: a 400 with a message, nothing saved ------------------------------------------------------


def test_send_to_own_organisation_is_refused(network, consenting_case, service, client_for):
    response = client_for(network.user("a", Role.CASE_MANAGER)).post(
        HANDOFFS, _payload(consenting_case, network.org_a, service), format="json"
    )
    assert response.status_code == 400
    assert "own organisation" in _messages(response)
    assert not Handoff.objects.exists()


def test_send_to_an_inactive_organisation_is_refused(network, consenting_case, service, client_for):
    organisation_set_active(organisation=network.org_b, active=False)
    response = client_for(network.user("a", Role.CASE_MANAGER)).post(
        HANDOFFS, _payload(consenting_case, network.org_b, service), format="json"
    )
    assert response.status_code == 400
    assert "no longer active" in _messages(response)
    assert not Handoff.objects.exists()


def test_send_for_a_closed_case_is_refused(network, consenting_case, service, client_for):
    manager = network.user("a", Role.CASE_MANAGER)
    lifecycle.case_close(actor=manager, case=consenting_case, outcome="goals_reached")
    response = client_for(manager).post(HANDOFFS, _payload(consenting_case, network.org_b, service), format="json")
    assert response.status_code == 400
    assert "closed" in _messages(response)
    assert not Handoff.objects.exists()


def test_send_without_consent_is_refused(network, case_a, service, client_for):
    response = client_for(network.user("a", Role.CASE_MANAGER)).post(
        HANDOFFS, _payload(case_a, network.org_b, service), format="json"
    )
    assert response.status_code == 400
    assert "consent does not cover" in response.json()["error"]["fields"]["receiver_organisation"][0]
    assert not Handoff.objects.exists()


def test_send_without_consent_with_an_override_needs_the_permission(network, case_a, service, client_for):
    response = client_for(network.user("a", Role.CASE_MANAGER)).post(
        HANDOFFS,
        _payload(case_a, network.org_b, service, override_consent=True, override_reason="Urgent"),
        format="json",
    )
    assert response.status_code == 403
    assert not Handoff.objects.exists()


def test_accept_twice_is_refused(network, pending, client_for):
    client = client_for(network.user("b", Role.CASE_MANAGER))
    assert client.post(_handoff_url(pending.pk, "accept"), {}, format="json").status_code == 200
    response = client.post(_handoff_url(pending.pk, "accept"), {}, format="json")
    assert response.status_code == 400
    assert "Accepted" in _messages(response)
    assert WorkflowEvent.objects.filter(handoff=pending, kind=HistoryKind.HANDOFF_ACCEPTED).count() == 1


def test_decline_without_a_reason_is_refused(network, pending, client_for):
    response = client_for(network.user("b", Role.CASE_MANAGER)).post(
        _handoff_url(pending.pk, "decline"), {"note": "No"}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()["error"]["fields"]
    pending.refresh_from_db()
    assert pending.status == HandoffStatus.PENDING


def test_decline_for_another_reason_needs_a_note(network, pending, client_for):
    response = client_for(network.user("b", Role.CASE_MANAGER)).post(
        _handoff_url(pending.pk, "decline"), {"reason": "other"}, format="json"
    )
    assert response.status_code == 400
    assert "note" in response.json()["error"]["fields"]


def test_outcome_before_acceptance_is_refused(network, pending, client_for):
    response = client_for(network.user("b", Role.CASE_MANAGER)).post(
        _handoff_url(pending.pk, "outcome"), {"outcome": "completed"}, format="json"
    )
    assert response.status_code == 400
    assert "not been accepted" in _messages(response)
    pending.refresh_from_db()
    assert pending.status == HandoffStatus.PENDING


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"case": 999999}, "case"),
        ({"case": "abc"}, "case"),
        ({"receiver_organisation": 999999}, "receiver_organisation"),
        ({"receiver_organisation": "abc"}, "receiver_organisation"),
        ({"service_type": 999999}, "service_type"),
        ({"service_type": "abc"}, "service_type"),
        ({"kind": "adoption"}, "kind"),
        ({"urgency": "yesterday"}, "urgency"),
        ({"sections": ["everything"]}, "sections"),
        ({"sections": "file"}, "sections"),
        ({"override_consent": "perhaps"}, "override_consent"),
        ({"reason": None}, "reason"),
    ],
)
def test_send_with_bad_fields_is_a_400(network, consenting_case, service, client_for, overrides, field):
    response = client_for(network.user("a", Role.CASE_MANAGER)).post(
        HANDOFFS, _payload(consenting_case, network.org_b, service, **overrides), format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Handoff.objects.exists()


def test_send_for_a_case_one_cannot_see_answers_not_found(network, consenting_case, service, client_for):
    response = client_for(network.user("b", Role.CASE_MANAGER)).post(
        HANDOFFS, _payload(consenting_case, network.org_a, service), format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["case"] == ["Not found."]


def test_send_a_service_the_receiver_does_not_offer_is_refused(network, consenting_case, service, client_for):
    network.org_b.services.remove(service)
    response = client_for(network.user("a", Role.CASE_MANAGER)).post(
        HANDOFFS, _payload(consenting_case, network.org_b, service), format="json"
    )
    assert response.status_code == 400
    assert "does not offer" in response.json()["error"]["fields"]["service_type"][0]


@pytest.mark.parametrize(
    "url, params",
    [
        (HANDOFFS, {"box": "drawer"}),
        (HANDOFFS, {"status": "lost"}),
        (HANDOFFS, {"overdue": "maybe"}),
        (TASKS, {"scope": "everyone"}),
        (TASKS, {"step": "dance"}),
        (TASKS, {"overdue": "maybe"}),
    ],
)
def test_bad_filters_are_a_400(network, client_for, url, params):
    response = client_for(network.user("b", Role.OPERATOR)).get(url, params)
    assert response.status_code == 400
    assert next(iter(params)) in response.json()["error"]["fields"]


VALID_BODIES = {
    "accept": {},
    "decline": {"reason": "capacity"},
    "revoke": {},
    "close": {},
    "outcome": {"outcome": "completed"},
}


@pytest.mark.parametrize("verb", [*VALID_BODIES, "redirect"])
def test_an_unknown_handoff_is_a_404(network, client_for, verb):
    body = VALID_BODIES.get(verb, {"receiver_organisation": network.org_b.pk})
    response = client_for(network.user("b", Role.CASE_MANAGER)).post(_handoff_url(999999, verb), body, format="json")
    assert response.status_code == 404


# --- reading -----------------------------------------------------------------------------------------


def test_detail_read_is_audited(network, pending, client_for):
    reader = network.user("b", Role.CASE_MANAGER)
    response = client_for(reader).get(_handoff_url(pending.pk))
    assert response.status_code == 200
    assert response.json()["person"]["first_name"] == "Giulia"
    entry = AuditEntry.objects.get(action=AuditAction.READ, object_type="workflows.handoff")
    assert (entry.user, entry.object_id, entry.case_id, entry.person_id, entry.organisation_id, entry.detail) == (
        reader,
        str(pending.pk),
        pending.case_id,
        pending.case.person_id,
        network.org_b.pk,
        {"via": "api"},
    )


def test_coordinator_reads_a_handoff_without_the_person(network, pending, client_for):
    response = client_for(network.user("m", Role.COORDINATOR)).get(_handoff_url(pending.pk))
    assert response.status_code == 200
    data = response.json()
    assert data["case"] == {"id": pending.case_id, "code": pending.case.code}
    assert (data["person"], data["reason"]) == (None, None)
    assert "Giulia" not in response.content.decode()
    assert AuditEntry.objects.get(action=AuditAction.READ, object_type="workflows.handoff").person_id is None


def test_received_list_filters_by_status(network, accepted, client_for):
    client = client_for(network.user("b", Role.OPERATOR))
    assert [h["id"] for h in client.get(HANDOFFS, {"status": "accepted"}).json()["results"]] == [accepted.pk]
    assert client.get(HANDOFFS, {"status": "pending"}).json()["results"] == []


def test_overdue_filter_lists_handoffs_past_their_deadline(network, pending, client_for):
    client = client_for(network.user("b", Role.OPERATOR))
    assert client.get(HANDOFFS, {"overdue": "true"}).json()["results"] == []
    with time_machine.travel(timezone.now() + datetime.timedelta(days=10)):
        rows = client.get(HANDOFFS, {"overdue": "true"}).json()["results"]
        tasks = client.get(TASKS, {"scope": "queue", "overdue": "true"}).json()["results"]
    assert [(h["id"], h["is_overdue"]) for h in rows] == [(pending.pk, True)]
    assert [(t["handoff"], t["is_overdue"]) for t in tasks] == [(pending.pk, True)]


# --- tasks -------------------------------------------------------------------------------------------


def test_queue_item_shape(network, pending, client_for):
    [item] = client_for(network.user("b", Role.OPERATOR)).get(TASKS, {"scope": "queue"}).json()["results"]
    task = Task.objects.get(flow_task=HandoffFlow.decide)
    assert item == {
        "id": task.pk,
        "step": "decide",
        "title": "Accept or decline",
        "flow": "handoff",
        "status": "NEW",
        "organisation": network.org_b.pk,
        "case": {"id": pending.case_id, "code": pending.case.code},
        "handoff": pending.pk,
        "created": item["created"],
        "due_at": item["due_at"],
        "is_overdue": False,
        "owner": None,
    }
    assert item["due_at"] is not None


def test_claim_moves_the_task_to_my_inbox(network, pending, client_for):
    # given
    user = network.user("b", Role.OPERATOR)
    client = client_for(user)
    task = Task.objects.get(flow_task=HandoffFlow.decide)
    # when
    response = client.post(f"{TASKS}{task.pk}/claim/")
    # then
    assert response.status_code == 200, response.content
    assert response.json()["owner"]["id"] == user.pk
    assert response.json()["due_at"] is not None
    assert [t["id"] for t in client.get(TASKS).json()["results"]] == [task.pk]
    assert client.get(TASKS, {"scope": "queue"}).json()["results"] == []
    assert WorkflowEvent.objects.filter(task=task, kind=HistoryKind.TASK_CLAIMED, user=user).exists()


def test_claim_of_a_task_someone_else_took_is_refused(network, pending, client_for):
    task = Task.objects.get(flow_task=HandoffFlow.decide)
    assert client_for(network.user("b", Role.OPERATOR)).post(f"{TASKS}{task.pk}/claim/").status_code == 200
    response = client_for(network.user("b", Role.CASE_MANAGER)).post(f"{TASKS}{task.pk}/claim/")
    assert response.status_code == 400
    assert "already taken" in _messages(response)


def test_release_puts_the_task_back_in_the_queue(network, pending, client_for):
    # given
    client = client_for(network.user("b", Role.OPERATOR))
    task = Task.objects.get(flow_task=HandoffFlow.decide)
    client.post(f"{TASKS}{task.pk}/claim/")
    # when
    response = client.post(f"{TASKS}{task.pk}/release/")
    # then
    assert response.status_code == 200, response.content
    assert (response.json()["owner"], response.json()["status"]) == (None, "NEW")
    assert [t["id"] for t in client.get(TASKS, {"scope": "queue"}).json()["results"]] == [task.pk]


def test_release_of_someone_elses_task_is_forbidden(network, pending, client_for):
    task = Task.objects.get(flow_task=HandoffFlow.decide)
    client_for(network.user("b", Role.OPERATOR)).post(f"{TASKS}{task.pk}/claim/")
    response = client_for(network.user("b", Role.CASE_MANAGER)).post(f"{TASKS}{task.pk}/release/")
    assert response.status_code == 403


def test_task_filter_by_step(network, pending, client_for):
    client = client_for(network.user("b", Role.OPERATOR))
    assert len(client.get(TASKS, {"scope": "queue", "step": "decide"}).json()["results"]) == 1
    assert client.get(TASKS, {"scope": "queue", "step": "report_outcome"}).json()["results"] == []


def test_task_detail_for_its_organisation(network, pending, client_for):
    task = Task.objects.get(flow_task=HandoffFlow.decide)
    response = client_for(network.user("b", Role.OPERATOR)).get(f"{TASKS}{task.pk}/")
    assert response.status_code == 200
    assert (response.json()["handoff"], response.json()["due_at"] is not None) == (pending.pk, True)


def test_task_detail_of_another_organisation_is_a_404(network, pending, client_for):
    task = Task.objects.get(flow_task=HandoffFlow.decide)
    assert client_for(network.user("a", Role.CASE_MANAGER)).get(f"{TASKS}{task.pk}/").status_code == 404


@pytest.mark.parametrize("url", [HANDOFFS, "handoff", TASKS, "task"])
def test_browsable_api_renders(network, pending, client, url):
    # given
    client.force_login(network.user("b", Role.OPERATOR))
    if url == "handoff":
        url = _handoff_url(pending.pk)
    elif url == "task":
        url = f"{TASKS}{Task.objects.get(flow_task=HandoffFlow.decide).pk}/"
    # when
    response = client.get(url, HTTP_ACCEPT="text/html")
    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


# --- the permission matrix ---------------------------------------------------------------------------

USERS = {
    "a_cm": ("a", Role.CASE_MANAGER),
    "a_op": ("a", Role.OPERATOR),
    "a_vol": ("a", Role.VOLUNTEER),
    "a_admin": ("a", Role.ORG_ADMIN),
    "b_cm": ("b", Role.CASE_MANAGER),
    "b_op": ("b", Role.OPERATOR),
    "b_vol": ("b", Role.VOLUNTEER),
    "b_admin": ("b", Role.ORG_ADMIN),
    "m_coord": ("m", Role.COORDINATOR),
    "m_cm": ("m", Role.CASE_MANAGER),
}
ACTIONS = ["list_received", "list_sent", "detail", "accept", "decline", "revoke", "outcome", "claim"]
# A referral of A's case to B (accepted by B's case manager first for "outcome"). Lists: "seen" or "hidden".
# Written out by hand, not derived from the role tables, so that a change of the rules fails a cell.
EXPECTED = {
    "a_cm": ["hidden", "seen", 200, 403, 403, 200, 403, 404],
    "a_op": ["hidden", "hidden", 404, 404, 404, 404, 404, 404],
    "a_vol": ["hidden", "hidden", 404, 404, 404, 404, 404, 404],
    "a_admin": ["hidden", "seen", 200, 403, 403, 403, 403, 404],
    "b_cm": ["seen", "hidden", 200, 200, 200, 403, 200, 200],
    "b_op": ["seen", "hidden", 200, 200, 200, 403, 200, 200],
    "b_vol": ["hidden", "hidden", 404, 404, 404, 404, 404, 404],
    "b_admin": ["seen", "hidden", 200, 403, 403, 403, 403, 403],
    "m_coord": ["hidden", "hidden", 200, 403, 403, 403, 403, 404],
    "m_cm": ["hidden", "hidden", 404, 404, 404, 404, 404, 404],
}
CELLS = [(user, name, EXPECTED[user][i]) for user in USERS for i, name in enumerate(ACTIONS)]


def _act(client, name: str, handoff: Handoff):
    if name == "list_received":
        return client.get(HANDOFFS, {"box": "received"})
    if name == "list_sent":
        return client.get(HANDOFFS, {"box": "sent"})
    if name == "detail":
        return client.get(_handoff_url(handoff.pk))
    if name == "claim":
        task = Task.objects.get(process_id=handoff.process_id, flow_task=HandoffFlow.decide)
        return client.post(f"{TASKS}{task.pk}/claim/")
    body = {"decline": {"reason": "capacity"}, "outcome": {"outcome": "completed"}, "revoke": {"reason": "No"}}
    return client.post(_handoff_url(handoff.pk, name), body.get(name, {}), format="json")


@pytest.mark.parametrize("user, name, expected", CELLS, ids=[f"{u}-{n}" for u, n, _e in CELLS])
def test_permission_matrix(network, pending, client_for, user, name, expected):
    # given
    if name == "outcome":
        handoffs.handoff_accept(actor=network.user("b", Role.CASE_MANAGER), handoff_id=pending.pk)
    before = Handoff.objects.values_list("status", flat=True).get(pk=pending.pk)
    # when
    response = _act(client_for(network.user(*USERS[user])), name, pending)
    # then
    if expected in ("seen", "hidden"):
        assert response.status_code == 200
        ids = [row["id"] for row in response.json()["results"]]
        assert ids == ([pending.pk] if expected == "seen" else [])
        return
    assert response.status_code == expected, response.content
    if expected != 200 and name not in ("detail", "claim"):
        assert Handoff.objects.values_list("status", flat=True).get(pk=pending.pk) == before


# --- query counts ------------------------------------------------------------------------------------


def _many_pending(network, service, n: int) -> None:
    manager = network.user("a", Role.CASE_MANAGER)
    for i in range(n):
        person = register_person(
            manager,
            network.org_a,
            first_name=f"Nome{i}",
            last_name=f"Cognome{i}",
            birth_date=datetime.date(1960, 1, 1) + datetime.timedelta(days=i),
        )
        _consent_to_network(manager, person)
        _send(network, open_case(manager, network.org_a, person), service)


LISTS = {
    "received": (("b", Role.OPERATOR), HANDOFFS, {"box": "received"}),
    "sent": (("a", Role.CASE_MANAGER), HANDOFFS, {"box": "sent"}),
    "queue": (("b", Role.OPERATOR), TASKS, {"scope": "queue"}),
    "inbox": (("a", Role.CASE_MANAGER), TASKS, {"scope": "mine"}),
}


@pytest.mark.parametrize("name", LISTS)
def test_list_query_count_does_not_grow_with_rows(network, service, client_for, name):
    actor, url, params = LISTS[name]
    client_for(network.user(*actor)).get(url, params)  # warms the process-wide content type cache
    counts = []
    for n in (2, 10):
        _many_pending(network, service, n)
        if name == "inbox":  # declined handoffs go back to their sender's inbox
            for handoff in Handoff.objects.filter(status=HandoffStatus.PENDING):
                handoffs.handoff_decline(
                    actor=network.user("b", Role.CASE_MANAGER), handoff_id=handoff.pk, reason="capacity"
                )
        client = client_for(network.user(*actor))  # a new request: the memberships are read again
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, params)
        assert response.status_code == 200
        assert len(response.json()["results"]) == Handoff.objects.count()
        counts.append(len(queries))
    # the user's memberships, the page count and the page
    assert counts == [3, 3]


# --- the cases API drives the pathway ----------------------------------------------------------------


def test_api_case_open_starts_the_pathway(network, client_for):
    manager = network.user("a", Role.CASE_MANAGER)
    person = register_person(manager, network.org_a, first_name="Nuova", last_name="Persona")
    response = client_for(manager).post("/api/v1/cases/", {"person": person.pk}, format="json")
    assert response.status_code == 201, response.content
    process = CaseProcess.objects.get(case_id=response.json()["id"], flow_class=CaseFlow)
    assert Task.objects.filter(process=process, flow_task=CaseFlow.assess).exists()


def test_api_case_close_ends_the_pathway(network, client_for):
    manager = network.user("a", Role.CASE_MANAGER)
    client = client_for(manager)
    person = register_person(manager, network.org_a, first_name="Nuova", last_name="Persona")
    case_id = client.post("/api/v1/cases/", {"person": person.pk}, format="json").json()["id"]
    response = client.post(f"/api/v1/cases/{case_id}/close/", {"closure_outcome": "goals_reached"}, format="json")
    assert response.status_code == 200, response.content
    process = CaseProcess.objects.get(case_id=case_id, flow_class=CaseFlow)
    assert process.finished is not None
    assert not Task.objects.filter(process=process, status__in=[STATUS.NEW, STATUS.ASSIGNED]).exists()


def test_api_case_reopen_restarts_the_pathway(network, client_for):
    manager = network.user("a", Role.CASE_MANAGER)
    client = client_for(manager)
    person = register_person(manager, network.org_a, first_name="Nuova", last_name="Persona")
    case_id = client.post("/api/v1/cases/", {"person": person.pk}, format="json").json()["id"]
    client.post(f"/api/v1/cases/{case_id}/close/", {"closure_outcome": "goals_reached"}, format="json")
    response = client.post(f"/api/v1/cases/{case_id}/status/", {"status": CaseStatus.OPEN}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == CaseStatus.OPEN
    assert CaseProcess.objects.filter(case_id=case_id, flow_class=CaseFlow, finished__isnull=True).count() == 1


def test_api_case_close_ends_open_handoffs(network, pending, client_for):
    response = client_for(network.user("a", Role.CASE_MANAGER)).post(
        f"/api/v1/cases/{pending.case_id}/close/", {"closure_outcome": "goals_reached"}, format="json"
    )
    assert response.status_code == 200, response.content
    pending.refresh_from_db()
    assert pending.status == HandoffStatus.REVOKED


def test_schema_documents_the_workflow_endpoints(db, client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = response.json()["paths"]
    for path in (
        "/api/v1/tasks/",
        "/api/v1/tasks/{id}/claim/",
        "/api/v1/tasks/{id}/release/",
        "/api/v1/handoffs/",
        "/api/v1/handoffs/{id}/",
        "/api/v1/handoffs/{id}/accept/",
        "/api/v1/handoffs/{id}/decline/",
        "/api/v1/handoffs/{id}/revoke/",
        "/api/v1/handoffs/{id}/redirect/",
        "/api/v1/handoffs/{id}/close/",
        "/api/v1/handoffs/{id}/outcome/",
    ):
        assert path in paths
