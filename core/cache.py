"""The shared cache: Django's Redis backend, made to fail open.

With several workers (on one host or many) anything kept in the cache — today the API throttles'
counters — must live in Redis, or each worker counts on its own and a limit of 20 a minute becomes 20 per
worker. ``config.settings`` picks this backend when ``TAVOLO_CACHE_URL`` (default: ``REDIS_URL``) is set,
local memory otherwise.

When Redis is down or slow, a cache error must not turn a page into a 500: reads miss, writes are
dropped, and the outage is logged. Throttles therefore let requests through while Redis is down (their
counters read as empty); that is the trade we make — the token endpoint stays usable, and password
guessing is still slowed by the throttle as soon as Redis is back. After a failure the backend stops
calling Redis for ``RETRY_AFTER_SECONDS``, so that a Redis that hangs costs one socket timeout per worker
every few seconds, not one per cache call; the warning is logged once per such pause.
"""

from __future__ import annotations

import functools
import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis import ConnectionPool
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5.0

# What each cache operation answers while Redis cannot be reached: what it answers on a missing key
# (``get`` and ``incr`` are written out below: one returns the caller's default, the other raises).
_FALLBACKS = {
    "add": lambda: False,
    "touch": lambda: False,
    "delete": lambda: False,
    "get_many": dict,
    "has_key": lambda: False,
    "set": lambda: None,
    "set_many": lambda: None,
    "delete_many": lambda: None,
    "clear": lambda: False,
}


# Per process, by Redis URL. Django builds a new cache backend (and client) in every request's context under
# ASGI, so whatever must outlive a request — the pause after a failure, the connection pool — lives here.
_paused_until: dict[str, float] = {}
_pools: dict[tuple[str, str], ConnectionPool] = {}
_pools_lock = threading.Lock()


class FailOpenRedisCacheClient(RedisCacheClient):
    """Django's Redis client whose every call answers "not there" instead of raising when Redis fails."""

    def _get_connection_pool(self, write):
        """One connection pool per process and server, instead of one per request (see ``_pools``)."""
        url = self._servers[self._get_connection_pool_index(write)]
        key = (url, repr(sorted(self._pool_options.items())))
        with _pools_lock:
            if key not in _pools:
                _pools[key] = self._pool_class.from_url(url, **self._pool_options)
            return _pools[key]

    def _redis_paused(self) -> bool:
        return time.monotonic() < _paused_until.get(self._servers[0], 0.0)

    def _redis_failed(self, operation: str, error: Exception) -> None:
        _paused_until[self._servers[0]] = time.monotonic() + RETRY_AFTER_SECONDS
        logger.warning(
            "Cache unavailable (%s on %s): serving without the cache for %g s",
            type(error).__name__,
            operation,
            RETRY_AFTER_SECONDS,
        )

    def get(self, key, default):
        if self._redis_paused():
            return default
        try:
            return super().get(key, default)
        except RedisError as error:
            self._redis_failed("get", error)
            return default

    def incr(self, key, delta):
        """A counter that cannot be read is a missing key: callers already handle ``ValueError``."""
        if self._redis_paused():
            raise ValueError("Key not found (cache unavailable).")
        try:
            return super().incr(key, delta)
        except RedisError as error:
            self._redis_failed("incr", error)
            raise ValueError("Key not found (cache unavailable).") from error


def _fail_open(operation: str, fallback):
    parent = getattr(RedisCacheClient, operation)

    @functools.wraps(parent)
    def method(self, *args, **kwargs):
        if self._redis_paused():
            return fallback()
        try:
            return parent(self, *args, **kwargs)
        except RedisError as error:
            self._redis_failed(operation, error)
            return fallback()

    return method


for _operation, _fallback in _FALLBACKS.items():
    setattr(FailOpenRedisCacheClient, _operation, _fail_open(_operation, _fallback))


class FailOpenRedisCache(RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` with :class:`FailOpenRedisCacheClient`."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = FailOpenRedisCacheClient
