"""Case list benchmark: the real selectors on 200k people, 200k cases and ~1M per-case permission rows.

Usage (from the repository root; PostgreSQL reachable, the role may create databases):

    .venv/bin/python bench/caselist.py --database-url postgres://postgres@127.0.0.1:5432/tavolo_bench

Options:
    --cases N          people and cases to load, one person per case (default 200000)
    --extra-grants N   read grants to organisations other than the lead (default 600000), on top of the
                       lead's view + change rows (2 per case): 200k cases -> 1M permission rows
    --runs N           timed runs per scenario (default 50), after --warmup N untimed ones (default 5)
    --reload           wipe the case data and load it again even when the row counts match
    --seed N           random seed of the generated data (default 2026)

What it does:
1. creates the database when missing, sets DJANGO_SETTINGS_MODULE and DATABASE_URL, django.setup(), migrate;
2. when there are no organisations: the demo network (the partners CSV, their staff) through the services
   (`demo.network.load_network`): the users measured are its logins caritas.cm, anffas.cm, coordinatore;
3. loads people, cases and permission rows with COPY (not the services: 1.4M rows in seconds), and the
   `PersonAccess` rows the grants imply (one INSERT ... SELECT), unless the row counts already match and
   `PersonAccess` agrees with the grants (reruns reuse the data), then VACUUM ANALYZE;
4. times each scenario as a request would run it: a fresh user object (memberships loaded again, one
   query), the real selector, the first page of 25 evaluated as a list. Wall time and DB time (the time
   spent inside cursor.execute) are measured separately, with the query count of one run;
5. prints p50/p95, guardian's get_objects_for_user on the same data for the ratio, and EXPLAIN ANALYZE
   of the case list query (and of the slowest query of every scenario over the target).

Target (DESIGN.md): p95 <= 50 ms of DB time, query count independent of the row count.
Results go to stdout only; nothing is written to the repository.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from lib.case_data import current_counts, expected_counts, load_cases, person_access_matches
from lib.db import ensure_database, ensure_network, setup_django
from lib.timing import DbTimer, percentile

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_MS = 50.0
PAGE = 25


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--extra-grants", type=int, default=600_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args()


# --- measuring -------------------------------------------------------------------------------------


def measure(label: str, username: str, run, args) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user_pk = get_user_model().objects.get(username=username).pk

    def fresh_user():  # what the auth middleware rebuilds on every request
        return get_user_model().objects.get(pk=user_pk)

    for _n in range(args.warmup):
        run(fresh_user())
    walls, dbs = [], []
    for _n in range(args.runs):
        user = fresh_user()
        timer = DbTimer()
        with connection.execute_wrapper(timer):
            started = time.perf_counter()
            rows = run(user)
            walls.append(time.perf_counter() - started)
        dbs.append(timer.seconds)
    user = fresh_user()
    with CaptureQueriesContext(connection) as captured:
        rows = run(user)
    return {
        "label": label,
        "username": username,
        "rows": rows,
        "queries": len(captured.captured_queries),
        "p50": statistics.median(walls) * 1000,
        "p95": percentile(walls, 0.95) * 1000,
        "db_p50": statistics.median(dbs) * 1000,
        "db_p95": percentile(dbs, 0.95) * 1000,
        "sql": [q["sql"] for q in captured.captured_queries],
    }


def scenarios():
    from guardian.shortcuts import get_objects_for_user

    from cases import selectors
    from cases.models import Case

    return [
        ("case_list_for, big partner", "caritas.cm", lambda u: list(selectors.case_list_for(user=u)[:PAGE])),
        ("case_list_for, small partner", "anffas.cm", lambda u: list(selectors.case_list_for(user=u)[:PAGE])),
        ("case_list_for, adherent", "csv.operatore", lambda u: list(selectors.case_list_for(user=u)[:PAGE])),
        (
            "case_list_for status=active",
            "caritas.cm",
            lambda u: list(selectors.case_list_for(user=u, status="active")[:PAGE]),
        ),
        ("case_list_for q=ros", "caritas.cm", lambda u: list(selectors.case_list_for(user=u, query="ros")[:PAGE])),
        (
            "person_search_for q=ros",
            "caritas.cm",
            lambda u: list(selectors.person_search_for(user=u, query="ros")[:PAGE]),
        ),
        (
            "person_search_for q=ros",
            "anffas.cm",
            lambda u: list(selectors.person_search_for(user=u, query="ros")[:PAGE]),
        ),
        (
            "person_search_for q=ros",
            "csv.operatore",
            lambda u: list(selectors.person_search_for(user=u, query="ros")[:PAGE]),
        ),
        # Last names starting "zan" sit at the end of the name order, and almost no first name does.
        (
            "person_search_for q=zan",
            "caritas.cm",
            lambda u: list(selectors.person_search_for(user=u, query="zan")[:PAGE]),
        ),
        ("person_search_for, no query", "caritas.cm", lambda u: list(selectors.person_search_for(user=u)[:PAGE])),
        ("network_case_overview", "coordinatore", lambda u: list(selectors.network_case_overview(user=u)[:PAGE])),
        (
            "guardian get_objects_for_user",
            "caritas.cm",
            lambda u: list(get_objects_for_user(u, "cases.view_case", klass=Case)[:PAGE]),
        ),
    ]


def run_all(title: str, args) -> list[dict]:
    results = [measure(label, username, run, args) for label, username, run in scenarios()]
    print(
        f"\n== {title}\n{args.runs} runs per scenario after {args.warmup} warm-up runs; first page of {PAGE}; "
        f"target p95 <= {TARGET_MS:.0f} ms of DB time\n"
    )
    header = (
        f"{'scenario':<32} {'user':<13} {'rows':>4} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'db p50':>8} {'db p95':>8}  target"
    )
    print(header + "\n" + "-" * len(header))
    for r in results:
        verdict = "ok" if r["db_p95"] <= TARGET_MS else "MISSED"
        print(
            f"{r['label']:<32} {r['username']:<13} {len(r['rows']):>4} {r['queries']:>7} {r['p50']:>8.1f} "
            f"{r['p95']:>8.1f} {r['db_p50']:>8.1f} {r['db_p95']:>8.1f}  {verdict}"
        )
    ours, guardian = results[0], results[-1]
    same = [c.pk for c in ours["rows"]] == [c.pk for c in guardian["rows"]]
    print(
        f"\nguardian get_objects_for_user / case_list_for (big partner): p50 x{guardian['p50'] / ours['p50']:.2f}, "
        f"p95 x{guardian['p95'] / ours['p95']:.2f}; the same {PAGE} cases: {'yes' if same else 'NO'}"
    )
    return results


def explain(title: str, username: str) -> None:
    from django.contrib.auth import get_user_model

    from cases import selectors

    user = get_user_model().objects.get(username=username)
    print(f"\nEXPLAIN (ANALYZE, BUFFERS) {title}\n" + "-" * 100)
    print(selectors.case_list_for(user=user)[:PAGE].explain(analyze=True, buffers=True))


def explain_missed(results: list[dict]) -> None:
    from django.db import connection

    for r in results:
        if r["db_p95"] > TARGET_MS and "case_list_for, big" not in r["label"]:
            print(
                f"\nEXPLAIN (ANALYZE, BUFFERS) of the list query of {r['label']} ({r['username']}), "
                "over the target\n" + "-" * 100
            )
            with connection.cursor() as cursor:  # the list query is the last one (memberships come first)
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {r['sql'][-1]}")
                print("\n".join(row[0] for row in cursor.fetchall()))


def main() -> None:
    args = parse_args()
    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.db import connection

    ensure_network(args.seed)
    expected = expected_counts(args)
    if args.reload or current_counts() != expected or not person_access_matches():
        print(f"loading {args.cases} people and cases, {expected['cases_casegroupobjectpermission']} permission rows")
        load_cases(args)
    else:
        print("reusing the data already loaded (row counts match; --reload to load again)")
    print(", ".join(f"{table}: {count}" for table, count in current_counts().items()))
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(cursor.fetchone()[0])
        cursor.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN "
            "('jit', 'shared_buffers', 'work_mem', 'random_page_cost') ORDER BY name"
        )
        print(", ".join(f"{name}={setting}" for name, setting in cursor.fetchall()))

    results = run_all("The migrations' schema, the selectors as they are", args)
    explain("case_list_for(caritas.cm)[:25]", "caritas.cm")
    explain_missed(results)


if __name__ == "__main__":
    main()
