"""The employment pathway in tests: a profile with skills, and a case driven through the flow to a chosen step."""

from __future__ import annotations

import datetime

from viewflow.workflow.models import Task

from employment import services
from employment.flows import EmploymentFlow
from employment.models import Skill
from partners.roles import Role
from workflows import permissions as workflow_permissions
from workflows.services import handoffs


def skill(code: str) -> Skill:
    return Skill.objects.get(code=code)


def skills(*codes: str) -> list[int]:
    return list(Skill.objects.filter(code__in=codes).values_list("pk", flat=True))


def skill_list(*codes: str) -> list[Skill]:
    return list(Skill.objects.filter(code__in=codes))


PROFILE = {
    "education_level": "lower_secondary",
    "max_weekly_hours": 40,
    "available_days": 31,
    "mobility": 2,
    "did_status": "active",
    "did_date": datetime.date(2026, 1, 10),
    "work_history": "Magazziniere 2019-2023",
}


def save_profile(
    actor, case, *, data=None, skill_codes=("licence-forklift", "skill-warehouse"), languages=(("it", 3),)
):
    return services.profile_save(
        actor=actor,
        case=case,
        **{**PROFILE, **(data or {})},
        skills=skill_list(*skill_codes),
        languages=dict(languages),
    )


def open_task(pathway, step):
    return Task.objects.filter(
        process_id=pathway.process_id, flow_task=step, status__in=workflow_permissions.OPEN_TASK_STATUSES
    ).get()


def to_referral(network, case, cpi, job_placement):
    """Start, profile and refer case A to the CPI; returns the pathway (waiting for the CPI's answer)."""
    manager = network.user("a", Role.CASE_MANAGER)
    pathway = services.pathway_start(actor=manager, case=case)
    save_profile(manager, case)
    services.pathway_profile_done(actor=manager, task_id=open_task(pathway, EmploymentFlow.profile).pk)
    services.pathway_refer(
        actor=manager,
        task_id=open_task(pathway, EmploymentFlow.refer).pk,
        receiver_organisation_id=cpi.pk,
        service_type_id=job_placement.pk,
        reason="Ricerca attiva di lavoro nel magazzinaggio",
    )
    pathway.refresh_from_db()
    return pathway


def to_training(network, case, cpi, job_placement):
    pathway = to_referral(network, case, cpi, job_placement)
    operator = network.user("cpi", Role.OPERATOR)
    handoffs.handoff_accept(actor=operator, handoff_id=pathway.referral_id)
    services.pathway_agree(
        actor=operator, task_id=open_task(pathway, EmploymentFlow.agree).pk, path_type="reinserimento"
    )
    pathway.refresh_from_db()
    return pathway


def to_follow_up(network, case, cpi, job_placement, *, starts_on: datetime.date):
    pathway = to_training(network, case, cpi, job_placement)
    operator = network.user("cpi", Role.OPERATOR)
    services.pathway_training_done(actor=operator, task_id=open_task(pathway, EmploymentFlow.training).pk)
    services.placement_record(
        actor=operator,
        task_id=open_task(pathway, EmploymentFlow.placement).pk,
        employer="Logistica Nord Srl",
        contract_type="fixed_term",
        starts_on=starts_on,
    )
    pathway.refresh_from_db()
    return pathway
