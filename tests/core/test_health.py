"""/healthz and /readyz: what a load balancer sees when everything works and when one dependency does not."""

import socket
import threading
from unittest import mock

import pytest
from django.db import OperationalError, connections

from core import cache as core_cache
from core import health

ALLOWED_REASONS = {"timeout", "unreachable", "not writable", "error"}


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def _fresh_probe_state(monkeypatch):
    monkeypatch.setattr(health, "_in_flight", set())
    monkeypatch.setattr(core_cache, "_paused_until", {})


@pytest.fixture
def redis_down(settings):
    url = f"redis://127.0.0.1:{closed_port()}/0"
    settings.CACHES = {"default": {"BACKEND": "core.cache.FailOpenRedisCache", "LOCATION": url}}
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [{"address": url}]}}
    }
    return url


# --- liveness ------------------------------------------------------------------------------------


def test_liveness_answers_without_touching_the_database(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_liveness_answers_while_redis_is_down(client, redis_down):
    assert client.get("/healthz").status_code == 200


def test_probes_answer_a_host_outside_allowed_hosts_over_plain_http(client, settings):
    # given: production-like settings, and a probe that sends the worker's IP as Host over HTTP
    settings.ALLOWED_HOSTS = ["tavolo.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    # when / then: the probe is answered, not redirected nor refused...
    assert client.get("/healthz", HTTP_HOST="10.0.0.7:8000").status_code == 200
    # ...while every other page still validates the host
    assert client.get("/accounts/login/", HTTP_HOST="10.0.0.7:8000").status_code == 400


def test_probes_refuse_writes(client):
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405


# --- readiness -----------------------------------------------------------------------------------


def test_readiness_is_200_when_every_dependency_answers(db, client, settings):
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert {"database", "storage"} <= set(body["checks"])
    assert all(check == {"status": "ok"} for check in body["checks"].values())
    # with Redis configured (CI's second run) the cache and the channel layer are checked too
    if settings.REDIS_URL:
        assert {"cache", "channel_layer"} <= set(body["checks"])


def test_readiness_leaves_no_probe_file_behind(db, client, settings):
    assert client.get("/readyz").status_code == 200
    probe_dir = settings.MEDIA_ROOT / health.STORAGE_PROBE_DIR
    assert not probe_dir.exists() or list(probe_dir.iterdir()) == []


def test_readiness_is_503_when_the_database_is_down_and_says_nothing_about_it(db, client):
    # given: the database refuses connections, with the kind of message PostgreSQL gives
    def refuse(self, *args, **kwargs):
        raise OperationalError(
            'connection to server at "db.internal" (10.0.0.9), port 5432 failed: '
            'FATAL: password authentication failed for user "tavolo_app"'
        )

    with mock.patch.object(type(connections["default"]), "cursor", refuse):
        # when
        response = client.get("/readyz")
    # then
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "fail"
    assert body["checks"]["database"] == {"status": "fail", "reason": "unreachable"}
    assert body["checks"]["storage"] == {"status": "ok"}
    for secret in ("db.internal", "10.0.0.9", "5432", "tavolo_app", "password", "Traceback"):
        assert secret not in response.content.decode()


def test_readiness_is_503_when_redis_is_down(db, client, redis_down):
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert body["checks"]["cache"] == {"status": "fail", "reason": "unreachable"}
    assert body["checks"]["channel_layer"] == {"status": "fail", "reason": "unreachable"}
    assert body["checks"]["database"] == {"status": "ok"}
    assert redis_down.split("//")[1].split("/")[0] not in response.content.decode()


def test_readiness_is_503_when_the_document_storage_is_not_writable(db, client, settings, tmp_path):
    # given: the documents folder cannot be created (its parent is a file; root ignores permission bits)
    (tmp_path / "a-file").write_text("not a folder")
    settings.MEDIA_ROOT = tmp_path / "a-file" / "documents"
    # when
    response = client.get("/readyz")
    # then
    body = response.json()
    assert response.status_code == 503
    assert body["checks"]["storage"] == {"status": "fail", "reason": "not writable"}
    assert "a-file" not in response.content.decode()


def test_readiness_body_holds_only_statuses_and_fixed_reasons(db, client, redis_down, case_a):
    # given: a person on file (case_a) and a failing dependency
    response = client.get("/readyz")
    body = response.json()
    assert set(body) == {"status", "checks"}
    for check in body["checks"].values():
        assert set(check) <= {"status", "reason"}
        assert check.get("reason", "timeout") in ALLOWED_REASONS
    assert "Bianchi" not in response.content.decode()


# --- timeouts ------------------------------------------------------------------------------------


def test_a_hung_check_fails_as_a_timeout_and_is_not_started_twice():
    release = threading.Event()
    calls = []

    def hangs():
        calls.append(1)
        release.wait(30)

    try:
        # when: the check hangs past the probe's budget
        first = health.run_checks({"hung": hangs}, timeout=0.1)
        # and the next probe comes while it is still hung
        second = health.run_checks({"hung": hangs}, timeout=0.1)
    finally:
        release.set()
    # then: both probes answered, with a timeout, and only one thread waits on the dependency
    assert first == [health.CheckResult("hung", ok=False, reason="timeout")]
    assert second == [health.CheckResult("hung", ok=False, reason="timeout")]
    assert calls == [1]


def test_a_check_that_raises_something_unexpected_is_a_plain_error():
    def breaks():
        raise RuntimeError("secret detail from deep inside")

    assert health.run_checks({"odd": breaks}) == [health.CheckResult("odd", ok=False, reason="error")]


def test_a_redis_that_accepts_but_never_answers_is_a_timeout(monkeypatch):
    # given: a server that accepts connections (the kernel's backlog) and never replies
    monkeypatch.setattr(health, "CHECK_TIMEOUT_SECONDS", 0.2)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        # when
        results = health.run_checks({"cache": lambda: health.ping_redis(url)}, timeout=5)
    # then: redis-py's own socket timeout answered first
    assert results == [health.CheckResult("cache", ok=False, reason="timeout")]
