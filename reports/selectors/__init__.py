"""The oversight figures, each one SQL query (or a fixed few) over cases, the services ledger, handoffs and the
workflow event history, limited to a `Scope` (reports.permissions) and a `Period` (reports.periods).

Nothing here returns a person's name: rows carry organisation ids and names, staff names (the case manager) and
case codes. The query count of every function is fixed; the rows returned grow with the groups (organisations,
steps, pairs), never with the cases or events.

One module per topic: caseload, steps (queues and waiting times), handoffs (deadlines, referral loops), duplicate
aid; what they share is in `common`. Callers import the figures from this package.
"""

from reports.selectors.caseload import (
    caseload_by_case_manager,
    caseload_by_organisation,
    caseload_by_pathway,
    cases_per_month,
    open_case_statuses,
)
from reports.selectors.common import flow_label, flow_title, organisation_names
from reports.selectors.duplicates import DUPLICATE_AID_LIMIT, DuplicateAidSignal, duplicate_aid_signals
from reports.selectors.handoffs import PairFigures, referral_loops, sla_breaches
from reports.selectors.steps import StepFigures, step_figures, step_figures_both, waiting_tasks

__all__ = [
    "DUPLICATE_AID_LIMIT",
    "DuplicateAidSignal",
    "PairFigures",
    "StepFigures",
    "caseload_by_case_manager",
    "caseload_by_organisation",
    "caseload_by_pathway",
    "cases_per_month",
    "duplicate_aid_signals",
    "flow_label",
    "flow_title",
    "open_case_statuses",
    "organisation_names",
    "referral_loops",
    "sla_breaches",
    "step_figures",
    "step_figures_both",
    "waiting_tasks",
]
