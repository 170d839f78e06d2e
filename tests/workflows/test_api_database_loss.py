"""The database drops its connections while partner systems send and accept handoffs through the API: every
answer is a success or a JSON 503 (never an HTML 500), a client that retries with its Idempotency-Key ends with
exactly one handoff per send, and every handoff that exists is whole — process, tasks, history, timeline, audit,
share. PostgreSQL only (its backends are what gets terminated):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tavolo_h_api REDIS_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python -m pytest tests/workflows/test_api_database_loss.py --create-db

The application runs as in production: uvicorn serving config.asgi.application, on a port of 127.0.0.1. A
killer thread terminates every other backend of the test database (only that database) ten times, a few
tenths of a second apart, whatever each backend is doing: opening a connection, authenticating, inside the
handoff's transaction, committing, or idle in the pool.
"""

from __future__ import annotations

import datetime
import http.client
import json
import random
import socket
import threading
import time
import uuid
from dataclasses import dataclass

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from cases.models import CaseEvent, CaseShare, ConsentPurpose, TimelineKind
from cases.services import consent_record
from core.models import AuditAction, AuditEntry, IdempotencyKey
from partners.roles import Role
from tests.factories import make_member, make_organisation, open_case
from tests.helpers.concurrency import hold_locks, race
from workflows.flows import HandoffFlow
from workflows.models import Handoff, HandoffStatus, HistoryKind, WorkflowEvent
from workflows.services import history

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="terminates PostgreSQL backends; SQLite has none to lose"
    ),
    pytest.mark.django_db(transaction=True),
]

RECEIVERS = 3
CASES = 3
PATIENCE = 120  # seconds a client goes on retrying one request after 503s
RETRY_PAUSE = 0.2  # seconds between two tries (a real client would honour Retry-After; the test is in a hurry)
# Rounds of pg_terminate_backend, a random pause apart: each one cuts whatever every request is doing at that
# moment. A few rounds, not a flood: the psycopg pool backs off (1, 2, 4... s) when it cannot reconnect, and a
# flood would only measure that back-off.
KILL_ROUNDS = 10
KILL_PAUSE = (0.1, 0.5)


# --- the application on a real server ------------------------------------------------------------------------


class Server:
    """uvicorn serving config.asgi.application in a thread (as in production, one process)."""

    def __init__(self) -> None:
        import uvicorn

        from config.asgi import application

        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(application, lifespan="off", log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.socket.close()


@dataclass
class Answer:
    status: int
    content_type: str
    retry_after: str | None
    replayed: bool
    body: bytes

    def json(self):
        return json.loads(self.body)


def call(port: int, token: str, path: str, payload: dict, key: str) -> Answer:
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        client.request(
            "POST",
            path,
            body=json.dumps(payload),
            headers={
                "Authorization": f"Token {token}",
                "Content-Type": "application/json",
                "Accept-Language": "en",
                "Idempotency-Key": key,
            },
        )
        response = client.getresponse()
        return Answer(
            response.status,
            response.getheader("Content-Type", ""),
            response.getheader("Retry-After"),
            response.getheader("Idempotent-Replayed") == "true",
            response.read(),
        )
    finally:
        client.close()


def until_answered(port: int, token: str, path: str, payload: dict) -> list[Answer]:
    """What a well-behaved client does: one key per operation, the same request again after a 503."""
    key = str(uuid.uuid4())
    answers = [call(port, token, path, payload, key)]
    deadline = time.monotonic() + PATIENCE
    while answers[-1].status == 503 and time.monotonic() < deadline:
        time.sleep(RETRY_PAUSE)
        answers.append(call(port, token, path, payload, key))
    return answers


class Killer:
    """Terminates every other backend of the test database, KILL_ROUNDS times, from its own connection."""

    def __init__(self) -> None:
        settings = connection.settings_dict
        self.conninfo = psycopg.conninfo.make_conninfo(
            dbname=settings["NAME"],
            user=settings["USER"],
            password=settings["PASSWORD"] or None,
            host=settings["HOST"] or None,
            port=settings["PORT"] or None,
        )
        self.stop = threading.Event()
        self.terminated = 0
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as killer:
            for _round in range(KILL_ROUNDS):
                if self.stop.wait(random.uniform(*KILL_PAUSE)):
                    return
                rows = killer.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchall()
                self.terminated += sum(1 for (done,) in rows if done)

    def __enter__(self) -> Killer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=15)


# --- the network ------------------------------------------------------------------------------------------------


@pytest.fixture
def stage(network, service):
    """Organisation A's case manager with CASES consenting cases; RECEIVERS organisations offering the service,
    each with a case manager; everyone with an API token."""
    sender = network.user("a", Role.CASE_MANAGER)
    cases = []
    for number in range(CASES):
        case = open_case(sender, network.org_a, title=f"Caso {number}")
        for purpose in (ConsentPurpose.PROCESSING, ConsentPurpose.SHARE_NETWORK):
            consent_record(
                actor=sender,
                person=case.person,
                purpose=purpose,
                given_on=timezone.localdate() - datetime.timedelta(days=1),
            )
        cases.append(case)
    receivers = [(network.org_b, network.user("b", Role.CASE_MANAGER))]
    for number in range(RECEIVERS - 1):
        organisation = make_organisation(f"Ricevente {number}")
        organisation.services.add(service)
        receivers.append((organisation, make_member(organisation, Role.CASE_MANAGER, username=f"r{number}_cm")))
    token = {user.pk: AuthToken.objects.create(user=user)[1] for user in [sender, *(u for _o, u in receivers)]}
    return sender, cases, receivers, token


def send_then_accept(port: int, stage, service, case, receiver) -> list[Answer]:
    sender, _cases, _receivers, token = stage
    organisation, receiver_user = receiver
    answers = until_answered(
        port,
        token[sender.pk],
        "/api/v1/handoffs/",
        {
            "case": case.pk,
            "kind": "referral",
            "receiver_organisation": organisation.pk,
            "service_type": service.pk,
            "reason": "Needs food parcels",
            "sections": ["file"],
        },
    )
    if answers[-1].status != 201:
        return answers
    handoff_id = answers[-1].json()["id"]
    return answers + until_answered(
        port, token[receiver_user.pk], f"/api/v1/handoffs/{handoff_id}/accept/", {"note": "Ok"}
    )


def assert_whole(handoff: Handoff) -> None:
    """Everything one send and one accept write, once each, or the handoff would not exist."""
    assert Process.objects.filter(pk=handoff.process_id).exists()
    events = list(
        WorkflowEvent.objects.filter(handoff=handoff, kind__startswith="handoff_").values_list("kind", flat=True)
    )
    timeline = list(
        CaseEvent.objects.filter(object_type="handoff", object_id=handoff.pk).values_list("kind", flat=True)
    )
    audit = AuditEntry.objects.filter(
        object_type="workflows.handoff", object_id=str(handoff.pk), action=AuditAction.CREATE
    )
    assert audit.count() == 1, handoff
    tasks = Task.objects.filter(process_id=handoff.process_id)
    if handoff.status == HandoffStatus.PENDING:
        assert events == [HistoryKind.HANDOFF_SENT], handoff
        assert timeline == [TimelineKind.HANDOFF_SENT], handoff
        assert tasks.filter(flow_task=HandoffFlow.decide).exclude(status=STATUS.DONE).count() == 1
        return
    assert handoff.status == HandoffStatus.ACCEPTED, handoff
    assert sorted(events) == sorted([HistoryKind.HANDOFF_SENT, HistoryKind.HANDOFF_ACCEPTED]), handoff
    assert sorted(timeline) == sorted([TimelineKind.HANDOFF_SENT, TimelineKind.HANDOFF_ACCEPTED]), handoff
    assert tasks.filter(flow_task=HandoffFlow.decide, status=STATUS.DONE).count() == 1
    assert tasks.filter(flow_task=HandoffFlow.report_outcome).count() == 1
    assert CaseShare.objects.filter(case=handoff.case, organisation=handoff.receiver_organisation).count() == 1


# --- the tests --------------------------------------------------------------------------------------------------


def test_handoffs_under_terminated_connections_answer_json_and_stay_whole(stage, service):
    _sender, cases, receivers, _token = stage
    pairs = [(case, receiver) for case in cases for receiver in receivers]
    results: list[list[Answer] | BaseException] = [[] for _pair in pairs]

    def work(port, index, case, receiver):
        try:
            results[index] = send_then_accept(port, stage, service, case, receiver)
        except BaseException as exc:  # reported below
            results[index] = exc

    connection.close()  # the killer takes the test's own connection too: reopen it afterwards
    # when
    try:
        with Server() as server, Killer() as killer:
            workers = [threading.Thread(target=work, args=(server.port, i, *pair)) for i, pair in enumerate(pairs)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join(timeout=PATIENCE * 3)
    finally:
        connections.close_all()
        if connection.pool is not None:
            connection.close_pool()  # a fresh pool for the checks, not one still backing off from the kills
    # then: no client saw anything but a success or a JSON 503 that says to retry
    assert not [r for r in results if isinstance(r, BaseException)], results
    answers = [answer for result in results for answer in result]
    unexpected = [
        (a.status, a.content_type, a.body[:300])
        for a in answers
        if a.status not in (200, 201, 503) or not a.content_type.startswith("application/json")
    ]
    assert unexpected == []
    unavailable = [a for a in answers if a.status == 503]
    assert all(a.retry_after and a.json()["error"]["code"] == "service_unavailable" for a in unavailable)
    assert killer.terminated > 0 and unavailable, "the database was never lost: the test proved nothing"
    # every operation ended in a success, and the handoffs are exactly the sends
    assert [result[-1].status for result in results] == [200] * len(pairs)
    handoffs = list(Handoff.objects.select_related("case", "receiver_organisation"))
    assert len(handoffs) == len(pairs)
    assert {(h.case_id, h.receiver_organisation_id) for h in handoffs} == {(c.pk, o.pk) for c, (o, _u) in pairs}
    for handoff in handoffs:
        assert_whole(handoff)
    assert IdempotencyKey.objects.filter(status__in=(200, 201)).count() == 2 * len(pairs)
    print(
        f"\n{len(answers)} answers, {len(unavailable)} of them 503, {killer.terminated} backends terminated, "
        f"{sum(a.replayed for a in answers)} replays"
    )


def test_two_identical_sends_at_once_make_one_handoff_and_the_same_answer(
    network, consenting_case, service, monkeypatch
):
    """The retry arrives while the first send still runs: it waits for the first one's key, then replays its
    answer."""
    hold_locks(monkeypatch, history, "record_handoff")
    sender = get_user_model().objects.get(pk=network.user("a", Role.CASE_MANAGER).pk)
    payload = {
        "case": consenting_case.pk,
        "kind": "referral",
        "receiver_organisation": network.org_b.pk,
        "service_type": service.pk,
        "reason": "Needs food parcels",
        "sections": ["file"],
    }

    def send():
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_authenticate(user=sender)
        return client.post("/api/v1/handoffs/", payload, format="json", HTTP_IDEMPOTENCY_KEY="same-key")

    # when
    results = race(send, send)
    # then
    responses = [value for kind, value in results if kind == "ok"]
    assert len(responses) == 2, results
    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].json() == responses[1].json()
    assert sorted(r.has_header("Idempotent-Replayed") for r in responses) == [False, True]
    assert Handoff.objects.count() == 1


def test_a_duplicate_that_runs_out_of_lock_timeout_is_told_to_retry(network, consenting_case, service, monkeypatch):
    """With the database's lock_timeout set, a duplicate that cannot wait for the first send any longer gets 409
    "in progress" with Retry-After, and the first send is not disturbed."""
    hold_locks(monkeypatch, history, "record_handoff")
    sender = get_user_model().objects.get(pk=network.user("a", Role.CASE_MANAGER).pk)
    payload = {
        "case": consenting_case.pk,
        "kind": "referral",
        "receiver_organisation": network.org_b.pk,
        "service_type": service.pk,
        "reason": "Needs food parcels",
        "sections": ["file"],
    }

    def send():
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_authenticate(user=sender)
        return client.post("/api/v1/handoffs/", payload, format="json", HTTP_IDEMPOTENCY_KEY="same-key")

    def impatient_send():
        time.sleep(0.15)  # the first send holds the key by now
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '100ms'")
        try:
            return send()
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")

    # when
    (first_kind, first), (second_kind, second) = race(send, impatient_send)
    # then
    assert (first_kind, second_kind) == ("ok", "ok")
    assert first.status_code == 201
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "idempotency_key_in_progress"
    assert second["Retry-After"]
    assert Handoff.objects.count() == 1
