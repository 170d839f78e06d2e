"""Matching both ways, ranked in SQL, each rank explained.

A requirement is a required skill (licences included) or a language at a minimum CEFR level. A constraint is
what decides whether the person can take the job at all: hours, days, distance (mobility vs. the job's area) and
shift (childcare limits work to daytime). The rank orders by constraints failed (a blocker: a person who cannot
work nights cannot take a night job), then requirements missing (a gap training may close), then requirements met.

Candidates are only people whose case the viewer may read (`cases.permissions.checks.visible_cases(user, VIEW_FILE)` in
the query), with at least one requirement met when the opportunity has requirements. The explanation ("meets 4 of
5 requirements; missing: forklift licence") is computed for the rows of a page only: two queries whatever the page.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.models import CaseStatus
from cases.permissions import checks as case_checks
from employment.models import (
    CefrLevel,
    EmployabilityProfile,
    Language,
    Mobility,
    Opportunity,
    OpportunityLanguage,
    OpportunitySkill,
    ProfileLanguage,
    ProfileSkill,
    Shift,
)
from partners.roles import Capability

CONSTRAINTS = 4  # hours, days, area, shift


def _count(qs, ref: str) -> Coalesce:
    """A correlated COUNT(*) of `qs` rows per outer row, 0 when none."""
    counted = qs.order_by().values(ref).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _any(conditions: list[Q]) -> Q:
    result = Q(pk__in=[])
    for condition in conditions:
        result |= condition
    return result


def _ok(condition: Q) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


# --- candidates for an opportunity -----------------------------------------------------------------------------


def candidates_for(*, user, opportunity: Opportunity) -> QuerySet[EmployabilityProfile]:
    """Profiles of open cases the user may read, ranked for `opportunity` (annotated `met`,
    `constraints_failed`, `hours_ok`, `days_ok`, `area_ok`, `shift_ok`; missing = requirement_count - met)."""
    skill_ids = list(OpportunitySkill.objects.filter(opportunity=opportunity).values_list("skill_id", flat=True))
    languages = list(OpportunityLanguage.objects.filter(opportunity=opportunity).values_list("language", "min_level"))
    language_match = _any([Q(language=code, level__gte=level) for code, level in languages])
    visible = case_checks.visible_cases(user, Capability.VIEW_FILE).exclude(status=CaseStatus.CLOSED)
    profiles = EmployabilityProfile.objects.filter(case__in=visible.values("pk"))
    if skill_ids or languages:
        has_skill = ProfileSkill.objects.filter(profile=OuterRef("pk"), skill_id__in=skill_ids)
        has_language = ProfileLanguage.objects.filter(language_match, profile=OuterRef("pk"))
        profiles = profiles.filter(Q(Exists(has_skill)) | Q(Exists(has_language)))
        skills_met = _count(ProfileSkill.objects.filter(profile=OuterRef("pk"), skill_id__in=skill_ids), "profile")
        languages_met = _count(ProfileLanguage.objects.filter(language_match, profile=OuterRef("pk")), "profile")
        met: Any = skills_met + languages_met if languages else skills_met
    else:
        met = Value(0, output_field=IntegerField())
    shift_ok = _ok(Q(pk__isnull=False)) if opportunity.shift == Shift.DAY else _ok(Q(childcare_constraint=False))
    return (
        profiles.select_related("case__person")
        .annotate(
            met=met,
            day_overlap=F("available_days").bitand(opportunity.days),
            hours_ok=_ok(Q(max_weekly_hours__gte=opportunity.weekly_hours)),
            area_ok=_ok(Q(mobility__gte=opportunity.area)),
            shift_ok=shift_ok,
        )
        .annotate(days_ok=_ok(Q(day_overlap=opportunity.days)))
        .annotate(constraints_failed=Value(CONSTRAINTS) - F("hours_ok") - F("days_ok") - F("area_ok") - F("shift_ok"))
        # The opportunity is fixed: fewer missing is more met. Ordering by `met` alone keeps PostgreSQL from
        # evaluating the two counting subqueries twice (a `missing` annotation would repeat them).
        .order_by("constraints_failed", "-met", "case_id")
    )


# --- opportunities for a person --------------------------------------------------------------------------------


def opportunities_for(*, profile: EmployabilityProfile, open_only: bool = True) -> QuerySet[Opportunity]:
    """Opportunities ranked for the person of `profile` (the caller has checked they may read it)."""
    skill_ids = list(ProfileSkill.objects.filter(profile=profile).values_list("skill_id", flat=True))
    languages = list(ProfileLanguage.objects.filter(profile=profile).values_list("language", "level"))
    opportunities = Opportunity.objects.all()
    if open_only:
        opportunities = opportunities.filter(closing_on__gte=timezone.localdate())
    skills_met = _count(
        OpportunitySkill.objects.filter(opportunity=OuterRef("pk"), skill_id__in=skill_ids), "opportunity"
    )
    language_match = _any([Q(language=code, min_level__lte=level) for code, level in languages])
    languages_met = _count(
        OpportunityLanguage.objects.filter(language_match, opportunity=OuterRef("pk")), "opportunity"
    )
    shift_ok = _ok(Q(shift=Shift.DAY)) if profile.childcare_constraint else _ok(Q(pk__isnull=False))
    return (
        opportunities.select_related("organisation")
        .annotate(
            met=skills_met + languages_met,
            day_overlap=F("days").bitand(profile.available_days),
            hours_ok=_ok(Q(weekly_hours__lte=profile.max_weekly_hours)),
            area_ok=_ok(Q(area__lte=profile.mobility)),
            shift_ok=shift_ok,
        )
        .annotate(missing=F("requirement_count") - F("met"), days_ok=_ok(Q(day_overlap=F("days"))))
        .annotate(constraints_failed=Value(CONSTRAINTS) - F("hours_ok") - F("days_ok") - F("area_ok") - F("shift_ok"))
        .order_by("constraints_failed", "missing", "-met", "closing_on", "pk")
    )


# --- explanations, for the rows of one page --------------------------------------------------------------------


@dataclass
class Explanation:
    met: int
    total: int
    missing: list[str] = field(default_factory=list)
    blockers: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        if self.total == 0:
            head = _("no specific requirement")
        else:
            head = ngettext(
                "meets %(met)d of %(total)d requirement", "meets %(met)d of %(total)d requirements", self.total
            ) % {"met": self.met, "total": self.total}
        parts = [head]
        if self.missing:
            parts.append(_("missing: %(items)s") % {"items": ", ".join(self.missing)})
        if self.blockers:
            parts.append(_("constraints: %(items)s") % {"items": ", ".join(self.blockers)})
        return "; ".join(parts)


def _language_label(code: str, level: int) -> str:
    return f"{Language(code).label} {CefrLevel(level).label}"


def _blockers(row, *, hours: int, days: int, area: int, shift: str, profile_hours: int, profile_days: int) -> list[str]:
    blockers = []
    if not row.hours_ok:
        blockers.append(
            _("%(needed)d h/week asked, %(available)d available") % {"needed": hours, "available": profile_hours}
        )
    if not row.days_ok:
        blockers.append(_("not free on every working day asked"))
    if not row.area_ok:
        blockers.append(_("too far (%(area)s)") % {"area": Mobility(area).label})
    if not row.shift_ok:
        blockers.append(_("%(shift)s shift, childcare limits work to daytime") % {"shift": Shift(shift).label})
    return blockers


def explain_candidates(*, opportunity: Opportunity, rows: list) -> dict[int, Explanation]:
    """By profile id, for the profiles of one page (three queries whatever the page)."""
    required = {
        r.skill_id: r.skill.label
        for r in OpportunitySkill.objects.filter(opportunity=opportunity).select_related("skill")
    }
    languages = list(OpportunityLanguage.objects.filter(opportunity=opportunity).values_list("language", "min_level"))
    ids = [row.pk for row in rows]
    has_skills: dict[int, set[int]] = defaultdict(set)
    for profile_id, skill_id in ProfileSkill.objects.filter(
        profile_id__in=ids, skill_id__in=list(required)
    ).values_list("profile_id", "skill_id"):
        has_skills[profile_id].add(skill_id)
    levels: dict[int, dict[str, int]] = defaultdict(dict)
    for profile_id, code, level in ProfileLanguage.objects.filter(
        profile_id__in=ids, language__in=[code for code, _level in languages]
    ).values_list("profile_id", "language", "level"):
        levels[profile_id][code] = level
    result = {}
    for row in rows:
        missing = [
            label
            for skill_id, label in sorted(required.items(), key=lambda item: item[1])
            if skill_id not in has_skills[row.pk]
        ]
        missing += [_language_label(code, level) for code, level in languages if levels[row.pk].get(code, 0) < level]
        total = len(required) + len(languages)
        result[row.pk] = Explanation(
            met=total - len(missing),
            total=total,
            missing=missing,
            blockers=_blockers(
                row,
                hours=opportunity.weekly_hours,
                days=opportunity.days,
                area=opportunity.area,
                shift=opportunity.shift,
                profile_hours=row.max_weekly_hours,
                profile_days=row.available_days,
            ),
        )
    return result


def explain_opportunities(*, profile: EmployabilityProfile, rows: list) -> dict[int, Explanation]:
    """By opportunity id, for the opportunities of one page (three queries whatever the page)."""
    own_skills = set(ProfileSkill.objects.filter(profile=profile).values_list("skill_id", flat=True))
    own_levels = dict(ProfileLanguage.objects.filter(profile=profile).values_list("language", "level"))
    ids = [row.pk for row in rows]
    missing: dict[int, list[str]] = defaultdict(list)
    for requirement in (
        OpportunitySkill.objects.filter(opportunity_id__in=ids).select_related("skill").order_by("skill__label")
    ):
        if requirement.skill_id not in own_skills:
            missing[requirement.opportunity_id].append(requirement.skill.label)
    for opportunity_id, code, level in OpportunityLanguage.objects.filter(opportunity_id__in=ids).values_list(
        "opportunity_id", "language", "min_level"
    ):
        if own_levels.get(code, 0) < level:
            missing[opportunity_id].append(_language_label(code, level))
    return {
        row.pk: Explanation(
            met=row.requirement_count - len(missing[row.pk]),
            total=row.requirement_count,
            missing=missing[row.pk],
            blockers=_blockers(
                row,
                hours=row.weekly_hours,
                days=row.days,
                area=row.area,
                shift=row.shift,
                profile_hours=profile.max_weekly_hours,
                profile_days=profile.available_days,
            ),
        )
        for row in rows
    }


# --- the full ranking: every open opportunity against every profile (PostgreSQL) -------------------------------

FULL_RANKING_SQL = """
WITH visible(id) AS ({visible}),
profiles AS (
    SELECT p.id, p.case_id, p.max_weekly_hours, p.available_days, p.mobility, p.childcare_constraint
    FROM employment_employabilityprofile p JOIN visible v ON v.id = p.case_id
),
opportunities AS (
    SELECT id, requirement_count, weekly_hours, days, area, shift
    FROM employment_opportunity WHERE closing_on >= %s
),
met AS (
    SELECT pair.opportunity_id, pair.profile_id, count(*) AS met FROM (
        SELECT os.opportunity_id, ps.profile_id
        FROM employment_opportunityskill os
        JOIN employment_profileskill ps ON ps.skill_id = os.skill_id
        UNION ALL
        SELECT ol.opportunity_id, pl.profile_id
        FROM employment_opportunitylanguage ol
        JOIN employment_profilelanguage pl ON pl.language = ol.language AND pl.level >= ol.min_level
    ) pair GROUP BY pair.opportunity_id, pair.profile_id
),
ranked AS (
    SELECT m.opportunity_id, m.profile_id, m.met, o.requirement_count - m.met AS missing,
           ((p.max_weekly_hours < o.weekly_hours)::int + ((p.available_days & o.days) <> o.days)::int
            + (p.mobility < o.area)::int + (o.shift <> 'day' AND p.childcare_constraint)::int) AS constraints_failed
    FROM met m
    JOIN opportunities o ON o.id = m.opportunity_id
    JOIN profiles p ON p.id = m.profile_id
),
numbered AS (
    SELECT r.*, row_number() OVER (PARTITION BY r.opportunity_id
                                   ORDER BY r.constraints_failed, r.missing, r.met DESC, r.profile_id) AS rank
    FROM ranked r
)
SELECT opportunity_id, profile_id, rank, met, missing, constraints_failed FROM numbered WHERE rank <= %s
ORDER BY opportunity_id, rank
"""


def full_ranking(*, user, top: int = 10) -> list[tuple[int, int, int, int, int, int]]:
    """The best `top` candidates of every open opportunity, among the profiles the user may read: rows of
    (opportunity id, profile id, rank, met, missing, constraints failed). One statement on PostgreSQL (the bitwise
    test on days is PostgreSQL's `&`): the candidates' lists and the bench use it."""
    visible = case_checks.visible_cases(user, Capability.VIEW_FILE).exclude(status=CaseStatus.CLOSED).values("pk")
    visible_sql, visible_params = visible.query.sql_with_params()
    sql = FULL_RANKING_SQL.format(visible=visible_sql)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*visible_params, timezone.localdate(), top])
        return [tuple(row) for row in cursor.fetchall()]
