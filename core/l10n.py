"""Numbers and dates written by Python code (messages, PDFs) in the reader's language, the way templates write
them: "16.000,00" and "04/12/2026" in Italian, "16,000.00" and "4 Dec 2026" in English. `str(Decimal)` and
`strftime` ignore the language, so every such string goes through here."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import formats, timezone


def amount(value: Decimal | float | int | None) -> str:
    """An amount of money with two decimals and grouped thousands; "—" when there is none."""
    if value is None:
        return "—"
    return formats.number_format(value, 2, use_l10n=True, force_grouping=True)


def number(value: Decimal | float | int) -> str:
    """A figure without forced decimals ("16.000" or "12,5"), grouped like an amount: for thresholds and
    recorded values that are not always money."""
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    return formats.number_format(value, use_l10n=True, force_grouping=True)


def short_date(value: datetime.date) -> str:
    """A day, in the reader's short date format."""
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def short_datetime(value: datetime.datetime) -> str:
    """A moment in local time, in the reader's short date-and-time format."""
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
