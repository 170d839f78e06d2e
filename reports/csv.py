"""CSV export of a dashboard table: UTF-8 with BOM (spreadsheets open it as UTF-8), `;` as separator (the Italian
locale's spreadsheets expect it), and no cell that a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import datetime
import io

from reports.sections import Table

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value) -> str:
    """A cell as text; a text that starts like a formula gets a leading apostrophe (OWASP "CSV injection").
    Numbers stay numbers, negative ones included."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return f"{value}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def table_csv(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_cell(str(c)) for c in table.columns])
    for row in table.rows:
        writer.writerow([safe_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
