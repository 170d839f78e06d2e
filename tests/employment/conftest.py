"""The employment tests read English. Their actors are the network of `tests/conftest.py`, case A whose person
consents to sharing (`consenting_case`), and the job centre (`cpi`, `job_placement`: `tests/fixtures/employment.py`);
the helpers that drive the pathway are in `tests/helpers/employment.py`."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _english(english_messages):
    """Messages asserted in English (the msgids); the Italian ones come from locale/ once merged."""


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
