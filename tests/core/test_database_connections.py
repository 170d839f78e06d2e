"""PostgreSQL connections under ASGI (ADR 0012): the settings build a pool per worker, refuse the old persistent
connections, and neither requests (each in a thread of its own, as under uvicorn) nor the sweep loops leave
backends behind.

The PostgreSQL tests run with DATABASE_URL set, e.g.:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tavolo_tests .venv/bin/python -m pytest tests/core -q
"""

from __future__ import annotations

import asyncio

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from config import settings as tavolo_settings
from partners.roles import Role
from workflows.management.commands import run_timers

needs_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="the backends of a PostgreSQL server")

# --- the settings ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["60", "1", "-1"])
def test_persistent_connections_are_refused_at_start_up(monkeypatch, value):
    monkeypatch.setenv("DB_CONN_MAX_AGE", value)

    with pytest.raises(ImproperlyConfigured, match="DB_CONN_MAX_AGE"):
        tavolo_settings.refuse_persistent_connections()


@pytest.mark.parametrize("value", [None, "", "0"])
def test_no_persistent_connections_is_accepted(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("DB_CONN_MAX_AGE", raising=False)
    else:
        monkeypatch.setenv("DB_CONN_MAX_AGE", value)

    tavolo_settings.refuse_persistent_connections()


def test_the_pool_is_on_by_default_with_small_sizes(monkeypatch):
    for name in ("DB_POOL", "DB_POOL_MIN_SIZE", "DB_POOL_MAX_SIZE", "DB_POOL_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)

    assert tavolo_settings.postgres_pool_options() == {"min_size": 0, "max_size": 8, "timeout": 10.0}


def test_the_pool_is_sized_from_the_environment(monkeypatch):
    monkeypatch.setenv("DB_POOL", "true")
    monkeypatch.setenv("DB_POOL_MIN_SIZE", "2")
    monkeypatch.setenv("DB_POOL_MAX_SIZE", "4")
    monkeypatch.setenv("DB_POOL_TIMEOUT", "2.5")

    assert tavolo_settings.postgres_pool_options() == {"min_size": 2, "max_size": 4, "timeout": 2.5}


@pytest.mark.parametrize(
    ("name", "value"),
    [("DB_POOL_MIN_SIZE", "9"), ("DB_POOL_MIN_SIZE", "-1"), ("DB_POOL_MAX_SIZE", "0"), ("DB_POOL_TIMEOUT", "0")],
)
def test_a_pool_that_cannot_work_is_refused_at_start_up(monkeypatch, name, value):
    monkeypatch.delenv("DB_POOL", raising=False)
    monkeypatch.setenv(name, value)

    with pytest.raises(ImproperlyConfigured, match="DB_POOL_MAX_SIZE"):
        tavolo_settings.postgres_pool_options()


@pytest.mark.parametrize("value", ["0", "false", "off"])
def test_db_pool_off_means_a_connection_per_request(monkeypatch, value):
    monkeypatch.setenv("DB_POOL", value)

    assert tavolo_settings.postgres_pool_options() is None


# --- what the server holds -------------------------------------------------------------------------------------


def live_backends() -> set[tuple[int, str]]:
    """The backends connected to the test database now, by pid and start time (a reused pid is another one)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid, backend_start::text FROM pg_stat_activity WHERE datname = current_database()")
        return set(cursor.fetchall())


def pool_max_size() -> int:
    """What one process may hold: the pool's maximum, or the one connection of a thread without a pool."""
    pool = connection.settings_dict["OPTIONS"].get("pool")
    return pool["max_size"] if isinstance(pool, dict) else 1


def asgi_get(path: str, *, cookie: str) -> int:
    """One request through the ASGI application as uvicorn calls it: Django runs its sync code in a new thread
    (ThreadSensitiveContext per request), which is where persistent connections used to stay behind."""
    from config.asgi import application

    sent: list[dict] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"cookie", cookie.encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    delivered = False

    async def receive():
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600)  # no disconnect while the response is being sent

    async def send(message):
        sent.append(message)

    asyncio.run(application(scope, receive, send))
    return next(message["status"] for message in sent if message["type"] == "http.response.start")


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/", "/cases/"])
def test_requests_in_threads_of_their_own_leave_no_backend_behind(network, client, path):
    """Under CONN_MAX_AGE=60 each of these requests left an idle backend until its thread's connection was
    garbage-collected; with the pool they share at most the pool's connections, without it each closes its own."""
    client.force_login(network.user("a", Role.CASE_MANAGER))
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    before = live_backends()

    statuses = [asgi_get(path, cookie=cookie) for _request in range(12)]

    assert statuses == [200] * 12
    assert len(live_backends() - before) <= pool_max_size()


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_the_sweep_loop_holds_at_most_one_connection(network):
    command = run_timers.Command()
    command.verbosity = 1
    before = live_backends()

    for _sweep in range(6):
        command._sweep_logged()  # one turn of `run_timers --every`: sweep, then give the connection back

    assert len(live_backends() - before) <= 1
