"""The events `partners` publishes on the domain event bus (core.bus)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MembershipChanged:
    """A membership was added, deactivated, reactivated or changed role, or its organisation was
    (de)activated: what the user may receive from that organisation may have changed."""

    user_id: int
    organisation_id: int


@dataclass(frozen=True)
class MemberDeactivated:
    """An org_admin deactivated a membership: the user may have no access left anywhere (accounts ends their
    sessions and tokens then)."""

    user_id: int
    organisation_id: int
    actor_id: int | None
