"""Every write of the employment app: profile, pathway steps, offers (opportunities, courses), enrolments,
internships, placements and follow-ups.

Each function is one transaction: lock → authorise → validate → change → audit (and the flow's history rows
through `workflows.services`). Errors are `ValidationError` (a translated message, on the field when there is
one) or `PermissionDenied`; hidden objects raise `Http404`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases.models import Case, CaseStatus
from cases.models import EventKind as CaseEventKind
from cases.services.case_file import lock_case
from cases.services.events import event_record
from core import l10n
from core.audit import audit_record
from core.models import AuditAction
from core.parsing import posted_id, posted_id_or_zero
from employment import permissions
from employment.flows import EmploymentFlow
from employment.models import (
    ALL_DAYS_MASK,
    SEAT_STATUSES,
    CefrLevel,
    ContractType,
    Course,
    DidStatus,
    EducationLevel,
    EmployabilityProfile,
    EmploymentPathway,
    Enrolment,
    EnrolmentStatus,
    FollowUp,
    Internship,
    InternshipStatus,
    Language,
    Mobility,
    Opportunity,
    OpportunityLanguage,
    OpportunitySkill,
    PathType,
    PathwayOutcome,
    Placement,
    ProfileLanguage,
    ProfileSkill,
    Shift,
    Skill,
    Stage,
)
from workflows import permissions as workflow_permissions
from workflows.models import EventKind, Handoff, HandoffKind, WorkflowEvent
from workflows.services import handoffs, history
from workflows.services.tasks import task_cancel, task_complete

# --- small parsers: whatever a form or an API client posts, a clear error and never a 500 --------------------


def _text(value, *, field: str, required: bool = False, max_length: int = 150) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationError({field: _("This field is required.")})
    if len(text) > max_length:
        too_long = ngettext("At most %(n)d character.", "At most %(n)d characters.", max_length)
        raise ValidationError({field: too_long % {"n": max_length}})
    return text


def _date(value, *, field: str, required: bool = True) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if value in (None, "") and not required:
        return None
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError({field: _("Enter a valid date.")}) from None


def _int(value, *, field: str, low: int, high: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError({field: _("Enter a whole number.")}) from None
    if not low <= number <= high:
        raise ValidationError({field: _("Enter a number between %(low)d and %(high)d.") % {"low": low, "high": high}})
    return number


def _choice(value, choices, *, field: str, message: str):
    if value not in choices.values:
        raise ValidationError({field: message})
    return value


def _skills(skill_ids, *, field: str = "skills") -> list[Skill]:
    try:
        ids = {int(pk) for pk in (skill_ids or [])}
    except (TypeError, ValueError):
        raise ValidationError({field: _("Choose skills from the catalogue.")}) from None
    skills = list(Skill.objects.filter(pk__in=ids))
    if len(skills) != len(ids):
        raise ValidationError({field: _("Choose skills from the catalogue.")})
    return skills


def _languages(pairs, *, field: str = "languages") -> dict[str, int]:
    """[(language, level)] → {language: level}; a language given twice keeps its highest level."""
    result: dict[str, int] = {}
    try:
        for language, level in pairs or []:
            if language not in Language.values:
                raise ValidationError({field: _("Unknown language: %(code)s.") % {"code": language}})
            level = int(level)
            if level not in CefrLevel.values:
                raise ValidationError({field: _("Choose a CEFR level from A1 to C2.")})
            result[language] = max(level, result.get(language, 0))
    except (TypeError, ValueError):
        raise ValidationError({field: _("Give each language with its CEFR level.")}) from None
    return result


def _audit(*, actor, action: str, obj, organisation_id: int | None, case: Case | None = None, **detail) -> None:
    audit_record(actor=actor, action=action, obj=obj, organisation_id=organisation_id,
                 case_id=case.pk if case else None, person_id=case.person_id if case else None, detail=detail)


def _step_record(*, kind: str, case: Case, actor, organisation_id: int, obj, provider_id: int | None,
                 date: datetime.date, detail: dict | None = None, **codes) -> None:
    """Write a step of the pathway on the case timeline, with its audit row (`event_record`). The line holds codes,
    dates and organisation names only, never what a person typed (notes) nor the employer's name; `provider_id` is
    the partner working the step, told by `notifications` when the case side acted (and the other way round)."""
    event_record(case=case, kind=kind, actor=actor, organisation_id=organisation_id, obj=obj,
                 audit_action=AuditAction.CREATE, detail=detail,
                 data={"provider_id": provider_id, "date": date.isoformat(), **codes})


# --- the employability profile -----------------------------------------------------------------------------


def profile_save(*, actor, case: Case, data: dict, skill_ids: Iterable = (), languages: Iterable = ()
                 ) -> EmployabilityProfile:
    """Create or update the case's employability profile (who may change the case). Raises PermissionDenied,
    ValidationError. Replaces its skills and languages; audits the change."""
    with transaction.atomic():
        membership = permissions.require_profile_change(actor, case)
        case = lock_case(case)
        if case.status == CaseStatus.CLOSED:
            raise ValidationError(_("The case is closed: reopen it first."))
        skills = _skills(skill_ids)
        levels = _languages(languages)
        fields = {
            "education_level": _choice(data.get("education_level", EducationLevel.LOWER_SECONDARY), EducationLevel,
                                       field="education_level", message=_("Choose the education level.")),
            "qualifications": _text(data.get("qualifications"), field="qualifications", max_length=2000),
            "work_history": _text(data.get("work_history"), field="work_history", max_length=4000),
            "max_weekly_hours": _int(data.get("max_weekly_hours", 40), field="max_weekly_hours", low=1, high=60),
            "available_days": _int(data.get("available_days", 31), field="available_days", low=1,
                                   high=ALL_DAYS_MASK),
            "childcare_constraint": bool(data.get("childcare_constraint")),
            "mobility": _int(data.get("mobility", Mobility.METRO), field="mobility", low=1, high=3),
            "did_status": _choice(data.get("did_status", DidStatus.NONE), DidStatus, field="did_status",
                                  message=_("Choose the DID status.")),
            "did_date": _date(data.get("did_date"), field="did_date", required=False),
            "receives_adi": bool(data.get("receives_adi")),
            "receives_sfl": bool(data.get("receives_sfl")),
        }
        if fields["did_status"] != DidStatus.NONE and fields["did_date"] is None:
            raise ValidationError({"did_date": _("Give the date of the DID.")})
        if fields["did_date"] and fields["did_date"] > timezone.localdate():
            raise ValidationError({"did_date": _("The DID date cannot be in the future.")})
        if fields["receives_adi"] and fields["receives_sfl"]:
            raise ValidationError({"receives_sfl": _("ADI and SFL cannot be received together.")})
        profile, created = EmployabilityProfile.objects.select_for_update().get_or_create(
            case=case, defaults={**fields, "updated_by": actor})
        if not created:
            for name, value in fields.items():
                setattr(profile, name, value)
            profile.updated_by = actor
            profile.save()
        ProfileSkill.objects.filter(profile=profile).exclude(skill__in=skills).delete()
        ProfileSkill.objects.bulk_create([ProfileSkill(profile=profile, skill=s) for s in skills],
                                         ignore_conflicts=True)
        ProfileLanguage.objects.filter(profile=profile).delete()
        ProfileLanguage.objects.bulk_create(
            [ProfileLanguage(profile=profile, language=code, level=level) for code, level in sorted(levels.items())])
        _audit(actor=actor, action=AuditAction.CREATE if created else AuditAction.UPDATE, obj=profile,
               organisation_id=membership.organisation_id, case=case, skills=sorted(s.code for s in skills),
               languages=levels)
        return profile


# --- the pathway: start and steps ---------------------------------------------------------------------------


def running_pathway(case: Case) -> EmploymentPathway | None:
    return EmploymentPathway.objects.filter(case=case, ended_at__isnull=True).first()


def pathway_start(*, actor, case: Case) -> EmploymentPathway:
    """Start the employment pathway of a case (a case manager of its lead organisation). The profiling step
    goes to the case manager's inbox. Raises PermissionDenied, ValidationError (closed case, already running)."""
    with transaction.atomic():
        membership = permissions.require_pathway_starter(actor, case)
        case = lock_case(case)  # two clicks at once: the second waits here and sees the running pathway
        if case.status == CaseStatus.CLOSED:
            raise ValidationError(_("The case is closed: reopen it first."))
        if running_pathway(case) is not None:
            raise ValidationError(_("The employment pathway of this case is already running."))
        pathway = EmploymentPathway.objects.create(
            case=case, lead_organisation_id=case.lead_organisation_id, started_by=actor, stage=Stage.PROFILING)
        EmploymentFlow.start.run(pathway=pathway, actor=actor)
        pathway.refresh_from_db()
        WorkflowEvent.objects.create(kind=EventKind.PROCESS_STARTED, flow="employment", step="start", case=case,
                                     process_id=pathway.process_id, organisation_id=membership.organisation_id,
                                     user=actor)
        _audit(actor=actor, action=AuditAction.CREATE, obj=pathway, organisation_id=membership.organisation_id,
               case=case)
        return pathway


def _run_step(*, actor, task_id: int, step, action, data: dict | None = None) -> EmploymentPathway:
    """Lock the pathway's process, re-check the task and who works it, run `action(pathway, membership)` (which
    raises when the step's data is wrong) and finish the task."""
    task = Task.objects.filter(pk=task_id, flow_task=step).first()
    if task is None or not workflow_permissions.can_see_task(actor, task):
        raise Http404
    try:
        with transaction.atomic(), EmploymentFlow.lock(task.process_id):
            task.refresh_from_db()
            if task.status not in workflow_permissions.OPEN_TASK_STATUSES:
                raise ValidationError(_("This task is already done."))
            if task.owner_id not in (None, actor.pk):
                raise ValidationError(_("%(user)s has taken this task.") % {"user": task.owner.get_username()})
            membership = workflow_permissions.task_membership(actor, task)
            if membership is None:
                raise PermissionDenied(_("This task is not for your organisation or your role."))
            pathway = EmploymentPathway.objects.select_for_update(of=("self",)).select_related("case").get(
                process_id=task.process_id)
            if pathway.case.status == CaseStatus.CLOSED:
                raise ValidationError(_("The case is closed: reopen it first."))
            extra = action(pathway, membership) or {}
            task_complete(task, actor=actor, data={**(data or {}), **extra})
            history.process_finished_if_done(task.process_id, user=actor)
            return pathway
    except FlowLockFailed:
        raise ValidationError(_("Someone else is working on this pathway right now: try again in a moment.")) from None


def _set_stage(pathway: EmploymentPathway, stage: str, **fields) -> None:
    pathway.stage = stage
    for name, value in fields.items():
        setattr(pathway, name, value)
    pathway.save()


def pathway_profile_done(*, actor, task_id: int) -> EmploymentPathway:
    """The profiling step is done when the case has an employability profile."""
    def check(pathway, membership):
        if not EmployabilityProfile.objects.filter(case_id=pathway.case_id).exists():
            raise ValidationError(_("Write the employability profile first."))
        _set_stage(pathway, Stage.REFERRAL, profiled_at=timezone.now())
    return _run_step(actor=actor, task_id=task_id, step=EmploymentFlow.profile, action=check)


def pathway_refer(*, actor, task_id: int, receiver_organisation_id, service_type_id, reason: str,
                  sections=("file",), urgency: str = "normal", override_consent: bool = False,
                  override_reason: str = "") -> EmploymentPathway:
    """Send the referral to an employment service (a referral handoff: consent gate, SLA, grant on acceptance)
    and wait for its answer. Raises what `handoff_send` raises, and ValidationError when the receiver is not an
    employment service."""
    def refer(pathway, membership):
        receiver_ok = permissions.employment_providers().filter(pk=posted_id_or_zero(receiver_organisation_id)).exists()
        if not receiver_ok:
            raise ValidationError({"receiver_organisation": _("Choose an employment service of the network.")})
        handoff = handoffs.handoff_send(
            actor=actor, case=pathway.case, kind=HandoffKind.REFERRAL,
            receiver_organisation_id=receiver_organisation_id, reason=reason, service_type_id=service_type_id,
            sections=sections, urgency=urgency,
            override_consent=override_consent, override_reason=override_reason)
        if handoff.service_type is None or handoff.service_type.code not in permissions.EMPLOYMENT_SERVICE_CODES:
            raise ValidationError({"service_type": _("Choose an employment service (job placement, training, job "
                                                     "centre).")})
        _set_stage(pathway, Stage.REFERRAL, referral=handoff, provider_organisation=handoff.receiver_organisation)
        return {"handoff": handoff.pk}
    return _run_step(actor=actor, task_id=task_id, step=EmploymentFlow.refer, action=refer)


# A referral that ends before anyone accepted it ends its pathway (it would otherwise wait at "referral" forever).
_REFERRAL_ENDINGS = {
    EventKind.HANDOFF_REVOKED: gettext_lazy("The referral was withdrawn before the employment service accepted it."),
    EventKind.HANDOFF_CLOSED: gettext_lazy("The referral was closed without being accepted."),
}


def on_workflow_event(event) -> None:
    """Subscriber of `workflows.events.WorkflowEventRecorded` (registered in `EmploymentConfig.ready`).

    The referral of a pathway was accepted: the employment service gets the next step. Redirected: the pathway
    follows it to its new receiver. Runs in the handoff's transaction, so both commit or roll back together."""
    record = event.event
    if record.flow != "handoff" or record.kind not in (EventKind.HANDOFF_ACCEPTED, EventKind.HANDOFF_REDIRECTED,
                                                       *_REFERRAL_ENDINGS):
        return
    pathway = EmploymentPathway.objects.filter(referral_id=record.handoff_id, ended_at__isnull=True).first()
    if pathway is None:
        return
    if record.kind in _REFERRAL_ENDINGS:
        pathway = EmploymentPathway.objects.select_for_update(of=("self",)).select_related("case", "process").get(
            pk=pathway.pk)
        if pathway.ended_at is None and pathway.stage == Stage.REFERRAL:  # never accepted: nobody will take it on
            _end_with_open_steps(pathway, actor=record.user, organisation_id=record.organisation_id,
                                 outcome=PathwayOutcome.NOT_PLACED, step="referral_ended",
                                 note=str(_REFERRAL_ENDINGS[record.kind]))
        return
    handoff = Handoff.objects.get(pk=record.handoff_id)
    if record.kind == EventKind.HANDOFF_REDIRECTED:
        _set_stage(pathway, Stage.REFERRAL, provider_organisation_id=handoff.receiver_organisation_id)
        return
    waiting = Task.objects.filter(process_id=pathway.process_id, flow_task=EmploymentFlow.wait_acceptance,
                                  status=STATUS.NEW).first()
    if waiting is None:
        return
    _set_stage(pathway, Stage.AGREEMENT, provider_organisation_id=handoff.receiver_organisation_id)
    EmploymentFlow.wait_acceptance.run(waiting)


def pathway_agree(*, actor, task_id: int, path_type: str, note: str = "") -> EmploymentPathway:
    """The employment service and the person agree the path (reinserimento, upskilling, reskilling, lavoro e
    inclusione)."""
    path_type = _choice(path_type, PathType, field="path_type", message=_("Choose the agreed path."))

    def agree(pathway, membership):
        _set_stage(pathway, Stage.TRAINING, path_type=path_type, agreed_at=timezone.now())
        _audit(actor=actor, action=AuditAction.UPDATE, obj=pathway, organisation_id=membership.organisation_id,
               case=pathway.case, path_type=path_type)
    return _run_step(actor=actor, task_id=task_id, step=EmploymentFlow.agree, action=agree,
                     data={"path_type": path_type, "note": _text(note, field="note", max_length=2000)})


def pathway_training_done(*, actor, task_id: int) -> EmploymentPathway:
    """Training and internships (recorded on the pathway page, if any) are over: on to the placement."""
    def done(pathway, membership):
        if pathway.internships.filter(status=InternshipStatus.IN_PROGRESS).exists():
            raise ValidationError(_("An internship is still in progress: record how it ended first."))
        _set_stage(pathway, Stage.PLACEMENT)
    return _run_step(actor=actor, task_id=task_id, step=EmploymentFlow.training, action=done)


def _placement_fields(*, employer, contract_type, starts_on, opportunity_id) -> dict:
    employer = _text(employer, field="employer")
    if not employer:
        raise ValidationError({"employer": _("A placement needs its employer.")})
    contract_type = _choice(contract_type, ContractType, field="contract_type", message=_("Choose the contract type."))
    starts_on = _date(starts_on, field="starts_on")
    assert starts_on is not None  # required=True  # noqa: S101
    if starts_on > timezone.localdate() + datetime.timedelta(days=366):
        raise ValidationError({"starts_on": _("The start date is more than a year ahead.")})
    opportunity = None
    if opportunity_id not in (None, ""):
        opportunity = Opportunity.objects.filter(pk=posted_id_or_zero(opportunity_id)).first()
        if opportunity is None:
            raise ValidationError({"opportunity": _("Unknown opportunity.")})
    return {"employer": employer, "contract_type": contract_type, "starts_on": starts_on, "opportunity": opportunity}


def placement_record(*, actor, task_id: int, employer, contract_type, starts_on, opportunity_id=None
                     ) -> Placement:
    """The person got a job: employer, contract type and start date are required. The follow-ups are scheduled
    at 3 and 6 months from the start date."""
    fields = _placement_fields(employer=employer, contract_type=contract_type, starts_on=starts_on,
                               opportunity_id=opportunity_id)
    created: list[Placement] = []

    def place(pathway, membership):
        placement = Placement.objects.create(pathway=pathway, case=pathway.case, recorded_by=actor,
                                             organisation_id=membership.organisation_id, **fields)
        _set_stage(pathway, Stage.FOLLOW_UP, placed_at=timezone.now())
        _step_record(kind=CaseEventKind.JOB_PLACEMENT_RECORDED, case=pathway.case, actor=actor,
                     organisation_id=membership.organisation_id, obj=placement,
                     provider_id=pathway.provider_organisation_id, date=placement.starts_on,
                     contract_type=placement.contract_type)
        created.append(placement)
        return {"placement": placement.pk}
    _run_step(actor=actor, task_id=task_id, step=EmploymentFlow.placement, action=place)
    return created[0]


def pathway_not_placed(*, actor, task_id: int, note: str) -> EmploymentPathway:
    """The path ends without a placement (the service says why)."""
    note = _text(note, field="note", max_length=2000)
    if not note:
        raise ValidationError({"note": _("Say why the path ends without a placement.")})

    def end(pathway, membership):
        _end(pathway, outcome=PathwayOutcome.NOT_PLACED, note=note)
        _audit(actor=actor, action=AuditAction.UPDATE, obj=pathway, organisation_id=membership.organisation_id,
               case=pathway.case, outcome=PathwayOutcome.NOT_PLACED)
    return _run_step(actor=actor, task_id=task_id, step=EmploymentFlow.placement, action=end)


def _end(pathway: EmploymentPathway, *, outcome: str, note: str = "") -> None:
    _set_stage(pathway, Stage.ENDED, outcome=outcome, outcome_note=note, ended_at=timezone.now())


def follow_up_record(*, actor, task_id: int, checked_on, still_employed: bool, note: str = "") -> FollowUp:
    """The 3- or 6-month check (which one: the task's step). Refused before the placement started or in the
    future. Not employed at 3 months, or the 6-month check: the pathway ends with its outcome."""
    checked_on = _date(checked_on, field="checked_on")
    assert checked_on is not None  # noqa: S101 - required
    if checked_on > timezone.localdate():
        raise ValidationError({"checked_on": _("The follow-up date cannot be in the future.")})
    note = _text(note, field="note", max_length=2000)
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
            raise ValidationError({"checked_on": _("A follow-up cannot come before the placement (it started on "
                                                   "%(date)s).") % {"date": l10n.short_date(placement.starts_on)}})
        follow_up = FollowUp.objects.create(placement=placement, months=months, checked_on=checked_on,
                                            still_employed=bool(still_employed), note=note, recorded_by=actor,
                                            organisation_id=membership.organisation_id)
        if not still_employed:
            _end(pathway, outcome=PathwayOutcome.JOB_LOST, note=note)
        elif months == 6:
            _end(pathway, outcome=PathwayOutcome.EMPLOYED, note=note)
        _step_record(kind=CaseEventKind.JOB_FOLLOW_UP_RECORDED, case=pathway.case, actor=actor,
                     organisation_id=membership.organisation_id, obj=follow_up,
                     provider_id=pathway.provider_organisation_id, date=checked_on, months=months,
                     still_employed=bool(still_employed))
        created.append(follow_up)
        return {"still_employed": bool(still_employed)}
    step = EmploymentFlow.follow_up_3 if months == 3 else EmploymentFlow.follow_up_6
    _run_step(actor=actor, task_id=task_id, step=step, action=record)
    return created[0]


def _end_with_open_steps(pathway: EmploymentPathway, *, actor, organisation_id: int | None, outcome: str, step: str,
                         note: str) -> None:
    """End a pathway before its flow's end: its open steps and timers are canceled, the process is finished as
    canceled, with a history row and an audit row. The caller holds the pathway's row lock or transaction."""
    for task in Task.objects.filter(process_id=pathway.process_id).exclude(
            status__in=[STATUS.DONE, STATUS.CANCELED, STATUS.REVIVED, STATUS.ERROR]):
        task_cancel(task, actor=actor)
    process = pathway.process
    assert process is not None  # noqa: S101 - every pathway has its process
    process.status = STATUS.CANCELED
    process.finished = timezone.now()
    process.save(update_fields=["status", "finished"])
    _end(pathway, outcome=outcome, note=note)
    WorkflowEvent.objects.create(kind=EventKind.PROCESS_FINISHED, flow="employment", step=step, case=pathway.case,
                                 process=process, user=actor, organisation_id=organisation_id,
                                 to_state=STATUS.CANCELED)
    _audit(actor=actor, action=AuditAction.UPDATE, obj=pathway, organisation_id=organisation_id, case=pathway.case,
           outcome=outcome)


def pathway_drop_out(*, actor, pathway_id: int, note: str) -> EmploymentPathway:
    """The person leaves the pathway (a case manager of the lead or the employment service records it): its
    open steps and timers are canceled, and it ends as a drop-out."""
    note = _text(note, field="note", max_length=2000)
    if not note:
        raise ValidationError({"note": _("Say why the person left the pathway.")})
    pathway = EmploymentPathway.objects.select_related("case").filter(pk=pathway_id).first()
    if pathway is None or pathway.process_id is None:
        raise Http404
    try:
        with transaction.atomic(), EmploymentFlow.lock(pathway.process_id):
            pathway = EmploymentPathway.objects.select_for_update(of=("self",)).select_related("case", "process").get(
                pk=pathway_id)
            membership = permissions.case_worker_membership(actor, pathway.case,
                                                            provider_id=pathway.provider_organisation_id)
            if membership is None:
                raise Http404 if not permissions.can_read_profile(actor, pathway.case) else PermissionDenied(
                    _("Only the employment service or the lead organisation can record a drop-out."))
            if pathway.ended_at is not None:
                raise ValidationError(_("The pathway has already ended."))
            _end_with_open_steps(pathway, actor=actor, organisation_id=membership.organisation_id,
                                 outcome=PathwayOutcome.DROPPED_OUT, step="drop_out", note=note)
            return pathway
    except FlowLockFailed:
        raise ValidationError(_("Someone else is working on this pathway right now: try again in a moment.")) from None


# --- offers: opportunities and courses --------------------------------------------------------------------


def opportunity_create(*, actor, organisation_id=None, data: dict, skill_ids: Iterable = (),
                       languages: Iterable = ()) -> Opportunity:
    """Publish a job opportunity for an employment service of the network."""
    with transaction.atomic():
        membership = permissions.require_offer_publisher(actor, posted_id(organisation_id) if organisation_id else None)
        skills = _skills(skill_ids, field="required_skills")
        levels = _languages(languages)
        closing_on = _date(data.get("closing_on"), field="closing_on")
        assert closing_on is not None  # noqa: S101 - required
        if closing_on < timezone.localdate():
            raise ValidationError({"closing_on": _("The closing date is already past.")})
        opportunity = Opportunity.objects.create(
            organisation_id=membership.organisation_id, created_by=actor,
            employer=_text(data.get("employer"), field="employer", required=True),
            role=_text(data.get("role"), field="role", required=True),
            description=_text(data.get("description"), field="description", max_length=4000),
            city=_text(data.get("city"), field="city", required=True, max_length=100),
            area=_int(data.get("area", Mobility.LOCAL), field="area", low=1, high=3),
            weekly_hours=_int(data.get("weekly_hours"), field="weekly_hours", low=1, high=60),
            days=_int(data.get("days", 31), field="days", low=1, high=ALL_DAYS_MASK),
            shift=_choice(data.get("shift", Shift.DAY), Shift, field="shift", message=_("Choose the shift.")),
            contract_type=_choice(data.get("contract_type"), ContractType, field="contract_type",
                                  message=_("Choose the contract type.")),
            closing_on=closing_on, requirement_count=len(skills) + len(levels),
        )
        OpportunitySkill.objects.bulk_create([OpportunitySkill(opportunity=opportunity, skill=s) for s in skills])
        OpportunityLanguage.objects.bulk_create([
            OpportunityLanguage(opportunity=opportunity, language=code, min_level=level)
            for code, level in levels.items()
        ])
        _audit(actor=actor, action=AuditAction.CREATE, obj=opportunity, organisation_id=membership.organisation_id)
        return opportunity


def course_create(*, actor, organisation_id=None, data: dict, skill_ids: Iterable = ()) -> Course:
    """Publish a training course of an employment service, with its seats."""
    with transaction.atomic():
        membership = permissions.require_offer_publisher(actor, posted_id(organisation_id) if organisation_id else None)
        starts_on = _date(data.get("starts_on"), field="starts_on")
        ends_on = _date(data.get("ends_on"), field="ends_on")
        assert starts_on is not None and ends_on is not None  # noqa: S101 - required
        if ends_on < starts_on:
            raise ValidationError({"ends_on": _("The course cannot end before it starts.")})
        level = data.get("min_italian_level")
        course = Course.objects.create(
            organisation_id=membership.organisation_id, created_by=actor,
            title=_text(data.get("title"), field="title", required=True),
            description=_text(data.get("description"), field="description", max_length=4000),
            location=_text(data.get("location"), field="location"),
            starts_on=starts_on, ends_on=ends_on,
            seats=_int(data.get("seats"), field="seats", low=1, high=500),
            min_italian_level=(_int(level, field="min_italian_level", low=1, high=6)
                               if level not in (None, "") else None),
        )
        course.required_skills.set(_skills(skill_ids, field="required_skills"))
        _audit(actor=actor, action=AuditAction.CREATE, obj=course, organisation_id=membership.organisation_id)
        return course


def course_enrol(*, actor, course_id, case: Case) -> Enrolment:
    """Enrol the person of `case` in a course. The course row is locked, so two enrolments for the last seat
    are serialised and the second is refused ("the course is full"). Raises Http404 (unknown course),
    PermissionDenied, ValidationError."""
    with transaction.atomic():
        course = Course.objects.select_for_update().filter(pk=posted_id_or_zero(course_id)).first()
        if course is None:
            raise ValidationError({"course": _("Choose a course.")})
        pathway = running_pathway(case)
        provider_id = pathway.provider_organisation_id if pathway else None
        membership = (permissions.case_worker_membership(actor, case, provider_id=provider_id)
                      or permissions.case_worker_membership(actor, case, provider_id=course.organisation_id))
        if membership is None:
            raise PermissionDenied(_("Only the employment service of the pathway, the course's provider or the case's "
                                     "lead organisation can enrol this person."))
        if course.ends_on < timezone.localdate():
            raise ValidationError({"course": _("This course has already ended.")})
        existing = Enrolment.objects.filter(course=course, case=case).first()
        if existing is not None and existing.status in SEAT_STATUSES:
            raise ValidationError({"course": _("This person is already enrolled in the course.")})
        taken = Enrolment.objects.filter(course=course, status__in=SEAT_STATUSES).count()
        if taken >= course.seats:
            raise ValidationError({"course": _("The course is full: all %(seats)d seats are taken.")
                                   % {"seats": course.seats}})
        if existing is not None:  # withdrawn earlier, enrolled again
            existing.status = EnrolmentStatus.ENROLLED
            existing.enrolled_by = actor
            existing.enrolled_at = timezone.now()
            existing.pathway = pathway
            existing.save()
            enrolment = existing
        else:
            try:
                with transaction.atomic():
                    enrolment = Enrolment.objects.create(course=course, case=case, pathway=pathway,
                                                         enrolled_by=actor, organisation_id=membership.organisation_id)
            except IntegrityError:
                raise ValidationError({"course": _("This person is already enrolled in the course.")}) from None
        _step_record(kind=CaseEventKind.COURSE_ENROLLED, case=case, actor=actor,
                     organisation_id=membership.organisation_id, obj=enrolment, provider_id=course.organisation_id,
                     date=course.starts_on, provider=course.organisation.name, course=course.title,
                     detail={"course": course.pk})
        return enrolment


def enrolment_set_status(*, actor, enrolment_id, status: str) -> Enrolment:
    status = _choice(status, EnrolmentStatus, field="status", message=_("Choose the status."))
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().select_related("case", "pathway", "course").filter(
            pk=posted_id_or_zero(enrolment_id)).first()
        if enrolment is None:
            raise Http404
        provider_id = (enrolment.pathway.provider_organisation_id if enrolment.pathway
                       else enrolment.course.organisation_id)
        membership = permissions.case_worker_membership(actor, enrolment.case, provider_id=provider_id)
        if membership is None:
            raise Http404
        enrolment.status = status
        enrolment.save(update_fields=["status"])
        _audit(actor=actor, action=AuditAction.UPDATE, obj=enrolment, organisation_id=membership.organisation_id,
               case=enrolment.case, status=status)
        return enrolment


# --- internships ---------------------------------------------------------------------------------------------


def internship_create(*, actor, case: Case, data: dict) -> Internship:
    """Record a tirocinio di inclusione for the person of `case`. Refused when it ends before (or on) its start."""
    with transaction.atomic():
        pathway = running_pathway(case)
        membership = permissions.require_case_worker(
            actor, case, provider_id=pathway.provider_organisation_id if pathway else None)
        starts_on = _date(data.get("starts_on"), field="starts_on")
        ends_on = _date(data.get("ends_on"), field="ends_on")
        assert starts_on is not None and ends_on is not None  # noqa: S101 - required
        if ends_on <= starts_on:
            raise ValidationError({"ends_on": _("The internship cannot end before it starts.")})
        try:
            allowance = Decimal(str(data.get("monthly_allowance", "")).strip().replace(",", "."))
        except InvalidOperation:
            raise ValidationError({"monthly_allowance": _("Enter an amount in euro.")}) from None
        if not allowance.is_finite() or allowance < 0 or allowance >= Decimal("100000"):
            raise ValidationError({"monthly_allowance": _("Enter an amount in euro.")})
        status = data.get("status") or (InternshipStatus.IN_PROGRESS if starts_on <= timezone.localdate()
                                        else InternshipStatus.PLANNED)
        internship = Internship.objects.create(
            case=case, pathway=pathway, organisation_id=membership.organisation_id, created_by=actor,
            host_employer=_text(data.get("host_employer"), field="host_employer", required=True),
            tutor=_text(data.get("tutor"), field="tutor", required=True),
            starts_on=starts_on, ends_on=ends_on,
            weekly_hours=_int(data.get("weekly_hours"), field="weekly_hours", low=1, high=40),
            monthly_allowance=allowance.quantize(Decimal("0.01")),
            status=_choice(status, InternshipStatus, field="status", message=_("Choose the status.")),
        )
        _step_record(kind=CaseEventKind.INTERNSHIP_RECORDED, case=case, actor=actor,
                     organisation_id=membership.organisation_id, obj=internship,
                     provider_id=pathway.provider_organisation_id if pathway else None, date=starts_on,
                     end=ends_on.isoformat())
        return internship


def internship_set_status(*, actor, internship_id, status: str) -> Internship:
    status = _choice(status, InternshipStatus, field="status", message=_("Choose the status."))
    with transaction.atomic():
        internship = Internship.objects.select_for_update().select_related("case", "pathway").filter(
            pk=posted_id_or_zero(internship_id)).first()
        if internship is None:
            raise Http404
        provider_id = internship.pathway.provider_organisation_id if internship.pathway else internship.organisation_id
        membership = permissions.case_worker_membership(actor, internship.case, provider_id=provider_id)
        if membership is None:
            raise Http404
        internship.status = status
        internship.save(update_fields=["status"])
        _audit(actor=actor, action=AuditAction.UPDATE, obj=internship, organisation_id=membership.organisation_id,
               case=internship.case, status=status)
        return internship


def seats_taken(course_ids: Iterable[int]) -> dict[int, int]:
    rows = (Enrolment.objects.filter(course_id__in=list(course_ids), status__in=SEAT_STATUSES)
            .values("course_id").annotate(n=Count("pk")).values_list("course_id", "n"))
    return dict(rows)
