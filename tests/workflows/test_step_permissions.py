"""Who may see, claim and work every human step, for every member of the `network` fixture.

Each step's task is put in its organisation's queue (nobody owns it); each user is then asked: does the task
show to them (`can_see_task`), may they take it (`can_claim`, and viewflow's node agrees), may they work it
once they took it (`can_execute`), and is it in their queue (`task_queue_for`)?
"""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.http import Http404
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS
from viewflow.workflow.timers import fire_due_timers

from cases import services as case_services
from partners.roles import Role
from tests.factories import register_person
from tests.helpers.handoffs import send
from workflows import permissions, selectors
from workflows.flows import CaseFlow, HandoffFlow
from workflows.services import casepath, handoffs, lifecycle, tasks

CM, OP, VOL, ADMIN, COORD = Role.CASE_MANAGER, Role.OPERATOR, Role.VOLUNTEER, Role.ORG_ADMIN, Role.COORDINATOR
USERS = [
    ("a", CM),
    ("a", OP),
    ("a", VOL),
    ("a", ADMIN),
    ("b", CM),
    ("b", OP),
    ("b", VOL),
    ("b", ADMIN),
    ("m", COORD),
    ("m", CM),
]

# Four flags per user: sees the task, may claim it, may work it after claiming, finds it in their queue.
NOTHING = "----"
WORKS = "SCEQ"
SUPERVISES = "S---"

# Steps of the case pathway sit in the lead's (A's) queue and are case managers' work.
CASE_STEP = {("a", CM): WORKS, ("a", ADMIN): SUPERVISES}
EXPECTED = {
    "assess": CASE_STEP,
    "triage": CASE_STEP,
    "plan": CASE_STEP,
    "review": CASE_STEP,
    "close": CASE_STEP,
    # The receiver's (B's) case managers and operators answer and report; its administrator looks on.
    "decide": {("b", CM): WORKS, ("b", OP): WORKS, ("b", ADMIN): SUPERVISES},
    "report_outcome": {("b", CM): WORKS, ("b", OP): WORKS, ("b", ADMIN): SUPERVISES},
    # A declined handoff comes back to the sender's (A's) case managers.
    "after_decline": {("a", CM): WORKS, ("a", ADMIN): SUPERVISES},
    # An overdue answer reaches the coordinating service's coordinators (the municipality has no org_admin).
    "escalate": {("m", COORD): WORKS},
}


def _queued(task: Task) -> Task:
    """The task back in its queue if the flow assigned it to someone."""
    if task.owner_id is not None:
        tasks.task_release(actor=task.owner, task_id=task.pk)
        task.refresh_from_db()
    assert task.status == STATUS.NEW and task.owner_id is None
    return task


def _open(process_filter, step) -> Task:
    return Task.objects.get(**process_filter, flow_task=step, status__in=permissions.OPEN_TASK_STATUSES)


def _pathway_at(network, step_name: str) -> Task:
    manager = network.user("a", CM)
    person = register_person(manager, network.org_a)
    case = lifecycle.case_open(actor=manager, organisation_id=network.org_a.pk, person=person)
    on_case = {"process__caseprocess__case": case}
    if step_name == "assess":
        return _open(on_case, CaseFlow.assess)
    case_services.assessment_record(actor=manager, case=case, domain="food", severity=2)
    casepath.assessment_done(actor=manager, task_id=_open(on_case, CaseFlow.assess).pk)
    if step_name == "triage":
        return _open(on_case, CaseFlow.triage)
    casepath.triage_done(actor=manager, task_id=_open(on_case, CaseFlow.triage).pk, case_manager=manager)
    if step_name == "plan":
        return _open(on_case, CaseFlow.plan)
    case_services.goal_add(actor=manager, case=case, domain="food", description="Spesa")
    casepath.plan_done(actor=manager, task_id=_open(on_case, CaseFlow.plan).pk)
    timer = Task.objects.get(**on_case, flow_task=CaseFlow.wait_review, status=STATUS.SCHEDULED)
    with time_machine.travel(timer.scheduled + datetime.timedelta(minutes=1), tick=False):
        assert fire_due_timers() == 1
    if step_name == "review":
        return _open(on_case, CaseFlow.review)
    casepath.review_done(actor=manager, task_id=_open(on_case, CaseFlow.review).pk, keep_open=False)
    return _open(on_case, CaseFlow.close)


def _handoff_at(network, case, service, step_name: str) -> Task:
    handoff = send(network, case, service)
    on_handoff = {"process_id": handoff.process_id}
    if step_name == "decide":
        return _open(on_handoff, HandoffFlow.decide)
    if step_name == "report_outcome":
        handoffs.handoff_accept(actor=network.user("b", OP), handoff_id=handoff.pk)
        return _open(on_handoff, HandoffFlow.report_outcome)
    if step_name == "after_decline":
        handoffs.handoff_decline(actor=network.user("b", OP), handoff_id=handoff.pk, reason="capacity")
        return _open(on_handoff, HandoffFlow.after_decline)
    with time_machine.travel(handoff.due_at + datetime.timedelta(minutes=1), tick=False):
        assert fire_due_timers() == 1
    return _open(on_handoff, HandoffFlow.escalate)


@pytest.fixture
def step_task(request, network, consenting_case, service):
    """The step's task, waiting unclaimed in its organisation's queue."""
    step_name = request.param
    if step_name in ("assess", "triage", "plan", "review", "close"):
        task = _pathway_at(network, step_name)
    else:
        task = _handoff_at(network, consenting_case, service, step_name)
    assert task.flow_task.name == step_name
    return _queued(task)


MATRIX = [(step, user) for step in EXPECTED for user in USERS]


@pytest.mark.parametrize(
    ("step_task", "who"), MATRIX, indirect=["step_task"], ids=[f"{step}-{org}_{role}" for step, (org, role) in MATRIX]
)
def test_step_permission_matrix(network, step_task, who):
    user = network.user(*who)
    expected = EXPECTED[step_task.flow_task.name].get(who, NOTHING)
    # when
    sees = permissions.can_see_task(user, step_task)
    claims = permissions.can_claim(user, step_task)
    in_queue = step_task in selectors.task_queue_for(user=user)
    assert step_task.flow_task.can_assign(user, step_task) is claims  # viewflow's node asks the same rule
    if claims:
        tasks.task_claim(actor=user, task_id=step_task.pk)
        step_task.refresh_from_db()
        assert step_task.owner == user
    executes = permissions.can_execute(user, step_task)
    assert step_task.flow_task.can_execute(user, step_task) is executes
    # then
    actual = "".join(flag if ok else "-" for flag, ok in zip("SCEQ", (sees, claims, executes, in_queue), strict=True))
    assert actual == expected


@pytest.mark.parametrize(
    ("step_task", "who"),
    [
        ("decide", ("b", VOL)),
        ("decide", ("a", CM)),
        ("escalate", ("m", CM)),
        ("assess", ("b", CM)),
        ("assess", ("a", OP)),
    ],
    indirect=["step_task"],
)
def test_a_task_the_user_may_not_see_cannot_be_claimed(network, step_task, who):
    with pytest.raises(Http404):
        tasks.task_claim(actor=network.user(*who), task_id=step_task.pk)
    step_task.refresh_from_db()
    assert step_task.owner_id is None


@pytest.mark.parametrize(
    ("step_task", "admin"), [("decide", ("b", ADMIN)), ("plan", ("a", ADMIN))], indirect=["step_task"]
)
def test_an_administrator_sees_a_task_without_taking_it(network, step_task, admin):
    with pytest.raises(PermissionDenied):
        tasks.task_claim(actor=network.user(*admin), task_id=step_task.pk)
    assert step_task in selectors.task_supervision_for(user=network.user(*admin))


@pytest.mark.parametrize("step_task", ["decide"], indirect=True)
def test_a_claimed_task_leaves_the_queue_for_the_owners_inbox(network, step_task):
    owner, colleague = network.user("b", OP), network.user("b", CM)
    tasks.task_claim(actor=owner, task_id=step_task.pk)
    step_task.refresh_from_db()
    assert list(selectors.task_inbox_for(user=owner)) == [step_task]
    assert list(selectors.task_queue_for(user=colleague)) == []
    # The colleague still sees it (to know who has it) but cannot take it or work it.
    assert permissions.can_see_task(colleague, step_task)
    assert not permissions.can_claim(colleague, step_task)
    assert not permissions.can_execute(colleague, step_task)


@pytest.mark.parametrize("step_task", ["decide"], indirect=True)
def test_the_owner_or_the_administrator_releases_a_task(network, step_task):
    owner = network.user("b", OP)
    tasks.task_claim(actor=owner, task_id=step_task.pk)
    step_task.refresh_from_db()
    assert permissions.can_release(owner, step_task)
    assert permissions.can_release(network.user("b", ADMIN), step_task)
    assert not permissions.can_release(network.user("b", CM), step_task)
    with pytest.raises(PermissionDenied):
        tasks.task_release(actor=network.user("b", CM), task_id=step_task.pk)
    # when
    tasks.task_release(actor=network.user("b", ADMIN), task_id=step_task.pk)
    # then
    step_task.refresh_from_db()
    assert step_task.owner_id is None and step_task.status == STATUS.NEW
    assert step_task in selectors.task_queue_for(user=owner)
