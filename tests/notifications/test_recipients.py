"""Who is told about what: for each event, every member of the `network` fixture either gets one row of the
expected kind or nothing, written out by hand from the rules (notifications.subscriptions): recipients by
organisation and role at the time of the event, the person who acted is never told, and the next step of your own
work is not announced."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Max
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases import services as case_services
from notifications.models import Notification, NotificationKind
from partners.models import Membership
from partners.roles import Role
from partners.services import membership_set_active
from tests.factories import make_member, register_person
from tests.helpers.handoffs import send
from workflows import permissions
from workflows.flows import CaseFlow
from workflows.services import casepath, handoffs, lifecycle

RECEIVED = NotificationKind.HANDOFF_RECEIVED
ACCEPTED = NotificationKind.HANDOFF_ACCEPTED
TRANSFERRED = NotificationKind.CASE_TRANSFERRED
DECLINED = NotificationKind.HANDOFF_DECLINED
REVOKED = NotificationKind.HANDOFF_REVOKED
OUTCOME = NotificationKind.HANDOFF_OUTCOME
OVERDUE = NotificationKind.SLA_EXPIRED
ASSIGNED = NotificationKind.TASK_ASSIGNED
QUEUED = NotificationKind.TASK_QUEUED
CLOSED = NotificationKind.CASE_CLOSED


@dataclass
class Scene:
    network: object
    case: object
    service: object
    handoff: object = None
    extra: dict = field(default_factory=dict)

    def user(self, org_key: str, role: str):
        return self.network.user(org_key, role)


# --- what happens before the event, and the event ------------------------------------------------------------


def nothing(scene: Scene) -> None:
    """No history before the event."""


def referral(scene: Scene) -> None:
    scene.handoff = send(scene.network, scene.case, scene.service)


def transfer(scene: Scene) -> None:
    scene.handoff = send(scene.network, scene.case, kind="transfer", sections=[])


def accepted_referral(scene: Scene) -> None:
    referral(scene)
    accept_by_operator(scene)


def sender_left_after_the_referral(scene: Scene) -> None:
    """A has a second case manager; the one who sent the referral is deactivated before the answer."""
    scene.extra["colleague"] = make_member(scene.network.org_a, Role.CASE_MANAGER, username="a_colleague")
    referral(scene)
    sender = scene.user("a", Role.CASE_MANAGER)
    membership = Membership.objects.get(user=sender, organisation=scene.network.org_a)
    membership_set_active(
        organisation=scene.network.org_a,
        membership_id=membership.pk,
        active=False,
        actor=scene.user("a", Role.ORG_ADMIN),
    )


def accept_by_operator(scene: Scene) -> None:
    handoffs.handoff_accept(actor=scene.user("b", Role.OPERATOR), handoff_id=scene.handoff.pk)


def accept_by_case_manager(scene: Scene) -> None:
    handoffs.handoff_accept(actor=scene.user("b", Role.CASE_MANAGER), handoff_id=scene.handoff.pk)


def decline(scene: Scene) -> None:
    handoffs.handoff_decline(actor=scene.user("b", Role.CASE_MANAGER), handoff_id=scene.handoff.pk, reason="capacity")


def revoke(scene: Scene) -> None:
    handoffs.handoff_revoke(actor=scene.user("a", Role.CASE_MANAGER), handoff_id=scene.handoff.pk)


def report_outcome(scene: Scene) -> None:
    handoffs.handoff_report_outcome(
        actor=scene.user("b", Role.OPERATOR), handoff_id=scene.handoff.pk, outcome="completed"
    )


def the_answer_deadline_passes(scene: Scene) -> None:
    with time_machine.travel(scene.handoff.due_at + datetime.timedelta(minutes=5), tick=False):
        call_command("run_timers", verbosity=0)


def close_the_case(scene: Scene) -> None:
    lifecycle.case_close(actor=scene.user("a", Role.CASE_MANAGER), case=scene.case, outcome="goals_reached")


# --- the case pathway ------------------------------------------------------------------------------------------


def pathway_step(scene: Scene, step) -> Task:
    return (
        Task.objects.filter(
            process__caseprocess__case=scene.case, flow_task=step, status__in=permissions.OPEN_TASK_STATUSES
        )
        .order_by("-pk")
        .first()
    )


def second_case_manager(scene: Scene) -> None:
    scene.extra["colleague"] = make_member(scene.network.org_a, Role.CASE_MANAGER, username="a_colleague")


def open_with_pathway(scene: Scene) -> None:
    manager = scene.user("a", Role.CASE_MANAGER)
    person = register_person(manager, scene.network.org_a, first_name="Luca", last_name="Verdi")
    scene.case = lifecycle.case_open(actor=manager, organisation_id=scene.network.org_a.pk, person=person)


def opened_with_a_second_case_manager(scene: Scene) -> None:
    """A has a second case manager; the pathway of a new case waits at the assessment."""
    second_case_manager(scene)
    open_with_pathway(scene)


def assessed_pathway(scene: Scene) -> None:
    """A has a second case manager; the pathway of a new case waits at the triage (in A's queue)."""
    opened_with_a_second_case_manager(scene)
    finish_the_assessment(scene)


def finish_the_assessment(scene: Scene) -> None:
    manager = scene.user("a", Role.CASE_MANAGER)
    case_services.assessment_record(actor=manager, case=scene.case, domain="housing", severity=3)
    casepath.assessment_done(actor=manager, task_id=pathway_step(scene, CaseFlow.assess).pk)


def triage_to(who: str) -> Callable[[Scene], None]:
    def triage(scene: Scene) -> None:
        manager = scene.user("a", Role.CASE_MANAGER)
        chosen = scene.extra["colleague"] if who == "colleague" else manager
        casepath.triage_done(actor=manager, task_id=pathway_step(scene, CaseFlow.triage).pk, case_manager=chosen)

    return triage


def planned_pathway(scene: Scene) -> None:
    """The pathway of a new case is past the plan, waiting for the periodic review's timer."""
    open_with_pathway(scene)
    finish_the_assessment(scene)
    triage_to("self")(scene)
    manager = scene.user("a", Role.CASE_MANAGER)
    case_services.goal_add(actor=manager, case=scene.case, domain="housing", description="Trovare una casa")
    casepath.plan_done(actor=manager, task_id=pathway_step(scene, CaseFlow.plan).pk)


def the_review_falls_due(scene: Scene) -> None:
    timer = Task.objects.get(
        process__caseprocess__case=scene.case, flow_task=CaseFlow.wait_review, status=STATUS.SCHEDULED
    )
    with time_machine.travel(timer.scheduled + datetime.timedelta(minutes=5), tick=False):
        call_command("run_timers", verbosity=0)


# --- the matrix ------------------------------------------------------------------------------------------------

# (what happened before, the event, who gets a row and of which kind): every other user gets nothing.
MATRIX = [
    pytest.param(nothing, referral, {"b_case_manager": RECEIVED, "b_operator": RECEIVED}, id="handoff sent"),
    pytest.param(referral, accept_by_operator, {"a_case_manager": ACCEPTED}, id="referral accepted"),
    pytest.param(transfer, accept_by_case_manager, {"a_case_manager": TRANSFERRED}, id="transfer accepted"),
    pytest.param(
        sender_left_after_the_referral,
        accept_by_operator,
        {"a_colleague": ACCEPTED},
        id="referral accepted after its sender left",
    ),
    pytest.param(referral, decline, {"a_case_manager": DECLINED}, id="referral declined"),
    pytest.param(referral, revoke, {"b_case_manager": REVOKED, "b_operator": REVOKED}, id="referral revoked"),
    pytest.param(accepted_referral, report_outcome, {"a_case_manager": OUTCOME}, id="outcome reported"),
    pytest.param(
        referral,
        the_answer_deadline_passes,
        {
            "b_case_manager": OVERDUE,
            "b_operator": OVERDUE,
            "a_case_manager": OVERDUE,
            "m_coordinator": OVERDUE,
        },
        id="answer overdue (SLA timer)",
    ),
    # Opening the case is the opener's own step: the assessment that follows lands in their inbox unannounced.
    pytest.param(nothing, open_with_pathway, {}, id="case opened, the assessment assigned to its opener"),
    pytest.param(
        opened_with_a_second_case_manager,
        finish_the_assessment,
        {"a_colleague": QUEUED},
        id="assessment done, the triage queued at A",
    ),
    pytest.param(
        assessed_pathway,
        triage_to("colleague"),
        {"a_colleague": ASSIGNED},
        id="triage done, the plan assigned to a colleague",
    ),
    pytest.param(assessed_pathway, triage_to("self"), {}, id="triage done, the plan assigned to oneself"),
    pytest.param(
        planned_pathway,
        the_review_falls_due,
        {"a_case_manager": ASSIGNED},
        id="review due (timer), assigned to the case manager",
    ),
    pytest.param(
        accepted_referral,
        close_the_case,
        {"b_case_manager": CLOSED, "b_operator": CLOSED},
        id="case closed, shared with a partner",
    ),
]


def told_after(last_id: int) -> list[tuple[str, str]]:
    return list(Notification.objects.filter(pk__gt=last_id).values_list("user__username", "kind"))


@pytest.mark.parametrize(("before", "event", "expected"), MATRIX)
def test_who_is_told_and_what(network, consenting_case, service, before, event, expected):
    scene = Scene(network=network, case=consenting_case, service=service)
    before(scene)
    last_id = Notification.objects.aggregate(last=Max("pk"))["last"] or 0

    event(scene)

    told = told_after(last_id)
    everyone = {user.username for user in [*network.users.values(), *scene.extra.values()]}
    assert {username for username, _kind in told} <= everyone
    assert {user: dict(told).get(user) for user in everyone} == {user: expected.get(user) for user in everyone}
    assert len(told) == len(dict(told))  # one row each


def test_a_member_of_both_organisations_is_not_told_of_the_handoff_they_sent(network, consenting_case, service):
    sender = network.user("a", Role.CASE_MANAGER)
    make_member(network.org_b, Role.OPERATOR, username=sender.username)  # also an operator of B

    send(network, consenting_case, service, actor=sender)

    assert {username for username, _kind in told_after(0)} == {"b_case_manager", "b_operator"}
