"""Database connections under ASGI: Django's psycopg pool against a new connection per request (`DB_POOL=0`) and
the old `CONN_MAX_AGE=60`, under uvicorn with 2 workers and production settings, loaded by wrk with logged-in
users; PostgreSQL backends held during the run, latency, requests per second, errors.

Usage (from the repository root; PostgreSQL reachable as a role that may create roles and databases, `wrk` and a
Redis on the PATH / at --redis-url; use a database of its own, whose name contains "bench"):

    .venv/bin/python bench/connections.py --database-url postgres://postgres@127.0.0.1:5432/tavolo_bench_connections

(or `make bench-connections`; without --database-url the script reads DATABASE_URL).

Options:
    --modes LIST           what to compare, in order (default pool,none,persistent):
                           pool        Django's psycopg pool, as config/settings.py builds it (DB_POOL=1, health
                                       checks on), sized by --pool-min-size / --pool-max-size / --pool-timeout;
                                       `pool@4` sets the maximum size per worker to 4 for that mode
                           pool-nocheck the same without the health check before each checkout (`@N` too)
                           none        a new connection per request (DB_POOL=0, CONN_MAX_AGE=0)
                           persistent  CONN_MAX_AGE=60, the production guide's former value (settings.py now
                                       refuses it: the server gets it from a settings module written for the run)
    --concurrency LIST     wrk connections, one thread and one logged-in user each (default 1,4,16)
    --paths LIST           pages measured, each run on its own (default /,/cases/)
    --duration S           seconds per run (default 20), after --warmup S at the same concurrency (default 3)
    --rounds N             run every mode N times, in turn (default 1): on a shared machine the table gives
                           each figure's median over the rounds (errors are summed, backends' peak is the max)
    --workers N            uvicorn workers (default 2: "2 cores")
    --connection-limit N   CONNECTION LIMIT of the bench's own role (default 40; -1: none). It stands for the
                           part of `max_connections` the application may use: the server's 100 are shared with
                           whatever else runs on this machine, which the old setting would starve
    --role NAME            the non-superuser role the server connects as (default tavolo_bench_conn; created when
                           missing, owner of the database; a superuser would not be held to the limit)
    --pool-min-size N, --pool-max-size N, --pool-timeout S
                           the pool's size per worker and its wait for a connection (default 0, 8, 10 s: the
                           settings' defaults)
    --redis-url URL        the channel layer's Redis (default REDIS_URL, else redis://127.0.0.1:6379/2)
    --users N              demo case managers logged in through /accounts/login/ (default 16; wrk connection k
                           uses user k mod N)

What it does:
1. creates the role (or sets its limit) and the database (owned by the role) when missing, then runs `make demo`'s
   commands (migrate, demo_network, demo_workflows, demo_housing, demo_employment, demo_notifications: they do
   nothing when the data is there) as the role, and `collectstatic` into a temporary folder;
2. times 50 plain psycopg connections to the database (what a request pays when it opens one);
3. for each mode: starts `uvicorn config.asgi:application --workers N` with DJANGO_ENV=production, DEBUG off, a
   SECRET_KEY, ALLOWED_HOSTS=127.0.0.1 and REDIS_URL; logs the users in through the login form (once, the
   sessions are reused by the next modes); then for each page and concurrency runs wrk (every request carries
   the session cookie and `X-Forwarded-Proto: https`, as nginx sends it) while a thread samples the backends
   of the role on the database in `pg_stat_activity` every 0.2 s; the connections opened during the run are
   the difference of `pg_stat_database.sessions`. Stops the server and counts its logged errors;
4. prints one table: mode, page, concurrency, requests/s (answers 2xx/3xx only), p50/p99 ms, other answers and
   socket errors, backends held (peak and mean, of them idle at the peak) and new connections per request.

Results go to stdout only; nothing is written to the repository (server logs, static files and the settings
module live in a temporary folder, removed at the end).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

from lib.conn_database import demo_users, ensure_role_and_database, load_demo
from lib.pg import BackendSampler, admin_connection, connect_cost, database_name, url_as
from lib.processes import free_port
from lib.web import log_in, server_errors, start_server, stop_server, wrk

ROOT = Path(__file__).resolve().parent.parent
MANAGE = [sys.executable, str(ROOT / "manage.py")]
MODES = ("pool", "pool-nocheck", "none", "persistent")
MODE_PATTERN = re.compile(r"(?P<name>[a-z-]+)(@(?P<max_size>[0-9]+))?")

PERSISTENT_SETTINGS = '''"""The former production setting, which config/settings.py refuses (bench/connections.py)."""
from config.settings import *  # noqa: F403

DATABASES["default"]["CONN_MAX_AGE"] = 60  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = False  # noqa: F405 - dj-database-url's default, as it was
DATABASES["default"]["OPTIONS"].pop("pool", None)  # noqa: F405
'''


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--modes", default="pool,none,persistent")
    parser.add_argument("--concurrency", default="1,4,16")
    parser.add_argument("--paths", default="/,/cases/")
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connection-limit", type=int, default=40)
    parser.add_argument("--role", default="tavolo_bench_conn")
    parser.add_argument("--pool-min-size", type=int, default=0)
    parser.add_argument("--pool-max-size", type=int, default=8)
    parser.add_argument("--pool-timeout", type=float, default=10.0)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/2"))
    parser.add_argument("--users", type=int, default=16)
    args = parser.parse_args()
    if not args.database_url or not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url (or DATABASE_URL) must be a PostgreSQL URL")
    if "bench" not in urlparse(args.database_url).path:
        parser.error("use a database of its own, whose name contains 'bench': the script loads demo data into it")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.role):
        parser.error("--role: lower-case letters, digits and underscores")
    args.modes = [mode.strip() for mode in args.modes.split(",") if mode.strip()]
    if unknown := {
        mode
        for mode in args.modes
        if not (m := MODE_PATTERN.fullmatch(mode))
        or m["name"] not in MODES
        or (m["max_size"] and not m["name"].startswith("pool"))
    }:
        parser.error(f"unknown modes {sorted(unknown)}: choose from {', '.join(MODES)}")
    args.concurrency = [int(c) for c in args.concurrency.split(",")]
    args.paths = [path.strip() for path in args.paths.split(",") if path.strip()]
    if not shutil.which("wrk"):
        parser.error("wrk is not on the PATH (Debian: apt-get install wrk)")
    return args


# --- the server -----------------------------------------------------------------------------------------------


def production_env(args, *, role_url: str, workdir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "DEBUG": "0",
        "SECRET_KEY": "bench-connections-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": role_url,
        "REDIS_URL": args.redis_url,
        "STATIC_ROOT": str(workdir / "static"),
        "TAVOLO_VAR_DIR": str(workdir / "var"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "text",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(workdir)]),
    }
    for name in (
        "DB_CONN_MAX_AGE",
        "DB_POOL",
        "DB_POOL_MIN_SIZE",
        "DB_POOL_MAX_SIZE",
        "DB_POOL_TIMEOUT",
        "DB_CONN_HEALTH_CHECKS",
    ):
        env.pop(name, None)
    return env


def mode_env(args, mode: str, base: dict[str, str]) -> dict[str, str]:
    env = dict(base)
    spec = MODE_PATTERN.fullmatch(mode)
    if spec["name"].startswith("pool"):
        env.update(
            {
                "DB_POOL": "1",
                "DB_POOL_MIN_SIZE": str(args.pool_min_size),
                "DB_POOL_MAX_SIZE": spec["max_size"] or str(args.pool_max_size),
                "DB_POOL_TIMEOUT": str(args.pool_timeout),
                "DB_CONN_HEALTH_CHECKS": "0" if spec["name"] == "pool-nocheck" else "1",
            }
        )
    elif mode == "none":
        env["DB_POOL"] = "0"
    else:  # persistent: the former setting, through a settings module of the run's own
        env["DJANGO_SETTINGS_MODULE"] = "bench_connections_persistent"
    return env


def collect_static(env: dict[str, str]) -> None:
    subprocess.run(  # noqa: S603 - our own manage.py command
        [*MANAGE, "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


# --- sampling the server's backends ---------------------------------------------------------------------------


# --- one wrk run ----------------------------------------------------------------------------------------------


def measured_run(
    args, *, port: int, path: str, connections: int, cookies: list[str], script: Path, dbname: str
) -> dict:
    wrk(port, path=path, connections=connections, seconds=args.warmup, cookies=cookies, script=script)
    sampler = BackendSampler(args.database_url, dbname=dbname, role=args.role)
    try:
        opened_before = sampler.sessions_opened()
        sampler.start()
        result = wrk(port, path=path, connections=connections, seconds=args.duration, cookies=cookies, script=script)
        sampler.stopping.set()
        sampler.join()
        time.sleep(1.5)  # the backends flush their session counts about once a second
        result["opened"] = sampler.sessions_opened() - opened_before
        result["backends"] = sampler.summary()
    finally:
        sampler.stopping.set()
        sampler.connection.close()
    return result


def describe(mode: str, path: str, connections: int, result: dict) -> dict:
    seconds = result["duration_us"] / 1e6
    good = sum(count for status, count in result["codes"].items() if status.startswith(("2", "3")))
    failed = result["requests"] - good
    sockets = result["connect"] + result["read"] + result["write"] + result["timeout"]
    return {
        "mode": mode,
        "path": path,
        "c": connections,
        "rps": good / seconds,
        "requests": result["requests"],
        "p50": result["p50_us"] / 1000,
        "p99": result["p99_us"] / 1000,
        "errors": failed,
        "error_share": failed / result["requests"] if result["requests"] else 0.0,
        "codes": result["codes"],
        "socket_errors": sockets,
        "peak": result["backends"]["peak"],
        "mean": result["backends"]["mean"],
        "idle_at_peak": result["backends"]["idle_at_peak"],
        "opened_per_request": result["opened"] / result["requests"] if result["requests"] else 0.0,
    }


def aggregate(rows: list[dict]) -> list[dict]:
    """One row per (mode, page, concurrency): the median of each figure over the rounds, errors summed, the
    backends' peak the highest seen."""
    cells: dict[tuple, list[dict]] = {}
    for row in rows:
        cells.setdefault((row["mode"], row["path"], row["c"]), []).append(row)
    table = []
    for (mode, path, connections), runs in cells.items():
        requests = sum(r["requests"] for r in runs)
        errors = sum(r["errors"] for r in runs)
        table.append(
            {
                "mode": mode,
                "path": path,
                "c": connections,
                "rounds": len(runs),
                **{
                    key: statistics.median(r[key] for r in runs)
                    for key in ("rps", "p50", "p99", "mean", "opened_per_request")
                },
                "requests": requests,
                "errors": errors,
                "error_share": errors / requests if requests else 0.0,
                "socket_errors": sum(r["socket_errors"] for r in runs),
                "failed_codes": sorted({code for r in runs for code in r["codes"] if not code.startswith(("2", "3"))}),
                "peak": max(r["peak"] for r in runs),
                "idle_at_peak": max(r["idle_at_peak"] for r in runs),
            }
        )
    return table


def print_table(rows: list[dict]) -> None:
    print()
    print(
        "| mode | page | c | req/s | p50 ms | p99 ms | errors | backends peak / mean (idle at peak) "
        "| new conn. per request |"
    )
    print("|---|---|--:|--:|--:|--:|--:|--:|--:|")
    for r in rows:
        codes = ", ".join(r["failed_codes"])
        errors = f"{r['errors']} ({100 * r['error_share']:.0f} %: {codes})" if r["errors"] else "0"
        if r["socket_errors"]:
            errors += f" + {r['socket_errors']} socket"
        print(
            f"| {r['mode']} | `{r['path']}` | {r['c']} | {r['rps']:.1f} | {r['p50']:.1f} | {r['p99']:.1f} | "
            f"{errors} | {r['peak']} / {r['mean']:.1f} ({r['idle_at_peak']}) | {r['opened_per_request']:.2f} |"
        )


def run_mode(args, mode: str, *, base_env: dict[str, str], workdir: Path, state: dict) -> list[dict]:
    port = free_port()
    log = workdir / "uvicorn.log"
    server = start_server(args, env=mode_env(args, mode, base_env), port=port, log=log)
    rows = []
    try:
        if not state.get("cookies"):
            started = time.perf_counter()
            state["cookies"] = [log_in(port, username) for username in state["users"]]
            print(
                f"{len(state['cookies'])} users logged in through /accounts/login/ in "
                f"{time.perf_counter() - started:.1f} s"
            )
        for path in args.paths:
            for connections in args.concurrency:
                result = measured_run(
                    args,
                    port=port,
                    path=path,
                    connections=connections,
                    cookies=state["cookies"],
                    script=workdir / "bench.lua",
                    dbname=database_name(args.database_url),
                )
                row = describe(mode, path, connections, result)
                rows.append(row)
                print(
                    f"{mode:<12} {path:<8} c={connections:<3} {row['rps']:7.1f} req/s  p50 {row['p50']:7.1f} ms  "
                    f"p99 {row['p99']:7.1f} ms  errors {row['errors']} {row['codes']}  backends peak "
                    f"{row['peak']} mean {row['mean']:.1f}  new/request {row['opened_per_request']:.2f}",
                    flush=True,
                )
    finally:
        stop_server(server)
    errors = server_errors(log)
    for message, count in errors.most_common(5):
        print(f"    server log, {mode}: {count} x {message}")
    return rows


def main() -> None:
    args = parse_args()
    ensure_role_and_database(args)
    dbname = database_name(args.database_url)
    role_url = url_as(args.database_url, user=args.role)
    load_demo(role_url)
    users = demo_users(role_url, args.users)
    if not users:
        raise SystemExit("no demo case managers found")
    with admin_connection(args.database_url) as admin:
        version = admin.execute("SHOW server_version").fetchone()[0]
        limit = admin.execute("SHOW max_connections").fetchone()[0]
    p50, p95 = connect_cost(role_url)
    load = os.getloadavg()
    print(
        f"PostgreSQL {version}, max_connections {limit}, role {args.role} CONNECTION LIMIT "
        f"{args.connection_limit}; a new connection costs {p50:.1f} ms (p95 {p95:.1f}); {os.cpu_count()} CPUs, "
        f"load average {load[0]:.2f}"
    )
    workdir = Path(tempfile.mkdtemp(prefix="bench-connections-"))
    try:
        (workdir / "bench_connections_persistent.py").write_text(PERSISTENT_SETTINGS)
        base_env = production_env(args, role_url=role_url, workdir=workdir)
        collect_static(base_env)
        state = {"users": users}
        rows = []
        for round_number in range(1, args.rounds + 1):
            if args.rounds > 1:
                print(f"round {round_number} of {args.rounds}, load average {os.getloadavg()[0]:.2f}")
            for mode in args.modes:
                rows += run_mode(args, mode, base_env=base_env, workdir=workdir, state=state)
        print_table(aggregate(rows))
        load = os.getloadavg()
        print(f"\nload average at the end {load[0]:.2f}; database {dbname}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
