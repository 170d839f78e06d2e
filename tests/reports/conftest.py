"""The oversight tests' crafted history (`tests/helpers/reports.py`) and period, as fixtures."""

from __future__ import annotations

import pytest

from tests.helpers.reports import PERIOD, History


@pytest.fixture
def history(db):
    return History()


@pytest.fixture
def period():
    return PERIOD
