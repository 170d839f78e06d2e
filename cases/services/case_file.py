"""The case file: its opening, status and closure rows (the file half of the case lifecycle), editing it;
assessment and plan.

Opening, closing, reopening a case and changing its status are public only as `workflows.services.lifecycle`
(`case_open`, `case_close`, `case_reopen`, `case_set_status`), which also start, end and restart the case
pathway and end the handoffs; `open_file`, `close_file` and `set_file_status` here are their file-only half,
called by nothing else (`cases` does not import `workflows`)."""

from __future__ import annotations

import datetime
from typing import cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import (
    Action,
    Assessment,
    Case,
    CaseStatus,
    ClosureOutcome,
    Domain,
    Goal,
    Household,
    Intervention,
    ItemStatus,
    Person,
    Plan,
    Severity,
    TimelineKind,
    recipient_key_of,
)
from cases.permissions import checks, grants
from cases.services.timeline import timeline_record
from core.locks import lock_one
from core.models import AuditAction
from partners.models import Membership, Organisation
from partners.roles import Capability, Role

# "Not given" for arguments where None is a meaningful value.
UNCHANGED = object()


def lock_case(case: Case) -> Case:
    """Re-read the case under a row lock (`core.locks`: the case row comes after the process and the handoff, before
    the person, the household and the pathway's rows)."""
    return lock_one(Case.objects, pk=case.pk)


def require_open(case: Case) -> None:
    if case.status == CaseStatus.CLOSED:
        raise ValidationError(_("The case is closed: reopen it first."))


def _require_case_manager_of(organisation_id: int, user) -> None:
    if user is None:
        return
    is_member = (
        Membership.objects.active().filter(user=user, organisation_id=organisation_id, role=Role.CASE_MANAGER).exists()
    )
    if not is_member:
        raise ValidationError({"case_manager": _("The case manager must be a case manager of the lead organisation.")})


def _next_code(case: Case) -> str:
    return f"C{case.opened_on:%Y}-{case.pk:06d}"


@transaction.atomic
def open_file(
    *,
    actor,
    organisation_id: int | None,
    person: Person,
    household: Household | None = None,
    title: str = "",
    case_manager=None,
    opened_on: datetime.date | None = None,
    codice_fiscale_proof: str = "",
) -> Case:
    """Open a case for a person, led by one of the actor's organisations (where they are a case manager).
    The file half of `workflows.services.lifecycle.case_open`: call that one.

    The lead organisation's group gets view and change on the case; nobody else sees it.
    A person the actor cannot see yet (registered elsewhere) needs `codice_fiscale_proof`: the
    person's codice fiscale, typed at intake. Raises Http404, PermissionDenied or ValidationError.
    """
    membership = checks.require_intake_membership(actor, organisation_id)
    if person.merged_into_id:
        raise ValidationError(_("This person was merged into another record: open the case there."))
    # A person already known to the network (same codice fiscale, registered elsewhere) may get a case
    # here too: intake happens at any member organisation. The new case shows only this organisation's
    # work; the other organisations' cases stay hidden. It is audited like any creation.
    if not checks.visible_persons(actor).filter(pk=person.pk).exists():
        proof = (codice_fiscale_proof or "").replace(" ", "").upper()
        if not person.codice_fiscale or proof != person.codice_fiscale:
            raise Http404
    case_manager = case_manager or actor
    _require_case_manager_of(membership.organisation_id, case_manager)
    opened_on = opened_on or timezone.localdate()
    if opened_on > timezone.localdate():
        raise ValidationError({"opened_on": _("The opening date cannot be in the future.")})
    case = Case(
        person=person,
        household=household,
        lead_organisation_id=membership.organisation_id,
        case_manager=case_manager,
        title=title.strip(),
        opened_on=opened_on,
        code="",
    )
    case.save()
    case.code = _next_code(case)
    case.save(update_fields=["code"])
    organisation = Organisation.objects.get(pk=membership.organisation_id)
    grants.grant_case_access(case, organisation, change=True)
    timeline_record(
        case=case,
        kind=TimelineKind.CASE_OPENED,
        actor=actor,
        organisation_id=membership.organisation_id,
        summary=title,
        obj=case,
        audit_action=AuditAction.CREATE,
    )
    return case


@transaction.atomic
def case_update(
    *, actor, case: Case, title: str | None = None, household: Household | None | object = UNCHANGED, case_manager=None
) -> Case:
    """Change the title, the household (None detaches it; leave it out to keep it) or the case manager."""
    case = lock_case(case)
    membership = checks.require_case_capability(actor, case, Capability.CHANGE_CASE)
    changed = []
    if title is not None and title.strip() != case.title:
        case.title = title.strip()
        changed.append("title")
    if household is not UNCHANGED and household != case.household:
        case.household = cast(Household | None, household)
        changed.append("household")
    if case_manager is not None and case_manager.pk != case.case_manager_id:
        _require_case_manager_of(case.lead_organisation_id, case_manager)
        case.case_manager = case_manager
        changed.append("case_manager")
    if changed:
        case.save()
        if "household" in changed:
            rekey_deliveries([case.pk])
        timeline_record(
            case=case,
            kind=TimelineKind.CASE_UPDATED,
            actor=actor,
            organisation_id=membership.organisation_id,
            obj=case,
            data={"fields": changed},
        )
    return case


def rekey_deliveries(case_ids) -> int:
    """After the household or the person of these cases changed: their deliveries recorded without a household
    follow the case (`Intervention.recipient_key`, read by the duplicate-aid signals). One update per case."""
    updated = 0
    for case in Case.objects.filter(pk__in=list(case_ids)).only("pk", "household_id", "person_id"):
        updated += Intervention.objects.filter(case_id=case.pk, household_id__isnull=True).update(
            recipient_key=recipient_key_of(household_id=None, case=case)
        )
    return updated


@transaction.atomic
def set_file_status(*, actor, case: Case, status: str) -> Case:
    """Move a case between open, active and suspended, or reopen a closed one; closing is `close_file`. The file
    half of `workflows.services.lifecycle.case_set_status`/`case_reopen`: call those."""
    membership = checks.require_case_capability(actor, case, Capability.CHANGE_CASE)
    if status not in (CaseStatus.OPEN, CaseStatus.ACTIVE, CaseStatus.SUSPENDED):
        raise ValidationError({"status": _("Choose open, active or suspended; use 'close' to close a case.")})
    case = lock_case(case)
    if case.status == status:
        return case
    old = case.status
    case.status = status
    case.closed_on = None
    case.closure_outcome = ""
    case.save()
    timeline_record(
        case=case,
        kind=TimelineKind.STATUS_CHANGED,
        actor=actor,
        organisation_id=membership.organisation_id,
        obj=case,
        data={"from": old, "to": status},
    )
    return case


@transaction.atomic
def close_file(*, actor, case: Case, outcome: str, note: str = "", closed_on: datetime.date | None = None) -> Case:
    """Close the case with its outcome. The file half of `workflows.services.lifecycle.case_close` (which also
    ends the pathway and the handoffs and lets shared access decay): call that one."""
    membership = checks.require_case_capability(actor, case, Capability.CHANGE_CASE)
    if outcome not in ClosureOutcome.values:
        raise ValidationError({"outcome": _("Choose the outcome of the case.")})
    case = lock_case(case)
    require_open(case)
    closed_on = closed_on or timezone.localdate()
    if closed_on > timezone.localdate() or closed_on < case.opened_on:
        raise ValidationError({"closed_on": _("The closing date must be between the opening date and today.")})
    old = case.status
    case.status = CaseStatus.CLOSED
    case.closed_on = closed_on
    case.closure_outcome = outcome
    case.closure_note = note.strip()
    case.save()
    timeline_record(
        case=case,
        kind=TimelineKind.CASE_CLOSED,
        actor=actor,
        organisation_id=membership.organisation_id,
        obj=case,
        data={"from": old, "outcome": outcome},
    )
    return case


@transaction.atomic
def assessment_record(
    *, actor, case: Case, domain: str, severity: int, notes: str = "", assessed_on: datetime.date | None = None
) -> Assessment:
    """Record how severe the person's need is in one domain, on a day (today by default) not in the future.
    Raises PermissionDenied (no change right on the case) or ValidationError (a closed case, an unknown
    domain or severity, a future date)."""
    case = lock_case(case)
    membership = checks.require_case_capability(actor, case, Capability.CHANGE_CASE)
    require_open(case)
    if domain not in Domain.values:
        raise ValidationError({"domain": _("Unknown domain.")})
    if severity not in Severity.values:
        raise ValidationError({"severity": _("Unknown severity.")})
    assessed_on = assessed_on or timezone.localdate()
    if assessed_on > timezone.localdate():
        raise ValidationError({"assessed_on": _("The date cannot be in the future.")})
    assessment = Assessment.objects.create(
        case=case,
        domain=domain,
        severity=severity,
        notes=notes.strip(),
        assessed_on=assessed_on,
        assessed_by=actor,
        organisation_id=membership.organisation_id,
    )
    timeline_record(
        case=case,
        kind=TimelineKind.ASSESSMENT_RECORDED,
        actor=actor,
        organisation_id=membership.organisation_id,
        obj=assessment,
        data={"domain": domain, "severity": severity},
        audit_action=AuditAction.CREATE,
    )
    return assessment


def _plan_for(case: Case) -> Plan:
    plan, _created = Plan.objects.get_or_create(case=case)
    return plan


@transaction.atomic
def plan_update(
    *,
    actor,
    case: Case,
    agreed_on: datetime.date | None = None,
    next_review_on: datetime.date | None = None,
    summary: str = "",
) -> Plan:
    """Set the plan's agreement date, next review and summary (the plan is created on first use); the review date
    is what the pathway's review timer waits for. Raises PermissionDenied (no change right on the case) or
    ValidationError (a closed case, an agreement in the future, a review before it)."""
    case = lock_case(case)
    membership = checks.require_case_capability(actor, case, Capability.CHANGE_CASE)
    require_open(case)
    if agreed_on and agreed_on > timezone.localdate():
        raise ValidationError({"agreed_on": _("The date cannot be in the future.")})
    if agreed_on and next_review_on and next_review_on < agreed_on:
        raise ValidationError({"next_review_on": _("The review must come after the agreement.")})
    plan = _plan_for(case)
    plan.agreed_on, plan.next_review_on, plan.summary = agreed_on, next_review_on, summary.strip()
    plan.save()
    timeline_record(
        case=case,
        kind=TimelineKind.PLAN_UPDATED,
        actor=actor,
        organisation_id=membership.organisation_id,
        obj=plan,
        data={"what": "plan"},
    )
    return plan


@transaction.atomic
def goal_add(*, actor, case: Case, domain: str, description: str) -> Goal:
    """Add a goal to the case's plan. Raises PermissionDenied (no change right on the case) or ValidationError
    (a closed case, an unknown domain, no description)."""
    case = lock_case(case)
    membership = checks.require_case_capability(actor, case, Capability.CHANGE_CASE)
    require_open(case)
    if domain not in Domain.values:
        raise ValidationError({"domain": _("Unknown domain.")})
    if not description.strip():
        raise ValidationError({"description": _("Describe the goal.")})
    goal = Goal.objects.create(plan=_plan_for(case), domain=domain, description=description.strip())
    timeline_record(
        case=case,
        kind=TimelineKind.PLAN_UPDATED,
        actor=actor,
        organisation_id=membership.organisation_id,
        summary=goal.description,
        obj=goal,
        data={"what": "goal"},
        audit_action=AuditAction.CREATE,
    )
    return goal


@transaction.atomic
def action_add(
    *,
    actor,
    goal: Goal,
    description: str,
    owner_organisation: Organisation,
    due_on: datetime.date | None = None,
    status: str = ItemStatus.PLANNED,
) -> Action:
    """Add an action to a goal, owned by an active organisation. Raises PermissionDenied (no change right on the
    case) or ValidationError (a closed case, no description, an unknown status, an inactive organisation)."""
    case = lock_case(goal.plan.case)
    membership = checks.require_case_capability(actor, case, Capability.CHANGE_CASE)
    require_open(case)
    if not description.strip():
        raise ValidationError({"description": _("Describe the action.")})
    if status not in ItemStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if not owner_organisation.is_active:
        raise ValidationError({"owner_organisation": _("This organisation is not active.")})
    action = Action.objects.create(
        goal=goal, description=description.strip(), owner_organisation=owner_organisation, due_on=due_on, status=status
    )
    timeline_record(
        case=case,
        kind=TimelineKind.PLAN_UPDATED,
        actor=actor,
        organisation_id=membership.organisation_id,
        summary=action.description,
        obj=action,
        data={"what": "action"},
        audit_action=AuditAction.CREATE,
    )
    return action
