"""Deadlines counted in working days: Monday to Friday, except Italy's national holidays."""

from __future__ import annotations

import datetime
from functools import lru_cache

import holidays
from django.utils import timezone


@lru_cache(maxsize=16)
def _italian_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("IT", years=year))


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _italian_holidays(day.year)


def add_working_days(start: datetime.datetime, days: int) -> datetime.datetime:
    """The same time of day, `days` working days after `start` (in the local time zone)."""
    local = timezone.localtime(start)
    day = local.date()
    counted = 0
    while counted < days:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return timezone.make_aware(datetime.datetime.combine(day, local.time().replace(tzinfo=None)))
