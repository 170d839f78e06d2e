"""The oversight benchmark's tables (bench/oversight.py, bench/lib/oversight_data.py): the ones it fills and counts,
and the columns it COPYs into each, in the order of the generated row tuples."""

TABLES = (
    "cases_person",
    "cases_household",
    "cases_case",
    "viewflow_process",
    "workflows_caseprocess",
    "viewflow_task",
    "workflows_handoff",
    "workflows_workflowevent",
    "workflows_taskspan",
    "cases_intervention",
)


def current_counts() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        counts = {}
        for table in TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")  # constant table names
            counts[table] = cursor.fetchone()[0]
    return counts


CASES_PERSON_COLUMNS = [
    "id",
    "first_name",
    "last_name",
    "first_name_key",
    "last_name_key",
    "codice_fiscale",
    "other_id_kind",
    "other_id_number",
    "birth_date",
    "birth_place",
    "sex",
    "citizenship",
    "languages",
    "phone",
    "email",
    "is_homeless",
    "address",
    "postcode",
    "city",
    "registered_by_id",
    "merged_into_id",
    "created_at",
    "updated_at",
]

CASES_HOUSEHOLD_COLUMNS = [
    "id",
    "name",
    "address",
    "isee_value",
    "isee_expires_on",
    "registered_by_id",
    "created_at",
    "updated_at",
]

CASES_CASE_COLUMNS = [
    "id",
    "code",
    "person_id",
    "household_id",
    "lead_organisation_id",
    "case_manager_id",
    "title",
    "status",
    "opened_on",
    "closed_on",
    "closure_outcome",
    "closure_note",
    "created_at",
    "updated_at",
]

VIEWFLOW_PROCESS_COLUMNS = [
    "id",
    "flow_class",
    "status",
    "created",
    "finished",
    "data",
]

WORKFLOWS_CASEPROCESS_COLUMNS = [
    "process_ptr_id",
    "case_id",
]

VIEWFLOW_TASK_COLUMNS = [
    "id",
    "flow_task",
    "flow_task_type",
    "status",
    "created",
    "assigned",
    "started",
    "finished",
    "scheduled",
    "token",
    "external_task_id",
    "owner_id",
    "owner_permission",
    "owner_permission_content_type_id",
    "owner_permission_obj_pk",
    "process_id",
    "data",
]

WORKFLOWS_HANDOFF_COLUMNS = [
    "id",
    "case_id",
    "process_id",
    "kind",
    "status",
    "sender_organisation_id",
    "sent_by_id",
    "receiver_organisation_id",
    "service_type_id",
    "reason",
    "sections",
    "urgency",
    "sent_at",
    "due_at",
    "consent_override",
    "override_reason",
    "decided_at",
    "decided_by_id",
    "decline_reason",
    "decline_note",
    "escalated_at",
    "outcome",
    "outcome_note",
    "outcome_at",
    "outcome_by_id",
    "revoked_at",
    "revoke_reason",
    "receivers_count",
]

WORKFLOWS_WORKFLOWEVENT_COLUMNS = [
    "id",
    "at",
    "kind",
    "flow",
    "step",
    "case_id",
    "process_id",
    "task_id",
    "handoff_id",
    "organisation_id",
    "partner_organisation_id",
    "user_id",
    "from_state",
    "to_state",
    "task_created_at",
    "task_claimed_at",
    "task_finished_at",
    "detail",
]

CASES_INTERVENTION_COLUMNS = [
    "id",
    "case_id",
    "household_id",
    "organisation_id",
    "kind",
    "service_type_id",
    "delivered_on",
    "quantity",
    "value",
    "note",
    "recorded_by_id",
    "created_at",
    "recipient_key",
]
