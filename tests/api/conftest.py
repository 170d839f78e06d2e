"""Clients for the API tests: one per network member, authenticated as that member."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _clear_throttle_cache():
    # The token endpoint is throttled per address; every test starts with a clean count.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    """An anonymous API client that asks for English messages."""
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def client_for():
    """`client_for(user)`: a client authenticated as `user` (forced: no auth queries in the counts).

    The client gets a fresh copy of the user, as a real request does: nothing cached on the fixture's
    object (the memberships) leaks into the request or its query count.
    """

    def make(user):
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_authenticate(user=get_user_model().objects.get(pk=user.pk))
        return client

    return make
