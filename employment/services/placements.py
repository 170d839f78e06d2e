"""The job found (a placement) and its 3- and 6-month follow-ups: steps of the pathway's flow, each written on
the case timeline (`common.step_record`) and published (`PlacementRecorded`, `FollowUpRecorded`)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from cases.models import TimelineKind
from core import l10n
from core.bus import publish
from employment.events import FollowUpRecorded, PlacementRecorded
from employment.flows import EmploymentFlow
from employment.models import ContractType, FollowUp, Opportunity, PathwayOutcome, Placement, Stage
from employment.services.common import end, run_step, set_stage, step_record


def placement_record(
    *,
    actor,
    task_id: int,
    employer: str,
    contract_type: ContractType | str,
    starts_on: datetime.date,
    opportunity: Opportunity | None = None,
) -> Placement:
    """The person got a job: employer, contract type and start date (at most a year ahead). The follow-ups are
    scheduled at 3 and 6 months from the start date. Raises Http404, PermissionDenied, ValidationError."""
    employer = (employer or "").strip()
    if not employer:
        raise ValidationError({"employer": _("A placement needs its employer.")})
    if starts_on > timezone.localdate() + datetime.timedelta(days=366):
        raise ValidationError({"starts_on": _("The start date is more than a year ahead.")})
    created: list[Placement] = []

    def place(pathway, membership):
        placement = Placement.objects.create(
            pathway=pathway,
            case=pathway.case,
            recorded_by=actor,
            organisation_id=membership.organisation_id,
            employer=employer,
            contract_type=contract_type,
            starts_on=starts_on,
            opportunity=opportunity,
        )
        set_stage(pathway, Stage.FOLLOW_UP, placed_at=timezone.now())
        step_record(
            kind=TimelineKind.JOB_PLACEMENT_RECORDED,
            case=pathway.case,
            actor=actor,
            organisation_id=membership.organisation_id,
            obj=placement,
            provider_id=pathway.provider_organisation_id,
            date=placement.starts_on,
            contract_type=str(placement.contract_type),
        )
        publish(PlacementRecorded(placement=placement, actor_id=actor.pk))
        created.append(placement)
        return {"placement": placement.pk}

    run_step(actor=actor, task_id=task_id, steps=(EmploymentFlow.placement,), action=place)
    return created[0]


def follow_up_record(
    *, actor, task_id: int, checked_on: datetime.date, still_employed: bool, note: str = ""
) -> FollowUp:
    """The 3- or 6-month check (which one: the task's step). Refused before the placement started or in the
    future. Not employed at 3 months, or the 6-month check: the pathway ends with its outcome."""
    if checked_on > timezone.localdate():
        raise ValidationError({"checked_on": _("The follow-up date cannot be in the future.")})
    note = note.strip()
    task = Task.objects.filter(pk=task_id).first()
    if task is None or task.flow_task not in (EmploymentFlow.follow_up_3, EmploymentFlow.follow_up_6):
        raise Http404
    months = 3 if task.flow_task == EmploymentFlow.follow_up_3 else 6
    created: list[FollowUp] = []

    def record(pathway, membership):
        placement = pathway.placements.order_by("-pk").first()
        if placement is None:
            raise ValidationError(_("There is no placement to follow up."))
        if checked_on < placement.starts_on:
            raise ValidationError(
                {
                    "checked_on": _("A follow-up cannot come before the placement (it started on %(date)s).")
                    % {"date": l10n.short_date(placement.starts_on)}
                }
            )
        follow_up = FollowUp.objects.create(
            placement=placement,
            months=months,
            checked_on=checked_on,
            still_employed=still_employed,
            note=note,
            recorded_by=actor,
            organisation_id=membership.organisation_id,
        )
        if not still_employed:
            end(pathway, outcome=PathwayOutcome.JOB_LOST, note=note)
        elif months == 6:
            end(pathway, outcome=PathwayOutcome.EMPLOYED, note=note)
        step_record(
            kind=TimelineKind.JOB_FOLLOW_UP_RECORDED,
            case=pathway.case,
            actor=actor,
            organisation_id=membership.organisation_id,
            obj=follow_up,
            provider_id=pathway.provider_organisation_id,
            date=checked_on,
            months=months,
            still_employed=still_employed,
        )
        publish(FollowUpRecorded(follow_up=follow_up, actor_id=actor.pk))
        created.append(follow_up)
        return {"still_employed": still_employed}

    run_step(actor=actor, task_id=task_id, steps=(task.flow_task,), action=record)
    return created[0]
