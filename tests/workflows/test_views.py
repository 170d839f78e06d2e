"""The workflows web pages: who sees which page, what each form does, bad input, and constant query counts."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS
from viewflow.workflow.timers import fire_due_timers

from cases.models import CaseStatus, ConsentPurpose, Domain
from cases.permissions import checks as case_checks
from cases.services import assessment_record, consent_record, goal_add
from core.models import AuditAction, AuditEntry
from partners.roles import Capability, Role
from tests.factories import make_member, make_organisation, open_case, register_person
from workflows.flows import CaseFlow, HandoffFlow
from workflows.models import Handoff, HandoffKind, HandoffStatus, HistoryKind, WorkflowEvent
from workflows.services import casepath, handoffs, lifecycle, tasks

CM_A = ("a", Role.CASE_MANAGER)
OP_B = ("b", Role.OPERATOR)


@pytest.fixture
def client(client):
    """The pages are asserted in English (Italian is the default language)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def as_user(client, network, member):
    user = network.user(*member)
    client.force_login(user)
    return user


def send_referral(network, case, service, **kwargs):
    return handoffs.handoff_send(
        actor=network.user(*CM_A),
        case=case,
        kind=kwargs.pop("kind", HandoffKind.REFERRAL),
        receiver_organisation_id=kwargs.pop("receiver", network.org_b).pk,
        service_type_id=service.pk,
        reason=kwargs.pop("reason", "Needs food parcels"),
        sections=kwargs.pop("sections", ["file"]),
        **kwargs,
    )


def open_task(handoff, step) -> Task:
    return Task.objects.get(
        process_id=handoff.process_id, flow_task=step, status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]
    )


@pytest.fixture
def referral(network, consenting_case, service):
    """A referral from A to B waiting for B's answer."""
    return send_referral(network, consenting_case, service)


@pytest.fixture
def declined(network, referral):
    handoffs.handoff_decline(actor=network.user(*OP_B), handoff_id=referral.pk, reason="capacity")
    referral.refresh_from_db()
    return referral


@pytest.fixture
def org_c(network, service):
    """A third partner offering the same service, with an operator."""
    org = make_organisation("Associazione Terza")
    org.services.add(service)
    make_member(org, Role.OPERATOR, username="c_operator")
    return org


@pytest.fixture
def pathway(network, consenting_case):
    return casepath.case_flow_start(case=consenting_case, actor=network.user(*CM_A))


def task_url(task) -> str:
    return reverse("workflows:task_detail", args=[task.pk])


# --- the work lists ---------------------------------------------------------------------------------------


def test_queue_lists_the_referral_for_the_receiving_operator(client, network, referral):
    as_user(client, network, OP_B)
    response = client.get(reverse("workflows:queue"))
    assert response.status_code == 200
    assert referral.case.code in response.content.decode()
    assert "Accept or decline" in response.content.decode()


def test_the_queue_button_is_an_action_in_italian(client, network, referral):
    as_user(client, network, OP_B)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    page = client.get(reverse("workflows:queue")).content.decode()
    buttons = re.findall(r'<a class="btn btn-sm btn-outline-primary" href="/work/tasks/\d+/">([^<]*)</a>', page)
    assert buttons and set(buttons) == {"Apri"}


def test_queue_of_another_organisation_does_not_list_the_referral(client, network, referral):
    as_user(client, network, ("a", Role.OPERATOR))
    response = client.get(reverse("workflows:queue"))
    assert response.status_code == 200
    assert referral.case.code not in response.content.decode()


def test_inbox_lists_the_pathway_step_assigned_to_the_case_manager(client, network, pathway, consenting_case):
    as_user(client, network, CM_A)
    response = client.get(reverse("workflows:inbox"))
    assert response.status_code == 200
    assert consenting_case.code in response.content.decode()
    assert "Assessment" in response.content.decode()


def test_queue_filters_by_step(client, network, referral):
    as_user(client, network, OP_B)
    response = client.get(reverse("workflows:queue"), {"step": "report_outcome"})
    assert referral.case.code not in response.content.decode()
    response = client.get(reverse("workflows:queue"), {"step": "decide"})
    assert referral.case.code in response.content.decode()


def test_queue_filters_overdue(client, network, referral):
    as_user(client, network, OP_B)
    assert referral.case.code not in client.get(reverse("workflows:queue"), {"overdue": "on"}).content.decode()
    Handoff.objects.filter(pk=referral.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
    response = client.get(reverse("workflows:queue"), {"overdue": "on"})
    assert referral.case.code in response.content.decode()
    assert "overdue" in response.content.decode()


def test_queue_filters_by_case_code(client, network, referral):
    as_user(client, network, OP_B)
    assert referral.case.code not in client.get(reverse("workflows:queue"), {"q": "C1999"}).content.decode()
    assert referral.case.code in client.get(reverse("workflows:queue"), {"q": referral.case.code}).content.decode()


def test_bad_filter_is_shown_not_a_crash(client, network, referral):
    as_user(client, network, OP_B)
    response = client.get(reverse("workflows:queue"), {"step": "no-such-step", "page": "x"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_claim_moves_the_task_to_the_claimer(client, network, referral):
    user = as_user(client, network, OP_B)
    task = open_task(referral, HandoffFlow.decide)
    response = client.post(reverse("workflows:task_claim", args=[task.pk]))
    assert response.status_code == 302
    assert response.url == task_url(task)
    task.refresh_from_db()
    assert task.owner_id == user.pk and task.status == STATUS.ASSIGNED
    assert WorkflowEvent.objects.filter(task=task, kind=HistoryKind.TASK_CLAIMED, user=user).exists()


def test_claim_of_a_task_already_taken_says_who_has_it(client, network, referral):
    task = open_task(referral, HandoffFlow.decide)
    tasks.task_claim(actor=network.user("b", Role.CASE_MANAGER), task_id=task.pk)
    as_user(client, network, OP_B)
    response = client.post(reverse("workflows:task_claim", args=[task.pk]), follow=True)
    assert response.status_code == 200
    assert "has already taken this task" in response.content.decode()
    task.refresh_from_db()
    assert task.owner == network.user("b", Role.CASE_MANAGER)


def test_claim_by_another_organisation_is_not_found(client, network, referral):
    as_user(client, network, ("a", Role.OPERATOR))
    task = open_task(referral, HandoffFlow.decide)
    assert client.post(reverse("workflows:task_claim", args=[task.pk])).status_code == 404
    task.refresh_from_db()
    assert task.owner_id is None


def test_claim_needs_post(client, network, referral):
    as_user(client, network, OP_B)
    task = open_task(referral, HandoffFlow.decide)
    assert client.get(reverse("workflows:task_claim", args=[task.pk])).status_code == 405


def test_release_puts_the_task_back_in_the_queue(client, network, referral):
    user = as_user(client, network, OP_B)
    task = open_task(referral, HandoffFlow.decide)
    tasks.task_claim(actor=user, task_id=task.pk)
    response = client.post(reverse("workflows:task_release", args=[task.pk]))
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.owner_id is None and task.status == STATUS.NEW
    assert WorkflowEvent.objects.filter(task=task, kind=HistoryKind.TASK_RELEASED, user=user).exists()


def test_release_of_someone_elses_task_is_refused(client, network, referral):
    task = open_task(referral, HandoffFlow.decide)
    tasks.task_claim(actor=network.user("b", Role.CASE_MANAGER), task_id=task.pk)
    as_user(client, network, OP_B)
    assert client.post(reverse("workflows:task_release", args=[task.pk])).status_code == 403
    task.refresh_from_db()
    assert task.owner == network.user("b", Role.CASE_MANAGER)


def test_supervision_shows_taken_tasks_to_the_administrator_who_releases_them(client, network, referral):
    task = open_task(referral, HandoffFlow.decide)
    tasks.task_claim(actor=network.user(*OP_B), task_id=task.pk)
    as_user(client, network, ("b", Role.ORG_ADMIN))
    response = client.get(reverse("workflows:supervision"))
    assert response.status_code == 200
    assert referral.case.code in response.content.decode()
    client.post(reverse("workflows:task_release", args=[task.pk]))
    task.refresh_from_db()
    assert task.owner_id is None


def test_supervision_is_refused_to_an_operator(client, network, referral):
    as_user(client, network, OP_B)
    assert client.get(reverse("workflows:supervision")).status_code == 403


def test_lists_need_login(client, network):
    response = client.get(reverse("workflows:inbox"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


# --- the accept/decline page ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("member", "status"),
    [
        (OP_B, 200),
        (("b", Role.CASE_MANAGER), 200),
        (("b", Role.ORG_ADMIN), 200),
        (("b", Role.VOLUNTEER), 404),
        (CM_A, 404),
        (("a", Role.OPERATOR), 404),
        (("m", Role.COORDINATOR), 404),
    ],
)
def test_decide_page_by_role(client, network, referral, member, status):
    as_user(client, network, member)
    assert client.get(task_url(open_task(referral, HandoffFlow.decide))).status_code == status


def test_decide_page_shows_the_referral_and_audits_the_read(client, network, referral):
    user = as_user(client, network, OP_B)
    response = client.get(task_url(open_task(referral, HandoffFlow.decide)))
    page = response.content.decode()
    assert "Giulia Bianchi" in page and "Needs food parcels" in page and "Pacco alimentare" in page
    assert "Personal data, assessment and plan" in page  # the shared section
    assert 'name="action" value="accept"' in page and 'name="action" value="decline"' in page
    assert AuditEntry.objects.filter(
        user=user, action=AuditAction.READ, case_id=referral.case_id, organisation_id=network.org_b.pk
    ).exists()


def test_decide_page_is_read_only_for_the_administrator(client, network, referral):
    as_user(client, network, ("b", Role.ORG_ADMIN))
    page = client.get(task_url(open_task(referral, HandoffFlow.decide))).content.decode()
    assert 'value="accept"' not in page


def test_accept_shares_the_case_and_claims_the_task(client, network, referral):
    user = as_user(client, network, OP_B)
    task = open_task(referral, HandoffFlow.decide)
    response = client.post(task_url(task), {"action": "accept", "accept-note": "We call her tomorrow"})
    assert response.status_code == 302
    assert response.url == reverse("workflows:handoff_detail", args=[referral.pk])
    referral.refresh_from_db()
    assert referral.status == HandoffStatus.ACCEPTED and referral.decided_by == user
    task.refresh_from_db()
    assert task.status == STATUS.DONE and task.owner == user
    assert Capability.VIEW_FILE in case_checks.case_capabilities(user, referral.case)
    assert WorkflowEvent.objects.filter(handoff=referral, kind=HistoryKind.HANDOFF_ACCEPTED).exists()


def test_decline_with_a_coded_reason(client, network, referral):
    as_user(client, network, OP_B)
    response = client.post(
        task_url(open_task(referral, HandoffFlow.decide)), {"action": "decline", "decline-reason": "capacity"}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == HandoffStatus.DECLINED and referral.decline_reason == "capacity"
    assert WorkflowEvent.objects.filter(handoff=referral, kind=HistoryKind.HANDOFF_DECLINED).exists()


def test_decline_other_without_a_note_shows_the_error(client, network, referral):
    as_user(client, network, OP_B)
    response = client.post(
        task_url(open_task(referral, HandoffFlow.decide)),
        {"action": "decline", "decline-reason": "other", "decline-note": "  "},
    )
    assert response.status_code == 200
    assert "Explain the reason for declining." in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == HandoffStatus.PENDING


def test_decline_without_a_reason_shows_the_error(client, network, referral):
    as_user(client, network, OP_B)
    response = client.post(
        task_url(open_task(referral, HandoffFlow.decide)), {"action": "decline", "decline-reason": "bogus"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == HandoffStatus.PENDING


def test_accept_by_the_administrator_is_refused(client, network, referral):
    as_user(client, network, ("b", Role.ORG_ADMIN))
    response = client.post(task_url(open_task(referral, HandoffFlow.decide)), {"action": "accept"})
    assert response.status_code == 403
    referral.refresh_from_db()
    assert referral.status == HandoffStatus.PENDING


def test_accept_of_a_task_taken_by_a_colleague_is_refused_with_a_message(client, network, referral):
    task = open_task(referral, HandoffFlow.decide)
    tasks.task_claim(actor=network.user("b", Role.CASE_MANAGER), task_id=task.pk)
    as_user(client, network, OP_B)
    response = client.post(task_url(task), {"action": "accept"})
    assert response.status_code == 200
    assert "has taken this task" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == HandoffStatus.PENDING


def test_an_unknown_action_is_a_message_not_a_crash(client, network, referral):
    as_user(client, network, OP_B)
    response = client.post(task_url(open_task(referral, HandoffFlow.decide)), {"action": "explode"})
    assert response.status_code == 200
    assert "does not expect that action" in response.content.decode()


def test_a_finished_task_page_has_no_forms(client, network, referral):
    task = open_task(referral, HandoffFlow.decide)
    handoffs.handoff_accept(actor=network.user(*OP_B), handoff_id=referral.pk)
    as_user(client, network, OP_B)
    response = client.get(task_url(task))
    assert response.status_code == 200
    assert "This task is finished" in response.content.decode()
    assert client.post(task_url(task), {"action": "accept"}).status_code == 200


# --- outcome, redirect, close ---------------------------------------------------------------------------


def test_report_outcome(client, network, referral):
    user = as_user(client, network, OP_B)
    handoffs.handoff_accept(actor=user, handoff_id=referral.pk)
    task = open_task(referral, HandoffFlow.report_outcome)
    response = client.post(task_url(task), {"action": "outcome", "outcome-outcome": "completed"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == HandoffStatus.COMPLETED and referral.outcome == "completed"
    assert referral.outcome_by == user


def test_partial_outcome_without_a_note_shows_the_error(client, network, referral):
    user = as_user(client, network, OP_B)
    handoffs.handoff_accept(actor=user, handoff_id=referral.pk)
    response = client.post(
        task_url(open_task(referral, HandoffFlow.report_outcome)), {"action": "outcome", "outcome-outcome": "partial"}
    )
    assert response.status_code == 200
    assert "Say what was not done, and why." in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == HandoffStatus.ACCEPTED


def test_after_decline_page_is_the_senders(client, network, declined):
    as_user(client, network, CM_A)
    response = client.get(task_url(open_task(declined, HandoffFlow.after_decline)))
    assert response.status_code == 200
    assert "No capacity at the moment" in response.content.decode()
    as_user(client, network, OP_B)
    assert client.get(task_url(open_task(declined, HandoffFlow.after_decline))).status_code == 404


def test_redirect_sends_the_declined_referral_elsewhere(client, network, declined, org_c, service):
    as_user(client, network, CM_A)
    response = client.post(
        task_url(open_task(declined, HandoffFlow.after_decline)),
        {
            "action": "redirect",
            "redirect-receiver_organisation": org_c.pk,
            "redirect-service_type": service.pk,
        },
    )
    assert response.status_code == 302
    declined.refresh_from_db()
    assert declined.status == HandoffStatus.PENDING and declined.receiver_organisation == org_c
    assert declined.receivers_count == 2
    assert open_task(declined, HandoffFlow.decide).owner_permission_obj_pk == str(org_c.pk)


def test_redirect_service_list_narrows_to_the_chosen_organisation(client, network, declined, org_c, service):
    other = make_organisation("Banco Altro")
    other_service = other.services.create(code="altro", name="Servizio altrove")
    as_user(client, network, CM_A)
    url = task_url(open_task(declined, HandoffFlow.after_decline))
    everything = client.get(url).content.decode()
    assert "Servizio altrove" in everything and "Pacco alimentare" in everything
    narrowed = client.get(url, {"redirect-receiver_organisation": org_c.pk}, HTTP_HX_REQUEST="true")
    assert "Servizio altrove" not in narrowed.content.decode()
    assert f'value="{service.pk}"' in narrowed.content.decode()
    assert other_service.pk


def test_redirect_to_an_organisation_without_the_service_shows_the_error(client, network, declined, service):
    other = make_organisation("Banco Altro")
    make_member(other, Role.OPERATOR)
    as_user(client, network, CM_A)
    response = client.post(
        task_url(open_task(declined, HandoffFlow.after_decline)),
        {
            "action": "redirect",
            "redirect-receiver_organisation": other.pk,
            "redirect-service_type": service.pk,
        },
    )
    assert response.status_code == 200
    assert "does not offer this service" in response.content.decode()
    declined.refresh_from_db()
    assert declined.status == HandoffStatus.DECLINED


def test_close_ends_the_declined_referral(client, network, declined):
    as_user(client, network, CM_A)
    response = client.post(task_url(open_task(declined, HandoffFlow.after_decline)), {"action": "close"})
    assert response.status_code == 302
    declined.refresh_from_db()
    assert declined.status == HandoffStatus.CLOSED


# --- the coordinator's follow-up --------------------------------------------------------------------------


@pytest.fixture
def escalation(network, referral):
    with time_machine.travel(timezone.now() + datetime.timedelta(days=10)):
        assert fire_due_timers() == 1
    return open_task(referral, HandoffFlow.escalate)


def test_escalation_page_is_pseudonymised(client, network, referral, escalation):
    user = as_user(client, network, ("m", Role.COORDINATOR))
    response = client.get(task_url(escalation))
    assert response.status_code == 200
    page = response.content.decode()
    assert referral.case.code in page and "Cooperativa Test" in page
    assert "Bianchi" not in page and "Needs food parcels" not in page
    assert not AuditEntry.objects.filter(user=user, action=AuditAction.READ).exists()


def test_escalation_is_not_shown_to_the_receiver(client, network, escalation):
    as_user(client, network, OP_B)
    assert client.get(task_url(escalation)).status_code == 404


def test_follow_up_finishes_the_escalation(client, network, referral, escalation):
    as_user(client, network, ("m", Role.COORDINATOR))
    response = client.post(task_url(escalation), {"action": "follow_up", "follow_up-note": "Phoned them"})
    assert response.status_code == 302
    escalation.refresh_from_db()
    assert escalation.status == STATUS.DONE and escalation.data["note"] == "Phoned them"
    referral.refresh_from_db()
    assert referral.status == HandoffStatus.PENDING


def test_follow_up_without_a_note_shows_the_error(client, network, escalation):
    as_user(client, network, ("m", Role.COORDINATOR))
    response = client.post(task_url(escalation), {"action": "follow_up", "follow_up-note": ""})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_queue_row_of_an_escalation_does_not_name_the_person(client, network, referral, escalation):
    as_user(client, network, ("m", Role.COORDINATOR))
    page = client.get(reverse("workflows:queue")).content.decode()
    assert referral.case.code in page and "Bianchi" not in page


# --- the steps of the case pathway ------------------------------------------------------------------------


def test_assessment_step_needs_an_assessment(client, network, pathway):
    as_user(client, network, CM_A)
    task = Task.objects.get(process=pathway, flow_task=CaseFlow.assess)
    response = client.post(task_url(task), {"action": "assess"})
    assert response.status_code == 200
    assert "Record the assessment of at least one domain first." in response.content.decode()
    task.refresh_from_db()
    assert task.status != STATUS.DONE


def test_assessment_step_done(client, network, pathway, consenting_case):
    user = as_user(client, network, CM_A)
    assessment_record(actor=user, case=consenting_case, domain=Domain.HOUSING, severity=2)
    task = Task.objects.get(process=pathway, flow_task=CaseFlow.assess)
    response = client.post(task_url(task), {"action": "assess"})
    assert response.status_code == 302
    assert response.url == reverse("cases:case_detail", args=[consenting_case.pk])
    task.refresh_from_db()
    assert task.status == STATUS.DONE
    assert Task.objects.filter(process=pathway, flow_task=CaseFlow.triage, status=STATUS.NEW).exists()


def test_triage_step_sets_the_case_manager(client, network, pathway, consenting_case):
    user = as_user(client, network, CM_A)
    assessment_record(actor=user, case=consenting_case, domain=Domain.HOUSING, severity=2)
    casepath.assessment_done(actor=user, task_id=Task.objects.get(process=pathway, flow_task=CaseFlow.assess).pk)
    other = make_member(network.org_a, Role.CASE_MANAGER, username="a_second_manager")
    task = Task.objects.get(process=pathway, flow_task=CaseFlow.triage)
    page = client.get(task_url(task)).content.decode()
    assert "a_second_manager" in page or other.get_full_name() in page
    response = client.post(task_url(task), {"action": "triage", "triage-case_manager": other.pk})
    assert response.status_code == 302
    consenting_case.refresh_from_db()
    assert consenting_case.case_manager == other


def _through_plan(network, case, process):
    manager = network.user(*CM_A)
    assessment_record(actor=manager, case=case, domain=Domain.HOUSING, severity=2)
    casepath.assessment_done(actor=manager, task_id=Task.objects.get(process=process, flow_task=CaseFlow.assess).pk)
    casepath.triage_done(
        actor=manager, task_id=Task.objects.get(process=process, flow_task=CaseFlow.triage).pk, case_manager=manager
    )


def test_plan_step_needs_a_goal(client, network, pathway, consenting_case):
    _through_plan(network, consenting_case, pathway)
    as_user(client, network, CM_A)
    task = Task.objects.get(process=pathway, flow_task=CaseFlow.plan)
    page = client.get(task_url(task)).content.decode()
    assert reverse("cases:case_detail", args=[consenting_case.pk]) + "#plan" in page
    response = client.post(task_url(task), {"action": "plan"})
    assert response.status_code == 200
    assert "Write the plan with at least one goal first." in response.content.decode()


@pytest.fixture
def review_task(network, pathway, consenting_case):
    manager = network.user(*CM_A)
    _through_plan(network, consenting_case, pathway)
    goal_add(actor=manager, case=consenting_case, domain=Domain.HOUSING, description="Trovare una casa")
    casepath.plan_done(actor=manager, task_id=Task.objects.get(process=pathway, flow_task=CaseFlow.plan).pk)
    timer = Task.objects.get(process=pathway, flow_task=CaseFlow.wait_review, status=STATUS.SCHEDULED)
    with time_machine.travel(timer.scheduled + datetime.timedelta(minutes=1), tick=False):
        assert fire_due_timers() == 1
    return Task.objects.get(process=pathway, flow_task=CaseFlow.review)


def test_review_step_goes_on_to_closure(client, network, pathway, review_task):
    as_user(client, network, CM_A)
    response = client.post(
        task_url(review_task), {"action": "review", "review-keep_open": "no", "review-note": "Goals reached"}
    )
    assert response.status_code == 302
    review_task.refresh_from_db()
    assert review_task.status == STATUS.DONE and review_task.data["continue"] is False
    assert Task.objects.filter(process=pathway, flow_task=CaseFlow.close, status=STATUS.ASSIGNED).exists()


def test_review_step_without_a_decision_shows_the_error(client, network, review_task):
    as_user(client, network, CM_A)
    response = client.post(task_url(review_task), {"action": "review"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_closure_step_closes_the_case(client, network, pathway, review_task, consenting_case):
    manager = as_user(client, network, CM_A)
    casepath.review_done(actor=manager, task_id=review_task.pk, keep_open=False)
    task = Task.objects.get(process=pathway, flow_task=CaseFlow.close)
    response = client.post(
        task_url(task), {"action": "closure", "closure-outcome": "goals_reached", "closure-note": "Ha una casa"}
    )
    assert response.status_code == 302
    consenting_case.refresh_from_db()
    assert consenting_case.status == CaseStatus.CLOSED and consenting_case.closure_outcome == "goals_reached"


def test_case_step_page_is_not_found_for_another_organisation(client, network, pathway):
    as_user(client, network, ("b", Role.CASE_MANAGER))
    assert client.get(task_url(Task.objects.get(process=pathway, flow_task=CaseFlow.assess))).status_code == 404


# --- sending --------------------------------------------------------------------------------------------


def send_url(case) -> str:
    return reverse("workflows:handoff_send", args=[case.pk])


@pytest.mark.parametrize(
    ("member", "status"),
    [
        (CM_A, 200),
        (("a", Role.OPERATOR), 403),
        (("a", Role.VOLUNTEER), 403),
        (("b", Role.CASE_MANAGER), 404),
        (("m", Role.COORDINATOR), 404),
    ],
)
def test_send_form_by_role(client, network, consenting_case, service, member, status):
    as_user(client, network, member)
    assert client.get(send_url(consenting_case)).status_code == status


def test_send_a_referral(client, network, consenting_case, service):
    user = as_user(client, network, CM_A)
    response = client.post(
        send_url(consenting_case),
        {
            "kind": "referral",
            "receiver_organisation": network.org_b.pk,
            "service_type": service.pk,
            "reason": "Needs food",
            "sections": ["file", "notes"],
            "urgency": "urgent",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("cases:case_detail", args=[consenting_case.pk])
    handoff = Handoff.objects.get(case=consenting_case)
    assert handoff.sent_by == user and handoff.receiver_organisation == network.org_b
    assert handoff.sections == ["file", "notes"] and handoff.urgency == "urgent"
    assert Task.objects.filter(process_id=handoff.process_id, flow_task=HandoffFlow.decide).exists()


def test_send_without_consent_shows_the_consent_error(client, network, case_a, service):
    as_user(client, network, CM_A)
    response = client.post(
        send_url(case_a),
        {
            "kind": "referral",
            "receiver_organisation": network.org_b.pk,
            "service_type": service.pk,
            "reason": "Needs food",
            "urgency": "normal",
        },
    )
    assert response.status_code == 200
    assert "consent does not cover" in response.content.decode()
    assert not Handoff.objects.exists()


def test_send_form_warns_when_the_consent_does_not_cover_the_chosen_organisation(client, network, case_a, service):
    as_user(client, network, CM_A)
    response = client.get(send_url(case_a), {"receiver_organisation": network.org_b.pk}, HTTP_HX_REQUEST="true")
    assert "consent does not cover this organisation." in response.content.decode()


def test_send_to_ones_own_organisation_is_not_a_choice(client, network, consenting_case, service):
    as_user(client, network, CM_A)
    response = client.post(
        send_url(consenting_case),
        {
            "kind": "referral",
            "receiver_organisation": network.org_a.pk,
            "reason": "x",
            "urgency": "normal",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Handoff.objects.exists()


def test_send_without_a_reason_or_service_shows_the_errors(client, network, consenting_case, service):
    as_user(client, network, CM_A)
    response = client.post(
        send_url(consenting_case),
        {
            "kind": "referral",
            "receiver_organisation": network.org_b.pk,
            "reason": "",
            "urgency": "normal",
        },
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    response = client.post(
        send_url(consenting_case),
        {
            "kind": "referral",
            "receiver_organisation": network.org_b.pk,
            "reason": "Food",
            "urgency": "normal",
        },
    )
    assert response.status_code == 200
    assert "Choose the service you are asking for." in response.content.decode()
    assert not Handoff.objects.exists()


def test_send_form_offers_the_override_only_with_the_permission(client, network, case_a, service):
    user = as_user(client, network, CM_A)
    assert 'name="override_consent"' not in client.get(send_url(case_a)).content.decode()
    user.user_permissions.add(Permission.objects.get(codename="override_consent"))
    user = type(user).objects.get(pk=user.pk)
    client.force_login(user)
    assert 'name="override_consent"' in client.get(send_url(case_a)).content.decode()


def test_send_with_an_override_and_its_reason(client, network, case_a, service):
    user = network.user(*CM_A)
    user.user_permissions.add(Permission.objects.get(codename="override_consent"))
    client.force_login(user)
    response = client.post(
        send_url(case_a),
        {
            "kind": "referral",
            "receiver_organisation": network.org_b.pk,
            "service_type": service.pk,
            "reason": "Eviction tomorrow",
            "urgency": "urgent",
            "override_consent": "on",
            "override_reason": "Danger to the person",
        },
    )
    assert response.status_code == 302
    handoff = Handoff.objects.get(case=case_a)
    assert handoff.consent_override and handoff.override_reason == "Danger to the person"
    assert AuditEntry.objects.filter(action=AuditAction.CONSENT_OVERRIDE, case_id=case_a.pk).exists()


def test_send_for_a_closed_case_goes_back_to_the_case(client, network, consenting_case, service):
    user = as_user(client, network, CM_A)
    lifecycle.case_close(actor=user, case=consenting_case, outcome="goals_reached")
    response = client.get(send_url(consenting_case), follow=True)
    assert "The case is closed" in response.content.decode()


@pytest.mark.parametrize("field", ["receiver_organisation", "service_type"])
def test_send_with_absurd_ids_is_a_form_error(client, network, consenting_case, service, field):
    as_user(client, network, CM_A)
    data = {
        "kind": "referral",
        "receiver_organisation": network.org_b.pk,
        "service_type": service.pk,
        "reason": "Food",
        "urgency": "normal",
        field: "99999999999999999999999",
    }
    response = client.post(send_url(consenting_case), data)
    assert response.status_code == 200
    assert not Handoff.objects.exists()
    assert client.get(send_url(consenting_case), {field: "99999999999999999999999"}).status_code == 200


def test_case_page_offers_sending_to_the_case_manager_only(client, network, consenting_case):
    url = reverse("cases:case_detail", args=[consenting_case.pk])
    as_user(client, network, CM_A)
    assert send_url(consenting_case) in client.get(url).content.decode()
    as_user(client, network, ("a", Role.OPERATOR))
    assert send_url(consenting_case) not in client.get(url).content.decode()


# --- handoff lists and detail -----------------------------------------------------------------------------


def test_sent_list_shows_the_referral_to_the_sender(client, network, referral):
    as_user(client, network, CM_A)
    page = client.get(reverse("workflows:handoffs_sent")).content.decode()
    assert referral.case.code in page and "Cooperativa Test" in page and "Waiting for an answer" in page


def test_received_list_filters_by_status(client, network, referral):
    as_user(client, network, OP_B)
    assert referral.case.code in client.get(reverse("workflows:handoffs_received")).content.decode()
    page = client.get(reverse("workflows:handoffs_received"), {"status": "accepted"}).content.decode()
    assert referral.case.code not in page


def test_received_list_of_the_sender_is_empty(client, network, referral):
    as_user(client, network, CM_A)
    assert referral.case.code not in client.get(reverse("workflows:handoffs_received")).content.decode()


@pytest.mark.parametrize(
    ("member", "status", "shows_person"),
    [
        (CM_A, 200, True),
        (OP_B, 200, True),
        (("m", Role.COORDINATOR), 200, False),
        (("m", Role.CASE_MANAGER), 404, False),
    ],
)
def test_handoff_detail_by_role(client, network, referral, member, status, shows_person):
    as_user(client, network, member)
    response = client.get(reverse("workflows:handoff_detail", args=[referral.pk]))
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert ("Giulia Bianchi" in page) is shows_person
        assert ("Needs food parcels" in page) is shows_person
        assert "Handoff sent" in page  # the history


def test_handoff_detail_of_another_organisation_is_not_found(client, network, referral):
    other = make_organisation("Altra Org")
    client.force_login(make_member(other, Role.CASE_MANAGER))
    assert client.get(reverse("workflows:handoff_detail", args=[referral.pk])).status_code == 404


def test_handoff_detail_audits_the_read_of_the_person(client, network, referral):
    user = as_user(client, network, CM_A)
    client.get(reverse("workflows:handoff_detail", args=[referral.pk]))
    assert AuditEntry.objects.filter(
        user=user, action=AuditAction.READ, case_id=referral.case_id, object_type="workflows.handoff"
    ).exists()


def test_revoke_by_the_sender(client, network, referral):
    as_user(client, network, CM_A)
    response = client.post(reverse("workflows:handoff_revoke", args=[referral.pk]), {"reason": "Solved already"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == HandoffStatus.REVOKED and referral.revoke_reason == "Solved already"
    assert not Task.objects.filter(process_id=referral.process_id, status=STATUS.NEW).exists()


def test_revoke_without_a_reason_shows_the_error(client, network, referral):
    as_user(client, network, CM_A)
    response = client.post(reverse("workflows:handoff_revoke", args=[referral.pk]), {"reason": ""})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == HandoffStatus.PENDING


def test_revoke_by_the_receiver_is_refused(client, network, referral):
    as_user(client, network, OP_B)
    response = client.post(reverse("workflows:handoff_revoke", args=[referral.pk]), {"reason": "No"})
    assert response.status_code == 403
    referral.refresh_from_db()
    assert referral.status == HandoffStatus.PENDING


def test_revoke_after_acceptance_shows_the_message(client, network, referral):
    handoffs.handoff_accept(actor=network.user(*OP_B), handoff_id=referral.pk)
    as_user(client, network, CM_A)
    response = client.post(reverse("workflows:handoff_revoke", args=[referral.pk]), {"reason": "Too late"})
    assert response.status_code == 200
    assert "no longer waiting" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == HandoffStatus.ACCEPTED


# --- the case panel ---------------------------------------------------------------------------------------


def panel_url(case) -> str:
    return reverse("workflows:case_panel", args=[case.pk])


def test_panel_fragment_shows_the_current_step_open_tasks_and_handoffs(client, network, pathway, referral):
    as_user(client, network, CM_A)
    response = client.get(panel_url(referral.case), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page
    assert 'data-step="assess"' in page and "tv-step-assigned" in page
    assert "Accept or decline" in page  # B's open answer, seen by the lead
    assert "Caritas Test → Cooperativa Test" in page


def test_panel_is_a_full_page_without_htmx(client, network, pathway, consenting_case):
    as_user(client, network, CM_A)
    page = client.get(panel_url(consenting_case)).content.decode()
    assert "<html" in page and "tv-pathway" in page


def test_panel_pathway_graph_speaks_the_readers_language(client, network, pathway, consenting_case):
    as_user(client, network, CM_A)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    page = client.get(panel_url(consenting_case), HTTP_HX_REQUEST="true").content.decode()
    edge_labels = re.findall(r'class="tv-edge-label"[^>]*>([^<]*)<', page)
    assert edge_labels and set(edge_labels) <= {"sì", "no"} and "sì" in edge_labels
    assert "Accoglienza" in page and ">Intake<" not in page


def test_panel_is_not_found_for_an_organisation_without_access(client, network, consenting_case):
    as_user(client, network, OP_B)
    assert client.get(panel_url(consenting_case)).status_code == 404


def test_panel_shows_the_acceptance_to_the_sender(client, network, referral):
    handoffs.handoff_accept(actor=network.user(*OP_B), handoff_id=referral.pk)
    as_user(client, network, CM_A)
    page = client.get(panel_url(referral.case), HTTP_HX_REQUEST="true").content.decode()
    assert "Accepted" in page


def test_start_the_pathway_from_the_panel(client, network, consenting_case):
    as_user(client, network, CM_A)
    page = client.get(panel_url(consenting_case), HTTP_HX_REQUEST="true").content.decode()
    assert reverse("workflows:pathway_start", args=[consenting_case.pk]) in page
    response = client.post(reverse("workflows:pathway_start", args=[consenting_case.pk]))
    assert response.status_code == 302
    process = casepath.case_process(consenting_case)
    assert process is not None and process.finished is None
    assert WorkflowEvent.objects.filter(case=consenting_case, kind=HistoryKind.PROCESS_STARTED).exists()


def test_start_is_not_offered_while_the_pathway_runs(client, network, pathway, consenting_case):
    as_user(client, network, CM_A)
    page = client.get(panel_url(consenting_case), HTTP_HX_REQUEST="true").content.decode()
    assert reverse("workflows:pathway_start", args=[consenting_case.pk]) not in page
    response = client.post(reverse("workflows:pathway_start", args=[consenting_case.pk]), follow=True)
    assert "already running" in response.content.decode()


def test_start_is_refused_to_an_operator(client, network, consenting_case):
    as_user(client, network, ("a", Role.OPERATOR))
    assert client.post(reverse("workflows:pathway_start", args=[consenting_case.pk])).status_code == 403
    assert casepath.case_process(consenting_case) is None


def test_case_page_loads_the_panel(client, network, consenting_case):
    as_user(client, network, CM_A)
    page = client.get(reverse("cases:case_detail", args=[consenting_case.pk])).content.decode()
    assert f'hx-get="{panel_url(consenting_case)}"' in page


# --- navigation and query counts --------------------------------------------------------------------------


def test_navigation_shows_the_counts(client, network, referral):
    as_user(client, network, OP_B)
    page = client.get(reverse("workflows:handoffs_received")).content.decode()
    assert reverse("workflows:queue") in page
    assert 'tv-nav-count">1<' in page


def test_navigation_counts_cost_at_most_two_queries(client, network, referral):
    from workflows.context_processors import work_counts

    user = network.user(*OP_B)
    request = type("Request", (), {"user": user})()
    with CaptureQueriesContext(connection) as ctx:
        counts = work_counts(request)["work_counts"]
        assert (counts["inbox"], counts["queue"]) == (0, 1)
    assert len(ctx.captured_queries) <= 3  # the memberships (once per request), then the two counts


def test_navigation_has_no_work_links_for_a_volunteer(client, network):
    as_user(client, network, ("a", Role.VOLUNTEER))
    page = client.get(reverse("cases:case_list")).content.decode()
    assert reverse("workflows:queue") not in page


def _bulk_referrals(network, service, n: int) -> None:
    manager = network.user(*CM_A)
    for i in range(n):
        person = register_person(
            manager,
            network.org_a,
            first_name="Persona",
            last_name=f"Numero{i}",
            birth_date=datetime.date(1980, 1, 1 + i % 28),
        )
        for purpose in (ConsentPurpose.PROCESSING, ConsentPurpose.SHARE_NETWORK):
            consent_record(
                actor=manager,
                person=person,
                purpose=purpose,
                given_on=timezone.localdate() - datetime.timedelta(days=1),
            )
        case = open_case(manager, network.org_a, person)
        send_referral(network, case, service)


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("member", "url_name"),
    [
        (OP_B, "workflows:queue"),
        (OP_B, "workflows:handoffs_received"),
        (CM_A, "workflows:handoffs_sent"),
        (("b", Role.ORG_ADMIN), "workflows:supervision"),
    ],
)
def test_list_query_count_does_not_grow_from_3_to_30_rows(client, network, service, member, url_name):
    as_user(client, network, member)
    _bulk_referrals(network, service, 3)
    at_3 = _count(client, reverse(url_name))
    _bulk_referrals(network, service, 27)
    at_30 = _count(client, reverse(url_name))
    assert at_3 == at_30


def test_inbox_query_count_does_not_grow_from_3_to_30_rows(client, network, service):
    user = as_user(client, network, OP_B)
    _bulk_referrals(network, service, 3)
    for task in Task.objects.filter(flow_task=HandoffFlow.decide, owner__isnull=True):
        tasks.task_claim(actor=user, task_id=task.pk)
    at_3 = _count(client, reverse("workflows:inbox"))
    _bulk_referrals(network, service, 27)
    for task in Task.objects.filter(flow_task=HandoffFlow.decide, owner__isnull=True):
        tasks.task_claim(actor=user, task_id=task.pk)
    at_30 = _count(client, reverse("workflows:inbox"))
    assert at_3 == at_30
