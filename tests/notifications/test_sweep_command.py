"""`notifications_sweep` (one sweep, or a loop until SIGTERM; two at once on PostgreSQL) and `demo_notifications`."""

from __future__ import annotations

import datetime
import os
import signal
import threading
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.utils import timezone

from notifications import emails
from notifications.management.commands import notifications_sweep
from notifications.models import EmailState, Notification, NotificationKind
from notifications.services import notifications_record
from partners.roles import Role
from tests.helpers.handoffs import send

QUIET = (
    "0 answer(s) due soon, 0 consent(s) expiring, 0 e-mail(s) sent (0 notification(s)), "
    "0 digest(s) sent (0 notification(s)), 0 notification(s) not to e-mail"
)


@pytest.fixture(autouse=True)
def _sweep_settings(settings):
    settings.TAVOLO_SLA_WARNING_HOURS = 24
    settings.TAVOLO_NOTIFY_EMAIL_DELAY_MINUTES = 15
    # Past any answer deadline (3 working days may span a weekend): the "received" rows are still e-mailed.
    settings.TAVOLO_NOTIFY_EMAIL_MAX_AGE_DAYS = 10


def sweep(**options) -> str:
    out = StringIO()
    call_command("notifications_sweep", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def referral(network, consenting_case, service):
    """A referral from A to B: B's case manager and operator are told it arrived."""
    return send(network, consenting_case, service)


def half_a_day_before_the_deadline(handoff) -> time_machine.travel:
    return time_machine.travel(handoff.due_at - datetime.timedelta(hours=12), tick=False)


# --- one sweep -------------------------------------------------------------------------------------------------


def test_a_sweep_with_nothing_to_do_says_so(network):
    assert sweep() == QUIET + "\n"


def test_a_sweep_announces_due_answers_then_emails_what_is_unread(referral, mailoutbox):
    with half_a_day_before_the_deadline(referral):
        output = sweep()

    # B's two members: the "received" notifications are past the delay; the "due soon" ones were just made.
    assert output == (
        "1 answer(s) due soon, 0 consent(s) expiring, 2 e-mail(s) sent (2 notification(s)), "
        "0 digest(s) sent (0 notification(s)), 0 notification(s) not to e-mail\n"
    )
    assert Notification.objects.filter(kind=NotificationKind.SLA_DUE_SOON).count() == 2
    assert len(mailoutbox) == 2


def test_a_second_sweep_has_nothing_left_to_do(referral, mailoutbox):
    with half_a_day_before_the_deadline(referral):
        sweep()
        output = sweep()

    assert output == QUIET + "\n"
    assert len(mailoutbox) == 2


def test_the_summary_counts_notifications_not_to_email(network, mailoutbox):
    notifications_record(
        kind=NotificationKind.CASE_CLOSED,
        event_key="test:old",
        recipients=[(network.user("b", Role.OPERATOR).pk, network.org_b.pk)],
    )

    with time_machine.travel(timezone.now() + datetime.timedelta(days=11), tick=False):
        output = sweep()

    assert output.endswith(", 1 notification(s) not to e-mail\n")
    assert mailoutbox == []


def test_the_summary_reports_failed_emails(referral, monkeypatch):
    def refuse(self, message):
        raise ConnectionRefusedError("mail server away")

    monkeypatch.setattr(emails._Outbox, "send", refuse)
    with half_a_day_before_the_deadline(referral):
        output = sweep()

    assert output.endswith(", 1 e-mail(s) failed (see the log)\n")  # the sweep stops at the first failure
    assert Notification.objects.filter(email_state=EmailState.CLAIMED).count() == 1


# --- the loop --------------------------------------------------------------------------------------------------


def test_every_must_be_positive(db):
    with pytest.raises(CommandError, match="--every"):
        sweep(every=0)


@pytest.fixture
def sigterm_guard():
    """A SIGTERM that arrives when the command is not listening must not kill the test run."""

    def ignore(signum, frame):
        pass

    previous = signal.signal(signal.SIGTERM, ignore)
    yield ignore
    signal.signal(signal.SIGTERM, previous)


def test_the_loop_sweeps_until_sigterm_then_stops_cleanly(referral, sigterm_guard, mailoutbox):
    with half_a_day_before_the_deadline(referral):
        timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM))
        timer.start()
        output = sweep(every=0.05)
        timer.join()

    lines = output.splitlines()
    assert lines[0] == "Notification sweep: a sweep every 0.05 s (SIGTERM or Ctrl-C to stop)."
    assert sum("1 answer(s) due soon" in line for line in lines) == 1  # quiet sweeps print nothing
    assert lines[-1] == "Notification sweep stopped."
    assert len(mailoutbox) == 2
    assert signal.getsignal(signal.SIGTERM) is sigterm_guard


def test_the_loop_goes_on_after_a_failed_sweep(db, monkeypatch, caplog, sigterm_guard):
    calls = []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database gone for a moment")
        return 0

    monkeypatch.setattr(notifications_sweep.sweeps, "sweep_answers_due_soon", flaky)
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    output = sweep(every=0.05)
    timer.join()

    assert len(calls) > 1
    assert "Notification sweep: the sweep failed" in caplog.text
    assert output.splitlines()[-1] == "Notification sweep stopped."


# --- two at once (PostgreSQL) ----------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="two sweeps at once need PostgreSQL: SQLite serialises whole transactions"
)
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_notify_and_email_once(network, consenting_case, service, mailoutbox):
    referral = send(network, consenting_case, service)
    barrier = threading.Barrier(2)
    errors: list = []

    def one_sweep():
        try:
            barrier.wait(timeout=10)
            notifications_sweep.Command().sweep()
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    with half_a_day_before_the_deadline(referral):
        threads = [threading.Thread(target=one_sweep) for _n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert errors == []
    assert Notification.objects.filter(kind=NotificationKind.SLA_DUE_SOON).count() == 2
    received = Notification.objects.filter(kind=NotificationKind.HANDOFF_RECEIVED)
    assert set(received.values_list("email_state", flat=True)) == {EmailState.SENT}
    assert sorted(message.to[0] for message in mailoutbox) == sorted(received.values_list("user__email", flat=True))


# --- demo_notifications ----------------------------------------------------------------------------------------


def demo() -> str:
    out = StringIO()
    call_command("demo_notifications", stdout=out)
    return out.getvalue()


@pytest.fixture
def old_and_new(network):
    reader = network.user("b", Role.OPERATOR)
    with time_machine.travel(timezone.now() - datetime.timedelta(days=2, hours=1), tick=False):
        notifications_record(
            kind=NotificationKind.CASE_CLOSED, event_key="test:old", recipients=[(reader.pk, network.org_b.pk)]
        )
    notifications_record(
        kind=NotificationKind.CASE_CLOSED, event_key="test:new", recipients=[(reader.pk, network.org_b.pk)]
    )
    return Notification.objects.get(event_key="test:old"), Notification.objects.get(event_key="test:new")


def test_demo_notifications_marks_old_ones_read_and_not_to_email(old_and_new):
    output = demo()

    old, new = (Notification.objects.get(pk=row.pk) for row in old_and_new)
    assert output == "Demo notifications: 1 older than two days marked read, 1 not to e-mail.\n"
    assert old.read_at == old.created_at + datetime.timedelta(hours=1)
    assert old.email_state == EmailState.SKIPPED
    assert new.read_at is None and new.email_state == EmailState.PENDING


def test_demo_notifications_twice_changes_nothing(old_and_new):
    demo()
    before = list(Notification.objects.order_by("pk").values("read_at", "email_state"))

    output = demo()

    assert output == "Demo notifications: 0 older than two days marked read, 0 not to e-mail.\n"
    assert list(Notification.objects.order_by("pk").values("read_at", "email_state")) == before
