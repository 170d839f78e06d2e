"""The employability profile of a case."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, TimelineKind
from cases.services.case_file import lock_case
from core.bus import publish
from core.locks import lock_one
from core.models import AuditAction
from employment import permissions
from employment.events import EmployabilityProfileSaved
from employment.models import (
    WEEKDAYS_MASK,
    DidStatus,
    EducationLevel,
    EmployabilityProfile,
    Mobility,
    ProfileLanguage,
    ProfileSkill,
    Skill,
)
from employment.services.common import require_open_case, running_pathway, step_record


def profile_save(
    *,
    actor,
    case: Case,
    education_level: str = EducationLevel.LOWER_SECONDARY,
    max_weekly_hours: int = 40,
    available_days: int = WEEKDAYS_MASK,
    mobility: int = Mobility.METRO,
    did_status: str = DidStatus.NONE,
    did_date: datetime.date | None = None,
    qualifications: str = "",
    work_history: str = "",
    childcare_constraint: bool = False,
    receives_adi: bool = False,
    receives_sfl: bool = False,
    skills: Iterable[Skill] = (),
    languages: Mapping[str, int] | None = None,
) -> EmployabilityProfile:
    """Create or update the case's employability profile (who may change the case), replacing its skills and
    languages (`{language: CEFR level}`). Locks the case, then the profile. Raises PermissionDenied,
    ValidationError (closed case, a DID without its date or in the future, ADI and SFL together). Writes the
    timeline line (no values: the skills and languages go to its audit row only); publishes
    `EmployabilityProfileSaved`."""
    skills = list(skills)
    levels = dict(languages or {})
    with transaction.atomic():
        case = lock_case(case)
        membership = permissions.require_profile_change(actor, case)
        require_open_case(case)
        if did_status != DidStatus.NONE and did_date is None:
            raise ValidationError({"did_date": _("Give the date of the DID.")})
        if did_date and did_date > timezone.localdate():
            raise ValidationError({"did_date": _("The DID date cannot be in the future.")})
        if receives_adi and receives_sfl:
            raise ValidationError({"receives_sfl": _("ADI and SFL cannot be received together.")})
        fields = {
            "education_level": education_level,
            "qualifications": qualifications.strip(),
            "work_history": work_history.strip(),
            "max_weekly_hours": max_weekly_hours,
            "available_days": available_days,
            "childcare_constraint": childcare_constraint,
            "mobility": mobility,
            "did_status": did_status,
            "did_date": did_date,
            "receives_adi": receives_adi,
            "receives_sfl": receives_sfl,
        }
        profile = EmployabilityProfile.objects.filter(case=case).first()
        created = profile is None
        if profile is None:
            profile = EmployabilityProfile.objects.create(case=case, updated_by=actor, **fields)
        else:
            profile = lock_one(EmployabilityProfile.objects, pk=profile.pk)
            for name, value in fields.items():
                setattr(profile, name, value)
            profile.updated_by = actor
            profile.save()
        ProfileSkill.objects.filter(profile=profile).exclude(skill__in=skills).delete()
        ProfileSkill.objects.bulk_create(
            [ProfileSkill(profile=profile, skill=s) for s in skills], ignore_conflicts=True
        )
        ProfileLanguage.objects.filter(profile=profile).delete()
        ProfileLanguage.objects.bulk_create(
            [ProfileLanguage(profile=profile, language=code, level=level) for code, level in sorted(levels.items())]
        )
        pathway = running_pathway(case)
        step_record(
            kind=TimelineKind.EMPLOYABILITY_PROFILE_SAVED,
            case=case,
            actor=actor,
            organisation_id=membership.organisation_id,
            obj=profile,
            provider_id=pathway.provider_organisation_id if pathway else None,
            date=timezone.localdate(),
            audit_action=AuditAction.CREATE if created else AuditAction.UPDATE,
            detail={"skills": sorted(s.code for s in skills), "languages": levels},
        )
        publish(EmployabilityProfileSaved(profile=profile, actor_id=actor.pk, created=created))
        return profile
