"""The e-mail fallback: unread after the delay → one e-mail per user and sweep; digests once a day from the digest
hour; never twice (also two sweeps at once, on PostgreSQL); skipped for good when too old, off, unreachable or
no longer visible; in the reader's language, without a person's name or a case's title."""

from __future__ import annotations

import datetime
import threading
import time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, connections
from django.utils import timezone

from notifications import emails
from notifications.models import EmailMode, EmailState, Notification, NotificationKind, NotificationPreference
from notifications.services import notifications_mark_read, notifications_record, preference_set
from partners import services as partner_services
from partners.models import Membership
from partners.roles import Role
from tests.factories import make_member
from tests.helpers.handoffs import send

ROME = ZoneInfo("Europe/Rome")
PARAMS = {
    "handoff_kind": "referral",
    "sender": "Caritas Test",
    "receiver": "Cooperativa Test",
    "service": "Pacco alimentare",
    "due": "2026-03-12T16:00:00+00:00",
}


@pytest.fixture(autouse=True)
def _email_settings(settings):
    settings.TAVOLO_NOTIFY_EMAIL_DELAY_MINUTES = 15
    settings.TAVOLO_NOTIFY_EMAIL_MAX_AGE_DAYS = 3
    settings.TAVOLO_NOTIFY_DIGEST_HOUR = 7
    settings.TAVOLO_SITE_URL = "https://tavolo.example.org"


@pytest.fixture
def reader(network):
    return network.user("b", Role.CASE_MANAGER)


def notify(user, organisation, key: str = "test:1", *, case=None, params=None) -> Notification:
    notifications_record(
        kind=NotificationKind.HANDOFF_RECEIVED,
        event_key=key,
        case=case,
        recipients=[(user.pk, organisation.pk)],
        params=PARAMS if params is None else params,
    )
    return Notification.objects.get(event_key=key, user=user)


def mail_sweep() -> None:
    """The e-mail part of `notifications_sweep`, in its order."""
    emails.skip_undeliverable()
    emails.send_immediate()
    emails.send_digests()


def later(**delta) -> time_machine.travel:
    return time_machine.travel(timezone.now() + datetime.timedelta(**delta), tick=False)


def state_of(notification: Notification) -> str:
    notification.refresh_from_db()
    return notification.email_state


# --- immediate mode ------------------------------------------------------------------------------------------


def test_a_notification_unread_after_the_delay_is_emailed_to_its_reader(network, reader, mailoutbox):
    notification = notify(reader, network.org_b)

    with later(minutes=16):
        mail_sweep()

    (message,) = mailoutbox
    assert message.to == [reader.email]
    assert emails.open_link(notification.pk) == f"https://tavolo.example.org/notifications/{notification.pk}/open/"
    assert emails.open_link(notification.pk) in message.body
    notification.refresh_from_db()
    assert notification.email_state == EmailState.SENT and notification.emailed_at is not None


def test_nothing_is_emailed_before_the_delay(network, reader, mailoutbox):
    notification = notify(reader, network.org_b)

    with later(minutes=14):
        mail_sweep()

    assert mailoutbox == []
    assert state_of(notification) == EmailState.PENDING


def test_a_notification_read_before_the_delay_is_never_emailed(network, reader, mailoutbox):
    notification = notify(reader, network.org_b)
    notifications_mark_read(user=reader, ids=[notification.pk])

    with later(minutes=16):
        mail_sweep()

    assert mailoutbox == []
    assert state_of(notification) != EmailState.SENT


def test_two_sweeps_send_one_email(network, reader, mailoutbox):
    notify(reader, network.org_b)

    with later(minutes=16):
        mail_sweep()
        mail_sweep()

    assert len(mailoutbox) == 1


def test_the_due_notifications_of_one_user_make_one_email_listing_each(network, reader, mailoutbox):
    notifications = [notify(reader, network.org_b, f"test:{n}") for n in range(3)]

    with later(minutes=16):
        mail_sweep()

    (message,) = mailoutbox
    assert message.subject == "Tavolo: 3 notifiche non lette"  # the site language: the reader never chose
    for notification in notifications:
        assert emails.open_link(notification.pk) in message.body
    assert "https://tavolo.example.org/notifications/preferences/" in message.body


def test_a_notification_that_becomes_due_later_gets_an_email_of_its_own(network, reader, mailoutbox):
    first = notify(reader, network.org_b, "test:1")
    with later(minutes=10):
        second = notify(reader, network.org_b, "test:2")

    with later(minutes=16):
        mail_sweep()
    with later(minutes=26):
        mail_sweep()

    assert len(mailoutbox) == 2
    assert emails.open_link(first.pk) in mailoutbox[0].body and emails.open_link(second.pk) not in mailoutbox[0].body
    assert emails.open_link(second.pk) in mailoutbox[1].body and emails.open_link(first.pk) not in mailoutbox[1].body


def test_each_user_gets_only_their_own_notifications(network, reader, mailoutbox):
    colleague = network.user("b", Role.OPERATOR)
    mine, theirs = notify(reader, network.org_b, "test:1"), notify(colleague, network.org_b, "test:2")

    with later(minutes=16):
        mail_sweep()

    by_address = {message.to[0]: message.body for message in mailoutbox}
    assert set(by_address) == {reader.email, colleague.email}
    assert emails.open_link(theirs.pk) not in by_address[reader.email]
    assert emails.open_link(mine.pk) not in by_address[colleague.email]


# --- skipped for good ----------------------------------------------------------------------------------------


def test_notifications_older_than_the_maximum_age_are_skipped(network, reader, mailoutbox):
    notification = notify(reader, network.org_b)

    with later(days=3, minutes=1):
        mail_sweep()

    assert mailoutbox == []
    assert state_of(notification) == EmailState.SKIPPED


def test_users_who_chose_no_emails_are_skipped(network, reader, mailoutbox):
    preference_set(user=reader, email_mode=EmailMode.OFF)
    notification = notify(reader, network.org_b)

    with later(minutes=16):
        mail_sweep()

    assert mailoutbox == []
    assert state_of(notification) == EmailState.SKIPPED


def test_users_without_an_address_are_skipped(network, reader, mailoutbox):
    reader.email = ""
    reader.save(update_fields=["email"])
    notification = notify(reader, network.org_b)

    with later(minutes=16):
        mail_sweep()

    assert mailoutbox == []
    assert state_of(notification) == EmailState.SKIPPED


def test_notifications_of_an_organisation_the_user_left_are_skipped(network, reader, mailoutbox):
    notification = notify(reader, network.org_b)
    membership = Membership.objects.get(user=reader, organisation=network.org_b)
    partner_services.membership_set_active(
        organisation=network.org_b, membership_id=membership.pk, active=False, actor=network.user("b", Role.ORG_ADMIN)
    )

    with later(minutes=16):
        mail_sweep()

    assert mailoutbox == []
    assert state_of(notification) == EmailState.SKIPPED


def test_a_skipped_notification_stays_skipped_when_the_user_opts_in_again(network, reader, mailoutbox):
    preference_set(user=reader, email_mode=EmailMode.OFF)
    notification = notify(reader, network.org_b)
    with later(minutes=16):
        mail_sweep()

    preference_set(user=reader, email_mode=EmailMode.IMMEDIATE)
    with later(minutes=20):
        mail_sweep()

    assert mailoutbox == []
    assert state_of(notification) == EmailState.SKIPPED


# --- sending fails ---------------------------------------------------------------------------------------------


@pytest.fixture
def failing_once(monkeypatch):
    """The mail server fails the first message of the run, then accepts the others."""
    calls = []
    original = emails._Outbox.send

    def send_or_fail(self, message):
        calls.append(message)
        if len(calls) == 1:
            raise ConnectionRefusedError("mail server away")
        return original(self, message)

    monkeypatch.setattr(emails._Outbox, "send", send_or_fail)
    return calls


def test_a_failed_email_leaves_its_notifications_claimed_and_is_never_retried(
    network, reader, mailoutbox, failing_once, caplog
):
    notification = notify(reader, network.org_b)

    with later(minutes=16):
        mail_sweep()
    with later(minutes=30):
        mail_sweep()

    assert mailoutbox == []
    assert len(failing_once) == 1
    notification.refresh_from_db()
    assert notification.email_state == EmailState.CLAIMED
    assert notification.email_claim in caplog.text


def test_after_a_failure_the_sweep_stops_and_the_next_one_emails_the_others(network, reader, mailoutbox, failing_once):
    colleague = network.user("b", Role.OPERATOR)
    notify(reader, network.org_b, "test:1")
    theirs = notify(colleague, network.org_b, "test:2")

    with later(minutes=16):
        counts = emails.send_immediate()
        assert (counts.emails, counts.failed) == (0, 1)
        assert state_of(theirs) == EmailState.PENDING
        mail_sweep()

    assert [message.to for message in mailoutbox] == [[colleague.email]]
    assert state_of(theirs) == EmailState.SENT


# --- digests -----------------------------------------------------------------------------------------------------


def at(hour: int, minute: int = 0, day: int = 10) -> time_machine.travel:
    return time_machine.travel(datetime.datetime(2026, 3, day, hour, minute, tzinfo=ROME), tick=False)


@pytest.fixture
def digest_reader(reader):
    preference_set(user=reader, email_mode=EmailMode.DIGEST)
    return reader


def test_digest_users_are_not_emailed_after_the_delay(network, digest_reader, mailoutbox):
    with at(5, 0):
        notify(digest_reader, network.org_b)
    with at(6, 59):
        mail_sweep()

    assert mailoutbox == []


def test_the_digest_goes_out_from_the_digest_hour_with_everything_unread(network, digest_reader, mailoutbox):
    with at(6, 0, day=9):
        yesterday = notify(digest_reader, network.org_b, "test:1")
    with at(6, 55):
        today = notify(digest_reader, network.org_b, "test:2")
    with at(7, 0):
        mail_sweep()

    (message,) = mailoutbox
    assert message.subject == "Tavolo: riepilogo del giorno, 2 notifiche non lette"
    assert emails.open_link(yesterday.pk) in message.body and emails.open_link(today.pk) in message.body
    assert NotificationPreference.objects.get(user=digest_reader).digest_sent_on == datetime.date(2026, 3, 10)


def test_two_sweeps_the_same_day_send_one_digest(network, digest_reader, mailoutbox):
    with at(6, 0):
        notify(digest_reader, network.org_b, "test:1")
    with at(7, 5):
        mail_sweep()
    with at(9, 0):
        notify(digest_reader, network.org_b, "test:2")
    with at(21, 0):
        mail_sweep()

    assert len(mailoutbox) == 1


def test_what_arrives_after_the_digest_goes_in_the_next_days_digest(network, digest_reader, mailoutbox):
    with at(6, 0):
        notify(digest_reader, network.org_b, "test:1")
    with at(7, 5):
        mail_sweep()
    with at(9, 0):
        later_one = notify(digest_reader, network.org_b, "test:2")
    with at(7, 5, day=11):
        mail_sweep()

    assert len(mailoutbox) == 2
    assert mailoutbox[1].subject == "Tavolo: riepilogo del giorno, 1 notifica non letta"
    assert emails.open_link(later_one.pk) in mailoutbox[1].body


def test_a_day_without_unread_notifications_sends_no_digest(network, digest_reader, mailoutbox):
    with at(6, 0):
        notification = notify(digest_reader, network.org_b)
        notifications_mark_read(user=digest_reader, ids=[notification.pk])
    with at(7, 5):
        mail_sweep()

    assert mailoutbox == []


# --- content -------------------------------------------------------------------------------------------------


def test_the_email_is_in_the_language_the_user_chose(network, reader, mailoutbox):
    preference_set(user=reader, email_mode=EmailMode.IMMEDIATE, language="en")
    colleague = network.user("b", Role.OPERATOR)
    preference_set(user=colleague, email_mode=EmailMode.IMMEDIATE, language="it")
    notify(reader, network.org_b, "test:1")
    notify(colleague, network.org_b, "test:2")

    with later(minutes=16):
        mail_sweep()

    by_address = {message.to[0]: message.body for message in mailoutbox}
    # The deadline, 16:00 UTC, in each language's date format (day first, times on 24 hours).
    assert "12 Mar 2026 17:00" in by_address[reader.email]
    assert "12/03/2026 17:00" in by_address[colleague.email]


def test_users_who_never_chose_get_the_site_language(network, reader, mailoutbox, settings):
    assert not NotificationPreference.objects.filter(user=reader).exists()
    notify(reader, network.org_b)

    with later(minutes=16):
        mail_sweep()

    assert settings.LANGUAGE_CODE == "it"
    assert "12/03/2026 17:00" in mailoutbox[0].body


def test_the_email_names_the_case_by_its_code_and_nothing_about_the_person(
    network, consenting_case, service, mailoutbox
):
    # given: a referral of Giulia Bianchi's case "Sostegno abitativo" to B, with a reason in free text
    send(network, consenting_case, service)
    receivers = Notification.objects.filter(kind=NotificationKind.HANDOFF_RECEIVED)
    assert receivers.count() >= 2

    with later(minutes=16):
        mail_sweep()

    assert len(mailoutbox) == receivers.count()
    for message in mailoutbox:
        text = message.subject + message.body
        assert consenting_case.code in text
        for private in ("Giulia", "Bianchi", "BNCGLI80A41F205F", "Sostegno abitativo", "pacco alimentare"):
            assert private not in text


def test_the_email_is_plain_text_and_names_are_not_escaped(network, reader, mailoutbox):
    notify(reader, network.org_b, params={**PARAMS, "sender": "Caritas & Amici"})

    with later(minutes=16):
        mail_sweep()

    (message,) = mailoutbox
    assert message.content_subtype == "plain" and not message.attachments
    assert "Caritas & Amici" in message.body and "&amp;" not in message.body


# --- two sweeps at the same moment (PostgreSQL) ----------------------------------------------------------------

HOLD_SECONDS = 0.3


def race(*actions) -> list:
    barrier = threading.Barrier(len(actions))
    errors: list = []

    def run(action):
        try:
            barrier.wait(timeout=10)
            action()
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return errors


def slow_down(monkeypatch, name: str) -> None:
    """Both sweeps find the same candidates before either claims them."""
    original = getattr(emails, name)

    def slowly(*args, **kwargs):
        result = original(*args, **kwargs)
        time.sleep(HOLD_SECONDS)
        return result

    monkeypatch.setattr(emails, name, slowly)


def links_sent(mailoutbox) -> list[str]:
    return [
        line.strip()
        for message in mailoutbox
        for line in message.body.splitlines()
        if "/notifications/" in line and line.strip().endswith("/open/")
    ]


def _readers(network, count: int):
    return [make_member(network.org_b, Role.OPERATOR, username=f"race_{n}") for n in range(count)]


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="two sweeps at once need PostgreSQL: SQLite serialises whole transactions"
)
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_email_each_notification_exactly_once(network, monkeypatch, mailoutbox):
    readers = _readers(network, 6)
    notifications = [notify(user, network.org_b, f"test:{n}") for user in readers for n in range(2)]
    slow_down(monkeypatch, "immediate_recipients")

    with later(minutes=16):
        errors = race(emails.send_immediate, emails.send_immediate)

    assert errors == []
    expected = sorted(emails.open_link(notification.pk) for notification in notifications)
    assert sorted(links_sent(mailoutbox)) == expected  # each exactly once
    assert len(mailoutbox) == len(readers)
    assert set(Notification.objects.values_list("email_state", flat=True)) == {EmailState.SENT}


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="two sweeps at once need PostgreSQL: SQLite serialises whole transactions"
)
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_one_digest_each(network, monkeypatch, mailoutbox):
    readers = _readers(network, 6)
    for user in readers:
        preference_set(user=user, email_mode=EmailMode.DIGEST)
    with at(6, 0):
        notifications = [notify(user, network.org_b, f"test:{n}") for user in readers for n in range(2)]
    slow_down(monkeypatch, "digest_recipients")

    with at(7, 5):
        errors = race(emails.send_digests, emails.send_digests)

    assert errors == []
    assert sorted(links_sent(mailoutbox)) == sorted(emails.open_link(n.pk) for n in notifications)
    assert sorted(message.to[0] for message in mailoutbox) == sorted(user.email for user in readers)
