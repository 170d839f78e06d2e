"""Migration 0004 fills the task spans from the history with its own copy of the SQL (a migration imports no app
code): on this database it gives the rows the history service writes, as `workflows.spans.rebuild()` does."""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace

import pytest
from django.db import connection

from partners.roles import Role
from tests.helpers.handoffs import open_task, send
from workflows.flows import HandoffFlow
from workflows.models import TaskSpan
from workflows.services import handoffs, tasks

FIELDS = ("task_id", "flow", "step", "organisation_id", "created_at", "ended_at", "outcome")
migration = import_module("workflows.migrations.0004_task_spans")


def spans() -> tuple[list[tuple], list[float | None]]:
    rows = list(TaskSpan.objects.order_by("task_id").values_list(*FIELDS, "duration"))
    return [row[:-1] for row in rows], [row[-1] for row in rows]


def test_the_migration_fills_the_spans_the_history_writes(network, consenting_case, service):
    # given: spans of every outcome written by the services (completed, open, canceled)
    operator = network.user("b", Role.OPERATOR)
    accepted = send(network, consenting_case, service)
    tasks.task_claim(actor=operator, task_id=open_task(accepted, HandoffFlow.decide).pk)
    handoffs.handoff_accept(actor=operator, handoff_id=accepted.pk)
    handoffs.handoff_report_outcome(actor=operator, handoff_id=accepted.pk, outcome="completed")
    revoked = send(network, consenting_case, service)
    handoffs.handoff_revoke(actor=network.user("a", Role.CASE_MANAGER), handoff_id=revoked.pk)
    send(network, consenting_case, service)  # waiting for B's answer
    written, durations = spans()
    assert {row[-1] for row in written} >= {"completed", "canceled", ""}

    # when: the spans are gone and the migration's data step runs
    TaskSpan.objects.all().delete()
    # (the data step uses only the editor's connection; SQLite opens no schema editor inside a test's transaction)
    migration.fill_spans(None, SimpleNamespace(connection=connection))

    # then: the same rows
    filled, filled_durations = spans()
    assert filled == written
    assert filled_durations == [None if d is None else pytest.approx(d, abs=0.01) for d in durations]
