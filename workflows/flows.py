"""The process graphs: a case's pathway, and a handoff between two organisations.

Only the graph and the small callables it asks (who owns a step, when a timer is due, which branch to
take) live here; every change is made by `workflows.services`.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from cases.models import CaseStatus
from core import locks
from partners.models import NetworkRole, Organisation
from workflows import permissions
from workflows.models import CaseProcess, Handoff, HandoffKind, HandoffStatus
from workflows.nodes import OrgTask
from workflows.services import history


def _case_process(process) -> CaseProcess:
    return (
        process if isinstance(process, CaseProcess) else CaseProcess.objects.select_related("case").get(pk=process.pk)
    )


def _handoff(process) -> Handoff:
    return Handoff.objects.get(process_id=process.pk)


# The organisation whose queue gets a step. viewflow calls these with the base `Process` (not resolved through
# `this`), so they are plain functions of the process.
def lead_organisation(process) -> Organisation:
    return _case_process(process).case.lead_organisation


def receiver(process) -> Organisation:
    return _handoff(process).receiver_organisation


def sender(process) -> Organisation:
    return _handoff(process).sender_organisation


def coordinating_organisation(process) -> Organisation | None:
    return Organisation.objects.filter(network_role=NetworkRole.COORDINATOR, is_active=True).order_by("pk").first()


class CaseFlow(flow.Flow):
    """Intake → assessment → triage → plan → periodic review (every `TAVOLO_REVIEW_DAYS`) → closure."""

    process_class = CaseProcess
    lock_impl = locks.select_for_update_lock
    process_title = _("Case pathway")
    process_description = _("From intake to closure, with a review at a fixed interval.")

    start = flow.StartHandle(this.start_process).Annotation(title=_("Intake")).Next(this.assess)
    assess = (
        OrgTask()
        .Annotation(title=_("Assessment"))
        .Permission(permissions.WORK_CASE, obj=lead_organisation)
        .Assign(this.case_manager)
        .onCreate(this.task_created)
        .Next(this.triage)
    )
    triage = (
        OrgTask()
        .Annotation(title=_("Triage"))
        .Permission(permissions.WORK_CASE, obj=lead_organisation)
        .onCreate(this.task_created)
        .Next(this.plan)
    )
    plan = (
        OrgTask()
        .Annotation(title=_("Plan"))
        .Permission(permissions.WORK_CASE, obj=lead_organisation)
        .Assign(this.case_manager)
        .onCreate(this.task_created)
        .Next(this.wait_review)
    )
    wait_review = flow.Timer(this.review_due).Annotation(title=_("Until the next review")).Next(this.review)
    review = (
        OrgTask()
        .Annotation(title=_("Review"))
        .Permission(permissions.WORK_CASE, obj=lead_organisation)
        .Assign(this.case_manager)
        .onCreate(this.task_created)
        .Next(this.keep_open)
    )
    keep_open = flow.If(this.case_continues).Annotation(title=_("Continue?")).Then(this.wait_review).Else(this.close)
    close = (
        OrgTask()
        .Annotation(title=_("Closure"))
        .Permission(permissions.WORK_CASE, obj=lead_organisation)
        .Assign(this.case_manager)
        .onCreate(this.task_created)
        .Next(this.end)
    )
    end = flow.End().Annotation(title=_("End"))

    def start_process(self, activation, case, actor=None):
        activation.process.case = case
        # The start task is the opener's step: recording them tells who caused the first task.
        if actor is not None:
            activation.task.owner = actor
        return activation.process

    def case_manager(self, activation):
        """The case manager's inbox when they still manage cases for the lead; the lead's queue otherwise."""
        case = _case_process(activation.process).case
        still_there = permissions.is_case_manager_of(case.case_manager_id, case.lead_organisation_id)
        return case.case_manager if still_there else None

    def review_due(self, activation) -> datetime.datetime:
        case = _case_process(activation.process).case
        plan_review = getattr(getattr(case, "plan", None), "next_review_on", None)
        if plan_review and plan_review > timezone.localdate():
            return timezone.make_aware(datetime.datetime.combine(plan_review, datetime.time(8, 0)))
        return timezone.now() + datetime.timedelta(days=settings.TAVOLO_REVIEW_DAYS)

    def case_continues(self, activation) -> bool:
        """The review decided to keep the case open (stored on the review task by the service)."""
        case = _case_process(activation.process).case
        review = activation.task.previous.filter(flow_task=self.review).order_by("-pk").first()
        decision = (review.data or {}).get("continue", True) if review else True
        return bool(decision) and case.status != CaseStatus.CLOSED

    def task_created(self, activation):
        history.record_task_created(
            activation.task, flow_name="case", case_id=_case_process(activation.process).case_id
        )


class HandoffFlow(flow.Flow):
    """Sent → the receiver accepts or declines within the SLA (else the coordinator is alerted) → outcome.

    A declined handoff goes back to its sender, who redirects it to another organisation or closes it.
    """

    process_class = CaseProcess
    lock_impl = locks.select_for_update_lock
    process_title = _("Handoff")
    process_description = _("A referral or a transfer between two organisations of the network.")

    start = flow.StartHandle(this.start_process).Annotation(title=_("Sent")).Next(this.decide)
    decide = (
        OrgTask()
        .Annotation(title=_("Accept or decline"))
        .Permission(permissions.DECIDE_HANDOFF, obj=receiver)
        .onCreate(this.task_created)
        .OnTimeout(this.answer_due, this.escalate, interrupting=False, title=_("Answer overdue"))
        .Next(this.answered)
    )
    answered = (
        flow.If(this.is_accepted_referral)
        .Annotation(title=_("Accepted referral?"))
        .Then(this.report_outcome)
        .Else(this.declined_or_done)
    )
    declined_or_done = (
        flow.If(this.is_declined).Annotation(title=_("Declined?")).Then(this.after_decline).Else(this.end)
    )
    report_outcome = (
        OrgTask()
        .Annotation(title=_("Report the outcome"))
        .Permission(permissions.REPORT_OUTCOME, obj=receiver)
        .onCreate(this.task_created)
        .Next(this.end)
    )
    after_decline = (
        OrgTask()
        .Annotation(title=_("Declined: redirect or close"))
        .Permission(permissions.REVIEW_DECLINE, obj=sender)
        .Assign(this.sent_by)
        .onCreate(this.task_created)
        .Next(this.redirected)
    )
    redirected = flow.If(this.is_pending).Annotation(title=_("Redirected?")).Then(this.decide).Else(this.end)
    escalate = (
        OrgTask()
        .Annotation(title=_("Overdue answer: follow up"))
        .Permission(permissions.HANDLE_ESCALATION, obj=coordinating_organisation)
        .onCreate(this.escalation_created)
        .Next(this.escalation_done)
    )
    escalation_done = flow.End().Annotation(title=_("Follow-up done"))
    end = flow.End().Annotation(title=_("End"))

    def start_process(self, activation, handoff: Handoff):
        # Saved now (viewflow would save it a moment later) so the first task can find its handoff.
        activation.process.case_id = handoff.case_id
        activation.process.save()
        handoff.process = activation.process
        handoff.save(update_fields=["process"])
        return activation.process

    def sent_by(self, activation):
        handoff = _handoff(activation.process)
        still_there = permissions.is_case_manager_of(handoff.sent_by_id, handoff.sender_organisation_id)
        return handoff.sent_by if still_there else None

    def answer_due(self, activation) -> datetime.datetime:
        return _handoff(activation.process).due_at

    def is_accepted_referral(self, activation) -> bool:
        handoff = _handoff(activation.process)
        return handoff.status == HandoffStatus.ACCEPTED and handoff.kind == HandoffKind.REFERRAL

    def is_declined(self, activation) -> bool:
        return _handoff(activation.process).status == HandoffStatus.DECLINED

    def is_pending(self, activation) -> bool:
        return _handoff(activation.process).status == HandoffStatus.PENDING

    def task_created(self, activation):
        handoff = _handoff(activation.process)
        if activation.flow_task.name == "decide":
            _set_deadline(activation.task, handoff)
        history.record_task_created(activation.task, flow_name="handoff", handoff=handoff)

    def escalation_created(self, activation):
        handoff = _handoff(activation.process)
        _set_deadline(activation.task, handoff)
        history.record_handoff_escalated(activation.task, handoff=handoff)


def _set_deadline(task, handoff: Handoff) -> None:
    """The answer deadline on the task row itself, so that the work lists sort on the task table with an index
    (migration 0003). viewflow's timer dispatcher reads `scheduled` only for TIMER tasks."""
    task.scheduled = handoff.due_at
    task.save(update_fields=["scheduled"])


# Every flow whose tasks appear in the work lists; the pathway apps add theirs (`workflows.registry`).
FLOWS: list[type[flow.Flow]] = [CaseFlow, HandoffFlow]
