"""Every read of case data a view or the API needs, already permission-filtered in SQL; hidden objects answer
`Http404`. One module per entity (`cases`, `persons`, `consents`, `households`, `records`); this package is their
one public face, so callers keep writing `selectors.case_list_for(...)`.
"""

from cases.selectors.cases import (
    case_get_for,
    case_list_for,
    case_manager_choices_for,
    case_managers_of,
    caseload_by_organisation,
    network_case_overview,
)
from cases.selectors.consents import (
    consent_covers,
    consent_get_for,
    consent_list_for,
    consent_status,
    consent_summary,
)
from cases.selectors.households import (
    household_changeable,
    household_get_for,
    household_list_for,
    household_search_for,
    person_households_for,
)
from cases.selectors.persons import (
    person_get_for,
    person_get_for_intake,
    person_merge_preview,
    person_search_for,
    person_search_results_for,
    similar_persons,
)
from cases.selectors.records import (
    RECORD_EVENTS,
    assessment_latest_for,
    document_get_for,
    document_list_for,
    goal_get_for,
    intervention_list_for,
    note_list_for,
    plan_for,
    timeline_for,
)

__all__ = [
    "RECORD_EVENTS",
    "assessment_latest_for",
    "case_get_for",
    "case_list_for",
    "case_manager_choices_for",
    "case_managers_of",
    "caseload_by_organisation",
    "consent_covers",
    "consent_get_for",
    "consent_list_for",
    "consent_status",
    "consent_summary",
    "document_get_for",
    "document_list_for",
    "goal_get_for",
    "household_changeable",
    "household_get_for",
    "household_list_for",
    "household_search_for",
    "intervention_list_for",
    "network_case_overview",
    "note_list_for",
    "person_get_for",
    "person_get_for_intake",
    "person_households_for",
    "person_merge_preview",
    "person_search_for",
    "person_search_results_for",
    "plan_for",
    "similar_persons",
    "timeline_for",
]
