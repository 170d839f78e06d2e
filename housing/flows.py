"""The housing pathway: assessment → emergency placement if needed → temporary placement with an accompaniment
plan → public housing application → allocation → move-in → follow-ups at 3 and 6 months → autonomy or return.

Only the graph and the small callables it asks (who owns a step, when a timer is due, which branch to take) live
here; every change is made by `housing.services.pathway`.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from core import locks
from housing import permissions
from housing.models import HousingPathway
from partners.models import Organisation
from workflows.models import CaseProcess
from workflows.nodes import OrgTask
from workflows.services import history

FOLLOW_UP_MONTHS = (3, 6)


def _pathway(process) -> HousingPathway:
    return HousingPathway.objects.select_related("case").get(process_id=process.pk)


# The organisation whose queue gets a step: viewflow calls these with the base `Process`.
def lead_organisation(process) -> Organisation:
    return _pathway(process).case.lead_organisation


def emergency_provider(process) -> Organisation | None:
    return _pathway(process).emergency_provider


def temporary_provider(process) -> Organisation | None:
    return _pathway(process).temporary_provider


def public_provider(process) -> Organisation | None:
    return _pathway(process).public_provider


def add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    return day  # unreachable: some day of 28..31 exists in every month


def _at_nine(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))


class HousingFlow(flow.Flow):
    process_class = CaseProcess
    lock_impl = locks.select_for_update_lock
    process_title = _("Housing pathway")
    process_description = _("From the housing assessment to a stable home, with accompaniment at each step.")

    start = flow.StartHandle(this.start_process).Annotation(title=_("Started from the plan")).Next(this.assess)
    assess = (
        OrgTask()
        .Annotation(title=_("Housing assessment"))
        .Permission(permissions.WORK_HOUSING_CASE, obj=lead_organisation)
        .onCreate(this.task_created)
        .Next(this.needs_emergency)
    )
    needs_emergency = (
        flow.If(this.emergency_needed)
        .Annotation(title=_("Emergency placement needed?"))
        .Then(this.emergency_placement)
        .Else(this.temporary_placement)
    )
    emergency_placement = (
        OrgTask()
        .Annotation(title=_("Emergency placement"))
        .Permission(permissions.WORK_PLACEMENT, obj=emergency_provider)
        .onCreate(this.task_created)
        .Next(this.temporary_placement)
    )
    temporary_placement = (
        OrgTask()
        .Annotation(title=_("Temporary placement and accompaniment plan"))
        .Permission(permissions.WORK_PLACEMENT, obj=temporary_provider)
        .onCreate(this.task_created)
        .Next(this.public_application)
    )
    public_application = (
        OrgTask()
        .Annotation(title=_("Public housing application"))
        .Permission(permissions.WORK_HOUSING_CASE, obj=lead_organisation)
        .onCreate(this.task_created)
        .Next(this.allocation)
    )
    allocation = (
        OrgTask()
        .Annotation(title=_("Allocation of a home"))
        .Permission(permissions.WORK_PLACEMENT, obj=public_provider)
        .onCreate(this.task_created)
        .Next(this.move_in)
    )
    move_in = (
        OrgTask()
        .Annotation(title=_("Move-in"))
        .Permission(permissions.WORK_PLACEMENT, obj=public_provider)
        .onCreate(this.task_created)
        .Next(this.wait_first_follow_up)
    )
    wait_first_follow_up = (
        flow.Timer(this.first_follow_up_due)
        .Annotation(title=_("Three months after the move-in"))
        .Next(this.follow_up_3)
    )
    follow_up_3 = (
        OrgTask()
        .Annotation(title=_("Follow-up at 3 months"))
        .Permission(permissions.WORK_HOUSING_CASE, obj=lead_organisation)
        .onCreate(this.task_created)
        .Next(this.wait_second_follow_up)
    )
    wait_second_follow_up = (
        flow.Timer(this.second_follow_up_due).Annotation(title=_("Six months after the move-in")).Next(this.follow_up_6)
    )
    follow_up_6 = (
        OrgTask()
        .Annotation(title=_("Follow-up at 6 months"))
        .Permission(permissions.WORK_HOUSING_CASE, obj=lead_organisation)
        .onCreate(this.task_created)
        .Next(this.autonomy_or_return)
    )
    autonomy_or_return = (
        flow.If(this.is_autonomous).Annotation(title=_("Autonomy or return?")).Then(this.end).Else(this.assess)
    )
    end = flow.End().Annotation(title=_("End"))

    def start_process(self, activation, case, actor=None):
        activation.process.case = case
        activation.process.save()
        HousingPathway.objects.create(process=activation.process, case=case)
        if actor is not None:
            activation.task.owner = actor
        return activation.process

    def emergency_needed(self, activation) -> bool:
        return _pathway(activation.process).emergency_needed

    def first_follow_up_due(self, activation) -> datetime.datetime:
        moved_in = _pathway(activation.process).moved_in_on or timezone.localdate()
        return _at_nine(add_months(moved_in, FOLLOW_UP_MONTHS[0]))

    def second_follow_up_due(self, activation) -> datetime.datetime:
        moved_in = _pathway(activation.process).moved_in_on or timezone.localdate()
        return _at_nine(add_months(moved_in, FOLLOW_UP_MONTHS[1]))

    def is_autonomous(self, activation) -> bool:
        return _pathway(activation.process).outcome != "return"

    def task_created(self, activation):
        history.record_task_created(activation.task, flow_name="housing", case_id=_pathway(activation.process).case_id)
