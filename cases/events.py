"""Events `cases` publishes (see `core.bus`)."""

from __future__ import annotations

from dataclasses import dataclass

from cases.models import CaseEvent


@dataclass(frozen=True)
class CaseEventRecorded:
    """A line was added to a case's timeline (case closed, consent recorded...), in the current transaction."""

    event: CaseEvent
