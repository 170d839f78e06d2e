"""Every write to case data. Each public function is one transaction: lock, authorise, validate,
change, record the timeline event and the audit row. Opening, closing, reopening a case and changing its status:
`workflows.services.lifecycle`."""

from cases.services.case_file import (  # noqa: F401
    action_add,
    assessment_record,
    case_update,
    goal_add,
    plan_update,
)
from cases.services.consents import consent_record, consent_withdraw  # noqa: F401
from cases.services.households import household_create, household_member_add, household_update  # noqa: F401
from cases.services.persons import person_merge, person_register, person_update  # noqa: F401
from cases.services.records import document_upload, intervention_record, note_add  # noqa: F401
