"""PostgreSQL as bench/connections.py uses it: URLs for a role, an admin connection, the cost of a connection, and a
thread sampling a role's backends by state."""

from __future__ import annotations

import statistics
import threading
import time
from urllib.parse import quote, urlparse, urlunparse

SAMPLE_EVERY = 0.2


def database_name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def url_as(url: str, *, user: str, dbname: str | None = None) -> str:
    """The same server, as another user (no password: trust or the role's own, from ~/.pgpass)."""
    parts = urlparse(url)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{quote(user)}@{host}:{parts.port or 5432}"
    return urlunparse(parts._replace(netloc=netloc, path=f"/{dbname or database_name(url)}"))


def admin_connection(url: str, dbname: str = "postgres"):
    import psycopg

    parts = urlparse(url)
    return psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname=dbname,
        autocommit=True,
    )


def connect_cost(role_url: str, runs: int = 50) -> tuple[float, float]:
    """p50 and p95 (ms) of opening a connection as Django does (with the JIT option) and closing it."""
    import psycopg

    times = []
    for _ in range(runs):
        started = time.perf_counter()
        psycopg.connect(role_url, options="-c jit=off").close()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


class BackendSampler(threading.Thread):
    """The role's backends on the database, by state, every SAMPLE_EVERY seconds (one admin connection, opened
    before the run and not counted: it is another role's)."""

    def __init__(self, admin_url: str, *, dbname: str, role: str):
        super().__init__(daemon=True)
        self.connection = admin_connection(admin_url)
        self.dbname, self.role = dbname, role
        self.samples: list[tuple[int, int]] = []  # (all, idle)
        self.stopping = threading.Event()

    def sample(self) -> tuple[int, int]:
        row = self.connection.execute(
            "SELECT count(*), count(*) FILTER (WHERE state = 'idle') FROM pg_stat_activity "
            "WHERE datname = %s AND usename = %s",
            [self.dbname, self.role],
        ).fetchone()
        return int(row[0]), int(row[1])

    def sessions_opened(self) -> int:
        """Connections ever opened to the database (PostgreSQL 14+; flushed by the backends within ~1 s)."""
        self.connection.execute("SELECT pg_stat_clear_snapshot()")
        row = self.connection.execute(
            "SELECT sessions FROM pg_stat_database WHERE datname = %s", [self.dbname]
        ).fetchone()
        return int(row[0])

    def run(self) -> None:
        while not self.stopping.is_set():
            self.samples.append(self.sample())
            self.stopping.wait(SAMPLE_EVERY)

    def summary(self) -> dict:
        if not self.samples:
            return {"peak": 0, "mean": 0.0, "idle_at_peak": 0}
        peak = max(self.samples)
        return {"peak": peak[0], "mean": statistics.fmean(s[0] for s in self.samples), "idle_at_peak": peak[1]}
