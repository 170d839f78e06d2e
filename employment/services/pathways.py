"""The employment pathway: start, the steps worked from the task inbox (profile, agreement, training, a path
without placement) and a drop-out. The referral is in `referrals`, the placement and follow-ups in `placements`.

Every step runs through `common.run_step`: lock the process → lock the pathway → authorise (the task's
organisation and role) → validate → change → history/audit rows → `EmploymentStepCompleted` (and
`EmploymentPathwayEnded` when it ends). Each writes its timeline line with its audit row (`common.step_record`):
codes and dates, never the notes."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.exceptions import FlowLockFailed

from cases.models import Case, TimelineKind
from cases.services.case_file import lock_case
from core.bus import publish
from core.locks import lock_one
from core.models import AuditAction
from employment import permissions
from employment.events import EmploymentPathwayStarted
from employment.flows import EmploymentFlow
from employment.models import (
    EmployabilityProfile,
    EmploymentPathway,
    InternshipStatus,
    PathType,
    PathwayOutcome,
    Stage,
)
from employment.services.common import (
    busy,
    end,
    end_with_open_steps,
    require_open_case,
    run_step,
    running_pathway,
    set_stage,
    step_record,
)
from workflows.models import HistoryKind
from workflows.services import history


def pathway_start(*, actor, case: Case) -> EmploymentPathway:
    """Start the employment pathway of a case (a case manager of its lead organisation). The profiling step
    goes to the case manager's inbox. Locks the case. Raises PermissionDenied, ValidationError (closed case,
    already running). Writes the history and audit rows; publishes `EmploymentPathwayStarted`."""
    with transaction.atomic():
        case = lock_case(case)  # two clicks at once: the second waits here and sees the running pathway
        membership = permissions.require_pathway_starter(actor, case)
        require_open_case(case)
        if running_pathway(case) is not None:
            raise ValidationError(_("The employment pathway of this case is already running."))
        pathway = EmploymentPathway.objects.create(
            case=case, lead_organisation_id=case.lead_organisation_id, started_by=actor, stage=Stage.PROFILING
        )
        EmploymentFlow.start.run(pathway=pathway, actor=actor)
        pathway.refresh_from_db()
        history.record_process(
            kind=HistoryKind.PROCESS_STARTED,
            flow="employment",
            step="start",
            case_id=case.pk,
            process_id=pathway.process_id,
            user=actor,
            organisation_id=membership.organisation_id,
        )
        step_record(
            kind=TimelineKind.EMPLOYMENT_PATHWAY_STARTED,
            case=case,
            actor=actor,
            organisation_id=membership.organisation_id,
            obj=pathway,
            provider_id=None,
            date=timezone.localdate(),
        )
        publish(EmploymentPathwayStarted(pathway=pathway, actor_id=actor.pk))
        return pathway


def _record(kind: str, pathway: EmploymentPathway, actor, membership, *, detail: dict | None = None, **codes) -> None:
    """A step of the pathway on the case timeline (with its audit row), by the organisation working it."""
    step_record(
        kind=kind,
        case=pathway.case,
        actor=actor,
        organisation_id=membership.organisation_id,
        obj=pathway,
        provider_id=pathway.provider_organisation_id,
        date=timezone.localdate(),
        audit_action=AuditAction.UPDATE,
        detail=detail,
        **codes,
    )


def pathway_profile_done(*, actor, task_id: int) -> EmploymentPathway:
    """The profiling step is done when the case has an employability profile."""

    def check(pathway, membership):
        if not EmployabilityProfile.objects.filter(case_id=pathway.case_id).exists():
            raise ValidationError(_("Write the employability profile first."))
        set_stage(pathway, Stage.REFERRAL, profiled_at=timezone.now())
        _record(TimelineKind.EMPLOYMENT_PROFILING_DONE, pathway, actor, membership)

    return run_step(actor=actor, task_id=task_id, steps=(EmploymentFlow.profile,), action=check)[0]


def pathway_agree(*, actor, task_id: int, path_type: PathType | str, note: str = "") -> EmploymentPathway:
    """The employment service and the person agree the path (reinserimento, upskilling, reskilling, lavoro e
    inclusione)."""

    def agree(pathway, membership):
        set_stage(pathway, Stage.TRAINING, path_type=path_type, agreed_at=timezone.now())
        _record(TimelineKind.EMPLOYMENT_PATH_AGREED, pathway, actor, membership, path_type=str(path_type))

    return run_step(
        actor=actor,
        task_id=task_id,
        steps=(EmploymentFlow.agree,),
        action=agree,
        data={"path_type": str(path_type), "note": note.strip()},
    )[0]


def pathway_training_done(*, actor, task_id: int) -> EmploymentPathway:
    """Training and internships (recorded on the pathway page, if any) are over: on to the placement."""

    def done(pathway, membership):
        if pathway.internships.filter(status=InternshipStatus.IN_PROGRESS).exists():
            raise ValidationError(_("An internship is still in progress: record how it ended first."))
        set_stage(pathway, Stage.PLACEMENT)
        _record(TimelineKind.EMPLOYMENT_TRAINING_DONE, pathway, actor, membership)

    return run_step(actor=actor, task_id=task_id, steps=(EmploymentFlow.training,), action=done)[0]


def pathway_not_placed(*, actor, task_id: int, note: str) -> EmploymentPathway:
    """The path ends without a placement (the service says why)."""
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Say why the path ends without a placement.")})

    def finish(pathway, membership):
        end(pathway, outcome=PathwayOutcome.NOT_PLACED, note=note)
        _record(
            TimelineKind.EMPLOYMENT_NOT_PLACED,
            pathway,
            actor,
            membership,
            detail={"outcome": PathwayOutcome.NOT_PLACED},
        )

    return run_step(actor=actor, task_id=task_id, steps=(EmploymentFlow.placement,), action=finish)[0]


def pathway_drop_out(*, actor, pathway_id: int, note: str) -> EmploymentPathway:
    """The person leaves the pathway (a case manager of the lead or the employment service records it): its
    open steps and timers are canceled, and it ends as a drop-out. Locks the process, then the pathway. Raises
    Http404, PermissionDenied, ValidationError (no reason, already ended)."""
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Say why the person left the pathway.")})
    pathway = EmploymentPathway.objects.filter(pk=pathway_id).first()
    if pathway is None or pathway.process_id is None:
        raise Http404
    try:
        with transaction.atomic(), EmploymentFlow.lock(pathway.process_id):
            pathway = lock_one(EmploymentPathway.objects.select_related("case", "process"), pk=pathway_id)
            membership = permissions.case_worker_membership(
                actor, pathway.case, provider_id=pathway.provider_organisation_id
            )
            if membership is None:
                raise (
                    Http404
                    if not permissions.can_read_profile(actor, pathway.case)
                    else PermissionDenied(
                        _("Only the employment service or the lead organisation can record a drop-out.")
                    )
                )
            if pathway.ended_at is not None:
                raise ValidationError(_("The pathway has already ended."))
            end_with_open_steps(
                pathway,
                actor=actor,
                organisation_id=membership.organisation_id,
                outcome=PathwayOutcome.DROPPED_OUT,
                step="drop_out",
                note=note,
                timeline_kind=TimelineKind.EMPLOYMENT_DROPPED_OUT,
            )
            return pathway
    except FlowLockFailed:
        raise busy() from None
