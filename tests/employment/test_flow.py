"""The employment pathway from the plan to its outcome, through the services and the flow's timers."""

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

from core.models import AuditEntry
from employment import services
from employment.flows import EmploymentFlow, months_after
from employment.models import EmploymentPathway, PathwayOutcome, Stage
from partners.roles import Role
from tests.helpers.employment import open_task, save_profile, to_follow_up, to_referral, to_training
from workflows import permissions as workflow_permissions
from workflows.models import HandoffStatus, WorkflowEvent
from workflows.services import handoffs

pytestmark = pytest.mark.django_db


def test_start_puts_the_profiling_step_in_the_case_managers_inbox(network, consenting_case):
    manager = network.user("a", Role.CASE_MANAGER)

    pathway = services.pathway_start(actor=manager, case=consenting_case)

    task = open_task(pathway, EmploymentFlow.profile)
    assert task.owner == manager
    assert task.owner_permission == "employment.work_pathway"
    assert task.owner_permission_obj_pk == str(network.org_a.pk)
    assert pathway.stage == Stage.PROFILING
    assert WorkflowEvent.objects.filter(flow="employment", step="profile", kind="task_created").exists()
    assert AuditEntry.objects.filter(object_type="employment.employmentpathway", action="create").exists()


def test_a_second_start_is_refused_while_the_pathway_runs(network, consenting_case):
    manager = network.user("a", Role.CASE_MANAGER)
    services.pathway_start(actor=manager, case=consenting_case)

    with pytest.raises(ValidationError, match="already running"):
        services.pathway_start(actor=manager, case=consenting_case)
    assert EmploymentPathway.objects.count() == 1


@pytest.mark.parametrize(("org", "role"), [("a", Role.OPERATOR), ("a", Role.ORG_ADMIN), ("b", Role.CASE_MANAGER)])
def test_only_case_managers_of_the_lead_start_it(network, consenting_case, org, role):
    with pytest.raises((PermissionDenied, ValidationError)):
        services.pathway_start(actor=network.user(org, role), case=consenting_case)
    assert not EmploymentPathway.objects.exists()


def test_profiling_is_done_only_with_a_profile(network, consenting_case):
    manager = network.user("a", Role.CASE_MANAGER)
    pathway = services.pathway_start(actor=manager, case=consenting_case)
    task = open_task(pathway, EmploymentFlow.profile)

    with pytest.raises(ValidationError, match="profile first"):
        services.pathway_profile_done(actor=manager, task_id=task.pk)
    save_profile(manager, consenting_case)
    services.pathway_profile_done(actor=manager, task_id=task.pk)

    pathway.refresh_from_db()
    assert pathway.stage == Stage.REFERRAL and pathway.profiled_at is not None
    assert open_task(pathway, EmploymentFlow.refer).owner == manager


def test_the_referral_is_a_handoff_and_the_flow_waits_for_its_acceptance(network, consenting_case, cpi, job_placement):
    pathway = to_referral(network, consenting_case, cpi, job_placement)

    handoff = pathway.referral
    assert handoff.receiver_organisation == cpi and handoff.status == HandoffStatus.PENDING
    assert handoff.service_type == job_placement and handoff.due_at > handoff.sent_at
    assert pathway.provider_organisation == cpi
    waiting = Task.objects.get(process_id=pathway.process_id, flow_task=EmploymentFlow.wait_acceptance)
    assert waiting.status == STATUS.NEW
    assert not Task.objects.filter(process_id=pathway.process_id, flow_task=EmploymentFlow.agree).exists()


def test_the_acceptance_gives_the_next_step_to_the_employment_service(network, consenting_case, cpi, job_placement):
    pathway = to_referral(network, consenting_case, cpi, job_placement)

    handoffs.handoff_accept(actor=network.user("cpi", Role.OPERATOR), handoff_id=pathway.referral_id)

    pathway.refresh_from_db()
    assert pathway.stage == Stage.AGREEMENT
    task = open_task(pathway, EmploymentFlow.agree)
    assert task.owner_permission == "employment.provide" and task.owner_permission_obj_pk == str(cpi.pk)
    assert workflow_permissions.can_claim(network.user("cpi", Role.OPERATOR), task)
    assert not workflow_permissions.can_claim(network.user("cpi", Role.VOLUNTEER), task)
    assert not workflow_permissions.can_claim(network.user("a", Role.CASE_MANAGER), task)


def test_a_declined_referral_keeps_the_pathway_waiting(network, consenting_case, cpi, job_placement):
    pathway = to_referral(network, consenting_case, cpi, job_placement)

    handoffs.handoff_decline(
        actor=network.user("cpi", Role.OPERATOR), handoff_id=pathway.referral_id, reason="capacity"
    )

    pathway.refresh_from_db()
    assert pathway.stage == Stage.REFERRAL
    assert not Task.objects.filter(process_id=pathway.process_id, flow_task=EmploymentFlow.agree).exists()


def test_the_referral_must_go_to_an_employment_service(network, consenting_case, cpi, job_placement):
    manager = network.user("a", Role.CASE_MANAGER)
    pathway = services.pathway_start(actor=manager, case=consenting_case)
    save_profile(manager, consenting_case)
    services.pathway_profile_done(actor=manager, task_id=open_task(pathway, EmploymentFlow.profile).pk)
    task = open_task(pathway, EmploymentFlow.refer)

    with pytest.raises(ValidationError) as error:
        services.pathway_refer(
            actor=manager,
            task_id=task.pk,
            receiver_organisation_id=network.org_b.pk,
            service_type_id=job_placement.pk,
            reason="x",
        )

    assert "receiver_organisation" in error.value.message_dict
    assert open_task(pathway, EmploymentFlow.refer).pk == task.pk
    assert not consenting_case.handoffs.exists()


def test_placement_then_follow_ups_at_3_and_6_months_end_employed(network, consenting_case, cpi, job_placement):
    operator = network.user("cpi", Role.OPERATOR)
    start = timezone.localdate()
    pathway = to_follow_up(network, consenting_case, cpi, job_placement, starts_on=start)
    assert pathway.stage == Stage.FOLLOW_UP and pathway.placed_at is not None
    timer = Task.objects.get(process_id=pathway.process_id, flow_task=EmploymentFlow.wait_3)
    assert timer.status == STATUS.SCHEDULED
    assert timezone.localtime(timer.scheduled).date() == months_after(start, 3)

    with time_machine.travel(timer.scheduled + datetime.timedelta(minutes=1), tick=False):
        assert fire_due_timers() == 1
        services.follow_up_record(
            actor=operator,
            task_id=open_task(pathway, EmploymentFlow.follow_up_3).pk,
            checked_on=timezone.localdate(),
            still_employed=True,
        )
    timer6 = Task.objects.get(process_id=pathway.process_id, flow_task=EmploymentFlow.wait_6)
    assert timezone.localtime(timer6.scheduled).date() == months_after(start, 6)
    with time_machine.travel(timer6.scheduled + datetime.timedelta(minutes=1), tick=False):
        assert fire_due_timers() == 1
        services.follow_up_record(
            actor=operator,
            task_id=open_task(pathway, EmploymentFlow.follow_up_6).pk,
            checked_on=timezone.localdate(),
            still_employed=True,
        )

    pathway.refresh_from_db()
    assert pathway.stage == Stage.ENDED and pathway.outcome == PathwayOutcome.EMPLOYED
    pathway.process.refresh_from_db()
    assert pathway.process.finished is not None
    assert WorkflowEvent.objects.filter(flow="employment", kind="process_finished").exists()
    assert list(pathway.placements.get().follow_ups.values_list("months", flat=True)) == [3, 6]


def test_not_employed_at_3_months_ends_the_pathway(network, consenting_case, cpi, job_placement):
    operator = network.user("cpi", Role.OPERATOR)
    pathway = to_follow_up(network, consenting_case, cpi, job_placement, starts_on=timezone.localdate())
    timer = Task.objects.get(process_id=pathway.process_id, flow_task=EmploymentFlow.wait_3)
    with time_machine.travel(timer.scheduled + datetime.timedelta(minutes=1), tick=False):
        fire_due_timers()
        services.follow_up_record(
            actor=operator,
            task_id=open_task(pathway, EmploymentFlow.follow_up_3).pk,
            checked_on=timezone.localdate(),
            still_employed=False,
            note="Contratto non rinnovato",
        )

    pathway.refresh_from_db()
    assert pathway.outcome == PathwayOutcome.JOB_LOST
    assert not Task.objects.filter(process_id=pathway.process_id, flow_task=EmploymentFlow.wait_6).exists()


def test_no_placement_ends_the_pathway_without_follow_ups(network, consenting_case, cpi, job_placement):
    operator = network.user("cpi", Role.OPERATOR)
    pathway = to_training(network, consenting_case, cpi, job_placement)
    services.pathway_training_done(actor=operator, task_id=open_task(pathway, EmploymentFlow.training).pk)

    services.pathway_not_placed(
        actor=operator,
        task_id=open_task(pathway, EmploymentFlow.placement).pk,
        note="Nessuna offerta compatibile entro i termini del percorso",
    )

    pathway.refresh_from_db()
    assert pathway.outcome == PathwayOutcome.NOT_PLACED and pathway.ended_at is not None
    assert not Task.objects.filter(process_id=pathway.process_id, flow_task=EmploymentFlow.wait_3).exists()


def test_a_drop_out_cancels_the_open_steps(network, consenting_case, cpi, job_placement):
    pathway = to_training(network, consenting_case, cpi, job_placement)

    services.pathway_drop_out(
        actor=network.user("cpi", Role.OPERATOR), pathway_id=pathway.pk, note="Trasferito in altra regione"
    )

    pathway.refresh_from_db()
    assert pathway.outcome == PathwayOutcome.DROPPED_OUT
    assert not Task.objects.filter(
        process_id=pathway.process_id, status__in=workflow_permissions.OPEN_TASK_STATUSES
    ).exists()
    # A new pathway may start afterwards.
    assert services.pathway_start(actor=network.user("a", Role.CASE_MANAGER), case=consenting_case).pk != pathway.pk


@pytest.mark.parametrize("how", ["revoked", "declined then closed"])
def test_a_referral_that_ends_unaccepted_ends_the_pathway(network, consenting_case, cpi, job_placement, how):
    pathway = to_referral(network, consenting_case, cpi, job_placement)
    manager = network.user("a", Role.CASE_MANAGER)
    if how == "revoked":
        handoffs.handoff_revoke(actor=manager, handoff_id=pathway.referral_id, reason="Ha trovato lavoro da sola")
    else:
        handoffs.handoff_decline(
            actor=network.user("cpi", Role.OPERATOR), handoff_id=pathway.referral_id, reason="capacity"
        )
        pathway.refresh_from_db()
        assert pathway.ended_at is None  # declined: the sender may still send it elsewhere
        handoffs.handoff_close(actor=manager, handoff_id=pathway.referral_id, note="Nessun altro servizio")

    pathway.refresh_from_db()
    assert pathway.stage == Stage.ENDED and pathway.ended_at is not None
    assert pathway.outcome == PathwayOutcome.NOT_PLACED and "accepted" in pathway.outcome_note
    assert not Task.objects.filter(
        process_id=pathway.process_id, status__in=workflow_permissions.OPEN_TASK_STATUSES
    ).exists()
    assert pathway.process.status == STATUS.CANCELED
    assert (
        WorkflowEvent.objects.filter(
            process_id=pathway.process_id, kind="process_finished", step="referral_ended"
        ).count()
        == 1
    )
    assert AuditEntry.objects.filter(
        object_type="employment.employmentpathway", action="update", detail__outcome=PathwayOutcome.NOT_PLACED
    ).exists()
    # The person can be referred again.
    assert services.pathway_start(actor=manager, case=consenting_case).pk != pathway.pk


def test_an_accepted_referral_closed_later_does_not_end_the_pathway(network, consenting_case, cpi, job_placement):
    pathway = to_training(network, consenting_case, cpi, job_placement)  # accepted, agreed: at the training step
    services.on_workflow_event(
        type(
            "Recorded",
            (),
            {
                "event": WorkflowEvent(
                    kind="handoff_closed", flow="handoff", handoff_id=pathway.referral_id, case=consenting_case
                )
            },
        )()
    )
    pathway.refresh_from_db()
    assert pathway.ended_at is None and pathway.stage == Stage.TRAINING


def test_the_provider_steps_are_refused_to_others(network, consenting_case, cpi, job_placement):
    pathway = to_training(network, consenting_case, cpi, job_placement)
    task = open_task(pathway, EmploymentFlow.training)

    # The lead's case manager does not even see the service's task; the service's volunteer may not work it.
    with pytest.raises(Http404):
        services.pathway_training_done(actor=network.user("a", Role.CASE_MANAGER), task_id=task.pk)
    with pytest.raises((PermissionDenied, Http404)):
        services.pathway_training_done(actor=network.user("cpi", Role.VOLUNTEER), task_id=task.pk)
    assert open_task(pathway, EmploymentFlow.training).pk == task.pk
