"""The employment pathway's process graph (politiche attive del lavoro).

profiling → referral to an employment service (a referral handoff, with its SLA) → waits for the acceptance →
agreed path → training and/or internship → placement → follow-ups at 3 and 6 months → end (the outcome).

The lead organisation's case managers work the first two steps; the employment service that accepted the
referral works the others. Every change is made by `employment.services`.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from core import locks
from employment.models import EmploymentPathway
from employment.permissions import PROVIDE, WORK_PATHWAY
from partners.models import Organisation
from workflows import permissions as workflow_permissions
from workflows.models import CaseProcess
from workflows.nodes import OrgTask
from workflows.services import history

FOLLOW_UP_HOUR = datetime.time(8, 0)


def pathway_of(process) -> EmploymentPathway:
    return EmploymentPathway.objects.select_related("case").get(process_id=process.pk)


def lead_organisation(process) -> Organisation:
    return Organisation.objects.get(pk=pathway_of(process).lead_organisation_id)


def provider_organisation(process) -> Organisation | None:
    pathway = pathway_of(process)
    if pathway.provider_organisation_id is None:
        return None
    return Organisation.objects.filter(pk=pathway.provider_organisation_id).first()


def months_after(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (the last day of the month when it has fewer days)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=candidate)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - day 28 always exists


def follow_up_due(pathway: EmploymentPathway, months: int) -> datetime.datetime:
    placement = pathway.placements.order_by("-pk").first()
    start = placement.starts_on if placement else timezone.localdate()
    return timezone.make_aware(datetime.datetime.combine(months_after(start, months), FOLLOW_UP_HOUR))


class EmploymentFlow(flow.Flow):
    """The active-labour-policy pathway of one case."""

    process_class = CaseProcess
    lock_impl = locks.select_for_update_lock
    process_title = _("Employment pathway")
    process_description = _("Profiling, referral to an employment service, path, training, placement, follow-ups.")

    start = flow.StartHandle(this.start_process).Annotation(title=_("Started from the plan")).Next(this.profile)
    profile = (
        OrgTask()
        .Annotation(title=_("Employability profile"))
        .Permission(WORK_PATHWAY, obj=lead_organisation)
        .Assign(this.case_manager)
        .onCreate(this.task_created)
        .Next(this.refer)
    )
    refer = (
        OrgTask()
        .Annotation(title=_("Refer to an employment service"))
        .Permission(WORK_PATHWAY, obj=lead_organisation)
        .Assign(this.case_manager)
        .onCreate(this.task_created)
        .Next(this.wait_acceptance)
    )
    # Resumed by `employment.services.referrals.on_workflow_event` when the employment service accepts the referral.
    wait_acceptance = flow.Handle().Annotation(title=_("Waiting for the service to accept")).Next(this.agree)
    agree = (
        OrgTask()
        .Annotation(title=_("Agree the path"))
        .Permission(PROVIDE, obj=provider_organisation)
        .onCreate(this.task_created)
        .Next(this.training)
    )
    training = (
        OrgTask()
        .Annotation(title=_("Training and internship"))
        .Permission(PROVIDE, obj=provider_organisation)
        .onCreate(this.task_created)
        .Next(this.placement)
    )
    placement = (
        OrgTask()
        .Annotation(title=_("Placement"))
        .Permission(PROVIDE, obj=provider_organisation)
        .onCreate(this.task_created)
        .Next(this.is_placed)
    )
    is_placed = flow.If(this.was_placed).Annotation(title=_("Placed?")).Then(this.wait_3).Else(this.end)
    wait_3 = (
        flow.Timer(this.three_months).Annotation(title=_("Until 3 months after the placement")).Next(this.follow_up_3)
    )
    follow_up_3 = (
        OrgTask()
        .Annotation(title=_("Follow-up at 3 months"))
        .Permission(PROVIDE, obj=provider_organisation)
        .onCreate(this.task_created)
        .Next(this.employed_at_3)
    )
    employed_at_3 = flow.If(this.still_employed).Annotation(title=_("Still employed?")).Then(this.wait_6).Else(this.end)
    wait_6 = (
        flow.Timer(this.six_months).Annotation(title=_("Until 6 months after the placement")).Next(this.follow_up_6)
    )
    follow_up_6 = (
        OrgTask()
        .Annotation(title=_("Follow-up at 6 months"))
        .Permission(PROVIDE, obj=provider_organisation)
        .onCreate(this.task_created)
        .Next(this.end)
    )
    end = flow.End().Annotation(title=_("End"))

    def start_process(self, activation, pathway: EmploymentPathway, actor=None):
        activation.process.case_id = pathway.case_id
        activation.process.save()
        pathway.process = activation.process
        pathway.save(update_fields=["process"])
        if actor is not None:
            activation.task.owner = actor
        return activation.process

    def case_manager(self, activation):
        """The case manager's inbox while they still manage cases for the lead; the lead's queue otherwise."""
        case = pathway_of(activation.process).case
        still_there = workflow_permissions.is_case_manager_of(case.case_manager_id, case.lead_organisation_id)
        return case.case_manager if still_there else None

    def was_placed(self, activation) -> bool:
        return pathway_of(activation.process).placed_at is not None

    def still_employed(self, activation) -> bool:
        pathway = pathway_of(activation.process)
        return pathway.placements.filter(follow_ups__months=3, follow_ups__still_employed=True).exists()

    def three_months(self, activation) -> datetime.datetime:
        return follow_up_due(pathway_of(activation.process), 3)

    def six_months(self, activation) -> datetime.datetime:
        return follow_up_due(pathway_of(activation.process), 6)

    def task_created(self, activation):
        history.record_task_created(
            activation.task, flow_name="employment", case_id=pathway_of(activation.process).case_id
        )
