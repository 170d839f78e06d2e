"""Internships (tirocini di inclusione) of a person, recorded by the pathway's employment service or the case's
lead organisation."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, TimelineKind
from cases.services.case_file import lock_case
from core.bus import publish
from core.locks import lock_one
from core.models import AuditAction
from employment import permissions
from employment.events import InternshipRecorded, InternshipStatusChanged
from employment.models import Internship, InternshipStatus
from employment.services.common import running_pathway, step_record


def internship_create(
    *,
    actor,
    case: Case,
    host_employer: str,
    tutor: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    weekly_hours: int,
    monthly_allowance: Decimal,
    status: InternshipStatus | str | None = None,
) -> Internship:
    """Record a tirocinio di inclusione for the person of `case` (planned or in progress by its start date,
    unless `status` says otherwise). Locks the case. Raises PermissionDenied, ValidationError (it ends before or
    on its start). Writes the timeline line (with its audit row); publishes `InternshipRecorded`."""
    with transaction.atomic():
        case = lock_case(case)
        pathway = running_pathway(case)
        membership = permissions.require_case_worker(
            actor, case, provider_id=pathway.provider_organisation_id if pathway else None
        )
        if ends_on <= starts_on:
            raise ValidationError({"ends_on": _("The internship cannot end before it starts.")})
        if status is None:
            status = InternshipStatus.IN_PROGRESS if starts_on <= timezone.localdate() else InternshipStatus.PLANNED
        internship = Internship.objects.create(
            case=case,
            pathway=pathway,
            organisation_id=membership.organisation_id,
            created_by=actor,
            host_employer=host_employer.strip(),
            tutor=tutor.strip(),
            starts_on=starts_on,
            ends_on=ends_on,
            weekly_hours=weekly_hours,
            monthly_allowance=monthly_allowance.quantize(Decimal("0.01")),
            status=status,
        )
        step_record(
            kind=TimelineKind.INTERNSHIP_RECORDED,
            case=case,
            actor=actor,
            organisation_id=membership.organisation_id,
            obj=internship,
            provider_id=pathway.provider_organisation_id if pathway else None,
            date=starts_on,
            end=ends_on.isoformat(),
        )
        publish(InternshipRecorded(internship=internship, actor_id=actor.pk))
        return internship


def internship_set_status(*, actor, internship_id: int, status: InternshipStatus | str) -> Internship:
    """Record how an internship goes (planned, in progress, completed, interrupted). Locks the internship. Raises
    Http404 (unknown, or not theirs). Writes the timeline line (with its audit row: the host employer is never
    on it); publishes `InternshipStatusChanged`."""
    with transaction.atomic():
        try:
            internship = lock_one(Internship.objects.select_related("case", "pathway"), pk=internship_id)
        except Internship.DoesNotExist:
            raise Http404 from None
        provider_id = internship.pathway.provider_organisation_id if internship.pathway else internship.organisation_id
        membership = permissions.case_worker_membership(actor, internship.case, provider_id=provider_id)
        if membership is None:
            raise Http404
        internship.status = status
        internship.save(update_fields=["status"])
        step_record(
            kind=TimelineKind.INTERNSHIP_STATUS_CHANGED,
            case=internship.case,
            actor=actor,
            organisation_id=membership.organisation_id,
            obj=internship,
            provider_id=internship.pathway.provider_organisation_id if internship.pathway else None,
            date=timezone.localdate(),
            audit_action=AuditAction.UPDATE,
            status=str(status),
        )
        publish(InternshipStatusChanged(internship=internship, actor_id=actor.pk))
        return internship
