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
import os
import statistics
import sys
import time
from pathlib import Path

from lib.db import ensure_database, ensure_network, setup_django
from lib.oversight_data import YEAR, load, rebuild_spans
from lib.oversight_tables import TABLES, current_counts

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


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
    parser.add_argument(
        "--proposed-index",
        choices=("keep", "create", "drop"),
        default="keep",
        help="create (or drop) the covering index on the event history proposed for workflows "
        "(see bench/README.md), to measure with and without it",
    )
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args()


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
        cursor.execute(
            "SELECT coalesce(sum(heap_blks_hit + coalesce(idx_blks_hit, 0)), 0), "
            "coalesce(sum(heap_blks_read + coalesce(idx_blks_read, 0)), 0) FROM pg_statio_user_tables"
        )
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
        results.append(
            {
                "wall": wall,
                "db": timer.seconds,
                "queries": timer.queries,
                "hit": hit1 - hit0,
                "read": read1 - read0,
                "slowest": timer.slowest(),
            }
        )
    cold, warm = results[0], results[1:] or results
    walls = sorted(r["wall"] for r in warm)
    summary = {
        "label": label,
        "cold_wall": cold["wall"],
        "cold_db": cold["db"],
        "queries": cold["queries"],
        "cold_hit": cold["hit"],
        "cold_read": cold["read"],
        "p50": statistics.median(walls),
        "p95": walls[min(len(walls) - 1, round(0.95 * (len(walls) - 1)))],
        "db_p50": statistics.median(sorted(r["db"] for r in warm)),
    }
    print(
        f"{label:42s} cold {cold['wall'] * 1000:8.0f} ms (db {cold['db'] * 1000:7.0f} ms, {cold['queries']:3d} "
        f"queries, buffers hit {cold['hit']:>8d} read {cold['read']:>7d}) | next {len(warm)} runs p50 "
        f"{summary['p50'] * 1000:7.0f} ms p95 {summary['p95'] * 1000:7.0f} ms (db p50 "
        f"{summary['db_p50'] * 1000:6.0f} ms)"
    )
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
        print(
            "PM4Py comparison skipped: pm4py is not installed (.venv/bin/pip install pm4py; never a runtime "
            "dependency)."
        )
        return
    from django.db import connection

    fresh_connection()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.case_id, e.flow || '.' || e.step, e.task_created_at, coalesce(e.task_finished_at, e.at), "
            "e.organisation_id FROM workflows_workflowevent e WHERE e.kind = 'task_completed' "
            "AND e.at >= %s AND e.at < %s AND e.task_created_at IS NOT NULL",
            [period.start_at, period.end_at],
        )
        rows = cursor.fetchall()
    frame = pd.DataFrame(
        rows, columns=["case:concept:name", "concept:name", "start_timestamp", "time:timestamp", "org:resource"]
    )
    frame["case:concept:name"] = frame["case:concept:name"].astype(str)
    frame["start_timestamp"] = pd.to_datetime(frame["start_timestamp"], utc=True)
    frame["time:timestamp"] = pd.to_datetime(frame["time:timestamp"], utc=True)
    read = time.perf_counter() - started
    started = time.perf_counter()
    dfg, start_activities, end_activities = pm4py.discover_performance_dfg(
        frame, activity_key="concept:name", timestamp_key="time:timestamp", case_id_key="case:concept:name"
    )
    discover = time.perf_counter() - started
    started = time.perf_counter()
    service = pm4py.get_service_time(
        frame,
        aggregation_measure="median",
        activity_key="concept:name",
        timestamp_key="time:timestamp",
        start_timestamp_key="start_timestamp",
        case_id_key="case:concept:name",
    )
    service_time = time.perf_counter() - started
    total = read + discover
    print(
        f"PM4Py {pm4py.__version__}: read {len(frame)} finished tasks into pandas {read * 1000:.0f} ms, "
        f"performance DFG {discover * 1000:.0f} ms ({len(dfg)} edges), total {total * 1000:.0f} ms; "
        f"service time per activity (the same figure as our step wait) {service_time * 1000:.0f} ms"
    )
    print(
        f"ratio PM4Py (read + performance DFG) / our SQL bottleneck computation: {total / sql_seconds:.1f}x "
        f"(ours {sql_seconds * 1000:.0f} ms, in the same run)"
    )
    sample = sorted(service.items())[:5]
    print("  PM4Py median service time (h), first activities: " + ", ".join(f"{k} {v / 3600:.1f}" for k, v in sample))


def main() -> None:
    args = parse_args()
    ensure_database(args.database_url)
    setup_django(args.database_url)
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
        cursor.execute(
            "SELECT pg_size_pretty(sum(pg_total_relation_size(relid))) FROM pg_statio_user_tables "
            "WHERE relname = ANY(%s)",
            [list(TABLES)],
        )
        size = cursor.fetchone()[0]
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(",")[0]
    print(
        f"{version}; shared_buffers {shared}; the measured tables with their indexes: {size}; "
        f"CPUs visible: {os.cpu_count()}; load average {os.getloadavg()}"
    )

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
        measure(
            "dashboard, coordinator (network, 2025)",
            lambda: build_dashboard(scope=network_scope, period=period),
            args.runs,
        ),
        measure(
            "dashboard, caritas.admin (own organisation)",
            lambda: build_dashboard(scope=admin_scope, period=period),
            args.runs,
        ),
        measure("bottleneck map, coordinator", lambda: bottleneck_maps(scope=network_scope, period=period), args.runs),
        measure("bottleneck SQL only (step figures)", lambda: sql_bottlenecks(network_scope, period), args.runs),
        measure(
            "yearly network PDF, coordinator",
            lambda: network_report(scope=network_scope, period=period, author=coordinator),
            max(1, args.runs // 2),
        ),
    ]
    targets = {0: 2.0, 1: 2.0, 2: 2.0, 3: 2.0, 4: 10.0}
    for i, r in enumerate(results):
        verdict = "OK" if r["cold_wall"] <= targets[i] else "OVER TARGET"
        print(f"  {r['label']}: cold {r['cold_wall']:.2f} s (target {targets[i]:.0f} s) {verdict}")
    if not args.skip_pm4py:
        pm4py_comparison(period, results[3]["p50"])


if __name__ == "__main__":
    main()
