"""Oversight benchmark: the coordinator's dashboard, the bottleneck map and the yearly PDF report on 200k cases and
1M workflow events, and the same bottleneck computation by PM4Py's performance DFG for the ratio.

Usage (from the repository root; PostgreSQL reachable, the role may create databases):

    .venv/bin/python bench/oversight.py --database-url postgres://postgres@127.0.0.1:5432/tavolo_bench_reports

Options:
    --cases N          people and cases (default 200000), each with its case pathway process
    --events N         workflow events to reach, about (default 1000000): the case pathways' task events plus
                       the handoffs' events (--handoffs, default 30000)
    --interventions N  rows of the services ledger (default 300000), for the duplicate-aid signals
    --runs N           timed runs per scenario after the cold one (default 5), each on a fresh connection
    --reload           generate the data again even when the row counts match
    --skip-pm4py       do not run the PM4Py comparison

What it does:
1. creates the database when missing, migrates, loads the demo network through the services when there are no
   organisations (its logins `coordinatore`, `caritas.admin` are the readers measured);
2. generates people, households, cases, one case-pathway process per case, the viewflow tasks and the
   `WorkflowEvent` history of 2025 (each task created, and completed unless it is still waiting; waits drawn from
   a log-normal per step, with two organisations slow on the plan step), 30k handoffs with their events
   (accepted, declined with a reason, unanswered) and the services ledger, all with COPY in one transaction, then
   VACUUM ANALYZE; reruns reuse the data when the row counts match;
3. "cold": the first run of each scenario opens a new database connection (a new PostgreSQL backend: no plan,
   catalogue or relation cache of its own) right after the load. PostgreSQL's shared buffers and the OS page
   cache are NOT emptied (that needs a server restart and root); the script prints the shared-buffer hits and
   reads of the run from `pg_statio_user_tables`, and the size of the tables against `shared_buffers`, so the
   reader sees how warm "cold" was. Then --runs more runs, each on a new connection, for p50/p95;
4. PM4Py: reads the same event log (one row per finished task: case, step, created, finished) into pandas and
   runs `pm4py.discover_performance_dfg`, timing the read and the discovery, and prints the ratio to our SQL
   bottleneck computation. Skipped with a message when pm4py is not installed (`pip install pm4py`).

Targets (issue 7): dashboard and bottleneck queries <= 2 s cold; the network's yearly PDF <= 10 s.
Results go to stdout only.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import caselist  # noqa: E402 - the house's database set-up, next to this file (bench/ is on sys.path as the script's folder)

YEAR = 2025
STEPS = ("assess", "triage", "plan", "review", "close")
# Median wait per step in hours, and the log-normal's sigma.
STEP_MEDIAN_H = {"assess": 48, "triage": 20, "plan": 120, "review": 72, "close": 24}
SIGMA = 0.9
KINDS = ("food_parcel", "voucher", "bill_payment", "meal", "clothing")
DECLINE_REASONS = ("capacity", "not_eligible", "not_our_service", "unreachable", "other")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--handoffs", type=int, default=30_000)
    parser.add_argument("--interventions", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--skip-pm4py", action="store_true")
    parser.add_argument("--proposed-index", choices=("keep", "create", "drop"), default="keep",
                        help="create (or drop) the covering index on the event history proposed for workflows "
                             "(see bench/README.md), to measure with and without it")
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args()


def ensure_network(seed: int) -> None:
    from django.db import transaction
    from faker import Faker

    from demo import network as demo
    from partners.models import Organisation

    if Organisation.objects.exists():
        return
    started = time.perf_counter()
    faker = Faker("it_IT")
    faker.seed_instance(seed)
    with transaction.atomic():
        demo.load_network(rng=random.Random(seed), faker=faker)
    print(f"demo network loaded through the services in {time.perf_counter() - started:.1f} s")


def copy_rows(table: str, columns: list[str], rows) -> int:
    from django.db import connection

    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


TABLES = ("cases_person", "cases_household", "cases_case", "viewflow_process", "workflows_caseprocess",
          "viewflow_task", "workflows_handoff", "workflows_workflowevent", "workflows_taskspan", "cases_intervention")


def current_counts() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        counts = {}
        for table in TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")  # constant table names
            counts[table] = cursor.fetchone()[0]
    return counts


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
    for org_id, user_id in Membership.objects.filter(role=Role.CASE_MANAGER).order_by("pk").values_list(
            "organisation_id", "user_id"):
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
            yield (pk, "Nome", "Cognome", "nome", "cognome", None, "passport", f"YA{pk:07d}",
                   datetime.date(1970, 1, 1) + datetime.timedelta(days=pk % 15000), "", "MF"[pk % 2], "", "", "",
                   "", False, "", "20092", "Cinisello Balsamo", leads[pk % len(leads)], None, now, now)

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
            yield (pk, f"C{YEAR}-{pk:06d}", pk, household, lead, rng.choice(managers[lead]), "Sostegno",
                   "closed" if closed else "active", _aware(opened).date(), closed_on,
                   "goals_reached" if closed else "", "", now, now)

    tasks: list[tuple] = []
    events: list[tuple] = []
    processes: list[tuple] = []

    def event(kind, flow, step, case, process, task, handoff, org, partner, at, created=None, finished=None,
              detail="{}"):
        events.append((len(events) + 1, at, kind, flow, step, case, process, task, handoff, org, partner, None,
                       "", "", created, None, finished, detail))

    def task(process, ref, org, created, finished):
        pk = len(tasks) + 1
        tasks.append((pk, ref, "HUMAN", "DONE" if finished else "NEW", created, None, None, finished, None,
                      "start", None, None, "cases.work_case", org_ct, str(org), process, "{}"))
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
        processes.append((process, flow_ref, "DONE" if finished_process else "NEW", _aware(opened),
                          finished_process, "{}", pk))
    print(f"    {len(processes)} processes, {len(tasks)} tasks, {len(events)} events "
          f"({time.perf_counter() - step_started:.1f} s)")

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
            event(kind, "handoff", "decide", pk, process, t, h, receiver, lead, decided, sent,
                  detail=json.dumps({"reason": reason}) if reason else "{}")
            if fate == "completed":
                outcome = "completed"
                event("handoff_outcome", "handoff", "report_outcome", pk, process, None, h, receiver, lead,
                      decided + datetime.timedelta(days=10), detail='{"outcome": "completed"}')
        status = {"accepted": "accepted", "declined": "declined", "pending": "pending", "completed": "completed"}[fate]
        handoffs.append((h, pk, None, "referral", status, lead, any_user, receiver, None, "Invio", "[]", "normal",
                         sent, due, False, "", decided, None, reason, "", None, outcome, "", None, None, None, "",
                         1))

    def interventions():
        for pk in range(1, args.interventions + 1):
            case_pk, _lead, household, opened = rng.choice(case_rows)
            org = rng.choice(leads)
            day = (_aware(min(364, opened + rng.uniform(0, 60)))).date()
            recipient = household or -case_pk  # cases.models.recipient_key_of (a case's person has the case's id)
            yield (pk, case_pk, household, org, rng.choice(KINDS), None, day, rng.randint(1, 3), None, "",
                   any_user, now, recipient)

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")  # generated rows are consistent
            cursor.execute("TRUNCATE cases_person, cases_household, cases_case, viewflow_process, viewflow_task, "
                           "workflows_caseprocess, workflows_handoff, workflows_workflowevent, cases_intervention, "
                           "cases_casegroupobjectpermission, cases_personaccess RESTART IDENTITY CASCADE")
        steps = [
            ("cases_person", ["id", "first_name", "last_name", "first_name_key", "last_name_key", "codice_fiscale",
                              "other_id_kind", "other_id_number", "birth_date", "birth_place", "sex", "citizenship",
                              "languages", "phone", "email", "is_homeless", "address", "postcode", "city",
                              "registered_by_id", "merged_into_id", "created_at", "updated_at"], people()),
            ("cases_household", ["id", "name", "address", "isee_value", "isee_expires_on", "registered_by_id",
                                 "created_at", "updated_at"], household_rows()),
            ("cases_case", ["id", "code", "person_id", "household_id", "lead_organisation_id", "case_manager_id",
                            "title", "status", "opened_on", "closed_on", "closure_outcome", "closure_note",
                            "created_at", "updated_at"], iter(pathway_rows)),
            ("viewflow_process", ["id", "flow_class", "status", "created", "finished", "data"],
             (p[:6] for p in processes)),
            ("workflows_caseprocess", ["process_ptr_id", "case_id"], ((p[0], p[6]) for p in processes)),
            ("viewflow_task", ["id", "flow_task", "flow_task_type", "status", "created", "assigned", "started",
                               "finished", "scheduled", "token", "external_task_id", "owner_id", "owner_permission",
                               "owner_permission_content_type_id", "owner_permission_obj_pk", "process_id", "data"],
             iter(tasks)),
            ("workflows_handoff", ["id", "case_id", "process_id", "kind", "status", "sender_organisation_id",
                                   "sent_by_id", "receiver_organisation_id", "service_type_id", "reason", "sections",
                                   "urgency", "sent_at", "due_at", "consent_override", "override_reason",
                                   "decided_at", "decided_by_id", "decline_reason", "decline_note", "escalated_at",
                                   "outcome", "outcome_note", "outcome_at", "outcome_by_id", "revoked_at",
                                   "revoke_reason", "receivers_count"], iter(handoffs)),
            ("workflows_workflowevent", ["id", "at", "kind", "flow", "step", "case_id", "process_id", "task_id",
                                         "handoff_id", "organisation_id", "partner_organisation_id", "user_id",
                                         "from_state", "to_state", "task_created_at", "task_claimed_at",
                                         "task_finished_at", "detail"], iter(events)),
            ("cases_intervention", ["id", "case_id", "household_id", "organisation_id", "kind", "service_type_id",
                                    "delivered_on", "quantity", "value", "note", "recorded_by_id", "created_at",
                                    "recipient_key"],
             interventions()),
        ]
        for table, columns, rows in steps:
            step_started = time.perf_counter()
            count = copy_rows(table, columns, rows)
            print(f"  {table}: {count} rows ({time.perf_counter() - step_started:.1f} s)")
        with connection.cursor() as cursor:
            for table in ("cases_person", "cases_household", "cases_case", "viewflow_process", "viewflow_task",
                          "workflows_handoff", "workflows_workflowevent", "cases_intervention"):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT max(id) FROM {table}))")
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


# The index proposed to workflows (a migration there): the oversight queries read only these columns of the
# task events, so PostgreSQL can answer them from the index (an index-only scan) instead of the whole table.
PROPOSED_INDEX = (
    "CREATE INDEX IF NOT EXISTS wf_event_kind_at_cover ON workflows_workflowevent (kind, at) "
    "INCLUDE (flow, step, organisation_id, task_id, task_created_at, task_finished_at)"
)


# --- measuring -------------------------------------------------------------------------------------------------


class DbTimer:
    def __init__(self):
        self.seconds = 0.0
        self.queries = 0
        self.each: list[tuple[float, str]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            took = time.perf_counter() - started
            self.seconds += took
            self.queries += 1
            self.each.append((took, " ".join(sql.split())))

    def slowest(self, n: int = 4) -> list[str]:
        """The n slowest queries of the run: milliseconds and the start of their SQL (where the time goes)."""
        return [f"{took * 1000:7.0f} ms  {sql[:150]}" for took, sql in sorted(self.each, reverse=True)[:n]]


def buffer_stats() -> tuple[int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(sum(heap_blks_hit + coalesce(idx_blks_hit, 0)), 0), "
                       "coalesce(sum(heap_blks_read + coalesce(idx_blks_read, 0)), 0) FROM pg_statio_user_tables")
        hit, read = cursor.fetchone()
    return int(hit), int(read)


def fresh_connection() -> None:
    from django.db import connection

    connection.close()
    connection.ensure_connection()


def measure(label: str, run, runs: int) -> dict:
    from django.db import connection

    results = []
    for _run in range(runs + 1):
        fresh_connection()
        time.sleep(0.6)  # pg_statio counters are sent by backends at most every 500 ms
        hit0, read0 = buffer_stats()
        timer = DbTimer()
        started = time.perf_counter()
        with connection.execute_wrapper(timer):
            run()
        wall = time.perf_counter() - started
        fresh_connection()
        time.sleep(0.6)
        hit1, read1 = buffer_stats()
        results.append({"wall": wall, "db": timer.seconds, "queries": timer.queries, "hit": hit1 - hit0,
                        "read": read1 - read0, "slowest": timer.slowest()})
    cold, warm = results[0], results[1:] or results
    walls = sorted(r["wall"] for r in warm)
    summary = {
        "label": label, "cold_wall": cold["wall"], "cold_db": cold["db"], "queries": cold["queries"],
        "cold_hit": cold["hit"], "cold_read": cold["read"],
        "p50": statistics.median(walls), "p95": walls[min(len(walls) - 1, round(0.95 * (len(walls) - 1)))],
        "db_p50": statistics.median(sorted(r["db"] for r in warm)),
    }
    print(f"{label:42s} cold {cold['wall'] * 1000:8.0f} ms (db {cold['db'] * 1000:7.0f} ms, {cold['queries']:3d} "
          f"queries, buffers hit {cold['hit']:>8d} read {cold['read']:>7d}) | next {len(warm)} runs p50 "
          f"{summary['p50'] * 1000:7.0f} ms p95 {summary['p95'] * 1000:7.0f} ms (db p50 "
          f"{summary['db_p50'] * 1000:6.0f} ms)")
    for line in cold["slowest"]:
        print(f"    cold, slowest: {line}")
    return summary


def sql_bottlenecks(scope, period):
    from reports.selectors import step_figures_both

    return step_figures_both(scope=scope, period=period)


def pm4py_comparison(period, sql_seconds: float) -> None:
    try:
        import pandas as pd
        import pm4py
    except ImportError:
        print("PM4Py comparison skipped: pm4py is not installed (.venv/bin/pip install pm4py; never a runtime "
              "dependency).")
        return
    from django.db import connection

    fresh_connection()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.case_id, e.flow || '.' || e.step, e.task_created_at, coalesce(e.task_finished_at, e.at), "
            "e.organisation_id FROM workflows_workflowevent e WHERE e.kind = 'task_completed' "
            "AND e.at >= %s AND e.at < %s AND e.task_created_at IS NOT NULL", [period.start_at, period.end_at])
        rows = cursor.fetchall()
    frame = pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "start_timestamp", "time:timestamp",
                                        "org:resource"])
    frame["case:concept:name"] = frame["case:concept:name"].astype(str)
    frame["start_timestamp"] = pd.to_datetime(frame["start_timestamp"], utc=True)
    frame["time:timestamp"] = pd.to_datetime(frame["time:timestamp"], utc=True)
    read = time.perf_counter() - started
    started = time.perf_counter()
    dfg, start_activities, end_activities = pm4py.discover_performance_dfg(
        frame, activity_key="concept:name", timestamp_key="time:timestamp", case_id_key="case:concept:name")
    discover = time.perf_counter() - started
    started = time.perf_counter()
    service = pm4py.get_service_time(frame, aggregation_measure="median", activity_key="concept:name",
                                     timestamp_key="time:timestamp", start_timestamp_key="start_timestamp",
                                     case_id_key="case:concept:name")
    service_time = time.perf_counter() - started
    total = read + discover
    print(f"PM4Py {pm4py.__version__}: read {len(frame)} finished tasks into pandas {read * 1000:.0f} ms, "
          f"performance DFG {discover * 1000:.0f} ms ({len(dfg)} edges), total {total * 1000:.0f} ms; "
          f"service time per activity (the same figure as our step wait) {service_time * 1000:.0f} ms")
    print(f"ratio PM4Py (read + performance DFG) / our SQL bottleneck computation: {total / sql_seconds:.1f}x "
          f"(ours {sql_seconds * 1000:.0f} ms, in the same run)")
    sample = sorted(service.items())[:5]
    print("  PM4Py median service time (h), first activities: "
          + ", ".join(f"{k} {v / 3600:.1f}" for k, v in sample))


def main() -> None:
    args = parse_args()
    caselist.ensure_database(args.database_url)
    caselist.setup_django(args.database_url)
    ensure_network(args.seed)
    from django.contrib.auth import get_user_model
    from django.db import connection

    counts = current_counts()
    if args.reload or counts["cases_case"] != args.cases or counts["workflows_workflowevent"] < args.events * 0.9:
        print(f"loading (current counts: {counts}) ...")
        load(args)
        counts = current_counts()
    elif not counts["workflows_taskspan"]:
        rebuild_spans()
        counts = current_counts()
    print("rows: " + ", ".join(f"{t} {c}" for t, c in counts.items()))
    with connection.cursor() as cursor:
        if args.proposed_index == "create":
            started = time.perf_counter()
            cursor.execute(PROPOSED_INDEX)
            cursor.execute("VACUUM ANALYZE workflows_workflowevent")
            print(f"proposed index created in {time.perf_counter() - started:.1f} s")
        elif args.proposed_index == "drop":
            cursor.execute("DROP INDEX IF EXISTS wf_event_kind_at_cover")
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'wf_event_kind_at_cover'")
        print("proposed covering index on the events:", "present" if cursor.fetchone()[0] else "absent")
    with connection.cursor() as cursor:
        cursor.execute("SHOW shared_buffers")
        shared = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(sum(pg_total_relation_size(relid))) FROM pg_statio_user_tables "
                       "WHERE relname = ANY(%s)", [list(TABLES)])
        size = cursor.fetchone()[0]
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(",")[0]
    print(f"{version}; shared_buffers {shared}; the measured tables with their indexes: {size}; "
          f"CPUs visible: {os.cpu_count()}; load average {os.getloadavg()}")

    from reports.bottlenecks import bottleneck_maps
    from reports.dashboard import build_dashboard
    from reports.pdf import network_report
    from reports.periods import Period
    from reports.permissions import oversight_scope_for

    User = get_user_model()
    period = Period.year(YEAR)

    def scope_of(username):
        user = User.objects.get(username=username)
        return user, oversight_scope_for(user)

    coordinator, network_scope = scope_of("coordinatore")
    _admin, admin_scope = scope_of("caritas.admin")
    results = [
        measure("dashboard, coordinator (network, 2025)",
                lambda: build_dashboard(scope=network_scope, period=period), args.runs),
        measure("dashboard, caritas.admin (own organisation)",
                lambda: build_dashboard(scope=admin_scope, period=period), args.runs),
        measure("bottleneck map, coordinator",
                lambda: bottleneck_maps(scope=network_scope, period=period), args.runs),
        measure("bottleneck SQL only (step figures)", lambda: sql_bottlenecks(network_scope, period), args.runs),
        measure("yearly network PDF, coordinator",
                lambda: network_report(scope=network_scope, period=period, author=coordinator),
                max(1, args.runs // 2)),
    ]
    targets = {0: 2.0, 1: 2.0, 2: 2.0, 3: 2.0, 4: 10.0}
    for i, r in enumerate(results):
        verdict = "OK" if r["cold_wall"] <= targets[i] else "OVER TARGET"
        print(f"  {r['label']}: cold {r['cold_wall']:.2f} s (target {targets[i]:.0f} s) {verdict}")
    if not args.skip_pm4py:
        pm4py_comparison(period, results[3]["p50"])


if __name__ == "__main__":
    main()
