"""The handoff benchmark's background (bench/handoffs.py): bench/caselist.py's cases, then synthetic case and handoff
processes with their human tasks routed as the flows route them, written with COPY."""

from __future__ import annotations

import datetime
import json
import random
import time

from lib.case_data import load_cases
from lib.db import copy_rows

PROCESS_MARK = {"bench": "synthetic-2"}  # bumped when the shape of the synthetic data changes


def ensure_cases(args) -> bool:
    """bench/caselist.py's people, cases and permission rows (ids 1..--cases). True when they were (re)loaded."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_case WHERE id <= %s", [args.cases])
        cases = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM cases_casegroupobjectpermission WHERE content_object_id <= %s", [args.cases]
        )
        grants = cursor.fetchone()[0]
    if not args.reload and cases == args.cases and grants == 2 * args.cases + args.extra_grants:
        print(f"reusing {cases} background cases and {grants} permission rows")
        return False
    print(f"loading {args.cases} background people and cases, {2 * args.cases + args.extra_grants} permission rows")
    load_cases(args)  # TRUNCATE ... CASCADE: the workflows rows of the cases go with them
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE viewflow_process, viewflow_task RESTART IDENTITY CASCADE")
    return True


# The human steps of our flows: (node, routing key, whose queue: lead / receiver / sender / coordinator).
CASE_STEPS = (
    ("workflows/flows.CaseFlow.assess", "workflows.work_case", "lead"),
    ("workflows/flows.CaseFlow.triage", "workflows.work_case", "lead"),
    ("workflows/flows.CaseFlow.plan", "workflows.work_case", "lead"),
    ("workflows/flows.CaseFlow.review", "workflows.work_case", "lead"),
    ("workflows/flows.CaseFlow.close", "workflows.work_case", "lead"),
)


HANDOFF_STEPS = (
    ("workflows/flows.HandoffFlow.decide", "workflows.decide_handoff", "receiver"),
    ("workflows/flows.HandoffFlow.report_outcome", "workflows.report_outcome", "receiver"),
)


DECLINED_STEPS = (
    ("workflows/flows.HandoffFlow.decide", "workflows.decide_handoff", "receiver"),
    ("workflows/flows.HandoffFlow.after_decline", "workflows.review_decline", "sender"),
)


WAITING_STEPS = (".triage", ".decide", ".report_outcome", ".escalate")


ESCALATED_STEPS = (
    ("workflows/flows.HandoffFlow.decide", "workflows.decide_handoff", "receiver"),
    ("workflows/flows.HandoffFlow.escalate", "workflows.handle_escalation", "coordinator"),
)


def synthetic_counts() -> tuple[int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM viewflow_process WHERE data @> %s", [json.dumps(PROCESS_MARK)])
        processes = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM viewflow_task t JOIN viewflow_process p ON p.id = t.process_id WHERE p.data @> %s",
            [json.dumps(PROCESS_MARK)],
        )
        return processes, cursor.fetchone()[0]


def ensure_tasks(args, *, reloaded_cases: bool) -> None:
    """`--tasks` human tasks on synthetic processes of the background cases, with COPY."""
    processes, tasks = synthetic_counts()
    if not args.reload and not reloaded_cases and tasks == args.tasks and processes:
        print(f"reusing {tasks} synthetic tasks on {processes} processes")
        return
    load_tasks(args)


def load_tasks(args) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone

    from partners.models import Membership, NetworkRole, Organisation, ServiceType
    from partners.roles import Role
    from workflows.permissions import TASK_ROLES

    rng = random.Random(args.seed + 1)
    started = time.perf_counter()
    now = timezone.now()
    org_ct = ContentType.objects.get_for_model(Organisation).pk
    organisations = list(Organisation.objects.order_by("pk"))
    coordinator = next(o.pk for o in organisations if o.network_role == NetworkRole.COORDINATOR)
    members: dict[tuple[int, str], list[int]] = {}
    for org_id, user_id, role in Membership.objects.active().values_list("organisation_id", "user_id", "role"):
        for key, roles in TASK_ROLES.items():
            if role in roles:
                members.setdefault((org_id, key), []).append(user_id)
    answering = [o.pk for o in organisations if any((o.pk, "workflows.decide_handoff") == k for k in members)]
    services = list(ServiceType.objects.values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, lead_organisation_id FROM cases_case WHERE id <= %s ORDER BY id", [args.cases])
        leads = dict(cursor.fetchall())
        cursor.execute("SELECT user_id FROM partners_membership WHERE role = %s ORDER BY id", [Role.CASE_MANAGER])
        any_manager = cursor.fetchone()[0]
    case_ids = list(leads)
    if not case_ids:
        raise SystemExit("no background cases: run without --only, or with --cases > 0")

    process_rows, caseprocess_rows, handoff_rows, task_rows = [], [], [], []
    task_id = 0
    process_id = 0
    while task_id < args.tasks:
        process_id += 1
        case_id = rng.choice(case_ids)
        lead = leads[case_id]
        created = now - datetime.timedelta(days=rng.random() * 3 * 365)
        open_process = rng.random() < 0.10
        r = rng.random()
        if r < 0.55:
            flow, steps, receiver = "workflows/flows.CaseFlow", CASE_STEPS[: rng.randint(1, 5)], None
        else:
            flow = "workflows/flows.HandoffFlow"
            steps = HANDOFF_STEPS if r < 0.85 else DECLINED_STEPS if r < 0.95 else ESCALATED_STEPS
            receiver = rng.choice([o for o in answering if o != lead] or answering)
        steps = steps[: max(1, args.tasks - task_id)]
        finished = None if open_process else created + datetime.timedelta(days=rng.randint(1, 60))
        process_rows.append(
            (process_id, flow, "NEW" if open_process else "DONE", created, finished, json.dumps(PROCESS_MARK))
        )
        caseprocess_rows.append((process_id, case_id))
        step_at = created
        for index, (node, key, whose) in enumerate(steps):
            last = index == len(steps) - 1
            org = {"lead": lead, "receiver": receiver, "sender": lead, "coordinator": coordinator}[whose]
            people = members.get((org, key)) or [any_manager]
            status, owner, assigned, done = "DONE", rng.choice(people), step_at, step_at + datetime.timedelta(hours=5)
            if open_process and last:
                # As the flows route them: the case manager's steps (`.Assign`) and the sender's decision on a
                # decline go straight to an inbox; triage, answers, outcomes and follow-ups wait in a queue until
                # someone takes them (about 40% already taken).
                if node.endswith(WAITING_STEPS) and rng.random() < 0.6:
                    status, owner, assigned, done = "NEW", None, None, None
                else:
                    status, done = "ASSIGNED", None
            elif not last or rng.random() < 0.97:
                pass
            else:
                status = "CANCELED"
            task_id += 1
            task_rows.append(
                (
                    task_id,
                    node,
                    "HUMAN",
                    status,
                    step_at,
                    assigned,
                    assigned,
                    done,
                    "start",
                    key,
                    owner,
                    process_id,
                    org_ct,
                    str(org),
                    "{}",
                )
            )
            step_at += datetime.timedelta(days=rng.randint(1, 20))
        if receiver is not None:
            open_node = steps[-1][0] if open_process else ""
            status = (
                "pending"
                if open_node.endswith(("decide", "escalate"))
                else "accepted"
                if open_node.endswith("report_outcome")
                else "declined"
                if open_node.endswith("after_decline")
                else rng.choice(["completed", "completed", "completed", "closed", "revoked"])
            )
            sent_by = (members.get((lead, "workflows.review_decline")) or [any_manager])[0]
            handoff_rows.append(
                (
                    process_id,
                    "referral",
                    status,
                    "Richiesta di prova",
                    "[]",
                    "normal",
                    created,
                    created + datetime.timedelta(days=rng.randint(1, 7)),
                    False,
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    1,
                    case_id,
                    process_id,
                    lead if lead != receiver else coordinator,
                    receiver,
                    sent_by,
                    rng.choice(services),
                )
            )

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("TRUNCATE viewflow_process, viewflow_task RESTART IDENTITY CASCADE")
        step = time.perf_counter()
        copy_rows("viewflow_process", ["id", "flow_class", "status", "created", "finished", "data"], process_rows)
        copy_rows("workflows_caseprocess", ["process_ptr_id", "case_id"], caseprocess_rows)
        copy_rows(
            "workflows_handoff",
            [
                "id",
                "kind",
                "status",
                "reason",
                "sections",
                "urgency",
                "sent_at",
                "due_at",
                "consent_override",
                "override_reason",
                "decline_reason",
                "decline_note",
                "outcome",
                "outcome_note",
                "revoke_reason",
                "receivers_count",
                "case_id",
                "process_id",
                "sender_organisation_id",
                "receiver_organisation_id",
                "sent_by_id",
                "service_type_id",
            ],
            handoff_rows,
        )
        print(f"  processes: {len(process_rows)}, handoffs: {len(handoff_rows)} ({time.perf_counter() - step:.1f} s)")
        step = time.perf_counter()
        copy_rows(
            "viewflow_task",
            [
                "id",
                "flow_task",
                "flow_task_type",
                "status",
                "created",
                "assigned",
                "started",
                "finished",
                "token",
                "owner_permission",
                "owner_id",
                "process_id",
                "owner_permission_content_type_id",
                "owner_permission_obj_pk",
                "data",
            ],
            task_rows,
        )
        print(f"  tasks: {len(task_rows)} ({time.perf_counter() - step:.1f} s)")
        with connection.cursor() as cursor:
            for table in ("viewflow_process", "viewflow_task", "workflows_handoff"):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    with connection.cursor() as cursor:
        for table in ("viewflow_process", "viewflow_task", "workflows_caseprocess", "workflows_handoff"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"synthetic tasks loaded in {time.perf_counter() - started:.1f} s")
