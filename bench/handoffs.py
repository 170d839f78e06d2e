"""Handoff benchmark: referrals sent, accepted and closed with an outcome through the services, and the task queue
with a million task rows, side by side with viewflow's stock `Task.objects.queue()` / `inbox()`.

Usage (from the repository root; PostgreSQL reachable, the role may create databases; use a database of its
own, whose name contains "bench": the script bulk-loads synthetic rows into it):

    .venv/bin/python bench/handoffs.py --database-url postgres://postgres@127.0.0.1:5432/tavolo_bench_handoffs

(or `make bench-handoffs`; without --database-url the script reads DATABASE_URL).

Options:
    --handoffs N       cases to open (with the person's consents) and referrals to run send -> accept -> outcome
                       (default 2000)
    --workers N        processes running the loops side by side, one connection each (default 2: "2 cores")
    --tasks N          task rows in viewflow_task for the queue part (default 1000000)
    --cases N, --extra-grants N
                       the background case data of bench/caselist.py: people, cases and per-case permission rows
                       (default 200000 and 600000: 1M permission rows), loaded with COPY by its `load_cases`
    --runs N, --warmup N
                       timed and untimed runs of each queue scenario (default 50 and 5)
    --reload           load the background cases and the synthetic tasks again even when they are there
    --only handoffs|queue
                       run one part only
    --seed N           random seed (default 2026)

What it does:
1. creates the database when missing, migrates it, loads the demo network through the services (the partners
   CSV and their staff: the users are its logins);
2. the background: bench/caselist.py's 200k people and cases with 1M permission rows, then `--tasks` synthetic
   human tasks (COPY) on 250k synthetic case and handoff processes, spread over every organisation's queue, with
   the statuses of a network that has worked for years (about 90% done or canceled, the rest open: waiting in a
   queue or in someone's inbox), and the handoff rows of the handoff processes (their deadline orders the
   queue). Reruns reuse what is there when the row counts match (--reload forces a new load);
3. handoffs: `--workers` processes each open their share of `--handoffs` cases through the services (a person,
   a case, consents to processing and to sharing with the network: untimed), wait for each other, then run
   `handoff_send` -> `handoff_accept` -> `handoff_report_outcome`, each step as a request would (the acting user
   loaded afresh). Prints complete loops per second of wall time, and p50/p95 of each step;
4. the queue: our selectors (`task_queue_for`, `task_inbox_for`, first page of 25 evaluated as a list;
   `work_counts_for`, the badges of every page; the paginator's count) and viewflow's stock
   `Task.objects.queue(FLOWS, user)` / `inbox(FLOWS, user)` on the same data for the same users (they are given
   `workflows.view_caseprocess`, without which the stock managers skip every flow and run no query), 5 warm-up
   runs then 50 timed ones, wall and DB time (the time inside cursor.execute), the ratio stock / ours, and
   EXPLAIN (ANALYZE, BUFFERS) of our queue for the biggest queue.

Targets (DESIGN.md): >= 50 complete handoffs per second on 2 cores; queue p95 <= 50 ms (DB time).
Results go to stdout only; nothing is written to the repository.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
# The repository first: this folder holds scripts named like the apps (housing.py), which must not shadow them.
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

import caselist  # noqa: E402 - the house's loaders and timers, next to this file
from lib.db import close_before_fork, ensure_database, ensure_network, setup_django  # noqa: E402
from lib.handoff_loops import handoff_plan, open_cases, run_loops, worker  # noqa: E402
from lib.task_data import ensure_cases, ensure_tasks  # noqa: E402
from lib.timing import percentile  # noqa: E402

TARGET_MS = 50.0
TARGET_PER_SECOND = 50.0
PAGE = 25


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--handoffs", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--extra-grants", type=int, default=600_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--only", choices=["handoffs", "queue"])
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if not args.database_url or not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url (or DATABASE_URL) must be a PostgreSQL URL")
    if "bench" not in urlparse(args.database_url).path:
        parser.error("use a database of its own, whose name contains 'bench': the script loads synthetic rows")
    return args


# --- part 1: handoffs through the services ------------------------------------------------------------


def bench_handoffs(args) -> dict:

    plan = handoff_plan(args.handoffs, args.seed)
    close_before_fork()  # the children open their own connections and pools
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(args.workers + 1)
    results = context.Queue()
    tag = f"{int(time.time())}"
    shares = [plan[n :: args.workers] for n in range(args.workers)]
    processes = [
        context.Process(target=worker, args=(args.database_url, share, f"{tag}-{n}", barrier, results))
        for n, share in enumerate(shares)
    ]
    setup_started = time.perf_counter()
    for process in processes:
        process.start()
    barrier.wait()  # every worker has opened its cases
    print(
        f"\n{args.handoffs} cases opened with consents through the services by {args.workers} workers in "
        f"{time.perf_counter() - setup_started:.1f} s"
    )
    wall_started = time.perf_counter()
    outcomes = [results.get() for _process in processes]
    wall = time.perf_counter() - wall_started
    for process in processes:
        process.join()
    errors = [o["error"] for o in outcomes if "error" in o]
    if errors:
        raise SystemExit(f"a worker failed: {errors}")
    timings: dict[str, list[float]] = {}
    for outcome in outcomes:
        for step, values in outcome["timings"].items():
            timings.setdefault(step, []).extend(values)
    rate = len(timings["loop"]) / wall
    print(
        f"\n== Handoffs: send -> accept -> outcome, {len(timings['loop'])} loops, {args.workers} workers, "
        f"{os.cpu_count()} CPUs\n"
    )
    print(f"{'step':<10} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for step in ("send", "accept", "outcome", "loop"):
        values = timings[step]
        print(
            f"{step:<10} {statistics.median(values) * 1000:>8.1f} {percentile(values, 0.95) * 1000:>8.1f} "
            f"{max(values) * 1000:>8.1f}"
        )
    verdict = "ok" if rate >= TARGET_PER_SECOND else "MISSED"
    print(
        f"\n{rate:.1f} complete handoffs per second ({wall:.1f} s of wall time); "
        f"target >= {TARGET_PER_SECOND:.0f}/s: {verdict}"
    )
    print(f"per loop (20 more loops, one process): {loop_profile(args)}")
    return {"rate": rate, "timings": timings}


def loop_profile(args) -> str:
    """Queries, and CPU time of this process and of its PostgreSQL backend, per loop (20 more loops here, after
    5 to warm up)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    items = handoff_plan(25, args.seed + 7)
    open_cases(items, f"profile-{int(time.time())}")
    run_loops(items[:5])  # warm-up: this process has not run a loop yet
    items = items[5:]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]

    def backend_cpu() -> float | None:
        try:  # readable when PostgreSQL runs on this machine
            fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    cpu, db_cpu = time.process_time(), backend_cpu()
    with CaptureQueriesContext(connection) as captured:
        run_loops(items)
    cpu = (time.process_time() - cpu) * 1000 / len(items)
    db_cpu = (backend_cpu() - db_cpu) * 1000 / len(items) if db_cpu is not None else None
    return f"{len(captured.captured_queries) / len(items):.0f} queries, {cpu:.0f} ms of Python CPU" + (
        f", {db_cpu:.0f} ms of PostgreSQL CPU" if db_cpu is not None else ""
    )


# --- part 2: the queue with a million tasks ---------------------------------------------------------------


def queue_users() -> list[str]:
    """The biggest queue (the operator of the organisation with most open tasks), a case manager with a full
    inbox, a small organisation's case manager and the coordinator."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Count
    from viewflow.workflow.models import Task

    from partners.models import Membership, Organisation
    from partners.roles import Role

    org_ct = ContentType.objects.get_for_model(Organisation)
    waiting = dict(
        Task.objects.filter(owner_permission_content_type=org_ct, status="NEW", owner__isnull=True)
        .values_list("owner_permission_obj_pk")
        .annotate(n=Count("pk"))
        .values_list("owner_permission_obj_pk", "n")
    )
    by_size = sorted(waiting, key=lambda pk: -waiting[pk])
    users = []
    for role in (Role.OPERATOR, Role.CASE_MANAGER):
        membership = (
            Membership.objects.active()
            .filter(organisation_id__in=[int(pk) for pk in by_size[:3]], role=role)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if membership:
            users.append(membership.user.username)
    small = (
        Membership.objects.active()
        .filter(role=Role.CASE_MANAGER, organisation_id__in=[int(pk) for pk in by_size[-5:]])
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if small:
        users.append(small.user.username)
    users.append(Membership.objects.active().filter(role=Role.COORDINATOR).select_related("user").first().user.username)
    return list(dict.fromkeys(users))


def grant_stock_view(usernames: list[str]) -> None:
    """viewflow's stock managers list a flow's tasks only to users with its process model's view permission."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    permission = Permission.objects.get(content_type__app_label="workflows", codename="view_caseprocess")
    for user in get_user_model().objects.filter(username__in=usernames):
        user.user_permissions.add(permission)


def queue_scenarios(usernames: list[str]):
    from viewflow.workflow.models import Task

    from workflows import selectors
    from workflows.flows import FLOWS

    scenarios = []
    for username in usernames:
        scenarios += [
            ("ours", "queue", username, lambda u: list(selectors.task_queue_for(user=u)[:PAGE])),
            ("stock", "queue", username, lambda u: list(Task.objects.queue(FLOWS, u)[:PAGE])),
        ]
    inbox_user = usernames[1] if len(usernames) > 1 else usernames[0]
    scenarios += [
        ("ours", "inbox", inbox_user, lambda u: list(selectors.task_inbox_for(user=u)[:PAGE])),
        ("stock", "inbox", inbox_user, lambda u: list(Task.objects.inbox(FLOWS, u)[:PAGE])),
        ("ours", "queue count", usernames[0], lambda u: [selectors.task_queue_for(user=u).count()]),
        ("ours", "work_counts_for", usernames[0], lambda u: [selectors.work_counts_for(user=u)]),
    ]
    return scenarios


def bench_queue(args) -> list[dict]:
    from django.db import connection

    usernames = queue_users()
    grant_stock_view(usernames)
    results = []
    for side, label, username, run in queue_scenarios(usernames):
        result = caselist.measure(f"{side} {label}", username, run, args)
        result.update(side=side, kind=label)
        results.append(result)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'NEW' AND owner_id IS NULL), "
            "count(*) FILTER (WHERE status IN ('ASSIGNED', 'STARTED')) FROM viewflow_task"
        )
        total, waiting, assigned = cursor.fetchone()
    print(
        f"\n== The queue: {total} task rows ({waiting} waiting in a queue, {assigned} in someone's inbox)\n"
        f"{args.runs} runs per scenario after {args.warmup} warm-up runs; first page of {PAGE}; "
        f"target p95 <= {TARGET_MS:.0f} ms of DB time\n"
    )
    header = (
        f"{'scenario':<24} {'user':<18} {'rows':>4} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'db p50':>8} {'db p95':>8}  target"
    )
    print(header + "\n" + "-" * len(header))
    for r in results:
        verdict = "ok" if r["db_p95"] <= TARGET_MS else "MISSED"
        if r["side"] == "stock":
            verdict = "(stock)"
        rows = r["rows"][0] if r["kind"] == "queue count" else "-" if r["kind"] == "work_counts_for" else len(r["rows"])
        print(
            f"{r['label']:<24} {r['username']:<18} {str(rows)[:4]:>4} {r['queries']:>7} {r['p50']:>8.1f} "
            f"{r['p95']:>8.1f} {r['db_p50']:>8.1f} {r['db_p95']:>8.1f}  {verdict}"
        )
    print()
    for ours in (r for r in results if r["side"] == "ours" and r["kind"] in ("queue", "inbox")):
        stock = next(
            r
            for r in results
            if r["side"] == "stock" and r["kind"] == ours["kind"] and r["username"] == ours["username"]
        )
        print(
            f"stock / ours, {ours['kind']} of {ours['username']}: wall p50 x{stock['p50'] / ours['p50']:.1f}, "
            f"p95 x{stock['p95'] / ours['p95']:.1f}; rows {len(stock['rows'])} vs {len(ours['rows'])}"
        )
    explain_queue(usernames[0])
    return results


def explain_queue(username: str) -> None:
    from django.contrib.auth import get_user_model

    from workflows import selectors

    user = get_user_model().objects.get(username=username)
    print(f"\nEXPLAIN (ANALYZE, BUFFERS) task_queue_for({username})[:{PAGE}]\n" + "-" * 100)
    print(selectors.task_queue_for(user=user)[:PAGE].explain(analyze=True, buffers=True))


def main() -> None:
    args = parse_args()
    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.db import connection

    ensure_network(args.seed)
    if args.only != "handoffs":
        reloaded = ensure_cases(args)
        ensure_tasks(args, reloaded_cases=reloaded)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(cursor.fetchone()[0])
        cursor.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN "
            "('jit', 'shared_buffers', 'work_mem', 'random_page_cost', 'synchronous_commit') ORDER BY name"
        )
        print(", ".join(f"{name}={setting}" for name, setting in cursor.fetchall()))
    if args.only != "queue":
        bench_handoffs(args)
    if args.only != "handoffs":
        bench_queue(args)


if __name__ == "__main__":
    main()
