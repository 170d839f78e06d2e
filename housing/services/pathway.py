"""The housing pathway: starting it from the case's plan, and finishing each step when its data is in place.

Placing a person at a provider goes through a referral (`workflows.services.handoffs.handoff_send`): the consent
gate, the SLA and, on acceptance, the per-case grant with the "file" section that lets the provider read the
housing section. The assessment sends those referrals; each placement step then needs the provider to have
accepted it (it cannot see the person otherwise).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Task

from cases.models import Case, CaseStatus, ShareSection, TimelineKind
from cases.permissions import checks as case_checks
from cases.services.case_file import lock_case
from cases.services.timeline import timeline_record
from core.bus import publish
from core.locks import lock_one
from housing.events import HousingPathwayStarted, HousingStepCompleted
from housing.flows import HousingFlow
from housing.models import (
    Application,
    ApplicationStatus,
    HousingPathway,
    HousingProfile,
    OfferStatus,
    ResourceKind,
    Stay,
)
from housing.services.households import application_create, application_update
from partners.models import Organisation
from partners.roles import Capability
from workflows import permissions as wf_permissions
from workflows.models import CaseProcess, Handoff, HandoffKind, HandoffStatus, HistoryKind
from workflows.services import history
from workflows.services.handoffs import handoff_send
from workflows.services.tasks import task_complete

# The service of a provider's catalogue that a referral for each step asks for (the demo's codes).
STEP_SERVICES = {
    "emergency": ("emergency-shelter", "temporary-housing", "social-housing-support"),
    "temporary": ("temporary-housing", "social-housing-support", "emergency-shelter"),
    "public": ("social-housing-support", "temporary-housing"),
}
STEP_LABELS = {
    "emergency": gettext_lazy("emergency placement"),
    "temporary": gettext_lazy("temporary placement with an accompaniment plan"),
    "public": gettext_lazy("allocation of a public housing home"),
}


class Outcome:
    AUTONOMY = "autonomy"
    RETURN = "return"


def housing_process(case: Case) -> CaseProcess | None:
    return CaseProcess.objects.filter(case=case, flow_class=HousingFlow).order_by("-pk").first()


def require_pathway_starter(actor, case: Case) -> None:
    """The housing pathway is started from the plan by the case managers of the lead organisation."""
    membership = case_checks.require_case_capability(actor, case, Capability.CHANGE_CASE)
    if membership.organisation_id != case.lead_organisation_id:
        raise PermissionDenied(_("Only the lead organisation can start the housing pathway."))


def pathway_start(*, actor, case: Case) -> CaseProcess:
    """Start the housing pathway of `case`: its assessment lands in the lead organisation's queue.

    Raises PermissionDenied (not a case manager of the lead organisation), ValidationError (case closed, pathway
    already running)."""
    with transaction.atomic():
        case = lock_case(case)
        require_pathway_starter(actor, case)
        if case.status == CaseStatus.CLOSED:
            raise ValidationError(_("The case is closed: reopen it first."))
        current = housing_process(case)
        if current is not None and current.finished is None:
            raise ValidationError(_("The housing pathway of this case is already running."))
        process = HousingFlow.start.run(case=case, actor=actor)
        history.record_process(
            kind=HistoryKind.PROCESS_STARTED,
            flow="housing",
            step="start",
            case_id=case.pk,
            process_id=process.pk,
            organisation_id=case.lead_organisation_id,
            user=actor,
        )
        publish(HousingPathwayStarted(process_id=process.pk, case_id=case.pk, actor_id=actor.pk))
        return process


def _complete_step(*, actor, task: Task, node, action, data: dict | None = None) -> Task:
    """Lock the process, then the pathway row; re-check the task and who may do it; run `action(pathway, task)`
    (which checks the step's domain rules, raising when its data is missing, then records it) and finish the task
    (its history row); publish `HousingStepCompleted`. All or nothing."""
    found = Task.objects.filter(pk=task.pk, flow_task=node).select_related("process").first()
    if found is None or not wf_permissions.can_see_task(actor, found):
        raise Http404
    task = found
    try:
        with transaction.atomic(), HousingFlow.lock(task.process_id):
            task.refresh_from_db()
            if task.status not in wf_permissions.OPEN_TASK_STATUSES:
                raise ValidationError(_("This task is already done."))
            if task.owner_id not in (None, actor.pk):
                raise ValidationError(_("%(user)s has taken this task.") % {"user": task.owner.get_username()})
            if task.owner_id is None:
                wf_permissions.require_claim(actor, task)
            else:
                wf_permissions.require_execute(actor, task)
            pathway = lock_one(HousingPathway.objects.select_related("case"), process_id=task.process_id)
            if pathway.case.status == CaseStatus.CLOSED:
                raise ValidationError(_("The case is closed."))
            extra = action(pathway, task) or {}
            done = task_complete(task, actor=actor, data={**(data or {}), **extra})
            history.record_process_finished_if_done(task.process_id, user=actor)
            publish(
                HousingStepCompleted(
                    task_id=task.pk,
                    process_id=task.process_id,
                    case_id=pathway.case_id,
                    step=node.name,
                    actor_id=actor.pk,
                )
            )
            return done
    except FlowLockFailed:
        raise ValidationError(_("Someone else is working on this pathway right now: try again in a moment.")) from None


def step_providers(step: str) -> QuerySet[Organisation]:
    """The active organisations that provide `step` of the pathway: those whose catalogue offers the step's own
    service, the first of ``STEP_SERVICES[step]`` (a night shelter for the emergency, temporary housing for the
    temporary placement, social-housing support for the SAP home) — never the food bank or a pharmacy. The one
    rule for the assessment's lists and for its submission."""
    return (
        Organisation.objects.filter(is_active=True, services__code=STEP_SERVICES[step][0]).distinct().order_by("name")
    )


def _provider(value: Organisation | None, *, field: str, step: str) -> Organisation:
    if value is None:
        raise ValidationError({field: _("Choose the organisation that provides this step.")})
    provider = step_providers(step).filter(pk=value.pk).first()
    if provider is None:
        raise ValidationError(
            {
                field: _(
                    "This organisation does not offer this kind of housing in the network's "
                    "catalogue: choose one from the list."
                )
            }
        )
    return provider


def _step_service(provider: Organisation, step: str):
    """The provider's service that best matches the step: the first of ``STEP_SERVICES[step]`` it offers, in that
    order of preference (ordering by code picked "emergency-shelter" for a temporary placement)."""
    codes = STEP_SERVICES[step]
    offered = {service.code: service for service in provider.services.filter(code__in=codes)}
    return next((offered[code] for code in codes if code in offered), None)


def _refer(actor, case: Case, provider: Organisation, step: str) -> None:
    """Share the case with `provider` through a referral, unless it already sees the file or one is pending."""
    if provider.pk == case.lead_organisation_id:
        return
    if Handoff.objects.filter(
        case=case, receiver_organisation=provider, status__in=[HandoffStatus.PENDING, HandoffStatus.ACCEPTED]
    ).exists():
        return
    service = _step_service(provider, step)
    if service is None:
        raise ValidationError(_("%(org)s offers no housing service in the network's catalogue.") % {"org": provider})
    handoff_send(
        actor=actor,
        case=case,
        kind=HandoffKind.REFERRAL,
        receiver_organisation_id=provider.pk,
        reason=_("Housing pathway: %(step)s.") % {"step": STEP_LABELS[step]},
        service_type_id=service.pk,
        sections=[ShareSection.FILE],
    )


def assessment_done(
    *,
    actor,
    task: Task,
    emergency_needed: bool,
    emergency_provider: Organisation | None = None,
    temporary_provider: Organisation | None = None,
    public_provider: Organisation | None = None,
) -> Task:
    """The housing section is recorded; who provides the next steps is chosen, and each provider gets a referral
    (consent gate and SLA apply: a refused referral leaves the step open, nothing saved)."""

    def record(pathway: HousingPathway, task):
        case = pathway.case
        if not HousingProfile.objects.filter(case=case).exists():
            raise ValidationError(_("Record the housing section of the case first."))
        chosen = {
            "emergency": _provider(emergency_provider, field="emergency_provider", step="emergency")
            if emergency_needed
            else None,
            "temporary": _provider(temporary_provider, field="temporary_provider", step="temporary"),
            "public": _provider(public_provider, field="public_provider", step="public"),
        }
        for step, provider in chosen.items():
            if provider is not None:
                _refer(actor, case, provider, step)
        pathway.emergency_needed = bool(emergency_needed)
        pathway.emergency_provider = chosen["emergency"]
        pathway.temporary_provider = chosen["temporary"]
        pathway.public_provider = chosen["public"]
        pathway.assessed_at = pathway.assessed_at or timezone.now()
        pathway.outcome = ""
        pathway.save()
        return {"emergency_needed": bool(emergency_needed)}

    return _complete_step(actor=actor, task=task, node=HousingFlow.assess, action=record)


def _open_stay_at(case: Case, provider_id: int | None, kinds) -> Stay | None:
    return (
        Stay.objects.filter(
            case=case,
            move_out__isnull=True,
            place__resource__provider_id=provider_id,
            place__resource__kind__in=list(kinds),
        )
        .select_related("place")
        .first()
    )


def emergency_placement_done(*, actor, task: Task) -> Task:
    def check(pathway, task):
        stay = _open_stay_at(pathway.case, pathway.emergency_provider_id, [ResourceKind.SHELTER])
        if stay is None:
            raise ValidationError(_("Record the move-in into one of your emergency places first."))
        pathway.placed_at = pathway.placed_at or timezone.now()
        pathway.save(update_fields=["placed_at"])
        return {"stay": stay.pk}

    return _complete_step(actor=actor, task=task, node=HousingFlow.emergency_placement, action=check)


def temporary_placement_done(*, actor, task: Task) -> Task:
    def check(pathway, task):
        stay = _open_stay_at(pathway.case, pathway.temporary_provider_id, [ResourceKind.TEMPORARY, ResourceKind.SOCIAL])
        if stay is None:
            raise ValidationError(_("Record the move-in into one of your temporary places first."))
        if not stay.accompaniment_plan.strip():
            raise ValidationError(_("Write the accompaniment plan of the stay first."))
        pathway.placed_at = pathway.placed_at or timezone.now()
        pathway.save(update_fields=["placed_at"])
        return {"stay": stay.pk}

    return _complete_step(actor=actor, task=task, node=HousingFlow.temporary_placement, action=check)


def public_application_done(
    *,
    actor,
    task: Task,
    applied_on: datetime.date | None = None,
    protocol_number: str = "",
    official_rank: int | None = None,
    override: bool = False,
    override_reason: str = "",
) -> Task:
    """The SAP application with its date, protocol number and position in the official ranking."""

    def record(pathway, task):
        if not protocol_number.strip():
            raise ValidationError({"protocol_number": _("Enter the protocol number of the application.")})
        application = Application.objects.filter(
            case=pathway.case, kind=ResourceKind.PUBLIC, status=ApplicationStatus.WAITING
        ).first()
        if application is None:
            application = application_create(
                actor=actor,
                case=pathway.case,
                kind=ResourceKind.PUBLIC,
                applied_on=applied_on,
                protocol_number=protocol_number,
                official_rank=official_rank,
                override=override,
                override_reason=override_reason,
            )
        else:
            application = application_update(
                actor=actor,
                application=application,
                protocol_number=protocol_number,
                official_rank=official_rank,
                applied_on=applied_on,
            )
        return {"application": application.pk}

    return _complete_step(actor=actor, task=task, node=HousingFlow.public_application, action=record)


def allocation_done(*, actor, task: Task) -> Task:
    def check(pathway, task):
        accepted = Application.objects.filter(
            case=pathway.case,
            kind=ResourceKind.PUBLIC,
            offers__status=OfferStatus.ACCEPTED,
            offers__place__resource__provider_id=pathway.public_provider_id,
        ).exists()
        if not accepted:
            raise ValidationError(_("Offer one of your homes to the household and record its acceptance first."))
        return {}

    return _complete_step(actor=actor, task=task, node=HousingFlow.allocation, action=check)


def move_in_done(*, actor, task: Task) -> Task:
    def check(pathway, task):
        stay = _open_stay_at(pathway.case, pathway.public_provider_id, [ResourceKind.PUBLIC])
        if stay is None:
            raise ValidationError(_("Record the move-in into the allocated home first."))
        pathway.moved_in_on = stay.move_in
        pathway.save(update_fields=["moved_in_on"])
        return {"stay": stay.pk, "move_in": stay.move_in.isoformat()}

    return _complete_step(actor=actor, task=task, node=HousingFlow.move_in, action=check)


def follow_up_done(*, actor, task: Task, note: str, outcome: str = "") -> Task:
    """The follow-up at 3 months (a note), or at 6 months (a note and the outcome: autonomy or return)."""
    found = Task.objects.filter(pk=task.pk).first()
    node = found.flow_task if found is not None else None
    if node not in (HousingFlow.follow_up_3, HousingFlow.follow_up_6):
        raise Http404
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Write how the household is doing.")})
    if node is HousingFlow.follow_up_6 and outcome not in (Outcome.AUTONOMY, Outcome.RETURN):
        raise ValidationError({"outcome": _("Choose autonomy or a return to the pathway.")})

    def record(pathway, task):
        if node is HousingFlow.follow_up_6:
            pathway.outcome = outcome
            pathway.save(update_fields=["outcome"])
        # On the timeline with its months and outcome; the note (free text about the household) stays on the task.
        timeline_record(
            case=pathway.case,
            kind=TimelineKind.HOUSING_FOLLOW_UP_RECORDED,
            actor=actor,
            organisation_id=wf_permissions.task_organisation_id(task) or pathway.case.lead_organisation_id,
            obj=pathway,
            data={
                "provider_id": pathway.public_provider_id,
                "date": timezone.localdate().isoformat(),
                "months": 3 if node is HousingFlow.follow_up_3 else 6,
                "outcome": outcome,
            },
        )
        return {"note": note[:2000], "outcome": outcome}

    return _complete_step(actor=actor, task=task, node=node, action=record)
