"""Throttles count per client address as the trusted proxy reports it: a client cannot reset its limit by sending
another X-Forwarded-For (uvicorn's --forwarded-allow-ips already put the real address in REMOTE_ADDR)."""

import pytest
from django.core.cache import cache
from django.urls import reverse


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_a_new_forwarded_for_on_each_request_does_not_escape_the_token_throttle(client, db):
    url = reverse("api-token")
    statuses = [
        client.post(
            url,
            # A new username each time: one username locks after 5 failures by itself (accounts/lockout.py).
            {"username": f"nobody{n}", "password": "wrong"},
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        ).status_code
        for n in range(25)
    ]
    assert statuses[:20] == [400] * 20
    assert set(statuses[20:]) == {429}


def test_another_client_address_has_its_own_limit(client, db):
    url = reverse("api-token")
    for n in range(21):
        client.post(url, {"username": f"nobody{n}", "password": "wrong"}, REMOTE_ADDR="203.0.113.7")
    response = client.post(url, {"username": "somebody", "password": "wrong"}, REMOTE_ADDR="203.0.113.8")
    assert response.status_code == 400
