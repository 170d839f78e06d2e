"""The flows' process lock retries a busy row (NOWAIT refused) but not a lost connection: that one reaches the
client as a 503 at once, not as "someone else is working on this handoff" after seconds of retries."""

from __future__ import annotations

import psycopg
import pytest
from django.db import OperationalError
from django.db.models import QuerySet
from viewflow.workflow.exceptions import FlowLockFailed

from core import locks
from workflows.flows import HandoffFlow


def failing_exists(make_error, calls: list):
    def exists(self):
        calls.append(1)
        raise make_error()

    return exists


def django_error_from(driver_error: Exception) -> OperationalError:
    """What Django raises for a driver error: its own class, the driver's error as the cause."""
    try:
        raise OperationalError(str(driver_error)) from driver_error
    except OperationalError as error:
        return error


@pytest.fixture
def no_back_off(monkeypatch):
    monkeypatch.setattr(locks.time, "sleep", lambda seconds: None)


@pytest.mark.django_db
def test_a_lost_connection_while_locking_is_raised_at_once(monkeypatch, no_back_off):
    calls = []
    lost = psycopg.errors.AdminShutdown("terminating connection due to administrator command")
    monkeypatch.setattr(QuerySet, "exists", failing_exists(lambda: django_error_from(lost), calls))
    with pytest.raises(OperationalError), locks.select_for_update_lock(HandoffFlow, 1):
        pass
    assert len(calls) == 1


@pytest.mark.django_db
def test_a_busy_row_is_retried_then_reported_as_a_failed_lock(monkeypatch, no_back_off):
    calls = []
    busy = psycopg.errors.LockNotAvailable("could not obtain lock on row in relation")
    monkeypatch.setattr(QuerySet, "exists", failing_exists(lambda: django_error_from(busy), calls))
    with pytest.raises(FlowLockFailed), locks.select_for_update_lock(HandoffFlow, 1):
        pass
    assert len(calls) == locks.select_for_update_lock.attempts
