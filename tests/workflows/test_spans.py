"""Task spans: the event history's one-row-per-task projection that oversight reads (`workflows.spans`).

Written with each event by the history service, in its transaction; `rebuild()` from the events gives the same
rows."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from viewflow.workflow.models import Task
from viewflow.workflow.timers import fire_due_timers

from cases import services as case_services
from partners.roles import Role
from tests.helpers.handoffs import open_task, send
from workflows import spans
from workflows.flows import CaseFlow, HandoffFlow
from workflows.models import HistoryKind, SpanOutcome, TaskSpan, WorkflowEvent
from workflows.services import casepath, handoffs, tasks

FIELDS = ("task_id", "flow", "step", "organisation_id", "created_at", "ended_at", "outcome", "duration")


def snapshot() -> tuple[list[tuple], list[float | None]]:
    """The spans without their duration, and the durations (SQLite's julianday() rounds to the millisecond)."""
    rows = list(TaskSpan.objects.order_by("task_id").values_list(*FIELDS))
    return [row[:-1] for row in rows], [row[-1] for row in rows]


def assert_rebuild_gives_the_same_spans():
    written, durations = snapshot()
    assert written, "the scenario wrote no span"
    assert spans.rebuild() == len(written)
    rebuilt, rebuilt_durations = snapshot()
    assert rebuilt == written
    assert rebuilt_durations == [None if d is None else pytest.approx(d, abs=0.01) for d in durations]


def test_a_referral_accepted_and_completed(network, consenting_case, service):
    operator = network.user("b", Role.OPERATOR)
    handoff = send(network, consenting_case, service)
    decide = open_task(handoff, HandoffFlow.decide)
    span = TaskSpan.objects.get(task=decide)
    assert (span.flow, span.step, span.organisation_id, span.outcome, span.ended_at, span.duration) == (
        "handoff",
        "decide",
        network.org_b.pk,
        SpanOutcome.OPEN,
        None,
        None,
    )
    assert span.created_at == decide.created
    tasks.task_claim(actor=operator, task_id=decide.pk)
    handoffs.handoff_accept(actor=operator, handoff_id=handoff.pk)
    span.refresh_from_db()
    decide.refresh_from_db()
    assert span.outcome == SpanOutcome.COMPLETED and span.ended_at == decide.finished
    assert span.duration == pytest.approx((decide.finished - decide.created).total_seconds())
    outcome_task = open_task(handoff, HandoffFlow.report_outcome)
    assert TaskSpan.objects.get(task=outcome_task).outcome == SpanOutcome.OPEN
    handoffs.handoff_report_outcome(actor=operator, handoff_id=handoff.pk, outcome="completed")
    assert TaskSpan.objects.get(task=outcome_task).outcome == SpanOutcome.COMPLETED
    # One span per task with a "created" event, no more.
    created = WorkflowEvent.objects.filter(kind=HistoryKind.TASK_CREATED, task__isnull=False)
    assert TaskSpan.objects.count() == created.count() == 2
    assert_rebuild_gives_the_same_spans()


def test_a_revoked_referral_cancels_the_span_and_its_timer_has_none(network, consenting_case, service):
    handoff = send(network, consenting_case, service)
    decide = open_task(handoff, HandoffFlow.decide)
    handoffs.handoff_revoke(actor=network.user("a", Role.CASE_MANAGER), handoff_id=handoff.pk)
    span = TaskSpan.objects.get(task=decide)
    assert span.outcome == SpanOutcome.CANCELED and span.ended_at is not None
    timer = Task.objects.get(process_id=handoff.process_id, flow_task_type="TIMER")
    assert WorkflowEvent.objects.filter(task=timer, kind=HistoryKind.TASK_CANCELED).exists()
    assert not TaskSpan.objects.filter(task=timer).exists()
    assert_rebuild_gives_the_same_spans()


def test_a_redirected_referral_and_an_escalation(network, consenting_case, service):
    handoff = send(network, consenting_case, service)
    with time_machine.travel(handoff.due_at + datetime.timedelta(minutes=1), tick=False):
        fire_due_timers()
    escalate = Task.objects.get(process_id=handoff.process_id, flow_task=HandoffFlow.escalate)
    assert TaskSpan.objects.get(task=escalate).organisation_id == network.municipality.pk
    handoffs.handoff_decline(actor=network.user("b", Role.OPERATOR), handoff_id=handoff.pk, reason="capacity")
    assert_rebuild_gives_the_same_spans()


def test_the_case_pathway(network, case_a):
    manager = network.user("a", Role.CASE_MANAGER)
    casepath.case_flow_start(case=case_a, actor=manager)
    case_services.assessment_record(actor=manager, case=case_a, domain="work", severity=2)
    assess = Task.objects.get(process__caseprocess__case=case_a, flow_task=CaseFlow.assess)
    casepath.assessment_done(actor=manager, task_id=assess.pk)
    rows = {(s.step, s.outcome) for s in TaskSpan.objects.filter(flow="case")}
    assert rows == {("assess", SpanOutcome.COMPLETED), ("triage", SpanOutcome.OPEN)}
    assert_rebuild_gives_the_same_spans()


def test_a_rolled_back_transition_leaves_no_span(network, consenting_case, service):
    with pytest.raises(RuntimeError), transaction.atomic():
        send(network, consenting_case, service)
        assert TaskSpan.objects.exists()
        raise RuntimeError("the transition fails after its event")
    assert not TaskSpan.objects.exists() and not WorkflowEvent.objects.exists()


def test_rebuild_takes_the_latest_end_and_ignores_ends_without_a_start(network, consenting_case, service):
    handoff = send(network, consenting_case, service)
    decide = open_task(handoff, HandoffFlow.decide)
    created = WorkflowEvent.objects.get(task=decide, kind=HistoryKind.TASK_CREATED)
    later = created.at + datetime.timedelta(hours=5)
    common = {
        "flow": "handoff",
        "step": "decide",
        "case": consenting_case,
        "task": decide,
        "task_created_at": created.task_created_at,
    }
    WorkflowEvent.objects.create(
        kind=HistoryKind.TASK_CANCELED, at=later - datetime.timedelta(hours=1), organisation=network.org_b, **common
    )
    WorkflowEvent.objects.create(
        kind=HistoryKind.TASK_COMPLETED, at=later, task_finished_at=later, organisation=network.org_a, **common
    )
    orphan = Task.objects.create(process_id=handoff.process_id, flow_task=HandoffFlow.decide, flow_task_type="HUMAN")
    WorkflowEvent.objects.create(
        kind=HistoryKind.TASK_COMPLETED,
        at=later,
        task_finished_at=later,
        task=orphan,
        flow="handoff",
        step="decide",
        case=consenting_case,
        task_created_at=later,
    )
    call_command("rebuild_task_spans", stdout=open("/dev/null", "w"))  # noqa: SIM115
    span = TaskSpan.objects.get(task=decide)
    assert (span.outcome, span.ended_at, span.organisation_id) == (SpanOutcome.COMPLETED, later, network.org_a.pk)
    assert span.duration == pytest.approx(5 * 3600, abs=1)
    assert not TaskSpan.objects.filter(task=orphan).exists()
