"""The oversight benchmark's year of synthetic records (bench/oversight.py): people, households, cases, processes, the
workflow event history, handoffs and the services ledger, written with COPY; then the task spans projected from the
events."""

from __future__ import annotations

import datetime
import json
import math
import random
import time

from lib.db import copy_rows
from lib.oversight_tables import (
    CASES_CASE_COLUMNS,
    CASES_HOUSEHOLD_COLUMNS,
    CASES_INTERVENTION_COLUMNS,
    CASES_PERSON_COLUMNS,
    TABLES,
    VIEWFLOW_PROCESS_COLUMNS,
    VIEWFLOW_TASK_COLUMNS,
    WORKFLOWS_CASEPROCESS_COLUMNS,
    WORKFLOWS_HANDOFF_COLUMNS,
    WORKFLOWS_WORKFLOWEVENT_COLUMNS,
)

YEAR = 2025

STEPS = ("assess", "triage", "plan", "review", "close")

# Median wait per step in hours, and the log-normal's sigma.
STEP_MEDIAN_H = {"assess": 48, "triage": 20, "plan": 120, "review": 72, "close": 24}

SIGMA = 0.9

KINDS = ("food_parcel", "voucher", "bill_payment", "meal", "clothing")

DECLINE_REASONS = ("capacity", "not_eligible", "not_our_service", "unreachable", "other")


def _aware(day_offset: float) -> datetime.datetime:
    return datetime.datetime(YEAR, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(days=day_offset)


def load(args) -> None:
    """Everything with COPY, in one transaction; ids chosen here."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from viewflow.workflow.models import Process, Task

    from partners.models import Membership, Organisation
    from partners.roles import Role
    from workflows.flows import CaseFlow, HandoffFlow

    rng = random.Random(args.seed)
    started = time.perf_counter()
    organisations = list(Organisation.objects.order_by("pk"))
    org_ct = ContentType.objects.get_for_model(Organisation).pk
    managers: dict[int, list[int]] = {}
    for org_id, user_id in (
        Membership.objects.filter(role=Role.CASE_MANAGER).order_by("pk").values_list("organisation_id", "user_id")
    ):
        managers.setdefault(org_id, []).append(user_id)
    leads = [o.pk for o in organisations if o.pk in managers]
    any_user = next(iter(managers.values()))[0]
    slow = set(leads[:2])  # the organisations where the plan step waits three times as long
    flow_ref = Process._meta.get_field("flow_class").get_prep_value(CaseFlow)
    handoff_ref = Process._meta.get_field("flow_class").get_prep_value(HandoffFlow)
    task_ref = {s: Task._meta.get_field("flow_task").get_prep_value(getattr(CaseFlow, s)) for s in STEPS}
    decide_ref = Task._meta.get_field("flow_task").get_prep_value(HandoffFlow.decide)
    now = datetime.datetime.now(datetime.UTC)
    year_end = _aware(365)
    n = args.cases
    households = n * 2 // 5
    case_rows = []  # (pk, lead, household, opened day offset)

    def wait_hours(step: str, org: int) -> float:
        median = STEP_MEDIAN_H[step] * (3 if step == "plan" and org in slow else 1)
        return rng.lognormvariate(math.log(median), SIGMA)

    def people():
        for pk in range(1, n + 1):
            yield (
                pk,
                "Nome",
                "Cognome",
                "nome",
                "cognome",
                None,
                "passport",
                f"YA{pk:07d}",
                datetime.date(1970, 1, 1) + datetime.timedelta(days=pk % 15000),
                "",
                "MF"[pk % 2],
                "",
                "",
                "",
                "",
                False,
                "",
                "20092",
                "Cinisello Balsamo",
                leads[pk % len(leads)],
                None,
                now,
                now,
            )

    def household_rows():
        for pk in range(1, households + 1):
            yield (pk, f"Nucleo {pk}", "", None, None, leads[pk % len(leads)], now, now)

    def cases():
        for pk in range(1, n + 1):
            lead = rng.choice(leads)
            household = rng.randint(1, households) if rng.random() < 0.7 else None
            opened = rng.uniform(0, 330)
            case_rows.append((pk, lead, household, opened))
            closed = rng.random() < 0.2
            closed_on = (_aware(opened) + datetime.timedelta(days=rng.uniform(5, 30))).date() if closed else None
            yield (
                pk,
                f"C{YEAR}-{pk:06d}",
                pk,
                household,
                lead,
                rng.choice(managers[lead]),
                "Sostegno",
                "closed" if closed else "active",
                _aware(opened).date(),
                closed_on,
                "goals_reached" if closed else "",
                "",
                now,
                now,
            )

    tasks: list[tuple] = []
    events: list[tuple] = []
    processes: list[tuple] = []

    def event(
        kind, flow, step, case, process, task, handoff, org, partner, at, created=None, finished=None, detail="{}"
    ):
        events.append(
            (
                len(events) + 1,
                at,
                kind,
                flow,
                step,
                case,
                process,
                task,
                handoff,
                org,
                partner,
                None,
                "",
                "",
                created,
                None,
                finished,
                detail,
            )
        )

    def task(process, ref, org, created, finished):
        pk = len(tasks) + 1
        tasks.append(
            (
                pk,
                ref,
                "HUMAN",
                "DONE" if finished else "NEW",
                created,
                None,
                None,
                finished,
                None,
                "start",
                None,
                None,
                "cases.work_case",
                org_ct,
                str(org),
                process,
                "{}",
            )
        )
        return pk

    print("  generating the case pathways ...")
    step_started = time.perf_counter()
    # The handoffs have about 4 events each; the case pathways get the rest of the events.
    case_budget = max(0, args.events - 4 * args.handoffs)
    done_weights = [20, 30, 25, 15, 10]
    pathway_rows = list(cases())  # fills case_rows
    for pk, lead, _household, opened in case_rows:
        if len(events) >= case_budget:
            break
        process = len(processes) + 1
        created = _aware(opened)
        done = rng.choices(range(5), weights=done_weights)[0]
        finished_process = None
        for i, step in enumerate(STEPS):
            if i > done:
                break
            finished = created + datetime.timedelta(hours=wait_hours(step, lead)) if i < done else None
            if finished is not None and finished >= year_end:
                finished = None
            t = task(process, task_ref[step], lead, created, finished)
            event("task_created", "case", step, pk, process, t, None, lead, None, created, created)
            if finished is None:
                break
            event("task_completed", "case", step, pk, process, t, None, lead, None, finished, created, finished)
            created = finished
        processes.append(
            (process, flow_ref, "DONE" if finished_process else "NEW", _aware(opened), finished_process, "{}", pk)
        )
    print(
        f"    {len(processes)} processes, {len(tasks)} tasks, {len(events)} events "
        f"({time.perf_counter() - step_started:.1f} s)"
    )

    handoffs: list[tuple] = []
    for h in range(1, args.handoffs + 1):
        pk, lead, _household, opened = rng.choice(case_rows)
        receiver = rng.choice([o for o in leads if o != lead] or leads)
        sent = _aware(opened) + datetime.timedelta(days=rng.uniform(0, 30))
        if sent >= year_end:
            sent = year_end - datetime.timedelta(days=1)
        due = sent + datetime.timedelta(days=3)
        process = len(processes) + 1
        processes.append((process, handoff_ref, "NEW", sent, None, "{}", pk))
        fate = rng.choices(("accepted", "declined", "pending", "completed"), weights=(50, 20, 10, 20))[0]
        answer = sent + datetime.timedelta(hours=rng.lognormvariate(math.log(30), 1.0))
        if answer >= year_end:
            fate = "pending"
        decided = None if fate == "pending" else answer
        t = task(process, decide_ref, receiver, sent, decided)
        event("handoff_sent", "handoff", "", pk, process, None, h, lead, receiver, sent)
        event("task_created", "handoff", "decide", pk, process, t, h, receiver, lead, sent, sent)
        reason = ""
        outcome = ""
        if decided is not None:
            kind = "handoff_declined" if fate == "declined" else "handoff_accepted"
            reason = rng.choice(DECLINE_REASONS) if fate == "declined" else ""
            event("task_completed", "handoff", "decide", pk, process, t, h, receiver, lead, decided, sent, decided)
            event(
                kind,
                "handoff",
                "decide",
                pk,
                process,
                t,
                h,
                receiver,
                lead,
                decided,
                sent,
                detail=json.dumps({"reason": reason}) if reason else "{}",
            )
            if fate == "completed":
                outcome = "completed"
                event(
                    "handoff_outcome",
                    "handoff",
                    "report_outcome",
                    pk,
                    process,
                    None,
                    h,
                    receiver,
                    lead,
                    decided + datetime.timedelta(days=10),
                    detail='{"outcome": "completed"}',
                )
        status = {"accepted": "accepted", "declined": "declined", "pending": "pending", "completed": "completed"}[fate]
        handoffs.append(
            (
                h,
                pk,
                None,
                "referral",
                status,
                lead,
                any_user,
                receiver,
                None,
                "Invio",
                "[]",
                "normal",
                sent,
                due,
                False,
                "",
                decided,
                None,
                reason,
                "",
                None,
                outcome,
                "",
                None,
                None,
                None,
                "",
                1,
            )
        )

    def interventions():
        for pk in range(1, args.interventions + 1):
            case_pk, _lead, household, opened = rng.choice(case_rows)
            org = rng.choice(leads)
            day = (_aware(min(364, opened + rng.uniform(0, 60)))).date()
            recipient = household or -case_pk  # cases.models.recipient_key_of (a case's person has the case's id)
            yield (
                pk,
                case_pk,
                household,
                org,
                rng.choice(KINDS),
                None,
                day,
                rng.randint(1, 3),
                None,
                "",
                any_user,
                now,
                recipient,
            )

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")  # generated rows are consistent
            cursor.execute(
                "TRUNCATE cases_person, cases_household, cases_case, viewflow_process, viewflow_task, "
                "workflows_caseprocess, workflows_handoff, workflows_workflowevent, cases_intervention, "
                "cases_casegroupobjectpermission, cases_personaccess RESTART IDENTITY CASCADE"
            )
        steps = [
            ("cases_person", CASES_PERSON_COLUMNS, people()),
            ("cases_household", CASES_HOUSEHOLD_COLUMNS, household_rows()),
            ("cases_case", CASES_CASE_COLUMNS, iter(pathway_rows)),
            ("viewflow_process", VIEWFLOW_PROCESS_COLUMNS, (p[:6] for p in processes)),
            ("workflows_caseprocess", WORKFLOWS_CASEPROCESS_COLUMNS, ((p[0], p[6]) for p in processes)),
            ("viewflow_task", VIEWFLOW_TASK_COLUMNS, iter(tasks)),
            ("workflows_handoff", WORKFLOWS_HANDOFF_COLUMNS, iter(handoffs)),
            ("workflows_workflowevent", WORKFLOWS_WORKFLOWEVENT_COLUMNS, iter(events)),
            ("cases_intervention", CASES_INTERVENTION_COLUMNS, interventions()),
        ]
        for table, columns, rows in steps:
            step_started = time.perf_counter()
            count = copy_rows(table, columns, rows)
            print(f"  {table}: {count} rows ({time.perf_counter() - step_started:.1f} s)")
        with connection.cursor() as cursor:
            for table in (
                "cases_person",
                "cases_household",
                "cases_case",
                "viewflow_process",
                "viewflow_task",
                "workflows_handoff",
                "workflows_workflowevent",
                "cases_intervention",
            ):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        rebuild_spans()
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"loaded in {time.perf_counter() - started:.1f} s")


def rebuild_spans() -> None:
    """The task spans (what oversight reads the queues and waits from) from the events, as the migration and
    `manage.py rebuild_task_spans` make them; the live application writes them with each event instead."""
    from workflows import spans

    started = time.perf_counter()
    count = spans.rebuild()
    print(f"  workflows_taskspan: {count} spans rebuilt from the events ({time.perf_counter() - started:.1f} s)")
