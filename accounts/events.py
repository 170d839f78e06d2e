"""The events `accounts` publishes on the domain event bus (core.bus)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UserSessionsEnded:
    """Every session of a user was ended (password change or reset, no membership left): their open websockets must
    close (notifications closes them after the commit)."""

    user_id: int
