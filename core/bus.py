"""Domain events: an app announces what happened; another app may subscribe to it.

This is how `notifications` learns about handoffs, tasks, closures and membership changes without any of
those apps importing it (the dependency direction of DESIGN.md). It is deliberately not Django's signal
machinery:

- events are small frozen dataclasses, defined by the app that publishes them, named in the past tense;
- `publish` is called explicitly by the service that made the change, inside its transaction, so a
  subscriber's writes commit or roll back with the change itself (the notification outbox relies on it);
- subscribers are registered from an `AppConfig.ready`: the notifications (`notifications.subscriptions.register`)
  and a pathway app that waits for a handoff's answer (`employment`, ADR 0009); `subscribers_of` lists them, so
  the wiring can be read and tested.

A subscriber that raises makes the publishing service fail: a change whose notifications cannot be
recorded is not committed (nothing is half-saved). Work that may fail without harm (a websocket push)
belongs in `transaction.on_commit` inside the subscriber, not here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

_subscribers: defaultdict[type, list[Callable[[Any], None]]] = defaultdict(list)


def subscribe(event_type: type, handler: Callable[[Any], None]) -> None:
    """Call `handler(event)` for every published event of `event_type` (once, however often registered)."""
    if handler not in _subscribers[event_type]:
        _subscribers[event_type].append(handler)


def subscribers_of(event_type: type) -> tuple[Callable[[Any], None], ...]:
    return tuple(_subscribers.get(event_type, ()))


def publish(event: object) -> None:
    """Run the subscribers of the event's type now, in the caller's transaction."""
    for handler in tuple(_subscribers.get(type(event), ())):
        handler(event)
