"""The demo's one way of faking time: time-machine moves the process clock (``datetime``, ``time``, and so
``django.utils.timezone``) to the moment of the step being replayed, so every row the services write — timeline
events, audit rows, workflow history, tasks — carries the day it happened in the story. The demo modules travel
only through `travel` and `DemoClock`; runtime code never imports time-machine (a demo and test dependency)."""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings

QUIET_MINUTES = 15  # a step replayed today happens at least this long ago


def travel(moment: datetime.datetime, *, tick: bool) -> time_machine.travel:
    """A time-machine trip to `moment` (aware). Given in UTC, so the process time zone is left alone."""
    return time_machine.travel(moment.astimezone(datetime.UTC), tick=tick)


def real_now(tz: datetime.tzinfo | None = None) -> datetime.datetime:
    """The wall clock, even while travelling."""
    if time_machine.escape_hatch.is_travelling():
        return time_machine.escape_hatch.datetime.datetime.now(tz)
    return datetime.datetime.now(tz)


class DemoClock:
    """The clock of the people's stories: `set(day)` puts the process clock on that day, at a random time in the
    morning, and lets it run from there (so the rows of one day keep the order in which they were written)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.day: datetime.date | None = None
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self._trip: time_machine.travel | None = None

    def set(self, day: datetime.date) -> None:
        if day == self.day:
            return
        self.day = day
        moment = datetime.datetime.combine(day, datetime.time(8, 30 + self.rng.randint(0, 29)), tzinfo=self.tz)
        now = real_now(self.tz)
        if day == now.date():  # today: stay (nearly) in the past, and on the same date
            midnight = datetime.datetime.combine(day, datetime.time(0), tzinfo=self.tz)
            moment = max(midnight, min(moment, now - datetime.timedelta(minutes=QUIET_MINUTES)))
        self.stop()
        self._trip = travel(moment, tick=True)
        self._trip.start()

    def stop(self) -> None:
        if self._trip is not None:
            self._trip.stop()
            self._trip = None


@contextmanager
def simulated_time(clock: DemoClock) -> Iterator[DemoClock]:
    """Run the block on `clock`; the real time is back when it ends, whatever happens."""
    try:
        yield clock
    finally:
        clock.stop()
