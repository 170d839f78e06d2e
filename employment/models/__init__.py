"""Active labour policy: the employability profile of a case, courses, internships, job opportunities, the
pathway (with its referral, placement and follow-ups).

Everything personal hangs off a `Case`: who may read or change it is decided by `cases.permissions`, never
by a rule of this app. Opportunities and courses are public offers of the territory (no personal data).
"""

from employment.models.catalogue import (
    ALL_DAYS_MASK,
    DAY_BITS,
    WEEKDAYS_MASK,
    CefrLevel,
    DidStatus,
    EducationLevel,
    Language,
    Mobility,
    Shift,
    Skill,
    SkillKind,
    day_labels,
)
from employment.models.offers import (
    SEAT_STATUSES,
    ContractType,
    Course,
    Enrolment,
    EnrolmentStatus,
    Opportunity,
    OpportunityLanguage,
    OpportunitySkill,
)
from employment.models.pathways import (
    EmploymentPathway,
    FollowUp,
    Internship,
    InternshipStatus,
    PathType,
    PathwayOutcome,
    Placement,
    Stage,
)
from employment.models.profiles import (
    EmployabilityProfile,
    ProfileLanguage,
    ProfileSkill,
)

__all__ = [
    "ALL_DAYS_MASK",
    "DAY_BITS",
    "WEEKDAYS_MASK",
    "CefrLevel",
    "DidStatus",
    "EducationLevel",
    "Language",
    "Mobility",
    "Shift",
    "Skill",
    "SkillKind",
    "day_labels",
    "EmployabilityProfile",
    "ProfileLanguage",
    "ProfileSkill",
    "SEAT_STATUSES",
    "ContractType",
    "Course",
    "Enrolment",
    "EnrolmentStatus",
    "Opportunity",
    "OpportunityLanguage",
    "OpportunitySkill",
    "EmploymentPathway",
    "FollowUp",
    "Internship",
    "InternshipStatus",
    "PathType",
    "PathwayOutcome",
    "Placement",
    "Stage",
]
