"""Deadlines in working days: Monday to Friday, Italy's national holidays excluded, the time of day kept."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from workflows.workdays import add_working_days, is_working_day

ROME = ZoneInfo("Europe/Rome")


def rome(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=ROME)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (datetime.date(2026, 6, 1), True),  # Monday
        (datetime.date(2026, 6, 2), False),  # Festa della Repubblica (a Tuesday)
        (datetime.date(2026, 6, 6), False),  # Saturday
        (datetime.date(2026, 6, 7), False),  # Sunday
        (datetime.date(2026, 1, 1), False),  # Capodanno
        (datetime.date(2026, 1, 6), False),  # Epifania
        (datetime.date(2026, 4, 6), False),  # Lunedì dell'Angelo (Easter Monday 2026)
        (datetime.date(2026, 4, 7), True),
        (datetime.date(2026, 8, 14), True),
        (datetime.date(2026, 8, 15), False),  # Ferragosto
        (datetime.date(2026, 12, 8), False),  # Immacolata
        (datetime.date(2026, 12, 24), True),  # Christmas Eve is a working day
        (datetime.date(2026, 12, 25), False),
        (datetime.date(2026, 12, 28), True),
        (datetime.date(2027, 3, 29), False),  # Easter Monday 2027
    ],
)
def test_working_days(day, working):
    assert is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Within a week.
        (rome(2026, 6, 8, 9, 30), 3, rome(2026, 6, 11, 9, 30)),
        # A weekend is skipped.
        (rome(2026, 6, 11, 9, 30), 3, rome(2026, 6, 16, 9, 30)),
        # From a Saturday: Monday is the first working day.
        (rome(2026, 6, 13, 18, 0), 1, rome(2026, 6, 15, 18, 0)),
        # A holiday in the week (2 June) is skipped.
        (rome(2026, 5, 29, 10, 0), 3, rome(2026, 6, 4, 10, 0)),
        # Christmas, Santo Stefano (a Saturday) and the weekend: Thu 24 → Mon 28, Tue 29.
        (rome(2026, 12, 24, 12, 0), 2, rome(2026, 12, 29, 12, 0)),
        # Across New Year and Epiphany: Wed 30 Dec → Thu 31, Mon 4, Tue 5, Thu 7 Jan.
        (rome(2026, 12, 30, 8, 0), 4, rome(2027, 1, 7, 8, 0)),
        # Zero days: the same moment.
        (rome(2026, 6, 8, 9, 30), 0, rome(2026, 6, 8, 9, 30)),
    ],
)
def test_add_working_days(start, days, expected):
    assert add_working_days(start, days) == expected


def test_the_local_time_of_day_is_kept_across_a_change_to_summer_time():
    # Summer time starts on Sunday 29 March 2026: Friday 27, 17:00 CET → Monday 30, 17:00 CEST.
    due = add_working_days(rome(2026, 3, 27, 17, 0), 1)
    assert due == rome(2026, 3, 30, 17, 0)
    assert due.utcoffset() == datetime.timedelta(hours=2)


def test_a_utc_start_is_counted_on_the_local_calendar():
    # 23:30 UTC on Friday 5 June is already Saturday 6 June in Rome: the first working day is Monday 8.
    start = datetime.datetime(2026, 6, 5, 23, 30, tzinfo=datetime.UTC)
    assert add_working_days(start, 1) == rome(2026, 6, 8, 1, 30)
