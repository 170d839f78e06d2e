"""The case pathway: intake starts it, each step is done only when its data is in the file, the periodic
review runs on a timer, closure ends it and makes shared access decay; reopening starts a new one."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS
from viewflow.workflow.timers import fire_due_timers

from cases import services as case_services
from cases.models import Case, CaseEvent, CaseShare, CaseStatus, TimelineKind
from cases.permissions import checks as case_checks
from partners.roles import Capability, Role
from tests.factories import make_member, register_person
from tests.helpers.handoffs import send, snapshot
from workflows import permissions, selectors
from workflows.flows import CaseFlow
from workflows.models import CaseProcess, Handoff, HandoffStatus, HistoryKind, WorkflowEvent
from workflows.services import casepath, handoffs, lifecycle


def step_task(case, step, *statuses) -> Task:
    tasks = Task.objects.filter(process__caseprocess__case=case, flow_task=step)
    if statuses:
        tasks = tasks.filter(status__in=statuses)
    return tasks.order_by("-pk").first()


def open_step(case, step) -> Task | None:
    return step_task(case, step, *permissions.OPEN_TASK_STATUSES)


def review_timer(case) -> Task | None:
    return step_task(case, CaseFlow.wait_review, STATUS.SCHEDULED)


@pytest.fixture
def manager(network):
    return network.user("a", Role.CASE_MANAGER)


@pytest.fixture
def pathway_case(network, manager) -> Case:
    """A case opened at A through intake: its pathway waits at the assessment."""
    person = register_person(manager, network.org_a, first_name="Luca", last_name="Verdi")
    return lifecycle.case_open(actor=manager, organisation_id=network.org_a.pk, person=person, title="Sfratto")


def assess(case, manager) -> None:
    case_services.assessment_record(actor=manager, case=case, domain="housing", severity=3)
    casepath.assessment_done(actor=manager, task_id=open_step(case, CaseFlow.assess).pk)


def triage(case, manager, case_manager=None) -> None:
    casepath.triage_done(
        actor=manager, task_id=open_step(case, CaseFlow.triage).pk, case_manager=case_manager or manager
    )


def plan(case, manager) -> None:
    case_services.goal_add(actor=manager, case=case, domain="housing", description="Trovare una casa")
    casepath.plan_done(actor=manager, task_id=open_step(case, CaseFlow.plan).pk)


@pytest.fixture
def planned_case(pathway_case, manager) -> Case:
    """The pathway past the plan: waiting for the periodic review."""
    assess(pathway_case, manager)
    triage(pathway_case, manager)
    plan(pathway_case, manager)
    return Case.objects.get(pk=pathway_case.pk)


def fire_review(case) -> int:
    with time_machine.travel(review_timer(case).scheduled + datetime.timedelta(minutes=1), tick=False):
        return fire_due_timers()


# --- intake and the first steps --------------------------------------------------------------------


def test_intake_starts_the_pathway_with_the_assessment_in_the_case_managers_inbox(network, manager, pathway_case):
    process = casepath.case_process(pathway_case)
    assert process.flow_class is CaseFlow and process.status == STATUS.NEW
    task = open_step(pathway_case, CaseFlow.assess)
    assert task.owner == manager and task.status == STATUS.ASSIGNED
    assert task.owner_permission == permissions.WORK_CASE
    assert task.owner_permission_obj_pk == str(network.org_a.pk)
    assert list(selectors.task_inbox_for(user=manager)) == [task]
    started = WorkflowEvent.objects.get(case=pathway_case, kind=HistoryKind.PROCESS_STARTED)
    assert started.flow == "case" and started.organisation == network.org_a and started.user == manager


def test_intake_assigns_the_assessment_to_the_chosen_case_manager(network, manager):
    colleague = make_member(network.org_a, Role.CASE_MANAGER, username="a_colleague")
    person = register_person(manager, network.org_a)
    case = lifecycle.case_open(actor=manager, organisation_id=network.org_a.pk, person=person, case_manager=colleague)
    assert open_step(case, CaseFlow.assess).owner == colleague


def test_a_failed_intake_starts_no_pathway(network, manager):
    person = register_person(manager, network.org_a)
    before = snapshot()
    with pytest.raises(ValidationError):
        lifecycle.case_open(
            actor=manager,
            organisation_id=network.org_a.pk,
            person=person,
            case_manager=network.user("b", Role.CASE_MANAGER),
        )
    assert snapshot() == before and not Case.objects.filter(person=person).exists()


def test_a_running_pathway_is_not_started_twice(manager, pathway_case):
    with pytest.raises(ValidationError):
        casepath.case_flow_start(case=pathway_case, actor=manager)
    assert CaseProcess.objects.filter(case=pathway_case, flow_class=CaseFlow).count() == 1


def test_the_assessment_step_needs_an_assessment(manager, pathway_case):
    task = open_step(pathway_case, CaseFlow.assess)
    with pytest.raises(ValidationError):
        casepath.assessment_done(actor=manager, task_id=task.pk)
    task.refresh_from_db()
    assert task.status == STATUS.ASSIGNED
    assert open_step(pathway_case, CaseFlow.triage) is None


def test_after_the_assessment_the_triage_waits_in_the_leads_queue(network, manager, pathway_case):
    assess(pathway_case, manager)
    assert step_task(pathway_case, CaseFlow.assess).status == STATUS.DONE
    triage_task = open_step(pathway_case, CaseFlow.triage)
    assert triage_task.owner_id is None and triage_task.status == STATUS.NEW
    assert list(selectors.task_queue_for(user=manager)) == [triage_task]
    assert list(selectors.task_queue_for(user=network.user("a", Role.OPERATOR))) == []


def test_triage_sets_the_case_manager(network, manager, pathway_case):
    colleague = make_member(network.org_a, Role.CASE_MANAGER, username="a_colleague")
    assess(pathway_case, manager)
    # when
    triage(pathway_case, manager, case_manager=colleague)
    # then
    assert Case.objects.get(pk=pathway_case.pk).case_manager == colleague
    assert step_task(pathway_case, CaseFlow.triage).data["case_manager"] == colleague.pk
    (event,) = CaseEvent.objects.filter(case=pathway_case, kind=TimelineKind.CASE_TRIAGED)
    assert event.organisation == network.org_a
    # The plan goes to the new case manager's inbox.
    assert open_step(pathway_case, CaseFlow.plan).owner == colleague


@pytest.mark.parametrize("who", [("b", Role.CASE_MANAGER), ("a", Role.OPERATOR), ("m", Role.CASE_MANAGER)])
def test_triage_refuses_someone_who_is_not_a_case_manager_of_the_lead(network, manager, pathway_case, who):
    assess(pathway_case, manager)
    task = open_step(pathway_case, CaseFlow.triage)
    with pytest.raises(ValidationError) as exc:
        casepath.triage_done(actor=manager, task_id=task.pk, case_manager=network.user(*who))
    assert "case_manager" in exc.value.message_dict
    assert Case.objects.get(pk=pathway_case.pk).case_manager == manager
    task.refresh_from_db()
    assert task.status == STATUS.NEW


def test_triage_needs_a_case_manager(manager, pathway_case):
    assess(pathway_case, manager)
    with pytest.raises(ValidationError):
        casepath.triage_done(actor=manager, task_id=open_step(pathway_case, CaseFlow.triage).pk, case_manager=None)
    assert open_step(pathway_case, CaseFlow.plan) is None


def test_the_plan_step_needs_a_goal(manager, pathway_case):
    assess(pathway_case, manager)
    triage(pathway_case, manager)
    case_services.plan_update(actor=manager, case=pathway_case, summary="Senza obiettivi")
    task = open_step(pathway_case, CaseFlow.plan)
    with pytest.raises(ValidationError):
        casepath.plan_done(actor=manager, task_id=task.pk)
    task.refresh_from_db()
    assert task.status == STATUS.ASSIGNED and review_timer(pathway_case) is None


def test_a_step_done_twice_is_refused(manager, pathway_case):
    case_services.assessment_record(actor=manager, case=pathway_case, domain="work", severity=2)
    task = open_step(pathway_case, CaseFlow.assess)
    casepath.assessment_done(actor=manager, task_id=task.pk)
    with pytest.raises(ValidationError):
        casepath.assessment_done(actor=manager, task_id=task.pk)
    assert Task.objects.filter(process__caseprocess__case=pathway_case, flow_task=CaseFlow.triage).count() == 1


def test_a_step_of_another_organisations_case_is_not_found(network, manager, pathway_case):
    task = open_step(pathway_case, CaseFlow.assess)
    with pytest.raises(Http404):
        casepath.assessment_done(actor=network.user("b", Role.CASE_MANAGER), task_id=task.pk)


def test_a_step_in_a_colleagues_inbox_is_refused(network, manager, pathway_case):
    colleague = make_member(network.org_a, Role.CASE_MANAGER, username="a_colleague")
    case_services.assessment_record(actor=manager, case=pathway_case, domain="work", severity=2)
    with pytest.raises(PermissionDenied):
        casepath.assessment_done(actor=colleague, task_id=open_step(pathway_case, CaseFlow.assess).pk)


# --- the periodic review -------------------------------------------------------------------------------


def test_after_the_plan_the_review_is_scheduled_after_the_review_period(settings, manager, pathway_case):
    settings.TAVOLO_REVIEW_DAYS = 30
    assess(pathway_case, manager)
    triage(pathway_case, manager)
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        plan(pathway_case, manager)
    assert review_timer(pathway_case).scheduled == now + datetime.timedelta(days=30)


def test_the_plans_next_review_date_sets_the_review(manager, pathway_case):
    assess(pathway_case, manager)
    triage(pathway_case, manager)
    review_on = timezone.localdate() + datetime.timedelta(days=45)
    case_services.plan_update(actor=manager, case=pathway_case, next_review_on=review_on)
    # when
    plan(pathway_case, manager)
    # then
    scheduled = timezone.localtime(review_timer(pathway_case).scheduled)
    assert (scheduled.date(), scheduled.time()) == (review_on, datetime.time(8, 0))


def test_before_its_date_the_review_does_not_fire(planned_case):
    with time_machine.travel(review_timer(planned_case).scheduled - datetime.timedelta(minutes=1), tick=False):
        assert fire_due_timers() == 0
    assert open_step(planned_case, CaseFlow.review) is None


def test_the_review_timer_puts_the_review_in_the_case_managers_inbox(manager, planned_case):
    assert fire_review(planned_case) == 1
    review = open_step(planned_case, CaseFlow.review)
    assert review.owner == manager and review.status == STATUS.ASSIGNED
    assert review in selectors.task_inbox_for(user=manager)
    assert WorkflowEvent.objects.filter(task=review, kind=HistoryKind.TASK_CREATED).exists()


def test_keeping_the_case_open_schedules_the_next_review(settings, manager, planned_case):
    settings.TAVOLO_REVIEW_DAYS = 60
    fire_review(planned_case)
    review = open_step(planned_case, CaseFlow.review)
    now = timezone.now()
    # when
    with time_machine.travel(now, tick=False):
        casepath.review_done(actor=manager, task_id=review.pk, keep_open=True, note="Prosegue")
    # then
    assert review_timer(planned_case).scheduled == now + datetime.timedelta(days=60)
    assert open_step(planned_case, CaseFlow.close) is None
    (event,) = CaseEvent.objects.filter(case=planned_case, kind=TimelineKind.CASE_REVIEWED)
    assert event.data == {"continue": True} and event.summary == "Prosegue"


def test_deciding_to_close_at_the_review_asks_for_the_closure(manager, planned_case):
    fire_review(planned_case)
    casepath.review_done(actor=manager, task_id=open_step(planned_case, CaseFlow.review).pk, keep_open=False)
    close = open_step(planned_case, CaseFlow.close)
    assert close.owner == manager and close.status == STATUS.ASSIGNED
    assert review_timer(planned_case) is None


@pytest.fixture
def org_c_with_service(network):
    from partners.models import ServiceType
    from tests.factories import make_organisation

    org = make_organisation("Associazione Terza")
    make_member(org, Role.OPERATOR, username="c_operator")
    service = ServiceType.objects.create(code="ascolto", name="Centro d'ascolto")
    org.services.add(service)
    return org, service


# --- closure ---------------------------------------------------------------------------------------


@pytest.fixture
def shared_planned_case(network, manager, planned_case, service):
    """The planned case, shared with B through an accepted referral (the person consents)."""
    from cases.models import ConsentPurpose

    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    for purpose in (ConsentPurpose.PROCESSING, ConsentPurpose.SHARE_NETWORK):
        case_services.consent_record(actor=manager, person=planned_case.person, purpose=purpose, given_on=yesterday)
    handoff = send(network, planned_case, service)
    handoffs.handoff_accept(actor=network.user("b", Role.OPERATOR), handoff_id=handoff.pk)
    return planned_case


def test_the_closure_step_closes_the_case_and_ends_the_pathway(manager, planned_case):
    fire_review(planned_case)
    casepath.review_done(actor=manager, task_id=open_step(planned_case, CaseFlow.review).pk, keep_open=False)
    # when
    casepath.closure_done(
        actor=manager,
        task_id=open_step(planned_case, CaseFlow.close).pk,
        outcome="goals_reached",
        note="Ha trovato casa",
    )
    # then
    case = Case.objects.get(pk=planned_case.pk)
    assert case.status == CaseStatus.CLOSED and case.closure_outcome == "goals_reached"
    process = casepath.case_process(case)
    assert process.status == STATUS.DONE and process.finished is not None


def test_the_closure_step_makes_shared_access_decay(settings, network, manager, shared_planned_case):
    settings.TAVOLO_CLOSED_CASE_ACCESS_DAYS = 10
    fire_review(shared_planned_case)
    casepath.review_done(actor=manager, task_id=open_step(shared_planned_case, CaseFlow.review).pk, keep_open=False)
    # when
    casepath.closure_done(
        actor=manager, task_id=open_step(shared_planned_case, CaseFlow.close).pk, outcome="goals_reached"
    )
    # then
    share = CaseShare.objects.get(case=shared_planned_case, organisation=network.org_b)
    assert share.own_records_only and share.until == timezone.localdate() + datetime.timedelta(days=10)
    caps = case_checks.case_capabilities(network.user("b", Role.OPERATOR), Case.objects.get(pk=shared_planned_case.pk))
    assert caps == {Capability.VIEW_SUMMARY, Capability.READ_NOTES, Capability.DOWNLOAD_DOCUMENT}


def test_a_closure_with_an_unknown_outcome_changes_nothing(manager, planned_case):
    fire_review(planned_case)
    casepath.review_done(actor=manager, task_id=open_step(planned_case, CaseFlow.review).pk, keep_open=False)
    close = open_step(planned_case, CaseFlow.close)
    with pytest.raises(ValidationError):
        casepath.closure_done(actor=manager, task_id=close.pk, outcome="vanished")
    close.refresh_from_db()
    assert close.status == STATUS.ASSIGNED
    assert Case.objects.get(pk=planned_case.pk).status != CaseStatus.CLOSED


def test_closing_now_cancels_the_open_steps_and_ends_the_pathway(network, manager, planned_case):
    timer = review_timer(planned_case)
    # when
    lifecycle.case_close(actor=manager, case=planned_case, outcome="withdrew")
    # then
    assert Case.objects.get(pk=planned_case.pk).status == CaseStatus.CLOSED
    timer.refresh_from_db()
    assert timer.status == STATUS.CANCELED
    process = casepath.case_process(planned_case)
    assert process.status == STATUS.DONE and process.finished is not None
    assert not Task.objects.filter(
        process=process, status__in=[*permissions.OPEN_TASK_STATUSES, STATUS.SCHEDULED]
    ).exists()
    assert WorkflowEvent.objects.filter(case=planned_case, kind=HistoryKind.PROCESS_FINISHED).exists()


def test_closing_now_cancels_an_assigned_step(manager, pathway_case):
    lifecycle.case_close(actor=manager, case=pathway_case, outcome="moved_away")
    assert step_task(pathway_case, CaseFlow.assess).status == STATUS.CANCELED
    assert list(selectors.task_inbox_for(user=manager)) == []


def test_closing_now_ends_the_open_handoffs(network, manager, shared_planned_case, org_c_with_service):
    org_c, service_c = org_c_with_service
    pending = send(network, shared_planned_case, service_c, receiver=org_c)
    accepted = Handoff.objects.get(case=shared_planned_case, receiver_organisation=network.org_b)
    # when
    lifecycle.case_close(actor=manager, case=shared_planned_case, outcome="goals_reached")
    # then
    pending, accepted = Handoff.objects.get(pk=pending.pk), Handoff.objects.get(pk=accepted.pk)
    assert pending.status == HandoffStatus.REVOKED and pending.revoked_at is not None
    assert accepted.status == HandoffStatus.CLOSED
    for handoff in (pending, accepted):
        assert handoff.process.status == STATUS.CANCELED
        assert not Task.objects.filter(
            process_id=handoff.process_id, status__in=[*permissions.OPEN_TASK_STATUSES, STATUS.SCHEDULED]
        ).exists()
    assert not CaseShare.objects.filter(case=shared_planned_case, organisation=org_c).exists()


def test_closing_now_without_a_pathway_still_closes(network, manager, case_a):
    lifecycle.case_close(actor=manager, case=case_a, outcome="other")
    assert Case.objects.get(pk=case_a.pk).status == CaseStatus.CLOSED


def test_closing_now_needs_change_rights(network, planned_case):
    with pytest.raises(PermissionDenied):
        lifecycle.case_close(actor=network.user("a", Role.OPERATOR), case=planned_case, outcome="other")
    assert Case.objects.get(pk=planned_case.pk).status != CaseStatus.CLOSED
    assert review_timer(planned_case).status == STATUS.SCHEDULED


# --- reopening and the end of decayed access -------------------------------------------------------


def test_reopening_starts_a_new_pathway(network, manager, planned_case):
    lifecycle.case_close(actor=manager, case=planned_case, outcome="withdrew")
    old = casepath.case_process(planned_case)
    # when
    lifecycle.case_reopen(actor=manager, case=Case.objects.get(pk=planned_case.pk))
    # then
    new = casepath.case_process(planned_case)
    assert new.pk != old.pk and new.status == STATUS.NEW
    assert Case.objects.get(pk=planned_case.pk).status == CaseStatus.OPEN
    assess_task = Task.objects.get(process=new, flow_task=CaseFlow.assess)
    assert assess_task.owner == manager and assess_task.status == STATUS.ASSIGNED


def test_reopening_through_the_status_gives_shared_access_back(network, manager, shared_planned_case):
    lifecycle.case_close(actor=manager, case=shared_planned_case, outcome="withdrew")
    # when
    lifecycle.case_set_status(actor=manager, case=Case.objects.get(pk=shared_planned_case.pk), status=CaseStatus.ACTIVE)
    # then
    case = Case.objects.get(pk=shared_planned_case.pk)
    assert case.status == CaseStatus.ACTIVE
    share = CaseShare.objects.get(case=case, organisation=network.org_b)
    assert not share.own_records_only and share.until is None
    assert Capability.VIEW_FILE in case_checks.case_capabilities(network.user("b", Role.OPERATOR), case)
    assert casepath.case_process(case).status == STATUS.NEW


def test_decayed_access_ends_after_the_period(settings, network, manager, shared_planned_case):
    settings.TAVOLO_CLOSED_CASE_ACCESS_DAYS = 10
    lifecycle.case_close(actor=manager, case=shared_planned_case, outcome="withdrew")
    last_day = timezone.localdate() + datetime.timedelta(days=10)
    operator_b = network.user("b", Role.OPERATOR)
    assert casepath.expire_closed_case_access(today=last_day) == 0
    assert case_checks.visible_cases(operator_b, Capability.VIEW_SUMMARY).filter(pk=shared_planned_case.pk).exists()
    # when
    assert casepath.expire_closed_case_access(today=last_day + datetime.timedelta(days=1)) == 1
    # then
    assert not case_checks.visible_cases(operator_b, Capability.VIEW_SUMMARY).exists()
    assert not CaseShare.objects.filter(case=shared_planned_case).exists()
