"""The offer of the employment services: job opportunities and training courses (public, no personal data)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.bus import publish
from core.models import AuditAction
from employment import permissions
from employment.events import CoursePublished, OpportunityPublished
from employment.models import (
    WEEKDAYS_MASK,
    ContractType,
    Course,
    Mobility,
    Opportunity,
    OpportunityLanguage,
    OpportunitySkill,
    Shift,
    Skill,
)
from employment.services.common import audit


def opportunity_create(
    *,
    actor,
    organisation_id: int | None = None,
    employer: str,
    role: str,
    city: str,
    weekly_hours: int,
    contract_type: ContractType | str,
    closing_on: datetime.date,
    days: int = WEEKDAYS_MASK,
    area: int = Mobility.LOCAL,
    shift: Shift | str = Shift.DAY,
    description: str = "",
    skills: Iterable[Skill] = (),
    languages: Mapping[str, int] | None = None,
) -> Opportunity:
    """Publish a job opportunity for an employment service of the network (`organisation_id`: one of the actor's,
    needed when they work for several), with its required skills and languages (`{language: minimum CEFR
    level}`). Raises PermissionDenied, ValidationError (closing date past). Audits; publishes
    `OpportunityPublished`."""
    skills = list(skills)
    levels = dict(languages or {})
    with transaction.atomic():
        membership = permissions.require_offer_publisher(actor, organisation_id)
        if closing_on < timezone.localdate():
            raise ValidationError({"closing_on": _("The closing date is already past.")})
        opportunity = Opportunity.objects.create(
            organisation_id=membership.organisation_id,
            created_by=actor,
            employer=employer.strip(),
            role=role.strip(),
            description=description.strip(),
            city=city.strip(),
            area=area,
            weekly_hours=weekly_hours,
            days=days,
            shift=shift,
            contract_type=contract_type,
            closing_on=closing_on,
            requirement_count=len(skills) + len(levels),
        )
        OpportunitySkill.objects.bulk_create([OpportunitySkill(opportunity=opportunity, skill=s) for s in skills])
        OpportunityLanguage.objects.bulk_create(
            [
                OpportunityLanguage(opportunity=opportunity, language=code, min_level=level)
                for code, level in levels.items()
            ]
        )
        audit(actor=actor, action=AuditAction.CREATE, obj=opportunity, organisation_id=membership.organisation_id)
        publish(OpportunityPublished(opportunity=opportunity, actor_id=actor.pk))
        return opportunity


def course_create(
    *,
    actor,
    organisation_id: int | None = None,
    title: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    seats: int,
    description: str = "",
    location: str = "",
    min_italian_level: int | None = None,
    skills: Iterable[Skill] = (),
) -> Course:
    """Publish a training course of an employment service, with its seats. Raises PermissionDenied,
    ValidationError (ends before it starts). Audits; publishes `CoursePublished`."""
    with transaction.atomic():
        membership = permissions.require_offer_publisher(actor, organisation_id)
        if ends_on < starts_on:
            raise ValidationError({"ends_on": _("The course cannot end before it starts.")})
        course = Course.objects.create(
            organisation_id=membership.organisation_id,
            created_by=actor,
            title=title.strip(),
            description=description.strip(),
            location=location.strip(),
            starts_on=starts_on,
            ends_on=ends_on,
            seats=seats,
            min_italian_level=min_italian_level,
        )
        course.required_skills.set(list(skills))
        audit(actor=actor, action=AuditAction.CREATE, obj=course, organisation_id=membership.organisation_id)
        publish(CoursePublished(course=course, actor_id=actor.pk))
        return course
