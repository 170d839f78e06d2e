"""The operators' commands: `run_timers` (one sweep, or a loop until SIGTERM) and `demo_workflows`."""

from __future__ import annotations

import datetime
import os
import signal
import threading
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases.models import Case, CaseShare, ClosureOutcome
from cases.permissions import checks as case_checks
from partners.models import Organisation, ServiceType
from partners.roles import Role
from workflows import permissions, selectors
from workflows.flows import CaseFlow, HandoffFlow
from workflows.management.commands import run_timers
from workflows.models import CaseProcess, Handoff, HandoffStatus, HistoryKind, WorkflowEvent
from workflows.services import handoffs, lifecycle

ELEVEN_DAYS = datetime.timedelta(days=11)  # past any answer deadline of 3 working days


def sweep(**options) -> str:
    out = StringIO()
    call_command("run_timers", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def referral(network, consenting_case, service):
    """A referral from A to B, waiting for B's answer (deadline: 3 working days)."""
    return handoffs.handoff_send(
        actor=network.user("a", Role.CASE_MANAGER),
        case=consenting_case,
        kind="referral",
        receiver_organisation_id=network.org_b.pk,
        service_type_id=service.pk,
        reason="Needs food",
        sections=["file"],
    )


def escalations():
    return Task.objects.filter(flow_task=HandoffFlow.escalate)


# --- one sweep -----------------------------------------------------------------------------------------


def test_a_sweep_before_the_deadline_fires_nothing(referral):
    output = sweep()

    assert output.startswith("0 timer(s) fired")
    assert not escalations().exists()


def test_a_sweep_after_the_deadline_escalates_to_the_coordinators_queue(referral, network):
    with time_machine.travel(timezone.now() + ELEVEN_DAYS):
        output = sweep()

    assert "1 timer(s) fired" in output
    escalation = escalations().get()
    assert escalation.status == STATUS.NEW
    assert escalation.owner_permission == permissions.HANDLE_ESCALATION
    assert escalation.owner_permission_obj_pk == str(network.municipality.pk)
    assert list(selectors.task_queue_for(user=network.user("m", Role.COORDINATOR))) == [escalation]


def test_the_escalation_is_recorded_on_the_handoff_and_in_the_history(referral, network):
    later = timezone.now() + ELEVEN_DAYS
    with time_machine.travel(later, tick=False):
        sweep()

    referral.refresh_from_db()
    assert referral.escalated_at == later
    assert referral.status == HandoffStatus.PENDING  # still waiting for B: the timer does not interrupt
    event = WorkflowEvent.objects.get(kind=HistoryKind.HANDOFF_ESCALATED)
    assert (event.handoff_id, event.organisation_id, event.partner_organisation_id) == (
        referral.pk,
        network.org_b.pk,
        network.org_a.pk,
    )


def test_a_second_sweep_does_not_escalate_twice(referral):
    with time_machine.travel(timezone.now() + ELEVEN_DAYS):
        sweep()
        output = sweep()

    assert output.startswith("0 timer(s) fired")
    assert escalations().count() == 1


def test_an_answer_before_the_deadline_leaves_nothing_to_fire(referral, network):
    handoffs.handoff_accept(actor=network.user("b", Role.OPERATOR), handoff_id=referral.pk)

    with time_machine.travel(timezone.now() + ELEVEN_DAYS):
        output = sweep()

    assert output.startswith("0 timer(s) fired")
    assert not escalations().exists()


@pytest.fixture
def closed_shared_case(referral, network, consenting_case, settings):
    """B accepted the referral, then A closed the case: B keeps its own records for 30 days."""
    settings.TAVOLO_CLOSED_CASE_ACCESS_DAYS = 30
    handoffs.handoff_accept(actor=network.user("b", Role.OPERATOR), handoff_id=referral.pk)
    lifecycle.case_close(
        actor=network.user("a", Role.CASE_MANAGER), case=consenting_case, outcome=ClosureOutcome.GOALS_REACHED
    )
    share = CaseShare.objects.get(case=consenting_case, organisation=network.org_b)
    assert share.own_records_only and share.until == timezone.localdate() + datetime.timedelta(days=30)
    return consenting_case


def test_shares_of_closed_cases_are_kept_during_their_period(closed_shared_case, network):
    with time_machine.travel(timezone.now() + datetime.timedelta(days=30)):
        output = sweep()

    assert "0 expired share(s) removed," in output
    assert CaseShare.objects.filter(case=closed_shared_case, organisation=network.org_b).exists()


def test_shares_of_closed_cases_are_removed_after_their_period(closed_shared_case, network):
    reader = network.user("b", Role.OPERATOR)
    assert case_checks.visible_cases(reader).filter(pk=closed_shared_case.pk).exists()

    with time_machine.travel(timezone.now() + datetime.timedelta(days=32)):
        output = sweep()

    assert "1 expired share(s) removed," in output
    assert not CaseShare.objects.filter(case=closed_shared_case, organisation=network.org_b).exists()
    assert not case_checks.visible_cases(reader).filter(pk=closed_shared_case.pk).exists()
    # The lead keeps its access.
    assert case_checks.visible_cases(network.user("a", Role.CASE_MANAGER)).filter(pk=closed_shared_case.pk).exists()


# --- the loop ------------------------------------------------------------------------------------------


def test_every_must_be_positive(db):
    with pytest.raises(CommandError, match="--every"):
        sweep(every=0)


@pytest.fixture
def sigterm_guard():
    """A SIGTERM that arrives when the command is not listening must not kill the test run."""

    def ignore(signum, frame):
        pass

    previous = signal.signal(signal.SIGTERM, ignore)
    yield ignore
    signal.signal(signal.SIGTERM, previous)


def sigterm_in(seconds: float) -> threading.Timer:
    timer = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    return timer


def test_the_loop_sweeps_until_sigterm_then_stops_cleanly(referral, sigterm_guard):
    with time_machine.travel(timezone.now() + ELEVEN_DAYS):
        timer = sigterm_in(0.5)
        output = sweep(every=0.05)
        timer.join()

    lines = output.splitlines()
    assert lines[0].startswith("Workflow timers: a sweep every 0.05 s")
    assert any(
        line.endswith(
            "1 timer(s) fired, 0 process(es) started, 0 condition(s) fired, "
            "0 expired share(s) removed, 0 idempotency key(s) forgotten"
        )
        for line in lines
    )
    assert lines[-1] == "Workflow timers stopped."
    assert escalations().count() == 1
    assert signal.getsignal(signal.SIGTERM) is sigterm_guard  # the previous handler is put back


def test_the_loop_goes_on_after_a_failed_sweep(db, monkeypatch, caplog, sigterm_guard):
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database gone for a moment")
        return 0

    monkeypatch.setattr(run_timers, "fire_due_timers", flaky)
    timer = sigterm_in(0.5)
    output = sweep(every=0.05)
    timer.join()

    assert len(calls) > 1
    assert "the sweep failed" in caplog.text
    assert output.splitlines()[-1] == "Workflow timers stopped."


# --- concurrency (PostgreSQL) --------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks are what keep two sweeps apart; SQLite has none (set DATABASE_URL to PG)",
)
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_the_same_moment_escalate_once(network, consenting_case, service):
    handoffs.handoff_send(
        actor=network.user("a", Role.CASE_MANAGER),
        case=consenting_case,
        kind="referral",
        receiver_organisation_id=network.org_b.pk,
        service_type_id=service.pk,
        reason="Needs food",
        sections=[],
    )
    barrier = threading.Barrier(2)
    fired, errors = [], []

    def one_sweep():
        try:
            barrier.wait()
            fired.append(run_timers.Command().sweep()["timers"])
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    with time_machine.travel(timezone.now() + ELEVEN_DAYS):
        threads = [threading.Thread(target=one_sweep) for _n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert errors == []
    assert sorted(fired) == [0, 1]  # the other sweep found it locked, or already fired
    assert escalations().count() == 1
    assert Handoff.objects.get().escalated_at is not None


# --- demo workflows ------------------------------------------------------------------------------------


def test_demo_workflows_without_the_demo_network_does_nothing(db):
    out = StringIO()
    call_command("demo_workflows", stdout=out)

    assert "not loaded" in out.getvalue()
    assert not Handoff.objects.exists()


# Class-scoped, so that its transaction ends with the class (pytest-django runs transactional tests last).
@pytest.fixture(scope="class")
def _demo_once(django_db_setup, django_db_blocker):
    """The demo network (small: some stories need new cases) and its workflows, loaded once for the class in a
    transaction rolled back at the end; each test runs in a savepoint inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo_network", people=40, seed=7, stdout=StringIO())
        out = StringIO()
        call_command("demo_workflows", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def demo(_demo_once, db):
    return _demo_once


def user(username: str):
    return get_user_model().objects.get(username=username)


class TestDemoWorkflows:
    """`demo_workflows` on a small demo network: what each demo login finds."""

    def test_demo_workflows_reports_what_it_loaded(self, demo):
        assert demo.startswith("Demo workflows loaded in")
        assert "11 handoffs (" in demo

    def test_demo_has_handoffs_in_every_state(self, demo):
        statuses = set(Handoff.objects.values_list("status", flat=True))
        assert statuses == {
            HandoffStatus.PENDING,
            HandoffStatus.ACCEPTED,
            HandoffStatus.COMPLETED,
            HandoffStatus.DECLINED,
            HandoffStatus.REVOKED,
        }
        assert Handoff.objects.filter(kind="transfer", status=HandoffStatus.ACCEPTED).exists()
        assert Handoff.objects.filter(receivers_count=2, status=HandoffStatus.COMPLETED).exists()  # redirected

    def test_demo_has_an_overdue_referral_escalated_to_the_coordinator(self, demo):
        overdue = Handoff.objects.get(status=HandoffStatus.PENDING, escalated_at__isnull=False)
        assert overdue.due_at < overdue.escalated_at < timezone.now()
        queue = list(selectors.task_queue_for(user=user("coordinatore")))
        assert [t.flow_task for t in queue] == [HandoffFlow.escalate]

    def test_demo_gives_caritas_operatore_a_queue_and_an_inbox(self, demo):
        operator = user("caritas.operatore")
        queue = {t.flow_task.name for t in selectors.task_queue_for(user=operator)}
        assert queue == {"decide", "report_outcome"}
        assert [t.flow_task.name for t in selectors.task_inbox_for(user=operator)] == ["decide"]

    def test_demo_gives_assistente_comune_sent_handoffs_and_a_decline_to_handle(self, demo):
        manager = user("assistente.comune")
        assert selectors.handoffs_sent_for(user=manager).count() >= 8
        assert "after_decline" in {t.flow_task.name for t in selectors.task_inbox_for(user=manager)}

    def test_demo_gives_assistente_comune_the_consent_override(self, demo):
        assert user("assistente.comune").has_perm(permissions.OVERRIDE_CONSENT)
        assert not user("caritas.cm").has_perm(permissions.OVERRIDE_CONSENT)
        assert Handoff.objects.filter(consent_override=True, status=HandoffStatus.PENDING).count() == 1

    def test_demo_starts_a_pathway_for_every_open_case(self, demo):
        open_cases = set(Case.objects.exclude(status="closed").values_list("pk", flat=True))
        pathways = CaseProcess.objects.filter(handoff__isnull=True)

        assert set(pathways.values_list("case_id", flat=True)) == open_cases
        assert pathways.count() == len(open_cases)

    def test_demo_advances_pathways_as_far_as_the_file_allows(self, demo):
        steps = set(
            Task.objects.filter(process__in=CaseProcess.objects.filter(handoff__isnull=True)).values_list(
                "flow_task", flat=True
            )
        )
        assert {CaseFlow.assess, CaseFlow.triage, CaseFlow.plan, CaseFlow.wait_review} <= steps

    def test_demo_gives_slas_to_some_services(self, demo):
        assert ServiceType.objects.get(code="food-aid").sla_working_days == 2
        assert ServiceType.objects.get(code="legal-aid").sla_working_days == 10

    def test_demo_receivers_offer_the_service_asked(self, demo):
        for handoff in Handoff.objects.exclude(service_type=None):
            assert Organisation.objects.filter(
                pk=handoff.receiver_organisation_id, services=handoff.service_type_id
            ).exists()

    def test_demo_workflows_twice_changes_nothing(self, demo):
        def counts():
            return [model.objects.count() for model in (Handoff, CaseProcess, Task, WorkflowEvent, CaseShare)]

        before = counts()

        out = StringIO()
        call_command("demo_workflows", stdout=out)

        assert "already exist" in out.getvalue()
        assert counts() == before
