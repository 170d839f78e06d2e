"""The referral of a pathway to an employment service (a referral handoff of `workflows`), and what its answer
does to the pathway (`on_workflow_event`, a subscriber of the handoff's history rows: ADR 0009)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from core.locks import lock_one
from employment import permissions
from employment.flows import EmploymentFlow
from employment.models import EmploymentPathway, PathwayOutcome, Stage
from employment.services.common import end_with_open_steps, run_step, set_stage
from workflows.models import Handoff, HandoffKind, HistoryKind
from workflows.services import handoffs


def pathway_refer(
    *,
    actor,
    task_id: int,
    receiver_organisation_id: int,
    service_type_id: int,
    reason: str,
    sections: Iterable[str] = ("file",),
    urgency: str = "normal",
    override_consent: bool = False,
    override_reason: str = "",
) -> EmploymentPathway:
    """Send the referral to an employment service (a referral handoff: consent gate, SLA, grant on acceptance)
    and wait for its answer. Raises what `handoff_send` raises, and ValidationError when the receiver is not an
    employment service."""

    def refer(pathway, membership):
        if not permissions.employment_providers().filter(pk=receiver_organisation_id).exists():
            raise ValidationError({"receiver_organisation": _("Choose an employment service of the network.")})
        handoff = handoffs.handoff_send(
            actor=actor,
            case=pathway.case,
            kind=HandoffKind.REFERRAL,
            receiver_organisation_id=receiver_organisation_id,
            reason=reason,
            service_type_id=service_type_id,
            sections=tuple(sections),
            urgency=urgency,
            override_consent=override_consent,
            override_reason=override_reason,
        )
        if handoff.service_type is None or handoff.service_type.code not in permissions.EMPLOYMENT_SERVICE_CODES:
            raise ValidationError(
                {"service_type": _("Choose an employment service (job placement, training, job centre).")}
            )
        set_stage(pathway, Stage.REFERRAL, referral=handoff, provider_organisation=handoff.receiver_organisation)
        return {"handoff": handoff.pk}

    return run_step(actor=actor, task_id=task_id, steps=(EmploymentFlow.refer,), action=refer)[0]


# A referral that ends before anyone accepted it ends its pathway (it would otherwise wait at "referral" forever).
_REFERRAL_ENDINGS = {
    HistoryKind.HANDOFF_REVOKED: gettext_lazy("The referral was withdrawn before the employment service accepted it."),
    HistoryKind.HANDOFF_CLOSED: gettext_lazy("The referral was closed without being accepted."),
}


def on_workflow_event(event) -> None:
    """Subscriber of `workflows.events.WorkflowEventRecorded` (registered in `EmploymentConfig.ready`).

    The referral of a pathway was accepted: the employment service gets the next step. Redirected: the pathway
    follows it to its new receiver. Runs in the handoff's transaction (which holds the handoff's process and row
    locks), so both commit or roll back together."""
    record = event.event
    if record.flow != "handoff" or record.kind not in (
        HistoryKind.HANDOFF_ACCEPTED,
        HistoryKind.HANDOFF_REDIRECTED,
        *_REFERRAL_ENDINGS,
    ):
        return
    pathway = EmploymentPathway.objects.filter(referral_id=record.handoff_id, ended_at__isnull=True).first()
    if pathway is None:
        return
    if record.kind in _REFERRAL_ENDINGS:
        pathway = lock_one(EmploymentPathway.objects.select_related("case", "process"), pk=pathway.pk)
        if pathway.ended_at is None and pathway.stage == Stage.REFERRAL:  # never accepted: nobody will take it on
            end_with_open_steps(
                pathway,
                actor=record.user,
                organisation_id=record.organisation_id,
                outcome=PathwayOutcome.NOT_PLACED,
                step="referral_ended",
                note=str(_REFERRAL_ENDINGS[record.kind]),
            )
        return
    handoff = Handoff.objects.get(pk=record.handoff_id)
    if record.kind == HistoryKind.HANDOFF_REDIRECTED:
        set_stage(pathway, Stage.REFERRAL, provider_organisation_id=handoff.receiver_organisation_id)
        return
    waiting = Task.objects.filter(
        process_id=pathway.process_id, flow_task=EmploymentFlow.wait_acceptance, status=STATUS.NEW
    ).first()
    if waiting is None:
        return
    set_stage(pathway, Stage.AGREEMENT, provider_organisation_id=handoff.receiver_organisation_id)
    EmploymentFlow.wait_acceptance.run(waiting)
