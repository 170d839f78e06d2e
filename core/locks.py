"""Row locks: every state change locks what it changes through these helpers, always in this order, so that two
changes never wait for each other in a circle (a deadlock) and the second of two concurrent ones finds the first's
result and is told so:

1. a flow's process row: `select_for_update_lock` (viewflow's lock made savepoint-safe), via `Flow.lock(pk)`;
2. the handoff row;
3. the case row (`cases.services.case_file.lock_case`), then the person's or household's row;
4. the pathway's own rows: housing — the pathway row (`HousingPathway`, right after its process); the places by
   id (`housing.services.common.lock_places`), then the offer, then the application, then the stay;
   employment — the pathway row (`EmploymentPathway`, right after its process), the profile (after the case),
   a course row (it keeps the seats) before its enrolments; an enrolment or an internship is locked alone.

Locked alone, never together with the rows above: an organisation or one of its memberships
(`partners.services`), a user's notification preference (`notifications.services.preference_set`).

`lock_one` and `lock_all` are the only ways to take a row lock outside this module: a no-op on SQLite (which
serialises writers), `SELECT ... FOR UPDATE` on PostgreSQL, held until the transaction ends."""

from __future__ import annotations

import random
import time
from contextlib import contextmanager

from django.db import OperationalError, transaction
from viewflow.workflow.exceptions import FlowLockFailed

from core.errors import is_lock_conflict


class SavepointSelectForUpdateLock:
    """`SELECT ... FOR UPDATE NOWAIT` on the process row, retried with viewflow's back-off, each attempt in its
    own savepoint.

    viewflow's `SelectForUpdateLock` catches the failed NOWAIT inside its `atomic()` block. When that block is a
    savepoint — the lock taken inside a service's transaction, as all of ours are — PostgreSQL leaves the
    transaction aborted, and the retry fails with "current transaction is aborted": a 500 for whoever lost the
    race instead of `FlowLockFailed` (tests/workflows/test_concurrency.py). Here a failed attempt rolls back only
    its own savepoint; row locks taken in a released savepoint stay held until the transaction ends. Only a
    lock conflict is retried: any other database error (the connection lost) propagates at once, to answer 503
    (core.errors), instead of being retried and reported as "someone else is working on this handoff".
    """

    def __init__(self, attempts: int = 5):
        self.attempts = attempts

    @contextmanager
    def __call__(self, flow_class, process_pk):
        with transaction.atomic():
            for attempt in range(self.attempts):
                try:
                    with transaction.atomic():
                        flow_class.process_class._default_manager.filter(pk=process_pk).select_for_update(
                            nowait=True
                        ).exists()
                    break
                except OperationalError as exc:
                    if not is_lock_conflict(exc):
                        raise
                    if attempt == self.attempts - 1:
                        raise FlowLockFailed(f"Lock failed for {flow_class}") from None
                    time.sleep(((attempt + 1) * random.random() + 2**attempt) / 2.5)  # jitter
            yield


select_for_update_lock = SavepointSelectForUpdateLock()


def lock_one(queryset, **lookup):
    """The row of `queryset` matching `lookup`, locked (only its own table: `of=("self",)`, so that the rows of a
    `select_related` are read, not locked). Raises the model's DoesNotExist like `get`."""
    return queryset.select_for_update(of=("self",)).get(**lookup)


def lock_all(queryset) -> list:
    """Every row of `queryset`, locked in id order (two changes locking overlapping sets take them in the same
    order); the rows, to use or to ignore."""
    return list(queryset.select_for_update(of=("self",)).order_by("pk"))
