"""The domain-event bus (core.bus): the notification handlers are wired once the apps are loaded, an event
nobody listens to does nothing, and a subscriber runs in the publisher's transaction (its failure undoes the
change)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pytest

from cases.events import CaseEventRecorded
from core import bus as events
from core.bus import publish, subscribe, subscribers_of
from notifications import subscriptions
from notifications.models import Notification
from partners.events import MembershipChanged
from partners.models import Membership
from partners.roles import Role
from partners.services import membership_add
from tests.factories import UserFactory
from workflows.events import WorkflowEventRecorded


@dataclass(frozen=True)
class SomethingHappened:
    """An event type no app subscribes to."""

    what: str


@pytest.fixture
def empty_bus(monkeypatch):
    """A bus of this test's own: the app's wiring is left as it was."""
    monkeypatch.setattr(events, "_subscribers", defaultdict(list))


@pytest.mark.parametrize(
    ("event_type", "handler"),
    [
        (WorkflowEventRecorded, subscriptions.on_workflow_event),
        (CaseEventRecorded, subscriptions.on_case_event),
        (MembershipChanged, subscriptions.on_membership_changed),
    ],
    ids=["workflow event", "case event", "membership changed"],
)
def test_the_notification_handlers_are_subscribed_once_the_apps_are_loaded(event_type, handler):
    assert subscribers_of(event_type).count(handler) == 1


def test_an_event_nobody_subscribed_to_has_no_subscribers():
    assert subscribers_of(SomethingHappened) == ()


@pytest.mark.django_db
def test_publishing_an_event_nobody_subscribed_to_does_nothing():
    publish(SomethingHappened(what="nothing"))

    assert not Notification.objects.exists()
    assert SomethingHappened not in events._subscribers  # nor does it leave an empty entry behind


def test_a_handler_subscribed_twice_runs_once(empty_bus):
    seen = []
    subscribe(SomethingHappened, seen.append)
    subscribe(SomethingHappened, seen.append)

    publish(SomethingHappened(what="once"))

    assert seen == [SomethingHappened(what="once")]


def test_only_the_subscribers_of_the_events_own_type_run(empty_bus):
    seen = []
    subscribe(MembershipChanged, seen.append)

    publish(SomethingHappened(what="other"))

    assert seen == []


def test_a_failing_subscriber_undoes_the_publishing_change(network, monkeypatch):
    def broken(event):
        raise RuntimeError("the outbox cannot be written")

    monkeypatch.setitem(events._subscribers, MembershipChanged, [broken])
    user = UserFactory(username="newcomer")

    with pytest.raises(RuntimeError):
        membership_add(organisation=network.org_b, user=user, role=Role.OPERATOR)

    assert not Membership.objects.filter(user=user).exists()
