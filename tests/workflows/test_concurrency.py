"""Two people acting on the same handoff or task at the same moment: exactly one wins, the other is told why,
and permissions follow the winner. Row locks only bite on PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tavolo_tests .venv/bin/python -m pytest \
        tests/workflows/test_concurrency.py --create-db

Each side runs in its own thread with its own database connection; a barrier releases them together, and
the winner's transaction is slowed down while it holds the locks, so that the other really arrives while
the first is still at work.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import translation
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases import permissions as case_permissions
from cases.models import Case, CaseGroupObjectPermission, CaseShare
from partners.roles import Capability, Role
from tests.workflows.test_handoffs import open_task, send
from workflows.flows import HandoffFlow
from workflows.models import EventKind, Handoff, HandoffStatus, WorkflowEvent
from workflows.services import handoffs, tasks

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="row locks (select_for_update) need PostgreSQL: SQLite serialises whole transactions"),
    pytest.mark.django_db(transaction=True),
]

HOLD_SECONDS = 0.5


def race(*actions) -> list[tuple[str, object]]:
    """Run the actions in parallel threads released together; ("ok", result) or ("error", exception) each."""
    barrier = threading.Barrier(len(actions))
    results: list[tuple[str, object]] = [("missing", None)] * len(actions)

    def run(index, action):
        try:
            barrier.wait(timeout=10)
            # A new thread starts in the default language (Italian); the assertions read the English messages.
            with translation.override("en"):
                results[index] = ("ok", action())
        except Exception as exc:  # noqa: BLE001 - the loser's error is the point of the test
            results[index] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, action)) for i, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def hold_locks(monkeypatch, module, name: str) -> None:
    """Slow `module.name` down: whoever calls it keeps its locks for a while."""
    original = getattr(module, name)

    def slowly(*args, **kwargs):
        time.sleep(HOLD_SECONDS)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, slowly)


def one_winner(results) -> tuple[object, Exception]:
    outcomes = sorted(kind for kind, _value in results)
    assert outcomes == ["error", "ok"], results
    winner = next(value for kind, value in results if kind == "ok")
    loser = next(value for kind, value in results if kind == "error")
    assert isinstance(loser, ValidationError), repr(loser)
    return winner, loser


CLEAR_MESSAGES = (
    "This handoff is no longer waiting for that",  # the second one found the first one's answer
    "Someone else is working on this handoff right now",  # or gave up waiting for the lock
)


def test_two_people_accepting_the_same_referral_one_wins(network, consenting_case, service, monkeypatch):
    handoff = send(network, consenting_case, service)
    hold_locks(monkeypatch, case_permissions, "share_case")
    first, second = network.user("b", Role.CASE_MANAGER), network.user("b", Role.OPERATOR)
    # when
    results = race(lambda: handoffs.handoff_accept(actor=first, handoff_id=handoff.pk),
                   lambda: handoffs.handoff_accept(actor=second, handoff_id=handoff.pk))
    # then
    winner, loser = one_winner(results)
    assert any(message in " ".join(loser.messages) for message in CLEAR_MESSAGES), loser.messages
    handoff = Handoff.objects.get(pk=handoff.pk)
    assert handoff.status == HandoffStatus.ACCEPTED and handoff.decided_by_id == winner.decided_by_id
    assert WorkflowEvent.objects.filter(handoff=handoff, kind=EventKind.HANDOFF_ACCEPTED).count() == 1
    assert Task.objects.filter(process_id=handoff.process_id, flow_task=HandoffFlow.report_outcome).count() == 1
    assert CaseShare.objects.filter(case=consenting_case, organisation=network.org_b).count() == 1


def test_accept_racing_revoke_has_one_outcome_and_consistent_permissions(
        network, consenting_case, service, monkeypatch):
    handoff = send(network, consenting_case, service)
    hold_locks(monkeypatch, case_permissions, "share_case")
    hold_locks(monkeypatch, handoffs, "_end_process")
    receiver, sender = network.user("b", Role.OPERATOR), network.user("a", Role.CASE_MANAGER)
    # when
    results = race(lambda: handoffs.handoff_accept(actor=receiver, handoff_id=handoff.pk),
                   lambda: handoffs.handoff_revoke(actor=sender, handoff_id=handoff.pk))
    # then
    _winner, loser = one_winner(results)
    assert any(message in " ".join(loser.messages) for message in CLEAR_MESSAGES), loser.messages
    handoff = Handoff.objects.get(pk=handoff.pk)
    case = Case.objects.get(pk=consenting_case.pk)
    b_sees = case_permissions.visible_cases(receiver, Capability.VIEW_SUMMARY).filter(pk=case.pk).exists()
    b_grants = CaseGroupObjectPermission.objects.filter(content_object=case, group=network.org_b.group).exists()
    open_tasks = Task.objects.filter(process_id=handoff.process_id,
                                     status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED, STATUS.SCHEDULED])
    if handoff.status == HandoffStatus.ACCEPTED:
        assert b_sees and b_grants
        assert CaseShare.objects.filter(case=case, organisation=network.org_b).exists()
        assert list(open_tasks.values_list("flow_task", flat=True)) == [HandoffFlow.report_outcome]
        assert not WorkflowEvent.objects.filter(handoff=handoff, kind=EventKind.HANDOFF_REVOKED).exists()
    else:
        assert handoff.status == HandoffStatus.REVOKED
        assert not b_sees and not b_grants
        assert not CaseShare.objects.filter(case=case, organisation=network.org_b).exists()
        assert not open_tasks.exists()
        assert not WorkflowEvent.objects.filter(handoff=handoff, kind=EventKind.HANDOFF_ACCEPTED).exists()


def test_two_claims_of_the_same_task_give_it_one_owner(network, consenting_case, service, monkeypatch):
    handoff = send(network, consenting_case, service)
    task = open_task(handoff, HandoffFlow.decide)
    hold_locks(monkeypatch, tasks.history, "task_event")
    first, second = network.user("b", Role.CASE_MANAGER), network.user("b", Role.OPERATOR)
    # when
    results = race(lambda: tasks.task_claim(actor=first, task_id=task.pk),
                   lambda: tasks.task_claim(actor=second, task_id=task.pk))
    # then
    winner, loser = one_winner(results)
    task.refresh_from_db()
    assert task.owner_id == winner.owner_id and task.status == STATUS.ASSIGNED
    assert ("has already taken this task" in " ".join(loser.messages)
            or "Someone else is working on this task" in " ".join(loser.messages)), loser.messages
    assert WorkflowEvent.objects.filter(task=task, kind=EventKind.TASK_CLAIMED).count() == 1
