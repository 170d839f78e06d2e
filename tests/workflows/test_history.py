"""The event history: one WorkflowEvent per transition (from/to state, organisation and partner organisation,
task timestamps), in a form oversight aggregates in SQL by step and by organisation pair."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Max, Q
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.timers import fire_due_timers

from cases import services as case_services
from partners.models import ServiceType
from partners.roles import Role
from tests.factories import make_member, make_organisation
from tests.helpers.handoffs import open_task, send
from workflows.flows import CaseFlow, HandoffFlow
from workflows.models import HistoryKind, WorkflowEvent
from workflows.services import casepath, handoffs, tasks

E = HistoryKind
WAIT = ExpressionWrapper(F("task_finished_at") - F("task_created_at"), output_field=DurationField())


def history(network, **filters) -> list[tuple]:
    """(kind, step, organisation, partner, from, to) of the events, organisations by their fixture key."""
    names = {network.org_a.pk: "A", network.org_b.pk: "B", network.municipality.pk: "M", None: None}
    names.update(dict.fromkeys(_org_c_pks(), "C"))
    return [
        (e.kind, e.step, names[e.organisation_id], names[e.partner_organisation_id], e.from_state, e.to_state)
        for e in WorkflowEvent.objects.filter(**filters).order_by("pk")
    ]


def _org_c_pks() -> list[int]:
    from partners.models import Organisation

    return list(Organisation.objects.filter(name="Associazione Terza").values_list("pk", flat=True))


@pytest.fixture
def org_c(network):
    org = make_organisation("Associazione Terza")
    make_member(org, Role.OPERATOR, username="c_operator")
    service = ServiceType.objects.create(code="ascolto", name="Centro d'ascolto")
    org.services.add(service)
    return org, service


# --- one event per transition ----------------------------------------------------------------------


def test_a_referral_writes_one_event_per_transition(network, consenting_case, service):
    operator = network.user("b", Role.OPERATOR)
    handoff = send(network, consenting_case, service)
    tasks.task_claim(actor=operator, task_id=open_task(handoff, HandoffFlow.decide).pk)
    handoffs.handoff_accept(actor=operator, handoff_id=handoff.pk)
    handoffs.handoff_report_outcome(actor=operator, handoff_id=handoff.pk, outcome="completed")
    assert history(network, handoff=handoff) == [
        (E.TASK_CREATED, "decide", "B", "A", "", "NEW"),
        (E.HANDOFF_SENT, "", "A", "B", "", "pending"),
        (E.TASK_CLAIMED, "decide", "B", "A", "NEW", "ASSIGNED"),
        (E.TASK_CREATED, "report_outcome", "B", "A", "", "NEW"),
        (E.TASK_COMPLETED, "decide", "B", "A", "STARTED", "DONE"),
        (E.HANDOFF_ACCEPTED, "decide", "B", "A", "pending", "accepted"),
        (E.TASK_COMPLETED, "report_outcome", "B", "A", "STARTED", "DONE"),
        (E.HANDOFF_OUTCOME, "report_outcome", "B", "A", "accepted", "completed"),
    ]
    assert not WorkflowEvent.objects.filter(handoff=handoff, flow="case").exists()


def test_a_declined_then_redirected_handoff_writes_the_new_receiver(network, consenting_case, service, org_c):
    org, service_c = org_c
    manager = network.user("a", Role.CASE_MANAGER)
    handoff = send(network, consenting_case, service)
    handoffs.handoff_decline(actor=network.user("b", Role.OPERATOR), handoff_id=handoff.pk, reason="capacity")
    handoffs.handoff_redirect(
        actor=manager, handoff_id=handoff.pk, receiver_organisation_id=org.pk, service_type_id=service_c.pk
    )
    assert history(network, handoff=handoff) == [
        (E.TASK_CREATED, "decide", "B", "A", "", "NEW"),
        (E.HANDOFF_SENT, "", "A", "B", "", "pending"),
        (E.TASK_CREATED, "after_decline", "A", "B", "", "ASSIGNED"),
        (E.TASK_COMPLETED, "decide", "B", "A", "STARTED", "DONE"),
        (E.HANDOFF_DECLINED, "decide", "B", "A", "pending", "declined"),
        # The handoff now points at C: what follows reads A ↔ C.
        (E.TASK_CREATED, "decide", "C", "A", "", "NEW"),
        (E.TASK_COMPLETED, "after_decline", "A", "C", "STARTED", "DONE"),
        (E.HANDOFF_REDIRECTED, "after_decline", "A", "C", "declined", "pending"),
    ]


def test_a_revoked_handoff_writes_the_cancellation(network, consenting_case, service):
    handoff = send(network, consenting_case, service)
    handoffs.handoff_revoke(actor=network.user("a", Role.CASE_MANAGER), handoff_id=handoff.pk)
    events = history(network, handoff=handoff)[2:]
    # The task and its timer, in either order, then the handoff.
    assert sorted(events[:2]) == [
        (E.TASK_CANCELED, "decide", "B", "A", "NEW", "CANCELED"),
        (E.TASK_CANCELED, "decide__timeout", None, "B", "SCHEDULED", "CANCELED"),
    ]
    assert events[2:] == [(E.HANDOFF_REVOKED, "", "A", "B", "pending", "revoked")]


def test_an_escalation_writes_the_coordinators_task_and_the_overdue_answer(network, consenting_case, service):
    handoff = send(network, consenting_case, service)
    with time_machine.travel(handoff.due_at + datetime.timedelta(minutes=1), tick=False):
        fire_due_timers()
    assert history(network, handoff=handoff)[2:] == [
        (E.TASK_CREATED, "escalate", "M", "B", "", "NEW"),
        (E.HANDOFF_ESCALATED, "escalate", "B", "A", "pending", "pending"),
    ]


def test_the_case_pathway_writes_its_steps(network, case_a):
    manager = network.user("a", Role.CASE_MANAGER)
    casepath.case_flow_start(case=case_a, actor=manager)
    case_services.assessment_record(actor=manager, case=case_a, domain="work", severity=2)
    assess = Task.objects.get(process__caseprocess__case=case_a, flow_task=CaseFlow.assess)
    casepath.assessment_done(actor=manager, task_id=assess.pk)
    assert history(network, case=case_a, flow="case") == [
        (E.TASK_CREATED, "assess", "A", None, "", "ASSIGNED"),
        (E.PROCESS_STARTED, "start", "A", None, "", ""),
        (E.TASK_CREATED, "triage", "A", None, "", "NEW"),
        (E.TASK_COMPLETED, "assess", "A", None, "STARTED", "DONE"),
    ]
    completed = WorkflowEvent.objects.get(kind=E.TASK_COMPLETED, step="assess")
    assert completed.user == manager and completed.case == case_a and completed.process_id == assess.process_id


def test_task_events_carry_the_tasks_timestamps(network, consenting_case, service):
    operator = network.user("b", Role.OPERATOR)
    sent_at = timezone.now().replace(microsecond=0)
    with time_machine.travel(sent_at, tick=False):
        handoff = send(network, consenting_case, service)
    with time_machine.travel(sent_at + datetime.timedelta(hours=1), tick=False):
        tasks.task_claim(actor=operator, task_id=open_task(handoff, HandoffFlow.decide).pk)
    with time_machine.travel(sent_at + datetime.timedelta(hours=3), tick=False):
        handoffs.handoff_accept(actor=operator, handoff_id=handoff.pk)
    for kind in (E.TASK_COMPLETED, E.HANDOFF_ACCEPTED):
        event = WorkflowEvent.objects.get(handoff=handoff, kind=kind, step="decide")
        assert event.task_created_at == sent_at
        assert event.task_claimed_at == sent_at + datetime.timedelta(hours=1)
        assert event.task_finished_at == sent_at + datetime.timedelta(hours=3)
        assert event.at == sent_at + datetime.timedelta(hours=3)
        assert event.user == operator


# --- aggregation in SQL ----------------------------------------------------------------------------


def _event(
    case,
    *,
    kind=E.TASK_COMPLETED,
    flow="handoff",
    step="decide",
    created=None,
    hours=None,
    organisation=None,
    partner=None,
):
    finished = created + datetime.timedelta(hours=hours) if created is not None and hours is not None else None
    return WorkflowEvent.objects.create(
        kind=kind,
        flow=flow,
        step=step,
        case=case,
        task_created_at=created,
        task_finished_at=finished,
        organisation=organisation,
        partner_organisation=partner,
    )


def test_waiting_time_by_step_is_one_query(network, case_a, django_assert_num_queries):
    t0 = timezone.now()
    for hours in (2, 4, 9):
        _event(case_a, step="decide", created=t0, hours=hours)
    _event(case_a, step="report_outcome", created=t0, hours=48)
    _event(case_a, flow="case", step="assess", created=t0, hours=24)
    _event(case_a, flow="case", step="assess", created=t0, hours=72)
    # Not finished tasks, and transitions that are not completions, do not count.
    _event(case_a, kind=E.TASK_CREATED, step="decide", created=t0)
    _event(case_a, kind=E.TASK_CANCELED, step="decide", created=t0, hours=100)
    with django_assert_num_queries(1):
        rows = list(
            WorkflowEvent.objects.filter(kind=E.TASK_COMPLETED, task_finished_at__isnull=False)
            .values("flow", "step")
            .annotate(done=Count("id"), average=Avg(WAIT), longest=Max(WAIT))
            .order_by("flow", "step")
        )
    hours = datetime.timedelta(hours=1)
    assert rows == [
        {"flow": "case", "step": "assess", "done": 2, "average": 48 * hours, "longest": 72 * hours},
        {"flow": "handoff", "step": "decide", "done": 3, "average": 5 * hours, "longest": 9 * hours},
        {"flow": "handoff", "step": "report_outcome", "done": 1, "average": 48 * hours, "longest": 48 * hours},
    ]


def test_answers_by_organisation_pair_are_one_query(network, case_a, org_c, django_assert_num_queries):
    org, _service = org_c
    a, b = network.org_a, network.org_b
    for kind, receiver in [
        (E.HANDOFF_ACCEPTED, b),
        (E.HANDOFF_ACCEPTED, b),
        (E.HANDOFF_DECLINED, b),
        (E.HANDOFF_DECLINED, org),
        (E.HANDOFF_ACCEPTED, a),
    ]:
        sender = b if receiver == a else a
        _event(case_a, kind=kind, step="decide", organisation=receiver, partner=sender)
    # Sends (sender → receiver) and task rows are not answers.
    _event(case_a, kind=E.HANDOFF_SENT, step="", organisation=a, partner=b)
    _event(case_a, kind=E.TASK_COMPLETED, step="decide", organisation=b, partner=a)
    with django_assert_num_queries(1):
        rows = list(
            WorkflowEvent.objects.filter(kind__in=[E.HANDOFF_ACCEPTED, E.HANDOFF_DECLINED])
            .values("organisation", "partner_organisation")
            .annotate(
                accepted=Count("id", filter=Q(kind=E.HANDOFF_ACCEPTED)),
                declined=Count("id", filter=Q(kind=E.HANDOFF_DECLINED)),
            )
            .order_by("organisation", "partner_organisation")
        )
    expected = [
        {"organisation": a.pk, "partner_organisation": b.pk, "accepted": 1, "declined": 0},
        {"organisation": b.pk, "partner_organisation": a.pk, "accepted": 2, "declined": 1},
        {"organisation": org.pk, "partner_organisation": a.pk, "accepted": 0, "declined": 1},
    ]
    assert rows == sorted(expected, key=lambda row: (row["organisation"], row["partner_organisation"]))


def test_the_history_of_real_handoffs_aggregates_to_the_expected_figures(network, consenting_case, service, org_c):
    org, service_c = org_c
    operator_b, operator_c = network.user("b", Role.OPERATOR), org.memberships.get().user
    t0 = timezone.now().replace(microsecond=0)
    with time_machine.travel(t0, tick=False):
        first = send(network, consenting_case, service)
        to_c = send(network, consenting_case, service_c, receiver=org)
    with time_machine.travel(t0 + datetime.timedelta(hours=2), tick=False):
        handoffs.handoff_accept(actor=operator_b, handoff_id=first.pk)
        second = send(network, consenting_case, service, sections=["notes"])  # B again, once the first is in
    with time_machine.travel(t0 + datetime.timedelta(hours=8), tick=False):
        handoffs.handoff_decline(actor=operator_b, handoff_id=second.pk, reason="capacity")
        handoffs.handoff_decline(actor=operator_c, handoff_id=to_c.pk, reason="not_our_service")
    # when
    pairs = {
        (row["organisation"], row["partner_organisation"]): (row["accepted"], row["declined"])
        for row in WorkflowEvent.objects.filter(kind__in=[E.HANDOFF_ACCEPTED, E.HANDOFF_DECLINED])
        .values("organisation", "partner_organisation")
        .annotate(
            accepted=Count("id", filter=Q(kind=E.HANDOFF_ACCEPTED)),
            declined=Count("id", filter=Q(kind=E.HANDOFF_DECLINED)),
        )
    }
    waits = WorkflowEvent.objects.filter(kind=E.TASK_COMPLETED, flow="handoff", step="decide").aggregate(
        done=Count("id"), average=Avg(WAIT), longest=Max(WAIT)
    )
    # then
    assert pairs == {(network.org_b.pk, network.org_a.pk): (1, 1), (org.pk, network.org_a.pk): (0, 1)}
    # B's first answer took 2 h, its second 6 h (sent at 2 h), C's 8 h.
    assert waits == {"done": 3, "average": datetime.timedelta(hours=16 / 3), "longest": datetime.timedelta(hours=8)}
