"""Events `employment` publishes (see `core.bus`): one per operation, past tense, published by the service inside
its transaction after the change and its history/timeline/audit rows. The notifications hear the timeline lines of
the steps (`cases.events.CaseEventRecorded`); these events are for whoever else needs to know, without importing
employment's services."""

from __future__ import annotations

from dataclasses import dataclass

from employment.models import (
    Course,
    EmployabilityProfile,
    EmploymentPathway,
    Enrolment,
    FollowUp,
    Internship,
    Opportunity,
    Placement,
)


@dataclass(frozen=True)
class EmployabilityProfileSaved:
    profile: EmployabilityProfile
    actor_id: int | None
    created: bool


@dataclass(frozen=True)
class EmploymentPathwayStarted:
    pathway: EmploymentPathway
    actor_id: int | None


@dataclass(frozen=True)
class EmploymentStepCompleted:
    """A step of the employment pathway was finished (`step` is the flow node's name: profile, refer, agree,
    training, placement, follow_up_3, follow_up_6)."""

    pathway: EmploymentPathway
    task_id: int
    step: str
    actor_id: int | None


@dataclass(frozen=True)
class EmploymentPathwayEnded:
    """The pathway ended (`outcome`: employed, job lost, not placed, dropped out)."""

    pathway: EmploymentPathway
    outcome: str
    actor_id: int | None


@dataclass(frozen=True)
class PlacementRecorded:
    placement: Placement
    actor_id: int | None


@dataclass(frozen=True)
class FollowUpRecorded:
    follow_up: FollowUp
    actor_id: int | None


@dataclass(frozen=True)
class OpportunityPublished:
    opportunity: Opportunity
    actor_id: int | None


@dataclass(frozen=True)
class CoursePublished:
    course: Course
    actor_id: int | None


@dataclass(frozen=True)
class CourseEnrolled:
    enrolment: Enrolment
    actor_id: int | None


@dataclass(frozen=True)
class EnrolmentStatusChanged:
    enrolment: Enrolment
    actor_id: int | None


@dataclass(frozen=True)
class InternshipRecorded:
    internship: Internship
    actor_id: int | None


@dataclass(frozen=True)
class InternshipStatusChanged:
    internship: Internship
    actor_id: int | None
