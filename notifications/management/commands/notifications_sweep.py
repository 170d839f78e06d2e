"""Notify what nobody's action causes (answers due soon, consents expiring), then e-mail what is still unread:
immediate e-mails first, then the daily digests (see `notifications.sweeps` and `notifications.emails`).

One sweep and exit (cron, a systemd timer every minute), or `--every SECONDS` in a loop (a service,
`make run`). Safe to run in several copies at once: events are unique per recipient, and every e-mail is
claimed with a conditional UPDATE before it is sent, so nothing is notified or e-mailed twice.
"""

from __future__ import annotations

from django.utils import timezone

from notifications import emails, sweeps
from workflows.management.commands import run_timers


class Command(run_timers.Command):
    """The loop, its signals and its reconnections are `run_timers`'; only the sweep and the words differ."""

    help = (
        "Notify receivers of handoffs whose answer is due soon and case managers of consents expiring soon, "
        "then e-mail notifications still unread after the delay (and the daily digests). One sweep, or "
        "--every SECONDS in a loop until SIGTERM or Ctrl-C. Safe to run concurrently."
    )
    label = "Notification sweep"

    def sweep(self) -> dict[str, int]:
        """Each part commits on its own; the e-mails come last so that they include this sweep's events once
        their delay has passed."""
        now = timezone.now()
        due_soon = sweeps.sweep_answers_due_soon(now=now)
        consents = sweeps.sweep_consents_expiring(today=timezone.localdate(now))
        skipped = emails.skip_undeliverable(now=now)
        immediate = emails.send_immediate(now=now)
        digests = emails.send_digests(now=now) if not immediate.failed else emails.MailCounts()
        return {
            "due_soon": due_soon,
            "consents": consents,
            "emails": immediate.emails,
            "emailed": immediate.notifications,
            "digests": digests.emails,
            "digested": digests.notifications,
            "skipped": skipped,
            "failed": immediate.failed + digests.failed,
        }

    @staticmethod
    def describe(counts: dict[str, int]) -> str:
        line = (
            f"{counts['due_soon']} answer(s) due soon, {counts['consents']} consent(s) expiring, "
            f"{counts['emails']} e-mail(s) sent ({counts['emailed']} notification(s)), "
            f"{counts['digests']} digest(s) sent ({counts['digested']} notification(s)), "
            f"{counts['skipped']} notification(s) not to e-mail"
        )
        if counts["failed"]:
            line += f", {counts['failed']} e-mail(s) failed (see the log)"
        return line
