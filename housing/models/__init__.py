"""The housing-services chain: resources and their places, the housing section of a case, eligibility rules and
priority weights kept as data, applications (waitlists), offers of a place, and stays (move-in / move-out).

Written only by `housing.services`; read through `housing.selectors`, which filter every list by the rules of
`housing.permissions` (case data through `cases.permissions`, places by the provider's membership).
"""

from housing.models.households import (
    Application,
    ApplicationStatus,
    Comparison,
    EligibilityRule,
    HousingProfile,
    PriorityWeights,
    RuleField,
    Situation,
)
from housing.models.placements import (
    ExitReason,
    HousingPathway,
    Offer,
    OfferStatus,
    Stay,
)
from housing.models.places import (
    PLACE_TRANSITIONS,
    Place,
    PlaceStatus,
    Resource,
    ResourceKind,
    TargetGroup,
)

__all__ = [
    "Application",
    "ApplicationStatus",
    "Comparison",
    "EligibilityRule",
    "ExitReason",
    "HousingPathway",
    "HousingProfile",
    "Offer",
    "OfferStatus",
    "PLACE_TRANSITIONS",
    "Place",
    "PlaceStatus",
    "PriorityWeights",
    "Resource",
    "ResourceKind",
    "RuleField",
    "Situation",
    "Stay",
    "TargetGroup",
]
