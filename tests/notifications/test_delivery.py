"""Delivery: the outbox rows are written in the event's transaction, pushed through the channel layer only after it
commits (once per organisation when several of its members are told), never twice for the same event, and a
failing layer neither breaks the change nor loses the row (the browser's replay finds it)."""

from __future__ import annotations

import logging

import pytest
from channels.layers import get_channel_layer
from django.db import transaction

from notifications import push
from notifications.models import Notification, NotificationKind
from notifications.services import notifications_record
from notifications.subscriptions import on_workflow_event
from partners.roles import Role
from tests.helpers.handoffs import send
from workflows.events import WorkflowEventRecorded
from workflows.models import Handoff, HistoryKind, WorkflowEvent
from workflows.services import handoffs


class Rollback(Exception):
    """Raised inside a transaction to roll it back."""


@pytest.fixture
def layer_calls(monkeypatch) -> list[tuple[str, dict]]:
    """Every `group_send` made through the configured channel layer (still delivered)."""
    layer = get_channel_layer()
    calls: list[tuple[str, dict]] = []
    real_group_send = layer.group_send

    async def group_send(group, message):
        calls.append((group, message))
        await real_group_send(group, message)

    monkeypatch.setattr(layer, "group_send", group_send)
    return calls


@pytest.fixture
def failing_layer(monkeypatch):
    layer = get_channel_layer()

    async def group_send(group, message):
        raise ConnectionError("Redis is restarting")

    monkeypatch.setattr(layer, "group_send", group_send)
    return layer


def received_by(handoff: Handoff) -> set[str]:
    return set(
        Notification.objects.filter(kind=NotificationKind.HANDOFF_RECEIVED, case=handoff.case).values_list(
            "user__username", flat=True
        )
    )


# --- in the event's transaction -------------------------------------------------------------------------------


def test_the_rows_exist_inside_the_transaction_before_anything_is_pushed(
    network,
    consenting_case,
    service,
    layer_calls,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        handoff = send(network, consenting_case, service)

        assert received_by(handoff) == {"b_case_manager", "b_operator"}
        assert layer_calls == []
    assert len(callbacks) == 1  # one push, waiting for the commit


def test_a_rolled_back_handoff_leaves_no_row_and_pushes_nothing(
    network, consenting_case, service, layer_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Rollback), transaction.atomic():
        send(network, consenting_case, service)
        raise Rollback

    assert not Handoff.objects.exists()
    assert not Notification.objects.exists()
    assert callbacks == [] and layer_calls == []


def test_a_failure_to_record_the_notifications_undoes_the_handoff(network, consenting_case, service, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the outbox cannot be written")

    monkeypatch.setattr("notifications.subscriptions.notifications_record", broken)
    with pytest.raises(RuntimeError):
        send(network, consenting_case, service)

    assert not Handoff.objects.exists() and not WorkflowEvent.objects.exists()


# --- the push after commit -------------------------------------------------------------------------------------


def test_two_recipients_of_one_organisation_get_one_message_to_its_group(
    network, consenting_case, service, layer_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(network, consenting_case, service)

    ((group, message),) = layer_calls
    rows = {row.user_id: row for row in Notification.objects.all()}
    assert group == push.org_group(network.org_b.pk)
    assert message["type"] == "notify.org" and message["organisation"] == network.org_b.pk
    assert {int(user_id): item["id"] for user_id, item in message["items"].items()} == {
        user_id: row.pk for user_id, row in rows.items()
    }
    assert set(rows) == {network.user("b", Role.CASE_MANAGER).pk, network.user("b", Role.OPERATOR).pk}


def test_a_single_recipient_gets_a_message_to_their_own_group(
    network, consenting_case, service, layer_calls, django_capture_on_commit_callbacks
):
    handoff = send(network, consenting_case, service)  # its push waits for a commit that never comes
    with django_capture_on_commit_callbacks(execute=True):
        handoffs.handoff_accept(actor=network.user("b", Role.OPERATOR), handoff_id=handoff.pk)

    sender = network.user("a", Role.CASE_MANAGER)
    row = Notification.objects.get(user=sender, kind=NotificationKind.HANDOFF_ACCEPTED)
    ((group, message),) = layer_calls
    assert group == push.user_group(sender.pk)
    assert message["type"] == "notify.user" and message["item"]["id"] == row.pk


def test_a_failing_layer_does_not_break_the_handoff_and_the_rows_stay_for_the_replay(
    network,
    consenting_case,
    service,
    failing_layer,
    django_capture_on_commit_callbacks,
    caplog,
):
    with (
        caplog.at_level(logging.WARNING, logger="notifications.push"),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        handoff = send(network, consenting_case, service)

    assert len(callbacks) == 1
    assert received_by(handoff) == {"b_case_manager", "b_operator"}
    assert any("push failed" in record.getMessage() for record in caplog.records)


# --- never twice ----------------------------------------------------------------------------------------------


def test_recording_the_same_event_twice_adds_no_row(network):
    recipients = [
        (network.user("b", Role.OPERATOR).pk, network.org_b.pk),
        (network.user("b", Role.CASE_MANAGER).pk, network.org_b.pk),
    ]
    for _attempt in range(2):
        notifications_record(
            kind=NotificationKind.HANDOFF_RECEIVED, event_key="handoff:1:1:received", recipients=recipients
        )

    assert Notification.objects.count() == 2


def test_publishing_a_handoff_event_again_adds_no_row(network, consenting_case, service):
    handoff = send(network, consenting_case, service)
    event = WorkflowEvent.objects.get(handoff=handoff, kind=HistoryKind.HANDOFF_SENT)
    before = Notification.objects.count()

    on_workflow_event(WorkflowEventRecorded(event=event))

    assert Notification.objects.count() == before == 2
