"""Two people acting on the same handoff or task at the same moment: exactly one wins, the other is told why,
and permissions follow the winner. Row locks only bite on PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tavolo_tests .venv/bin/python -m pytest \
        tests/workflows/test_concurrency.py --create-db

Each side runs in its own thread with its own database connection; a barrier releases them together, and
the winner's transaction is slowed down while it holds the locks, so that the other really arrives while
the first is still at work.
"""

from __future__ import annotations

import pytest
from django.db import connection
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases.models import Case, CaseGroupObjectPermission, CaseShare
from cases.permissions import checks as case_checks
from cases.permissions import grants as case_grants
from partners.roles import Capability, Role
from tests.helpers.concurrency import hold_locks, one_winner, race
from tests.helpers.handoffs import open_task, send
from workflows.flows import HandoffFlow
from workflows.models import Handoff, HandoffStatus, HistoryKind, WorkflowEvent
from workflows.services import handoffs, tasks
from workflows.services.handoffs import ending as handoff_ending

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks (select_for_update) need PostgreSQL: SQLite serialises whole transactions",
    ),
    pytest.mark.django_db(transaction=True),
]

CLEAR_MESSAGES = (
    "This handoff is no longer waiting for that",  # the second one found the first one's answer
    "Someone else is working on this handoff right now",  # or gave up waiting for the lock
)


def test_two_people_accepting_the_same_referral_one_wins(network, consenting_case, service, monkeypatch):
    handoff = send(network, consenting_case, service)
    hold_locks(monkeypatch, case_grants, "share_case")
    first, second = network.user("b", Role.CASE_MANAGER), network.user("b", Role.OPERATOR)
    # when
    results = race(
        lambda: handoffs.handoff_accept(actor=first, handoff_id=handoff.pk),
        lambda: handoffs.handoff_accept(actor=second, handoff_id=handoff.pk),
    )
    # then
    winner, loser = one_winner(results)
    assert any(message in " ".join(loser.messages) for message in CLEAR_MESSAGES), loser.messages
    handoff = Handoff.objects.get(pk=handoff.pk)
    assert handoff.status == HandoffStatus.ACCEPTED and handoff.decided_by_id == winner.decided_by_id
    assert WorkflowEvent.objects.filter(handoff=handoff, kind=HistoryKind.HANDOFF_ACCEPTED).count() == 1
    assert Task.objects.filter(process_id=handoff.process_id, flow_task=HandoffFlow.report_outcome).count() == 1
    assert CaseShare.objects.filter(case=consenting_case, organisation=network.org_b).count() == 1


def test_accept_racing_revoke_has_one_outcome_and_consistent_permissions(
    network, consenting_case, service, monkeypatch
):
    handoff = send(network, consenting_case, service)
    hold_locks(monkeypatch, case_grants, "share_case")
    hold_locks(monkeypatch, handoff_ending, "end_process")
    receiver, sender = network.user("b", Role.OPERATOR), network.user("a", Role.CASE_MANAGER)
    # when
    results = race(
        lambda: handoffs.handoff_accept(actor=receiver, handoff_id=handoff.pk),
        lambda: handoffs.handoff_revoke(actor=sender, handoff_id=handoff.pk),
    )
    # then
    _winner, loser = one_winner(results)
    assert any(message in " ".join(loser.messages) for message in CLEAR_MESSAGES), loser.messages
    handoff = Handoff.objects.get(pk=handoff.pk)
    case = Case.objects.get(pk=consenting_case.pk)
    b_sees = case_checks.visible_cases(receiver, Capability.VIEW_SUMMARY).filter(pk=case.pk).exists()
    b_grants = CaseGroupObjectPermission.objects.filter(content_object=case, group=network.org_b.group).exists()
    open_tasks = Task.objects.filter(
        process_id=handoff.process_id, status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED, STATUS.SCHEDULED]
    )
    if handoff.status == HandoffStatus.ACCEPTED:
        assert b_sees and b_grants
        assert CaseShare.objects.filter(case=case, organisation=network.org_b).exists()
        assert list(open_tasks.values_list("flow_task", flat=True)) == [HandoffFlow.report_outcome]
        assert not WorkflowEvent.objects.filter(handoff=handoff, kind=HistoryKind.HANDOFF_REVOKED).exists()
    else:
        assert handoff.status == HandoffStatus.REVOKED
        assert not b_sees and not b_grants
        assert not CaseShare.objects.filter(case=case, organisation=network.org_b).exists()
        assert not open_tasks.exists()
        assert not WorkflowEvent.objects.filter(handoff=handoff, kind=HistoryKind.HANDOFF_ACCEPTED).exists()


def test_two_claims_of_the_same_task_give_it_one_owner(network, consenting_case, service, monkeypatch):
    handoff = send(network, consenting_case, service)
    task = open_task(handoff, HandoffFlow.decide)
    hold_locks(monkeypatch, tasks.history, "record_task")
    first, second = network.user("b", Role.CASE_MANAGER), network.user("b", Role.OPERATOR)
    # when
    results = race(
        lambda: tasks.task_claim(actor=first, task_id=task.pk), lambda: tasks.task_claim(actor=second, task_id=task.pk)
    )
    # then
    winner, loser = one_winner(results)
    task.refresh_from_db()
    assert task.owner_id == winner.owner_id and task.status == STATUS.ASSIGNED
    assert "has already taken this task" in " ".join(
        loser.messages
    ) or "Someone else is working on this task" in " ".join(loser.messages), loser.messages
    assert WorkflowEvent.objects.filter(task=task, kind=HistoryKind.TASK_CLAIMED).count() == 1
