"""Referrals and transfers: send, accept, decline, redirect, close, revoke, report the outcome, follow up.

Each function is one transaction that takes the locks in one order (core.locks) — the handoff's process row
(`HandoffFlow.lock`), then the handoff row, then the case row — so that two people acting on the same handoff at
the same moment are serialised: the first wins, the second is told what happened. Then: authorise, validate,
change, write the history (`workflows.services.history`, which publishes `WorkflowEventRecorded`), the case
timeline and the audit rows; notifications follow on commit.

`send` (send, redirect), `answer` (accept, decline), `ending` (close, revoke, outcome, follow-up, the case's
closure), `common` (the locked read and what the actions share).
"""

from workflows.services.handoffs.answer import handoff_accept, handoff_decline
from workflows.services.handoffs.common import locked_handoff
from workflows.services.handoffs.ending import (
    handoff_close,
    handoff_follow_up,
    handoff_report_outcome,
    handoff_revoke,
    handoffs_close_for_case,
)
from workflows.services.handoffs.send import handoff_redirect, handoff_send

__all__ = [
    "handoff_accept",
    "handoff_close",
    "handoff_decline",
    "handoff_follow_up",
    "handoff_redirect",
    "handoff_report_outcome",
    "handoff_revoke",
    "handoff_send",
    "handoffs_close_for_case",
    "locked_handoff",
]
