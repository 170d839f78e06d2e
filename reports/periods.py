"""The period a report covers: whole calendar days in local time, both ends included."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # included

    @property
    def start_at(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.start, datetime.time.min))

    @property
    def end_at(self) -> datetime.datetime:
        """The first instant after the period (an exclusive bound)."""
        return timezone.make_aware(datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time.min))

    @property
    def as_of(self) -> datetime.datetime:
        """The instant the "now" figures (queues, open cases) are read at: the period's end, or now if sooner."""
        return min(self.end_at, timezone.now())

    def months(self) -> list[datetime.date]:
        """The first day of every month the period touches."""
        months = []
        month = self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = (month + datetime.timedelta(days=32)).replace(day=1)
        return months

    @classmethod
    def default(cls, today: datetime.date | None = None) -> Period:
        """The last twelve months, up to today."""
        today = today or timezone.localdate()
        start = (today.replace(day=1) - datetime.timedelta(days=335)).replace(day=1)
        return cls(start=start, end=today)

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(start=datetime.date(year, 1, 1), end=datetime.date(year, 12, 31))
