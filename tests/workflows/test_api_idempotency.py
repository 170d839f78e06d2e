"""A partner system that lost the answer to a handoff or task write sends it again with the same Idempotency-Key
and gets the first answer: one handoff, one history row, one audit row, one notification — never "already
waiting for an answer" for its own retry."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.conf import settings
from django.db import OperationalError
from rest_framework.test import APIClient
from viewflow.workflow.models import Task

import accounts.sessions
from cases.models import CaseEvent, TimelineKind
from core.models import AuditAction, AuditEntry, IdempotencyKey
from notifications.models import Notification
from partners.roles import Role
from tests.helpers.api import handoff_payload as _payload
from tests.helpers.api import send_referral as _send
from workflows.api.handoffs import HandoffViewSet
from workflows.flows import HandoffFlow
from workflows.models import Handoff, HandoffStatus, HistoryKind, WorkflowEvent

HANDOFFS = "/api/v1/handoffs/"
TASKS = "/api/v1/tasks/"
KEY = "3f6c2a8e-2b1d-4c55-9a1e-0d6f5b7c9e21"


@pytest.fixture
def client_for():
    def make(user, **extra):
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False, **extra)
        client.force_authenticate(user=user)
        return client

    return make


@pytest.fixture
def sender(network, client_for):
    return client_for(network.user("a", Role.CASE_MANAGER))


@pytest.fixture
def receiver(network, client_for):
    return client_for(network.user("b", Role.CASE_MANAGER))


@pytest.fixture
def pending(network, consenting_case, service) -> Handoff:
    return _send(network, consenting_case, service)


def rows_of(handoff_kind: str, case_kind: str) -> tuple[int, int, int]:
    """(history rows, timeline rows, audit rows) of one kind of handoff event."""
    return (
        WorkflowEvent.objects.filter(kind=handoff_kind).count(),
        CaseEvent.objects.filter(kind=case_kind).count(),
        AuditEntry.objects.filter(object_type="workflows.handoff").exclude(action=AuditAction.READ).count(),
    )


# --- a retry gets the first answer ---------------------------------------------------------------------------


def test_a_retried_send_returns_the_first_answer_and_sends_once(
    network, consenting_case, service, sender, django_capture_on_commit_callbacks
):
    payload = _payload(consenting_case, network.org_b, service)
    # given: the first send went through (its notifications are pushed after the commit)
    with django_capture_on_commit_callbacks(execute=True) as first_callbacks:
        first = sender.post(HANDOFFS, payload, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert first.status_code == 201, first.content
    notifications = Notification.objects.count()
    assert notifications and first_callbacks
    # when: the client, which never got that answer, sends it again
    with django_capture_on_commit_callbacks(execute=True) as retry_callbacks:
        retry = sender.post(HANDOFFS, payload, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    # then: the same answer, and nothing done twice
    assert (retry.status_code, retry.json()) == (201, first.json())
    assert retry["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Handoff.objects.count() == 1
    assert rows_of(HistoryKind.HANDOFF_SENT, TimelineKind.HANDOFF_SENT) == (1, 1, 1)
    assert Notification.objects.count() == notifications
    assert retry_callbacks == []


def test_without_a_key_the_retry_is_refused_as_a_duplicate(network, consenting_case, service, sender):
    payload = _payload(consenting_case, network.org_b, service)
    assert sender.post(HANDOFFS, payload, format="json").status_code == 201
    retry = sender.post(HANDOFFS, payload, format="json")
    assert retry.status_code == 400
    assert "already waiting for an answer" in str(retry.json()["error"]["fields"])


def test_a_retried_accept_returns_the_first_answer_and_accepts_once(
    pending, receiver, django_capture_on_commit_callbacks
):
    url = f"{HANDOFFS}{pending.pk}/accept/"
    with django_capture_on_commit_callbacks(execute=True):
        first = receiver.post(url, {"note": "Ok"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert first.status_code == 200, first.content
    audit_rows = AuditEntry.objects.count()
    notifications = Notification.objects.count()
    # when
    with django_capture_on_commit_callbacks(execute=True) as retry_callbacks:
        retry = receiver.post(url, {"note": "Ok"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    # then
    assert (retry.status_code, retry.json()) == (200, first.json())
    assert retry.json()["status"] == HandoffStatus.ACCEPTED
    assert WorkflowEvent.objects.filter(kind=HistoryKind.HANDOFF_ACCEPTED).count() == 1
    assert CaseEvent.objects.filter(kind=TimelineKind.HANDOFF_ACCEPTED).count() == 1
    assert (AuditEntry.objects.count(), Notification.objects.count()) == (audit_rows, notifications)
    assert retry_callbacks == []


def test_a_retried_claim_returns_the_first_answer(network, pending, client_for):
    client = client_for(network.user("b", Role.OPERATOR))
    task = Task.objects.get(flow_task=HandoffFlow.decide)
    first = client.post(f"{TASKS}{task.pk}/claim/", HTTP_IDEMPOTENCY_KEY=KEY)
    retry = client.post(f"{TASKS}{task.pk}/claim/", HTTP_IDEMPOTENCY_KEY=KEY)
    assert first.status_code == 200, first.content
    assert (retry.status_code, retry.json()) == (200, first.json())
    assert WorkflowEvent.objects.filter(task=task, kind=HistoryKind.TASK_CLAIMED).count() == 1


# --- what a key may not do --------------------------------------------------------------------------------------


def test_a_key_reused_with_another_body_is_refused(network, consenting_case, service, sender):
    payload = _payload(consenting_case, network.org_b, service)
    assert sender.post(HANDOFFS, payload, format="json", HTTP_IDEMPOTENCY_KEY=KEY).status_code == 201
    # when
    response = sender.post(HANDOFFS, {**payload, "reason": "Another reason"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    # then
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert "another request" in response.json()["error"]["message"]
    assert Handoff.objects.get().reason == payload["reason"]


def test_a_key_reused_on_another_action_is_refused(pending, receiver):
    assert (
        receiver.post(f"{HANDOFFS}{pending.pk}/accept/", {}, format="json", HTTP_IDEMPOTENCY_KEY=KEY).status_code == 200
    )
    response = receiver.post(
        f"{HANDOFFS}{pending.pk}/outcome/", {"outcome": "completed"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY
    )
    assert response.status_code == 422
    assert Handoff.objects.get().status == HandoffStatus.ACCEPTED


def test_the_same_key_from_another_user_is_another_request(network, pending, client_for):
    task = Task.objects.get(flow_task=HandoffFlow.decide)
    first = client_for(network.user("b", Role.OPERATOR)).post(f"{TASKS}{task.pk}/claim/", HTTP_IDEMPOTENCY_KEY=KEY)
    second = client_for(network.user("b", Role.CASE_MANAGER)).post(f"{TASKS}{task.pk}/claim/", HTTP_IDEMPOTENCY_KEY=KEY)
    assert first.status_code == 200
    assert second.status_code == 400  # the task is taken: not someone else's stored answer
    assert "Idempotent-Replayed" not in second


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "caffè", "a\tb", "a\x00b"])
def test_an_invalid_key_is_a_400_and_changes_nothing(network, consenting_case, service, sender, key):
    response = sender.post(
        HANDOFFS, _payload(consenting_case, network.org_b, service), format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_idempotency_key"
    assert not Handoff.objects.exists()


def test_a_key_of_255_printable_characters_is_accepted(network, consenting_case, service, sender):
    response = sender.post(
        HANDOFFS,
        _payload(consenting_case, network.org_b, service),
        format="json",
        HTTP_IDEMPOTENCY_KEY="~ " * 127 + "!",
    )
    assert response.status_code == 201


# --- failures are not stored -------------------------------------------------------------------------------------


def test_a_refusal_is_not_stored_and_the_corrected_request_goes_through(network, consenting_case, service, sender):
    payload = _payload(consenting_case, network.org_b, service)
    refused = sender.post(HANDOFFS, {**payload, "reason": ""}, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert refused.status_code == 400
    assert not IdempotencyKey.objects.exists()
    # when
    response = sender.post(HANDOFFS, payload, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    # then
    assert response.status_code == 201
    assert IdempotencyKey.objects.get().status == 201


def test_a_change_cut_short_by_the_database_leaves_neither_change_nor_key(
    network, consenting_case, service, sender, monkeypatch
):
    """The handoff is created, then the connection drops before the answer is built: the 503's retry must
    find no half-done send (and no stored key), and send it."""
    payload = _payload(consenting_case, network.org_b, service)
    real_detail = HandoffViewSet._detail
    calls = []

    def drop_once(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real_detail(self, *args, **kwargs)

    monkeypatch.setattr(HandoffViewSet, "_detail", drop_once)
    # when
    lost = sender.post(HANDOFFS, payload, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    # then
    assert lost.status_code == 503 and lost["Retry-After"]
    assert not Handoff.objects.exists() and not IdempotencyKey.objects.exists()
    assert not WorkflowEvent.objects.exists()
    retry = sender.post(HANDOFFS, payload, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert retry.status_code == 201
    assert Handoff.objects.count() == 1


def test_an_answer_lost_after_the_commit_is_replayed(network, consenting_case, service, monkeypatch):
    """The brief's incident: the send committed, then the session saved after the view found the database gone
    (503). The retry with the same key gets the send's answer, not "already waiting for an answer"."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    client.force_login(network.user("a", Role.CASE_MANAGER))  # a session-authenticated partner tool
    monkeypatch.setattr(accounts.sessions, "REFRESH_AFTER", -1)  # this request pushes the idle expiry: a save
    store = import_module(settings.SESSION_ENGINE).SessionStore
    real_save = store.save
    failures = iter([True])

    def save_once_failing(self, *args, **kwargs):
        if next(failures, False):
            raise OperationalError("server closed the connection unexpectedly")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(store, "save", save_once_failing)
    payload = _payload(consenting_case, network.org_b, service)
    # when
    lost = client.post(HANDOFFS, payload, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    retry = client.post(HANDOFFS, payload, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    # then
    assert lost.status_code == 503
    assert retry.status_code == 201, retry.content
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json()["id"] == Handoff.objects.get().pk
