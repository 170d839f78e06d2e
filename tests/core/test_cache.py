"""The cache is shared by every worker when Redis is configured, and fails open when Redis is down."""

import json
import logging
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.api import TokenObtainThrottle
from core import cache as core_cache

REPO = Path(__file__).resolve().parents[2]
needs_redis_cache = pytest.mark.skipif(
    not settings.TAVOLO_CACHE_URL, reason="needs TAVOLO_CACHE_URL or REDIS_URL (CI's PostgreSQL + Redis run)"
)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def _no_pause_left_over(monkeypatch):
    monkeypatch.setattr(core_cache, "_paused_until", {})


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {"BACKEND": "core.cache.FailOpenRedisCache", "LOCATION": f"redis://127.0.0.1:{closed_port()}/0"}
    }


def in_another_worker(code: str) -> dict:
    """Runs ``code`` in a new Python process with this process's settings; returns what it printed as JSON."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(REPO)}
    script = "import django, json\ndjango.setup()\n" + code
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_backend_follows_the_cache_url():
    expected = (
        "core.cache.FailOpenRedisCache"
        if settings.TAVOLO_CACHE_URL
        else ("django.core.cache.backends.locmem.LocMemCache")
    )
    assert settings.CACHES["default"]["BACKEND"] == expected


@needs_redis_cache
def test_two_workers_see_the_same_counter():
    # given: a counter written by this process
    key = f"test-shared-{uuid.uuid4().hex}"
    cache.set(key, 41, 60)
    try:
        # when: another process (another worker) increments it
        seen = in_another_worker(
            f"from django.core.cache import cache\nprint(json.dumps({{'value': cache.incr({key!r})}}))"
        )
        # then: both see the same value
        assert seen == {"value": 42}
        assert cache.get(key) == 42
    finally:
        cache.delete(key)


@needs_redis_cache
def test_a_throttle_counts_the_requests_of_every_worker():
    # given: a client address that used up its 20 token requests a minute on this worker
    address = f"192.0.2.{uuid.uuid4().int % 250 + 1}"
    request = RequestFactory().post("/api/v1/auth/token/", REMOTE_ADDR=address)
    request.user = AnonymousUser()
    throttle_key = TokenObtainThrottle().get_cache_key(request, None)
    cache.delete(throttle_key)
    try:
        assert all(TokenObtainThrottle().allow_request(request, None) for _ in range(20))
        # when: its next request reaches another worker
        seen = in_another_worker(
            "from django.contrib.auth.models import AnonymousUser\n"
            "from django.test import RequestFactory\n"
            "from accounts.api import TokenObtainThrottle\n"
            f"request = RequestFactory().post('/api/v1/auth/token/', REMOTE_ADDR={address!r})\n"
            "request.user = AnonymousUser()\n"
            "print(json.dumps({'allowed': TokenObtainThrottle().allow_request(request, None)}))"
        )
        # then: that worker refuses it too
        assert seen == {"allowed": False}
    finally:
        cache.delete(throttle_key)


def test_a_cache_that_cannot_reach_redis_answers_as_if_empty(redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        assert cache.get("anything", "default") == "default"
        cache.set("anything", 1)
        assert cache.add("anything", 1) is False
        assert cache.get_many(["a", "b"]) == {}
        with pytest.raises(ValueError):
            cache.incr("anything")
    # one warning for the outage, not one per call: after the failure Redis is left alone for a few seconds
    warnings = [record for record in caplog.records if record.name == "core.cache"]
    assert len(warnings) == 1
    assert "ConnectionError" in warnings[0].getMessage()


def test_the_token_endpoint_keeps_answering_when_redis_is_down(network, redis_down, caplog):
    # given: Redis is down, so the throttle cannot count
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    username = network.user("a", "case_manager").username
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        # when: more requests than the throttle allows in a minute
        codes = [
            client.post(reverse("api-token"), {"username": username, "password": "wrong-password"}).status_code
            for _ in range(21)
        ]
    # then: each is answered (wrong password), none is a 500, and the outage is in the log
    assert codes == [400] * 21
    assert any("Cache unavailable" in record.getMessage() for record in caplog.records)


def test_a_failed_redis_is_tried_again_after_the_pause(redis_down, monkeypatch):
    cache.get("anything")
    [(url, paused_until)] = core_cache._paused_until.items()
    # when: the pause is over
    monkeypatch.setattr(core_cache, "_paused_until", {url: paused_until - core_cache.RETRY_AFTER_SECONDS - 1})
    cache.get("anything")
    # then: Redis was tried (and failed) again: a new pause started
    assert core_cache._paused_until[url] > paused_until - 1
