"""Events `housing` publishes (see `core.bus`): one per operation, past tense, published by the service inside its
transaction after the change and its timeline/audit rows. The notifications hear the timeline lines of the steps
(`cases.events.CaseEventRecorded`); these events are for whoever else needs to know, without importing housing's
services."""

from __future__ import annotations

from dataclasses import dataclass

from housing.models import (
    Application,
    EligibilityRule,
    HousingProfile,
    Offer,
    Place,
    PriorityWeights,
    Resource,
    Stay,
)


@dataclass(frozen=True)
class HousingProfileSaved:
    profile: HousingProfile
    actor_id: int | None
    created: bool


@dataclass(frozen=True)
class ApplicationCreated:
    application: Application
    actor_id: int | None


@dataclass(frozen=True)
class ApplicationUpdated:
    application: Application
    actor_id: int | None


@dataclass(frozen=True)
class ApplicationWithdrawn:
    application: Application
    actor_id: int | None


@dataclass(frozen=True)
class ResourceCreated:
    resource: Resource
    actor_id: int | None


@dataclass(frozen=True)
class ResourceUpdated:
    resource: Resource
    actor_id: int | None


@dataclass(frozen=True)
class PlaceClosed:
    place: Place
    actor_id: int | None


@dataclass(frozen=True)
class PlaceReopened:
    place: Place
    actor_id: int | None


@dataclass(frozen=True)
class EligibilityRuleSaved:
    rule: EligibilityRule
    actor_id: int | None
    created: bool


@dataclass(frozen=True)
class PriorityWeightsSaved:
    weights: PriorityWeights
    actor_id: int | None


@dataclass(frozen=True)
class OfferMade:
    offer: Offer
    actor_id: int | None


@dataclass(frozen=True)
class OfferAccepted:
    """`stay` is the new stay; `left_stay` the earlier one the acceptance ended (or None)."""

    offer: Offer
    stay: Stay
    left_stay: Stay | None
    actor_id: int | None


@dataclass(frozen=True)
class OfferDeclined:
    offer: Offer
    actor_id: int | None


@dataclass(frozen=True)
class OfferExpired:
    offer: Offer


@dataclass(frozen=True)
class PlacementStarted:
    """A direct move-in (no offer): an emergency placement."""

    stay: Stay
    actor_id: int | None


@dataclass(frozen=True)
class StayPlanUpdated:
    stay: Stay
    actor_id: int | None


@dataclass(frozen=True)
class StayEnded:
    stay: Stay
    actor_id: int | None


@dataclass(frozen=True)
class HousingPathwayStarted:
    process_id: int
    case_id: int
    actor_id: int | None


@dataclass(frozen=True)
class HousingStepCompleted:
    """A step of the housing pathway was finished (`step` is the flow node's name)."""

    task_id: int
    process_id: int
    case_id: int
    step: str
    actor_id: int | None
