"""Notification latency benchmark: 500 websocket clients on uvicorn and the Redis channel layer, handoffs sent at a
steady rate, Redis killed and half the sockets dropped mid-run; commit -> receipt latency and exactly-once
delivery.

Usage (from the repository root; PostgreSQL reachable, the role may create databases; `redis-server` on the
PATH; use a database of its own, whose name contains "bench"):

    .venv/bin/python bench/notify_latency.py --database-url postgres://postgres@127.0.0.1:5432/tavolo_bench_notify

(or `make bench-notify`; without --database-url the script reads DATABASE_URL).

Options:
    --orgs N, --members N  receiving organisations and members of each (default 25 x 20 = 500 users, one socket
                           each): 6 case managers and 6 operators (told of a handoff received), 6 volunteers and
                           2 administrators (their sockets get the organisation's messages and keep none)
    --rate N               handoffs sent per second (default 10), for --duration seconds (default 90)
    --heartbeat S          seconds between two syncs of a connected client (default 30, as the browser)
    --heartbeat-phase open|random
                           when a reconnected client syncs next: at a random moment of the period (default, as the
                           browser) or a period after opening (the browser before the fix: sockets that reconnected
                           together kept syncing together); the first connections of the run always start at a
                           random moment
    --redis-down-at S, --redis-down-for S
                           kill our Redis (SIGKILL: a crash, groups and queued messages gone) S seconds after the
                           first handoff, and start it again after --redis-down-for seconds (default 25 and 5;
                           --redis-down-at -1: no outage)
    --drop-at S, --drop-fraction F
                           abort the TCP connection of a fraction F of the clients (default 0.5) without a
                           closing handshake, as a laptop going to sleep does (default at 55 s; -1: no drop)
    --drain S              seconds the clients keep listening after the last handoff (default: a heartbeat
                           and 5 s, so that every socket has synced once since the last disruption)
    --backoff-reset open|replay
                           when a client's reconnection delay goes back to 1 s: when the socket opens (default:
                           what static/js/notifications.js does) or when the first replay arrives
    --workers N            uvicorn workers (default 2: "2 cores")
    --app MODULE:NAME      the ASGI application uvicorn serves (default config.asgi:application; another one, on
                           PYTHONPATH, measures a change to the consumer before making it)
    --redis-socket-timeout S
                           add ?socket_timeout=S to REDIS_URL (server and sender): redis-py's own default is 5 s,
                           as long as channels-redis' blocking read (see the README)
    --client-processes N   processes sharing the clients (default 1)
    --seed N               random seed (default 2026)
    --dump FILE            also write the raw results (every receipt, connection, sync) as JSON to FILE, and
                           the server's log to FILE.uvicorn.log

What it does:
1. creates the database when missing, migrates it, and (once; reused afterwards) creates the receiving
   organisations, each offering a service, their members, and a sending organisation with 4 case managers,
   through the services. Each run opens the cases it will hand over (person, case, consents to processing and
   to sharing with the network, through the services, as bench/handoffs.py does: untimed) and a logged-in
   session per user (a SessionStore row -> the sessionid cookie);
2. starts its own `redis-server` on a free port (no persistence: a restart forgets everything, as a crash of
   an in-memory Redis does; the machine's Redis is not touched) and `uvicorn config.asgi:application` with
   --workers on a free port, REDIS_URL on that Redis, DATABASE_URL on the bench database, DEBUG off;
3. the clients speak the browser's protocol (static/js/notifications.js): the session cookie and an allowed
   Origin; `sync` with the last id seen on every (re)connection and every --heartbeat seconds; reconnection with
   the browser's backoff (1 s doubling up to 30 s, each wait between half and all of it, reset on open);
   de-duplication by id. The run's pages were opened at random moments of a heartbeat period; after a
   reconnection the next sync comes a period after opening, as in the browser. They record (user, id, receipt
   time, live push or replay);
4. the sender, in a process of its own, calls `workflows.services.handoffs.handoff_send` at --rate per second,
   each to the next receiving organisation (every organisation in turn), acting as a case manager of the
   sending organisation. **Commit time** is taken by a `transaction.on_commit` callback registered in an outer
   transaction before `handoff_send` runs: Django runs on-commit callbacks in order, right after COMMIT
   returns, so it fires first, before the push callback of `notifications.push`. Latency = receipt time in
   the client - commit time (one machine, one clock: `time.time()` in both processes);
5. mid-run, Redis is killed and restarted, and a fraction of the sockets is aborted;
6. prints: notifications expected (the `Notification` rows of the handoffs sent, from the database) against
   delivered (unique per user and id), duplicates the clients discarded, lost, unexpected; p50/p95/p99/max of
   commit -> receipt for live pushes (all, and outside the disruptions) and, separately, for notifications
   that arrived by replay; how the sockets went through each disruption; the server's errors by kind.

Target (issue 4): p99 <= 100 ms from commit to receipt on 2 cores, nothing lost.
Results go to stdout only; nothing is written to the repository (logs in a temporary folder, removed).
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
# The repository first: this folder holds scripts named like the apps (housing.py), which must not shadow them.
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

import caselist  # noqa: E402 - the house's loaders and timers, next to this file
from lib.db import close_before_fork  # noqa: E402
from lib.notify_client import clients_main  # noqa: E402
from lib.notify_load import ensure_population, open_sessions, send_plan, sender_main  # noqa: E402
from lib.notify_report import report  # noqa: E402
from lib.processes import CpuSampler, Redis, free_port, server_errors, stop_process, wait_for_port  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--orgs", type=int, default=25)
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--duration", type=float, default=90.0)
    parser.add_argument("--heartbeat", type=float, default=30.0)
    parser.add_argument("--heartbeat-phase", choices=["open", "random"], default="random")
    parser.add_argument("--redis-down-at", type=float, default=25.0)
    parser.add_argument("--redis-down-for", type=float, default=5.0)
    parser.add_argument("--drop-at", type=float, default=55.0)
    parser.add_argument("--drop-fraction", type=float, default=0.5)
    parser.add_argument("--drain", type=float)
    parser.add_argument("--backoff-reset", choices=["open", "replay"], default="open")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--app", default="config.asgi:application")
    parser.add_argument("--redis-socket-timeout", type=float)
    parser.add_argument("--client-processes", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--dump", help="also write the raw results (JSON) to this file")
    args = parser.parse_args()
    if not args.database_url or not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url (or DATABASE_URL) must be a PostgreSQL URL")
    if "bench" not in urlparse(args.database_url).path:
        parser.error("use a database of its own, whose name contains 'bench': the script writes bench rows")
    if args.drain is None:
        args.drain = args.heartbeat + 5
    if not shutil.which("redis-server"):
        parser.error("redis-server is not on the PATH")
    return args


# --- the servers ---------------------------------------------------------------------------------------


def start_server(args, *, port: int, redis_url: str, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "REDIS_URL": redis_url,
        "DJANGO_ENV": "development",
        "DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603 - our own arguments
            [
                str(Path(sys.executable).parent / "uvicorn"),
                args.app,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    wait_for_port(port, timeout=60, process=process)
    return process


# --- the run ---------------------------------------------------------------------------------------------


def run(args, population: dict, folder: Path, redis: Redis) -> dict:
    from django.conf import settings
    from django.db.models import Max

    from notifications.models import Notification

    count = math.ceil(args.rate * args.duration) + 1
    work = send_plan(population, count, args.seed)
    user_ids = sorted({user_id for user_id, _org, _role in population["members"]})
    sessions = open_sessions(user_ids)
    watermark = Notification.objects.aggregate(m=Max("id"))["m"] or 0

    server = None
    context = multiprocessing.get_context("fork")
    processes = []
    try:
        redis.start()
        port = free_port()
        server = start_server(args, port=port, redis_url=os.environ["REDIS_URL"], log=folder / "uvicorn.log")
        print(f"redis-server on port {redis.port}, uvicorn ({args.workers} workers) on port {port}")
        close_before_fork()  # the children open their own connections and pools
        sender_ready, go = context.Event(), context.Event()
        sender_results = context.Queue()
        sender = context.Process(
            target=sender_main,
            args=(args.database_url, work, args.rate, args.duration, sender_ready, go, sender_results),
        )
        sender.start()
        processes.append(sender)
        events = {
            "ready": context.Queue(),
            "stop": context.Event(),
            "drop": context.Event(),
            "dropped": context.Queue(),
        }
        config = {
            "url": f"ws://127.0.0.1:{port}/ws/notifications/",
            "origin": f"http://127.0.0.1:{port}",
            "cookie_name": settings.SESSION_COOKIE_NAME,
            "heartbeat": args.heartbeat,
            "heartbeat_phase": args.heartbeat_phase,
            "drop_fraction": args.drop_fraction,
            "seed": args.seed,
            "backoff_reset": args.backoff_reset,
        }
        client_results = context.Queue()
        users = [(u, sessions[u]) for u in user_ids]
        for n in range(args.client_processes):
            process = context.Process(
                target=clients_main, args=(users[n :: args.client_processes], watermark, config, events, client_results)
            )
            process.start()
            processes.append(process)
        connect_started = time.time()
        ready = sum(events["ready"].get(timeout=120) for _n in range(args.client_processes))
        print(f"{ready} of {len(users)} clients connected and synced in {time.time() - connect_started:.1f} s")
        sender_ready.wait(timeout=600)
        print(
            f"{len(work['cases'])} cases opened with consents; sending {args.rate:g} handoffs/s for {args.duration:g} s"
        )
        parts = {
            "sender (Python)": [sender.pid],
            "clients": [p.pid for p in processes[1:]],
            "Redis": [redis.process.pid],
        }
        sampler = CpuSampler(args.database_url, server, parts)
        sampler.start()
        sampler.ready.wait(timeout=10)
        go.set()
        start = time.time()
        timeline = disrupt(args, start, redis, events, parts)
        outcome = sender_results.get(timeout=args.duration + 600)
        if "error" in outcome:
            raise SystemExit(f"the sender failed: {outcome['error']}")
        cpu = sampler.stop()
        sent_done = time.time()
        time.sleep(max(0.0, args.drain - (time.time() - sent_done)))
        events["stop"].set()
        clients = []
        for _n in range(args.client_processes):
            part = client_results.get(timeout=120)
            if isinstance(part, dict):
                raise SystemExit(f"a client process failed: {part['error']}")
            clients += part
        for process in processes:
            process.join(timeout=30)
        timeline["dropped"] = events["dropped"].get(timeout=1) if timeline.get("drop") else 0
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
        stop_process(server)
        redis.kill()
    return {
        "sent": outcome["sent"],
        "start": outcome["start"],
        "push_failures": outcome["push_failures"],
        "clients": clients,
        "timeline": timeline,
        "watermark": watermark,
        "cpu": cpu,
        "errors": server_errors(folder / "uvicorn.log"),
    }


def disrupt(args, start: float, redis: Redis, events: dict, parts: dict[str, list[int]]) -> dict:
    """Kill Redis and start it again, and drop a fraction of the sockets, at their times (seconds after start)."""
    timeline: dict[str, float] = {}
    steps = []
    if args.redis_down_at >= 0:
        steps += [(args.redis_down_at, "redis_down"), (args.redis_down_at + args.redis_down_for, "redis_up")]
    if args.drop_at >= 0:
        steps.append((args.drop_at, "drop"))
    for at, what in sorted(steps):
        if at > args.duration and not (what == "redis_up" and "redis_down" in timeline):
            continue
        time.sleep(max(0.0, start + at - time.time()))
        timeline[what] = time.time()
        if what == "redis_down":
            redis.kill()
        elif what == "redis_up":
            redis.start()
            parts["Redis"].append(redis.process.pid)
            timeline[what] = time.time()
        else:
            events["drop"].set()
    return timeline


# --- the report --------------------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    folder = Path(tempfile.mkdtemp(prefix="notify-bench-"))
    redis = Redis(free_port(), folder / "redis.log")
    # Before Django reads its settings: the sender pushes through this Redis too (CHANNEL_LAYERS).
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{redis.port}/0" + (
        f"?socket_timeout={args.redis_socket_timeout:g}" if args.redis_socket_timeout else ""
    )
    caselist.ensure_database(args.database_url)
    caselist.setup_django(args.database_url)
    from django.db import connection

    population = ensure_population(args)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(cursor.fetchone()[0])
    print(
        f"{len(population['receivers'])} receiving organisations, {len(population['members'])} members; "
        f"a sending organisation with {len(population['senders'])} case managers"
    )
    try:
        result = run(args, population, folder, redis)
    except BaseException:
        print(f"logs of redis-server and uvicorn kept in {folder}")
        raise
    if args.dump:
        Path(args.dump).write_text(json.dumps({**result, "errors": dict(result["errors"])}))
        shutil.copy(folder / "uvicorn.log", f"{args.dump}.uvicorn.log")
    ok = report(args, result)
    shutil.rmtree(folder, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
