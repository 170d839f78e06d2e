"""Probes for load balancers and orchestrators: ``/healthz`` (liveness) and ``/readyz`` (readiness).

Liveness answers from the process alone — no database, no Redis — so that a database outage never gets
every worker restarted. Readiness checks what a request needs: the database (``SELECT 1``), Redis for
the cache and the channel layer when they are configured, and that the document storage takes a write
(a probe file saved and deleted through ``default_storage``, so it works on disk and on S3 alike).

Each check runs in a thread of its own, all at once, and the probe answers after ``CHECK_TIMEOUT_SECONDS``
at the latest: a hung dependency makes the probe fail, not hang. A check still hung from an earlier
probe is not started again (it fails as a timeout), so a dead dependency cannot pile up threads.

The body says, per check, ``ok`` or ``fail`` and a short fixed reason (``timeout``, ``unreachable``,
``not writable``, ``error``): never an exception's text, which can carry host names, users or paths. The
details go to the server log. The reasons are codes for machines and operators, so they are not
translated.

Why not django-health-check: its releases from 4.9 on need Python 3.14 (we run 3.11); 4.8 answers HTML
unless the probe asks for JSON, 500 rather than 503, puts the Redis host and port in the body (the check's
repr is the key), and needs dnspython. Overriding all of that left little of it in use.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 2.0
# Where the storage check writes its probe files (deleted at once); documents never live there.
STORAGE_PROBE_DIR = "_readyz"

OK = "ok"
FAIL = "fail"


class CheckFailed(Exception):
    """A check failed for a reason that may be shown in the probe's body."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    reason: str = ""

    def as_json(self) -> dict[str, str]:
        return {"status": OK} if self.ok else {"status": FAIL, "reason": self.reason}


# --- the checks ----------------------------------------------------------------------------------


def check_database() -> None:
    """``SELECT 1`` on a connection of the probe's own thread, closed afterwards."""
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            row = cursor.fetchone()
    except OperationalError as error:
        raise CheckFailed("unreachable") from error
    finally:
        connection.close()
    if row is None or row[0] != 1:
        raise CheckFailed("error")


def check_storage() -> None:
    """The document storage takes a small file and lets it be deleted."""
    name = f"{STORAGE_PROBE_DIR}/{uuid.uuid4().hex}.probe"
    try:
        saved_as = default_storage.save(name, ContentFile(b"ok\n"))
        default_storage.delete(saved_as)
    except Exception as error:
        raise CheckFailed("not writable") from error


def ping_redis(url: str) -> None:
    client = redis.Redis.from_url(
        url, socket_connect_timeout=CHECK_TIMEOUT_SECONDS, socket_timeout=CHECK_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    except redis.TimeoutError as error:
        raise CheckFailed("timeout") from error
    except redis.RedisError as error:
        raise CheckFailed("unreachable") from error
    finally:
        client.close()


def ping_all_redis(urls: list[str]) -> None:
    for url in urls:
        ping_redis(url)


def cache_redis_url() -> str | None:
    """The URL of the Redis server the cache writes to, or None when the cache is not Redis."""
    if not isinstance(caches["default"], RedisCache):
        return None
    location = settings.CACHES["default"]["LOCATION"]
    servers = location.replace(",", ";").split(";") if isinstance(location, str) else list(location)
    return servers[0].strip()


def channel_layer_redis_urls() -> list[str]:
    """The URLs of the channel layer's Redis servers (none for the in-memory layer)."""
    layer = settings.CHANNEL_LAYERS.get("default", {})
    if not layer.get("BACKEND", "").startswith("channels_redis."):
        return []
    urls = []
    for host in layer.get("CONFIG", {}).get("hosts", []):
        if isinstance(host, dict):
            host = host.get("address", "")
        if isinstance(host, (tuple, list)):
            host = f"redis://{host[0]}:{host[1]}"
        urls.append(str(host))
    return urls


def readiness_checks() -> dict[str, Callable[[], None]]:
    """What this deployment needs to serve a request; Redis only where settings use it."""
    checks: dict[str, Callable[[], None]] = {"database": check_database, "storage": check_storage}
    cache_url = cache_redis_url()
    if cache_url:
        checks["cache"] = functools.partial(ping_redis, cache_url)
    channel_urls = channel_layer_redis_urls()
    if channel_urls:
        checks["channel_layer"] = functools.partial(ping_all_redis, channel_urls)
    return checks


# --- running them --------------------------------------------------------------------------------

_in_flight: set[str] = set()
_in_flight_lock = threading.Lock()


class _CheckThread(threading.Thread):
    """Runs one check in the request's context (its log lines keep the request id)."""

    def __init__(self, name: str, check: Callable[[], None]) -> None:
        super().__init__(name=f"readyz-{name}", daemon=True)
        self.check_name = name
        self.check = check
        self.context = contextvars.copy_context()
        self.result: CheckResult | None = None

    def run(self) -> None:
        try:
            self.result = self.context.run(_run_check, self.check_name, self.check)
        finally:
            with _in_flight_lock:
                _in_flight.discard(self.check_name)


def _run_check(name: str, check: Callable[[], None]) -> CheckResult:
    try:
        check()
    except CheckFailed as error:
        logger.warning("Readiness check %s failed (%s): %r", name, error.reason, error.__cause__)
        return CheckResult(name, ok=False, reason=error.reason)
    except Exception as error:
        logger.warning("Readiness check %s failed: %r", name, error)
        return CheckResult(name, ok=False, reason="error")
    return CheckResult(name, ok=True)


def _start(name: str, check: Callable[[], None]) -> _CheckThread | None:
    """A started thread for the check, or None when the previous one has not come back yet."""
    with _in_flight_lock:
        if name in _in_flight:
            return None
        _in_flight.add(name)
    thread = _CheckThread(name, check)
    thread.start()
    return thread


def run_checks(checks: dict[str, Callable[[], None]], *, timeout: float | None = None) -> list[CheckResult]:
    """Every check's result, within ``timeout`` seconds in all (a late check is a failure)."""
    deadline = time.monotonic() + (CHECK_TIMEOUT_SECONDS if timeout is None else timeout)
    threads = {name: _start(name, check) for name, check in checks.items()}
    results = []
    for name, thread in threads.items():
        if thread is not None:
            thread.join(max(0.0, deadline - time.monotonic()))
        if thread is None or thread.result is None:
            logger.warning("Readiness check %s timed out", name)
            results.append(CheckResult(name, ok=False, reason="timeout"))
        else:
            results.append(thread.result)
    return results


# --- the views -----------------------------------------------------------------------------------


def _probe_response(body: dict, *, status: int = 200) -> JsonResponse:
    response = JsonResponse(body, status=status)
    add_never_cache_headers(response)
    return response


@csrf_exempt
@require_safe
def liveness(request):
    """The process is up and serving requests. Touches nothing else."""
    return _probe_response({"status": OK})


@csrf_exempt
@require_safe
def readiness(request):
    """200 when every dependency answers, else 503; each check's status either way."""
    results = run_checks(readiness_checks())
    ready = all(result.ok for result in results)
    body = {"status": OK if ready else FAIL, "checks": {result.name: result.as_json() for result in results}}
    return _probe_response(body, status=200 if ready else 503)


PROBES = {"/healthz": liveness, "/readyz": readiness}
