"""Fire what is due: viewflow's workflow timers (SLA escalations, periodic reviews) and the end of the access
that organisations keep on closed cases; and forget the API's idempotency keys past their lifetime.

One sweep and exit (cron, a systemd timer), or `--every SECONDS` to sweep in a loop (a service, `make run`).
Safe to run in several copies at once: viewflow re-checks each timer under its process lock and skips one
that another dispatcher holds, and expiring a share that is already gone changes nothing.
"""

from __future__ import annotations

import logging
import signal
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from viewflow.workflow.timers import fire_due_conditions, fire_due_start_timers, fire_due_timers

from core import idempotency
from workflows.services.casepath import expire_closed_case_access

logger = logging.getLogger(__name__)


def _drop_stale_connections() -> None:
    """What Django does between two requests: a connection that broke or outlived CONN_MAX_AGE while the loop
    slept is closed, and the next query opens a new one. Never inside a transaction (a test's)."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


class _Stop(Exception):
    """Raised by the signal handler to cut a sleep short (never during a sweep)."""


class Command(BaseCommand):
    help = (
        "Fire due workflow timers (answer deadlines of handoffs, case reviews) and remove the access that "
        "organisations kept on closed cases once its period is over. One sweep, or --every SECONDS in a loop "
        "until SIGTERM or Ctrl-C. Safe to run concurrently."
    )
    label = "Workflow timers"  # what the loop's lines and log call this sweep (a subclass gives its own)

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=float,
            default=None,
            metavar="SECONDS",
            help="Sweep again every SECONDS until stopped (default: one sweep and exit).",
        )

    def handle(self, *args, every: float | None = None, **options):
        self.verbosity = options.get("verbosity", 1)
        if every is None:
            counts = self.sweep()
            self.stdout.write(self.describe(counts))
            return
        if every <= 0:
            raise CommandError("--every must be a positive number of seconds.")
        self.loop(every)

    # --- one sweep -----------------------------------------------------------------------------------

    def sweep(self) -> dict[str, int]:
        """viewflow's `workflow_timers` work, then the expiry of closed cases' shares. Each part commits on
        its own: one broken flow is logged by viewflow and skipped, the rest of the sweep goes on."""
        return {
            "timers": fire_due_timers(),
            "started": fire_due_start_timers(),
            "conditions": fire_due_conditions(),
            "expired": expire_closed_case_access(),
            # One indexed DELETE: the API's handoff and task writes keep their keys for a day (core.idempotency).
            "idempotency_keys": idempotency.keys_expire(),
        }

    @staticmethod
    def describe(counts: dict[str, int]) -> str:
        return (
            f"{counts['timers']} timer(s) fired, {counts['started']} process(es) started, "
            f"{counts['conditions']} condition(s) fired, {counts['expired']} expired share(s) removed, "
            f"{counts['idempotency_keys']} idempotency key(s) forgotten"
        )

    # --- the loop ------------------------------------------------------------------------------------

    def loop(self, every: float) -> None:
        self._stopping = False
        self._sleeping = False
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
        signal.signal(signal.SIGTERM, self._on_signal)
        # A shell starts background jobs with SIGINT ignored (`make run`): keep it so, the job is stopped by
        # SIGTERM from the shell's trap.
        if previous[signal.SIGINT] is not signal.SIG_IGN:
            signal.signal(signal.SIGINT, self._on_signal)
        self.stdout.write(f"{self.label}: a sweep every {every:g} s (SIGTERM or Ctrl-C to stop).")
        try:
            while not self._stopping:
                self._sweep_logged()
                if self._stopping:
                    break
                self._sleep(every)
        except _Stop:
            pass
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write(f"{self.label} stopped.")

    def _sweep_logged(self) -> None:
        _drop_stale_connections()
        try:
            counts = self.sweep()
        except Exception:  # the database is away for a moment: try again on the next sweep
            logger.exception("%s: the sweep failed", self.label)
            return
        finally:
            _drop_stale_connections()
        if any(counts.values()) or self.verbosity > 1:
            self.stdout.write(f"{time.strftime('%H:%M:%S')} {self.describe(counts)}")

    def _sleep(self, seconds: float) -> None:
        self._sleeping = True
        try:
            time.sleep(seconds)
        finally:
            self._sleeping = False

    def _on_signal(self, signum, frame) -> None:
        """Stop after the current sweep; while sleeping, at once. A second Ctrl-C during a sweep interrupts it
        (its transaction rolls back)."""
        if self._stopping and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self._stopping = True
        if self._sleeping:
            raise _Stop
