"""Driving the employment flow in tests."""

from __future__ import annotations

import datetime

from viewflow.workflow.models import Task

from employment import services
from employment.flows import EmploymentFlow
from partners.roles import Role
from tests.employment.conftest import save_profile
from workflows import permissions as workflow_permissions
from workflows.services import handoffs


def open_task(pathway, step):
    return Task.objects.filter(process_id=pathway.process_id, flow_task=step,
                               status__in=workflow_permissions.OPEN_TASK_STATUSES).get()


def to_referral(network, case, cpi, job_placement):
    """Start, profile and refer case A to the CPI; returns the pathway (waiting for the CPI's answer)."""
    manager = network.user("a", Role.CASE_MANAGER)
    pathway = services.pathway_start(actor=manager, case=case)
    save_profile(manager, case)
    services.pathway_profile_done(actor=manager, task_id=open_task(pathway, EmploymentFlow.profile).pk)
    services.pathway_refer(actor=manager, task_id=open_task(pathway, EmploymentFlow.refer).pk,
                           receiver_organisation_id=cpi.pk, service_type_id=job_placement.pk,
                           reason="Ricerca attiva di lavoro nel magazzinaggio")
    pathway.refresh_from_db()
    return pathway


def to_training(network, case, cpi, job_placement):
    pathway = to_referral(network, case, cpi, job_placement)
    operator = network.user("cpi", Role.OPERATOR)
    handoffs.handoff_accept(actor=operator, handoff_id=pathway.referral_id)
    services.pathway_agree(actor=operator, task_id=open_task(pathway, EmploymentFlow.agree).pk,
                           path_type="reinserimento")
    pathway.refresh_from_db()
    return pathway


def to_follow_up(network, case, cpi, job_placement, *, starts_on: datetime.date):
    pathway = to_training(network, case, cpi, job_placement)
    operator = network.user("cpi", Role.OPERATOR)
    services.pathway_training_done(actor=operator, task_id=open_task(pathway, EmploymentFlow.training).pk)
    services.placement_record(actor=operator, task_id=open_task(pathway, EmploymentFlow.placement).pk,
                              employer="Logistica Nord Srl", contract_type="fixed_term", starts_on=starts_on)
    pathway.refresh_from_db()
    return pathway
