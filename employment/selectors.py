"""Every read the employment pages and the API need, permission-filtered in SQL (`cases.permissions`)."""

from __future__ import annotations

import datetime

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cases.models import Case
from cases.permissions import checks as case_checks
from employment import permissions
from employment.models import (
    SEAT_STATUSES,
    ContractType,
    Course,
    EmployabilityProfile,
    EmploymentPathway,
    Enrolment,
    Internship,
    InternshipStatus,
    Opportunity,
    PathwayOutcome,
    Placement,
    Skill,
    Stage,
)
from partners.roles import Capability
from workflows.models import Handoff, HandoffStatus, Outcome


def skill_list() -> QuerySet[Skill]:
    return Skill.objects.all()


# --- profile and pathway of one case ----------------------------------------------------------------------


def profile_get_for(*, user, case: Case) -> EmployabilityProfile | None:
    """The case's profile for someone who may read the file (Http404 otherwise: the section is hidden)."""
    if not permissions.can_read_profile(user, case):
        raise Http404
    return (
        EmployabilityProfile.objects.filter(case=case)
        .select_related("updated_by")
        .prefetch_related("profile_skills__skill", "languages")
        .first()
    )


def pathway_of_case(case: Case) -> EmploymentPathway | None:
    """The latest pathway of the case (the caller has checked the case is visible)."""
    return (
        EmploymentPathway.objects.filter(case=case)
        .select_related("provider_organisation", "referral")
        .order_by("-started_at", "-pk")
        .first()
    )


def pathway_get_for(*, user, pk: int) -> EmploymentPathway:
    pathway = (
        EmploymentPathway.objects.filter(
            pk=pk, case__in=case_checks.visible_cases(user, Capability.VIEW_SUMMARY).values("pk")
        )
        .select_related("case__person", "provider_organisation", "lead_organisation", "referral")
        .first()
    )
    if pathway is None:
        raise Http404
    return pathway


def pathway_list_for(*, user, stage: str = "") -> QuerySet[EmploymentPathway]:
    """Pathways of the cases the user may see (people per stage), with what a row shows."""
    qs = EmploymentPathway.objects.filter(
        case__in=case_checks.visible_cases(user, Capability.VIEW_SUMMARY).values("pk")
    )
    if stage:
        qs = qs.filter(stage=stage)
    return qs.select_related("case__person", "provider_organisation").order_by("-started_at", "-pk")


def stage_counts_for(*, user) -> dict[str, int]:
    rows = (
        EmploymentPathway.objects.filter(case__in=case_checks.visible_cases(user, Capability.VIEW_SUMMARY).values("pk"))
        .values("stage")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = dict.fromkeys(Stage.values, 0)
    counts.update({row["stage"]: row["n"] for row in rows})
    return counts


def internships_in_progress_for(*, user) -> QuerySet[Internship]:
    return (
        Internship.objects.filter(
            status__in=[InternshipStatus.PLANNED, InternshipStatus.IN_PROGRESS],
            case__in=case_checks.visible_cases(user, Capability.VIEW_SUMMARY).values("pk"),
        )
        .select_related("case__person", "organisation")
        .order_by("ends_on", "pk")
    )


def case_internships_for(*, user, case: Case) -> QuerySet[Internship]:
    return Internship.objects.filter(case=case).select_related("organisation").order_by("-starts_on")


def enrolment_list_for(*, user) -> QuerySet[Enrolment]:
    """Enrolments of people whose case the user sees."""
    return (
        Enrolment.objects.filter(case__in=case_checks.visible_cases(user, Capability.VIEW_SUMMARY).values("pk"))
        .select_related("course__organisation", "case__person")
        .order_by("course__starts_on", "pk")
    )


def case_enrolments_for(*, user, case: Case) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(case=case).select_related("course__organisation").order_by("-enrolled_at")


# --- offers -----------------------------------------------------------------------------------------------------


def opportunity_list(*, open_only: bool = True) -> QuerySet[Opportunity]:
    """Job opportunities are public offers of the territory: every member sees them."""
    qs = Opportunity.objects.select_related("organisation")
    if open_only:
        qs = qs.filter(closing_on__gte=timezone.localdate())
    return qs.order_by("closing_on", "pk")


def opportunity_get(*, pk: int) -> Opportunity:
    opportunity = (
        Opportunity.objects.select_related("organisation")
        .prefetch_related("skill_requirements__skill", "language_requirements")
        .filter(pk=pk)
        .first()
    )
    if opportunity is None:
        raise Http404
    return opportunity


def course_list(*, open_only: bool = True) -> QuerySet[Course]:
    qs = Course.objects.select_related("organisation", "teaches").annotate(
        seats_taken=Count("enrolments", filter=Q(enrolments__status__in=SEAT_STATUSES))
    )
    if open_only:
        qs = qs.filter(ends_on__gte=timezone.localdate())
    return qs.order_by("starts_on", "pk")


def course_get(*, pk: int) -> Course:
    course = course_list(open_only=False).prefetch_related("required_skills").filter(pk=pk).first()
    if course is None:
        raise Http404
    return course


def course_enrolments_for(*, user, course: Course) -> QuerySet[Enrolment]:
    """The course's enrolments whose case the user sees (the others are counted in the seats, not shown)."""
    return enrolment_list_for(user=user).filter(course=course)


# --- the coordinator's figures: aggregates and case codes, no names ------------------------------------------


def coordinator_figures(*, user) -> dict | None:
    """Referrals to employment services and their outcomes, placements by contract type, drop-outs, time from
    profiling to placement. None for anyone but the coordinator."""
    if not permissions.is_employment_coordinator(user):
        return None
    referral_ids = EmploymentPathway.objects.filter(referral__isnull=False).values("referral_id")
    referrals: list[dict] = [
        dict(row)
        for row in Handoff.objects.filter(pk__in=referral_ids)
        .values("receiver_organisation__name", "status", "outcome")
        .annotate(n=Count("pk"))
        .order_by("receiver_organisation__name", "status", "outcome")
    ]
    placements: list[dict] = [
        dict(row) for row in Placement.objects.values("contract_type").annotate(n=Count("pk")).order_by("-n")
    ]
    outcomes = dict(
        EmploymentPathway.objects.exclude(outcome="").values_list("outcome").annotate(n=Count("pk")).order_by()
    )
    to_placement = EmploymentPathway.objects.filter(placed_at__isnull=False, profiled_at__isnull=False).aggregate(
        avg=Avg(ExpressionWrapper(F("placed_at") - F("profiled_at"), output_field=DurationField())), n=Count("pk")
    )
    average = to_placement["avg"]
    statuses, outcomes_labels = dict(HandoffStatus.choices), dict(Outcome.choices)
    for row in referrals:
        row["status_label"] = statuses.get(row["status"], row["status"])
        row["outcome_label"] = outcomes_labels.get(row["outcome"], "")
    contracts = dict(ContractType.choices)
    for row in placements:
        row["label"] = contracts.get(row["contract_type"], row["contract_type"])
    labels = dict(PathwayOutcome.choices)
    return {
        "referrals": referrals,
        "placements": placements,
        "outcome_rows": [(labels.get(key, key), n) for key, n in sorted(outcomes.items())],
        "outcomes": outcomes,
        "drop_outs": outcomes.get(PathwayOutcome.DROPPED_OUT, 0),
        "days_to_placement": round(average / datetime.timedelta(days=1), 1) if average is not None else None,
        "placed_count": to_placement["n"],
        "stages": dict(EmploymentPathway.objects.values_list("stage").annotate(n=Count("pk")).order_by()),
    }


def coordinator_pathways(*, user) -> QuerySet[EmploymentPathway]:
    """The pseudonymised list: case codes, stage, organisations; empty for anyone but the coordinator."""
    if not permissions.is_employment_coordinator(user):
        return EmploymentPathway.objects.none()
    return (
        EmploymentPathway.objects.select_related("case", "lead_organisation", "provider_organisation")
        .only(
            "pk",
            "stage",
            "path_type",
            "outcome",
            "started_at",
            "placed_at",
            "case__code",
            "lead_organisation__name",
            "provider_organisation__name",
        )
        .order_by("-started_at", "-pk")
    )
