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
import asyncio
import collections
import json
import logging
import math
import multiprocessing
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
# The repository first: this folder holds scripts named like the apps (housing.py), which must not shadow them.
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

import caselist  # noqa: E402 - the house's loaders and timers, next to this file
import handoffs as handoff_bench  # noqa: E402 - opens the cases to hand over, as its own bench does

TARGET_P99_MS = 100.0
PREFIX = "Bench Notify"
SENDER_MANAGERS = 4
# Of each organisation's members: who is told of a handoff received (case managers, operators) and who is not.
ROLE_SHARES = (("case_manager", 0.3), ("operator", 0.3), ("volunteer", 0.3), ("org_admin", 0.1))
# The browser's reconnection (static/js/notifications.js).
FIRST_DELAY = 1.0
MAX_DELAY = 30.0
CLOSE_UNAUTHENTICATED = 4401


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


def percentile(values: list[float], fraction: float) -> float:
    return caselist.percentile(values, fraction)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, *, timeout: float, process: subprocess.Popen | None = None) -> None:
    """Raises SystemExit when nothing listens on `port` within `timeout` seconds (or the process died)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"{process.args[0]} exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on port {port} after {timeout:.0f} s")


# --- the population: organisations, members, sessions, cases ----------------------------------------------


def role_plan(members: int) -> list[str]:
    roles: list[str] = []
    for role, share in ROLE_SHARES:
        roles += [role] * round(members * share)
    return (roles + ["volunteer"] * members)[:members]


def ensure_population(args) -> dict:
    """The receiving organisations (each offering a service) with their members, and the sending organisation
    with its case managers; created through the services when missing, reused afterwards."""
    from django.db import transaction

    from partners import services as partner_services
    from partners.models import Membership, Organisation, OrganisationKind, ServiceType

    started = time.perf_counter()
    created = 0
    receivers = []
    with transaction.atomic():
        for n in range(1, args.orgs + 1):
            name = f"{PREFIX} {n:02d}"
            organisation = Organisation.objects.filter(name=name).first()
            if organisation is None:
                service, _new = ServiceType.objects.get_or_create(code=f"bench-notify-{n:02d}",
                                                                 defaults={"name": f"Servizio {n:02d}"})
                organisation = partner_services.organisation_create(
                    name=name, kind=OrganisationKind.ASSOCIATION, services=[service])
            existing = set(Membership.objects.filter(organisation=organisation).values_list("user__username",
                                                                                            flat=True))
            for index, role in enumerate(role_plan(args.members)):
                username = f"bn{n:02d}.{role}.{index:02d}"
                if username not in existing:
                    partner_services.membership_add(organisation=organisation, role=role, username=username,
                                                    first_name="Bench", last_name=f"Staff {n:02d}-{index:02d}")
                    created += 1
            receivers.append(organisation)
        sender = Organisation.objects.filter(name=f"{PREFIX} mittente").first()
        if sender is None:
            sender = partner_services.organisation_create(name=f"{PREFIX} mittente",
                                                          kind=OrganisationKind.ASSOCIATION)
        existing = set(Membership.objects.filter(organisation=sender).values_list("user__username", flat=True))
        for index in range(SENDER_MANAGERS):
            username = f"bn-mittente.case_manager.{index:02d}"
            if username not in existing:
                partner_services.membership_add(organisation=sender, role="case_manager", username=username,
                                                first_name="Bench", last_name=f"Mittente {index:02d}")
                created += 1
    if created:
        print(f"{created} members created through the services in {time.perf_counter() - started:.1f} s")
    members = list(Membership.objects.active().filter(organisation__in=receivers).order_by("organisation_id",
                                                                                            "user_id")
                   .values_list("user_id", "organisation_id", "role"))
    return {
        "receivers": [{"org": o.pk, "service": o.services.order_by("pk").values_list("pk", flat=True).first()}
                      for o in receivers],
        "members": members,
        "sender_org": sender.pk,
        "senders": list(Membership.objects.active().filter(organisation=sender).order_by("user_id")
                        .values_list("user_id", flat=True)),
    }


def open_sessions(user_ids: list[int]) -> dict[int, str]:
    """A logged-in session per user, as the login view leaves it (the older bench sessions are deleted)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    Session.objects.all().delete()  # a database of the bench's own
    sessions = {}
    for user in get_user_model().objects.filter(pk__in=user_ids):
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.set_expiry(4 * 3600)
        store.create()
        sessions[user.pk] = store.session_key
    return sessions


def send_plan(population: dict, count: int, seed: int) -> dict:
    """Handoff k goes to receiving organisation k mod R; a case is handed to each organisation once (a second
    pending handoff of the same case to the same organisation is refused)."""
    rng = random.Random(seed)
    receivers = population["receivers"]
    cases = math.ceil(count / len(receivers))
    case_items = [{"index": n, "sender_org": population["sender_org"], "sender": rng.choice(population["senders"])}
                  for n in range(cases)]
    plan = []
    for k in range(count):
        receiver = receivers[k % len(receivers)]
        plan.append({"k": k, "case_item": k // len(receivers), "receiver_org": receiver["org"],
                     "service": receiver["service"], "sender": population["senders"][k % len(population["senders"])]})
    return {"cases": case_items, "plan": plan}


# --- the sender ----------------------------------------------------------------------------------------


class PushFailures(logging.Handler):
    """Counts the warnings of notifications.push ("push failed; browsers will get it on their next sync")."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.count = 0

    def emit(self, record):
        self.count += 1


def send_one(item: dict, case) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from workflows.services import handoffs

    stamp: dict[str, float] = {}
    started = time.time()
    with transaction.atomic():
        # Registered before handoff_send's own callbacks: runs first, right after COMMIT returns.
        transaction.on_commit(lambda: stamp.setdefault("committed", time.time()))
        actor = get_user_model().objects.get(pk=item["sender"])  # as a request loads its user
        handoff = handoffs.handoff_send(
            actor=actor, case=case, kind="referral", receiver_organisation_id=item["receiver_org"],
            service_type_id=item["service"], reason="Richiesta del benchmark", sections=["file"])
    return {"handoff": handoff.pk, "started": started, "committed": stamp["committed"], "pushed": time.time()}


def sender_main(url: str, work: dict, rate: float, duration: float, ready, go, results) -> None:
    """Opens the cases (untimed), then sends at `rate` per second for `duration` seconds once `go` is set."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "0"
    import django

    django.setup()
    from django.db import connection

    from cases.models import Case

    try:
        failures = PushFailures()
        logging.getLogger("notifications.push").addHandler(failures)
        logging.getLogger("notifications.push").propagate = False  # counted, not printed 1000 times
        handoff_bench.open_cases(work["cases"], f"notify-{int(time.time())}")
        cases = [Case.objects.get(pk=item["case"]) for item in work["cases"]]
        ready.set()
        go.wait()
        start = time.time()
        sent = []
        for item in work["plan"]:
            due = start + item["k"] / rate
            if due >= start + duration:
                break
            pause = due - time.time()
            if pause > 0:
                time.sleep(pause)
            row = send_one(item, cases[item["case_item"]])
            row["due"] = due
            sent.append(row)
        results.put({"sent": sent, "start": start, "push_failures": failures.count})
    except BaseException as exc:
        ready.set()
        results.put({"error": repr(exc)})
        raise
    finally:
        connection.close()


# --- the clients ------------------------------------------------------------------------------------------


class Client:
    """One browser tab: the protocol of static/js/notifications.js."""

    def __init__(self, *, user_id: int, session_key: str, watermark: int, config: dict):
        self.user_id = user_id
        self.config = config
        self.cookie = f"{config['cookie_name']}={session_key}"
        self.watermark = watermark  # the page's newest: older ids are not this run's
        self.last_seen = watermark
        self.seen: set[int] = set()
        self.received: list[tuple[int, float, str]] = []  # (id, receipt time, "live" | "replay")
        self.duplicates = collections.Counter()
        self.connections: list[dict] = []  # every attempt: started, opened, first replay, closed, how
        self.failures = collections.Counter()
        self.socket = None
        self.current: dict | None = None
        self.pending_syncs: collections.deque[float] = collections.deque()  # sent, not answered yet
        self.sync_times: list[tuple[float, float]] = []  # (sync sent, replay received)
        self.stopped = False
        self.logged_out = False

    def remember(self, item: dict, source: str, at: float) -> None:
        pk = int(item.get("id") or 0)
        if pk <= self.watermark:
            return
        if pk in self.seen:
            self.duplicates[source] += 1
            return
        self.seen.add(pk)
        self.last_seen = max(self.last_seen, pk)
        self.received.append((pk, at, source))

    def on_message(self, raw, at: float, connection: dict) -> None:
        message = json.loads(raw)
        if message.get("type") == "replay":
            connection["replayed"] = connection["replayed"] or at
            if self.pending_syncs:
                self.sync_times.append((self.pending_syncs.popleft(), at))
            for item in message.get("items", []):
                self.remember(item, "replay", at)
            if message.get("more"):
                self.failures["replay truncated"] += 1
        elif message.get("type") == "notification":
            self.remember(message["item"], "live", at)

    async def sync(self, websocket) -> None:
        self.pending_syncs.append(time.time())
        await websocket.send(json.dumps({"type": "sync", "last_id": self.last_seen}))

    async def heartbeat(self, websocket, first: float) -> None:
        await asyncio.sleep(first)
        while True:
            await self.sync(websocket)
            await asyncio.sleep(self.config["heartbeat"])

    async def run(self) -> None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed, InvalidStatus

        delay = FIRST_DELAY
        while not self.stopped:
            connection = {"started": time.time(), "opened": None, "replayed": None, "closed": None, "how": ""}
            self.connections.append(connection)
            beat = None
            try:
                async with connect(self.config["url"], origin=self.config["origin"], open_timeout=10,
                                   additional_headers={"Cookie": self.cookie}) as websocket:
                    self.socket, self.current = websocket, connection
                    connection["opened"] = time.time()
                    if self.config["backoff_reset"] == "open":
                        delay = FIRST_DELAY  # as the browser does
                    await self.sync(websocket)
                    # The pages of the run were opened at random moments of a heartbeat period (people do not open
                    # them in the same two seconds); after a reconnection, as the browser: a random moment of the
                    # period (--heartbeat-phase open: a period after opening, the browser before the fix).
                    period = self.config["heartbeat"]
                    fixed = len(self.connections) > 1 and self.config["heartbeat_phase"] == "open"
                    first = period if fixed else random.uniform(0, period)
                    beat = asyncio.create_task(self.heartbeat(websocket, first))
                    async for raw in websocket:
                        self.on_message(raw, time.time(), connection)
                        if connection["replayed"] and self.config["backoff_reset"] == "replay":
                            delay = FIRST_DELAY
                    connection["how"] = connection["how"] or f"closed {websocket.close_code}"
                    if websocket.close_code == CLOSE_UNAUTHENTICATED:
                        self.logged_out = self.stopped = True
            except ConnectionClosed as exc:
                connection["how"] = connection["how"] or f"lost ({exc.rcvd.code if exc.rcvd else 'no close frame'})"
            except InvalidStatus as exc:
                connection["how"] = f"refused (HTTP {exc.response.status_code})"
            except (TimeoutError, OSError) as exc:
                connection["how"] = f"refused ({type(exc).__name__})"
            finally:
                self.socket = self.current = None
                self.pending_syncs.clear()
                if beat is not None:
                    beat.cancel()
                connection["closed"] = time.time()
            if self.stopped:
                break
            wait = delay / 2 + random.random() * delay / 2
            delay = min(delay * 2, MAX_DELAY)
            await asyncio.sleep(wait)

    def abort(self) -> bool:
        """Drop the TCP connection with no closing handshake (a laptop closed, a network gone)."""
        if self.socket is None:
            return False
        self.current["how"] = "aborted by the client"
        self.socket.transport.abort()
        return True

    async def stop(self) -> None:
        self.stopped = True
        if self.socket is not None:
            self.current["how"] = "end of the run"
            await self.socket.close()

    def result(self) -> dict:
        return {"user": self.user_id, "received": self.received, "duplicates": dict(self.duplicates),
                "connections": self.connections, "failures": dict(self.failures), "logged_out": self.logged_out,
                "syncs": self.sync_times}


async def clients_loop(users: list[tuple[int, str]], watermark: int, config: dict, events: dict) -> list[dict]:
    clients = [Client(user_id=u, session_key=key, watermark=watermark, config=config) for u, key in users]
    tasks = []
    for index, client in enumerate(clients):
        tasks.append(asyncio.create_task(client.run()))
        if index % 25 == 24:
            await asyncio.sleep(0.1)  # a ramp, not a stampede
    deadline = time.time() + 60
    while time.time() < deadline and not all(c.connections and c.connections[-1]["replayed"] for c in clients):
        await asyncio.sleep(0.1)
    events["ready"].put(sum(1 for c in clients if c.connections and c.connections[-1]["replayed"]))
    dropped = False
    while not events["stop"].is_set():
        if not dropped and events["drop"].is_set():
            dropped = True
            chosen = random.Random(config["seed"]).sample(clients, round(len(clients) * config["drop_fraction"]))
            events["dropped"].put(sum(1 for c in chosen if c.abort()))
        await asyncio.sleep(0.05)
    for client in clients:
        await client.stop()
    await asyncio.wait(tasks, timeout=10)
    return [c.result() for c in clients]


def clients_main(users, watermark: int, config: dict, events: dict, results) -> None:
    try:
        results.put(asyncio.run(clients_loop(users, watermark, config, events)))
    except BaseException as exc:
        events["ready"].put(0)
        results.put({"error": repr(exc)})
        raise


# --- the servers ---------------------------------------------------------------------------------------


class Redis:
    """Our own redis-server, in memory only: a restart forgets the groups and the queued messages."""

    def __init__(self, port: int, log: Path):
        self.port = port
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("a") as out:
            command = [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind",
                       "127.0.0.1", "--save", "", "--appendonly", "no"]
            self.process = subprocess.Popen(command, stdout=out,  # noqa: S603 - our own arguments
                                            stderr=subprocess.STDOUT)
        wait_for_port(self.port, timeout=10, process=self.process)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self.process = None


def start_server(args, *, port: int, redis_url: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": args.database_url, "REDIS_URL": redis_url, "DJANGO_ENV": "development",
           "DEBUG": "0", "DJANGO_SETTINGS_MODULE": "config.settings"}
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603 - our own arguments
            [str(Path(sys.executable).parent / "uvicorn"), args.app, "--host", "127.0.0.1",
             "--port", str(port), "--workers", str(args.workers), "--log-level", "warning", "--no-access-log"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    wait_for_port(port, timeout=60, process=process)
    return process


def stop_process(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def server_errors(log: Path) -> collections.Counter:
    """The server's tracebacks, by their last line (exception type and message, numbers blurred)."""
    counts: collections.Counter = collections.Counter()
    lines = log.read_text(errors="replace").splitlines()
    for index, line in enumerate(lines):
        if line.startswith("Traceback"):
            end = index + 1
            while end < len(lines) and (lines[end].startswith((" ", "\t")) or not lines[end].strip()):
                end += 1
            if end < len(lines):
                counts[re.sub(r"\d+", "N", lines[end])[:140]] += 1
        elif "WARNING" in line or "ERROR" in line:
            counts[re.sub(r"\d+", "N", line)[:140]] += 1
    return counts


# --- where the CPU goes -------------------------------------------------------------------------------------


def process_cpu(pid: int) -> tuple[int, float] | None:
    """(process group, CPU seconds) of a live process, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[2]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy() -> float:
    """CPU seconds the machine spent busy (all processes, all cores) since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


class CpuSampler(threading.Thread):
    """CPU seconds of each part of the bench while it sends: the uvicorn processes (its process group), the
    PostgreSQL backends on the bench database (they come and go: sampled every half second), the sender, the
    clients and Redis; and the machine's busy time, whose remainder is everything else running on it."""

    def __init__(self, url: str, server: subprocess.Popen, parts: dict[str, list[int]]):
        super().__init__(daemon=True)
        self.url, self.server, self.parts = url, server, parts
        self.first: dict[int, float] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self.halt = threading.Event()
        self.ready = threading.Event()

    def pids(self, probe) -> dict[int, str]:
        found = {pid: name for name, pids in self.parts.items() for pid in pids}
        for (pid,) in probe.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                    "AND pid <> pg_backend_pid()"):
            found[pid] = "PostgreSQL (bench database)"
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and (process_cpu(int(entry.name)) or (0, 0))[0] == self.server.pid:
                found[int(entry.name)] = "uvicorn (master and workers)"
        return found

    def sample(self, probe, *, baseline: bool = False) -> None:
        for pid, name in self.pids(probe).items():
            cpu = process_cpu(pid)
            if cpu is None:
                continue
            self.first.setdefault(pid, cpu[1] if baseline else 0.0)
            self.last[pid] = (name, cpu[1])

    def run(self) -> None:
        import psycopg

        parts = urlparse(self.url)
        with psycopg.connect(host=parts.hostname, port=parts.port or 5432, user=parts.username,
                             password=parts.password, dbname=parts.path.lstrip("/"), autocommit=True) as probe:
            self.started, self.busy = time.time(), machine_busy()
            self.sample(probe, baseline=True)
            self.ready.set()
            while not self.halt.wait(0.5):
                self.sample(probe)

    def stop(self) -> dict:
        self.halt.set()
        self.join()
        used: collections.Counter = collections.Counter()
        for pid, (name, cpu) in self.last.items():
            used[name] += cpu - self.first[pid]
        return {"parts": dict(used), "machine": machine_busy() - self.busy, "wall": time.time() - self.started}


# --- the run ---------------------------------------------------------------------------------------------


def run(args, population: dict, folder: Path, redis: Redis) -> dict:
    from django.conf import settings
    from django.db import connections
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
        connections.close_all()  # the children open their own
        sender_ready, go = context.Event(), context.Event()
        sender_results = context.Queue()
        sender = context.Process(target=sender_main, args=(args.database_url, work, args.rate, args.duration,
                                                           sender_ready, go, sender_results))
        sender.start()
        processes.append(sender)
        events = {"ready": context.Queue(), "stop": context.Event(), "drop": context.Event(),
                  "dropped": context.Queue()}
        config = {"url": f"ws://127.0.0.1:{port}/ws/notifications/", "origin": f"http://127.0.0.1:{port}",
                  "cookie_name": settings.SESSION_COOKIE_NAME, "heartbeat": args.heartbeat,
                  "heartbeat_phase": args.heartbeat_phase,
                  "drop_fraction": args.drop_fraction, "seed": args.seed, "backoff_reset": args.backoff_reset}
        client_results = context.Queue()
        users = [(u, sessions[u]) for u in user_ids]
        for n in range(args.client_processes):
            process = context.Process(target=clients_main, args=(users[n::args.client_processes], watermark, config,
                                                                 events, client_results))
            process.start()
            processes.append(process)
        connect_started = time.time()
        ready = sum(events["ready"].get(timeout=120) for _n in range(args.client_processes))
        print(f"{ready} of {len(users)} clients connected and synced in {time.time() - connect_started:.1f} s")
        sender_ready.wait(timeout=600)
        print(f"{len(work['cases'])} cases opened with consents; sending {args.rate:g} handoffs/s for "
              f"{args.duration:g} s")
        parts = {"sender (Python)": [sender.pid], "clients": [p.pid for p in processes[1:]],
                 "Redis": [redis.process.pid]}
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
    return {"sent": outcome["sent"], "start": outcome["start"], "push_failures": outcome["push_failures"],
            "clients": clients, "timeline": timeline, "watermark": watermark, "cpu": cpu,
            "errors": server_errors(folder / "uvicorn.log")}


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


def expected_rows(sent: list[dict]) -> dict[tuple[int, int], dict]:
    """(user, notification id) -> the row's handoff and kind, for every Notification of the handoffs sent."""
    from notifications.models import Notification

    by_handoff = {row["handoff"]: row for row in sent}
    keys = [f"handoff:{pk}:1:received" for pk in by_handoff]
    expected = {}
    for pk, user_id, event_key in Notification.objects.filter(event_key__in=keys).values_list("id", "user_id",
                                                                                             "event_key"):
        expected[(user_id, pk)] = by_handoff[int(event_key.split(":")[1])]
    return expected


def stats(values: list[float]) -> str:
    if not values:
        return f"{0:>6} {'-':>8} {'-':>8} {'-':>8} {'-':>8}"
    ms = [v * 1000 for v in values]
    return (f"{len(ms):>6} {percentile(ms, 0.50):>8.1f} {percentile(ms, 0.95):>8.1f} {percentile(ms, 0.99):>8.1f} "
            f"{max(ms):>8.1f}")


def lasted(connection: dict) -> bool:
    """A connection that did not die of the disruption: it replayed and lasted 10 s, or was still open when the
    run (or the next disruption) ended it."""
    if not connection["replayed"]:
        return False
    return (connection["how"] in ("end of the run", "aborted by the client")
            or connection["closed"] - connection["opened"] >= 10)


def disruption(name: str, begin: float, end: float, clients: list[dict], start: float) -> dict:
    """How the sockets went through one disruption (from `begin`; Redis back or the drop at `end`): which closed,
    how many attempts it took to come back, and when each affected client had its first replay on a connection
    that lasted. Its window, for the latency of the live pushes, runs from `begin` to the last of those."""
    closed: collections.Counter = collections.Counter()
    attempts: collections.Counter = collections.Counter()
    back = []
    for client in clients:
        hit = [c for c in client["connections"]
               if c["opened"] and c["opened"] < begin and c["closed"] and begin <= c["closed"] <= end + 3
               and c["how"] != "end of the run" and (name != "drop" or c["how"] == "aborted by the client")]
        if not hit:
            continue
        closed[hit[0]["how"]] += 1
        after = [c for c in client["connections"] if c["started"] >= hit[0]["closed"]]
        good = next((c for c in after if lasted(c)), None)
        for attempt in after[: after.index(good) if good else len(after)]:
            attempts["opened, then lost" if attempt["opened"] else attempt["how"]] += 1
        back.append(good["replayed"] if good else float("inf"))
    finished = max(back, default=end)
    return {"name": name, "window": (begin, finished), "closed": closed, "attempts": attempts, "back": back,
            "begin": begin, "end": end, "start": start}


def disruptions(timeline: dict, clients: list[dict], start: float) -> list[dict]:
    found = []
    if "redis_down" in timeline:
        found.append(disruption("redis", timeline["redis_down"], timeline["redis_up"], clients, start))
    if "drop" in timeline:
        found.append(disruption("drop", timeline["drop"], timeline["drop"], clients, start))
    return found


def print_disruption(story: dict, timeline: dict) -> None:
    start, begin, end = story["start"], story["begin"], story["end"]
    if story["name"] == "redis":
        print(f"  Redis killed at +{begin - start:.1f} s, running again at +{end - start:.1f} s")
    else:
        print(f"  {timeline.get('dropped', 0)} sockets aborted by their clients at +{begin - start:.1f} s")
    closed = story["closed"]
    print(f"    sockets closed: {sum(closed.values())} ({', '.join(f'{how}: {n}' for how, n in closed.most_common())})")
    if story["attempts"]:
        print(f"    failed reconnection attempts before a lasting one: {sum(story['attempts'].values())} "
              f"({', '.join(f'{how}: {n}' for how, n in story['attempts'].most_common())})")
    back = [t - end for t in story["back"]]
    if back:
        never = sum(1 for t in back if t == float("inf"))
        done = [t for t in back if t != float("inf")]
        reference = "Redis running again" if story["name"] == "redis" else "the drop"
        print(f"    first replay on a lasting connection, s after {reference}: "
              + (f"p50 {percentile(done, 0.5):.1f}, p95 {percentile(done, 0.95):.1f}, max {max(done):.1f}"
                 if done else "none")
              + (f"; {never} clients never came back" if never else ""))


def print_unprovoked(clients: list[dict], stories: list[dict], start: float) -> None:
    """Sockets the server closed when nothing was done to them (outside the disruptions)."""
    closed = []
    for client in clients:
        for connection in client["connections"]:
            if (connection["opened"] is None or connection["how"] in ("end of the run", "aborted by the client")
                    or any(s["begin"] <= connection["closed"] <= s["window"][1] + 3 for s in stories)):
                continue
            closed.append((connection["closed"] - start, connection["how"]))
    if closed:
        kinds = collections.Counter(how for _at, how in closed)
        times = ", ".join(f"{at:+.1f}" for at, _how in sorted(closed)[:12])
        print(f"\nsockets closed by the server outside the disruptions: {len(closed)} "
              f"({', '.join(f'{how}: {n}' for how, n in kinds.most_common())}); at (s): {times}"
              + (" ..." if len(closed) > 12 else ""))


def print_slices(expected: dict, delivered: dict, start: float, wall: float, width: float = 10.0) -> None:
    """Live commit -> receipt by slice of commit time: where the slow pushes are."""
    slices: dict[int, list[float]] = collections.defaultdict(list)
    replays: collections.Counter = collections.Counter()
    for key, (at, source) in delivered.items():
        if key in expected:
            index = int((expected[key]["committed"] - start) // width)
            if source == "live":
                slices[index].append(at - expected[key]["committed"])
            else:
                replays[index] += 1
    print(f"\nby commit time{'':<36} {'live':>6} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}  replayed")
    for index in range(int(wall // width) + 1):
        label = f"+{index * width:.0f} .. +{(index + 1) * width:.0f} s"
        print(f"  {label:<48} {stats(slices[index])}  {replays[index]:>8}")


def print_cpu(cpu: dict) -> None:
    cores = os.cpu_count() or 1
    capacity = cpu["wall"] * cores
    print(f"\nCPU while sending ({cpu['wall']:.0f} s x {cores} cores = {capacity:.0f} CPU-s):")
    ours = 0.0
    for name, seconds in sorted(cpu["parts"].items(), key=lambda item: -item[1]):
        ours += seconds
        print(f"  {name:<36} {seconds:>7.1f} s  {seconds / capacity:>5.0%}")
    rest = cpu["machine"] - ours
    print(f"  {'everything else on the machine':<36} {rest:>7.1f} s  {rest / capacity:>5.0%}   "
          f"(busy in all: {cpu['machine'] / capacity:.0%})")


def report(args, result: dict) -> bool:
    sent, clients, start, timeline = result["sent"], result["clients"], result["start"], result["timeline"]
    expected = expected_rows(sent)
    delivered: dict[tuple[int, int], tuple[float, str]] = {}
    duplicates = collections.Counter()
    failures = collections.Counter()
    for client in clients:
        for pk, at, source in client["received"]:
            delivered[(client["user"], pk)] = (at, source)
        duplicates.update(client["duplicates"])
        failures.update(client["failures"])
    lost = set(expected) - set(delivered)
    unexpected = set(delivered) - set(expected)
    stories = disruptions(timeline, clients, start)

    def disturbed(at: float) -> bool:
        return any(s["window"][0] <= at <= s["window"][1] for s in stories)

    live_all, live_steady, replay = [], [], []
    for key, (at, source) in delivered.items():
        if key not in expected:
            continue
        latency = at - expected[key]["committed"]
        if source == "live":
            live_all.append(latency)
            if not disturbed(expected[key]["committed"]):
                live_steady.append(latency)
        else:
            replay.append(latency)
    wall = max(row["committed"] for row in sent) - start
    send_times = [row["committed"] - row["started"] for row in sent]
    push_times = [row["pushed"] - row["committed"] for row in sent]
    late = [row["started"] - row["due"] for row in sent]

    print(f"\n== Notifications: {len(sent)} handoffs in {wall:.1f} s ({len(sent) / wall:.1f}/s; asked {args.rate:g}/s, "
          f"start behind schedule p95 {percentile(late, 0.95) * 1000:.0f} ms), {len(clients)} clients, "
          f"{args.workers} uvicorn workers, heartbeat {args.heartbeat:g} s"
          + (" (random phase after a reconnection)" if args.heartbeat_phase == "random" else "")
          + f", backoff reset on {args.backoff_reset}, {os.cpu_count()} CPUs\n")
    sources = collections.Counter(source for key, (_at, source) in delivered.items() if key in expected)
    print(f"expected (Notification rows of the handoffs sent)  {len(expected):>7}")
    print(f"delivered (unique per user and id)                 {len(set(expected) & set(delivered)):>7}   "
          f"live {sources['live']}, replay {sources['replay']}")
    print(f"duplicates discarded by the clients                {sum(duplicates.values()):>7}   "
          f"live {duplicates['live']}, replay {duplicates['replay']}")
    print(f"lost                                               {len(lost):>7}")
    print(f"unexpected (not a row of these handoffs)           {len(unexpected):>7}")
    print(f"pushes that failed in the sender (logged)          {result['push_failures']:>7}")
    if failures:
        print(f"client-side anomalies: {', '.join(f'{k}: {n}' for k, n in failures.most_common())}")
    logged_out = sum(1 for c in clients if c["logged_out"])
    if logged_out:
        print(f"clients closed with 4401 (logged out): {logged_out}")

    print(f"\ncommit -> receipt, ms{'':<28} {'count':>6} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}")
    print(f"{'live pushes, all':<50} {stats(live_all)}")
    print(f"{'live pushes, outside the disruptions':<50} {stats(live_steady)}")
    print(f"{'by replay (missed pushes, after reconnection)':<50} {stats(replay)}")
    syncs = [answered - asked for client in clients for asked, answered in client["syncs"]]
    print(f"{'client: sync -> replay (round trip)':<50} {stats(syncs)}")
    print(f"{'sender: handoff_send, start -> commit':<50} {stats(send_times)}")
    print(f"{'sender: commit -> push sent (read rows, group_send)':<50} {stats(push_times)}")

    print_unprovoked(clients, stories, start)
    print_slices(expected, delivered, start, wall)
    if stories:
        print("\ndisruptions (times from the first handoff):")
        for story in stories:
            print_disruption(story, timeline)
    print_cpu(result["cpu"])
    if result["errors"]:
        print("\nserver log (tracebacks and warnings, by last line):")
        for line, n in result["errors"].most_common(12):
            print(f"  {n:>6}  {line}")
    p99 = percentile(live_steady, 0.99) * 1000 if live_steady else float("inf")
    ok = not lost and not unexpected and p99 <= TARGET_P99_MS
    print(f"\nlive p99 outside the disruptions {p99:.1f} ms (target <= {TARGET_P99_MS:.0f}), lost {len(lost)} "
          f"(target 0): {'ok' if ok else 'MISSED'}")
    if lost:
        sample = sorted(lost)[:10]
        print(f"lost (user, id), first ones: {sample}")
    return ok


def main() -> None:
    args = parse_args()
    folder = Path(tempfile.mkdtemp(prefix="notify-bench-"))
    redis = Redis(free_port(), folder / "redis.log")
    # Before Django reads its settings: the sender pushes through this Redis too (CHANNEL_LAYERS).
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{redis.port}/0" + (
        f"?socket_timeout={args.redis_socket_timeout:g}" if args.redis_socket_timeout else "")
    caselist.ensure_database(args.database_url)
    caselist.setup_django(args.database_url)
    from django.db import connection

    population = ensure_population(args)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(cursor.fetchone()[0])
    print(f"{len(population['receivers'])} receiving organisations, {len(population['members'])} members; "
          f"a sending organisation with {len(population['senders'])} case managers")
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
