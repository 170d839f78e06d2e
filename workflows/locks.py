"""The flows' process lock: viewflow's `select_for_update_lock`, made safe inside an outer transaction."""

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
                    time.sleep(((attempt + 1) * random.random() + 2**attempt) / 2.5)  # noqa: S311 - jitter
            yield


select_for_update_lock = SavepointSelectForUpdateLock()
