"""Events `workflows` publishes (see `core.bus`)."""

from __future__ import annotations

from dataclasses import dataclass

from workflows.models import WorkflowEvent


@dataclass(frozen=True)
class WorkflowEventRecorded:
    """A workflow transition was recorded (a task created, a handoff sent, accepted, declined, escalated...),
    in the transaction that made it."""

    event: WorkflowEvent
