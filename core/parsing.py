"""Ids typed or posted by someone (a form field, a query string, an API body): one rule for the whole project.

Anything that is not a positive whole number of at most 12 ASCII digits is "no id": the caller answers with its
own translated message or a 404, never a 500 (`int("²")` raises although `"²".isdigit()` is true)."""

from __future__ import annotations

MAX_DIGITS = 12


def posted_id(value) -> int | None:
    """The id in `value`, or None when it is not a positive whole number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 10**MAX_DIGITS else None
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= MAX_DIGITS):
        return None
    return int(text) or None


def posted_id_or_zero(value) -> int:
    """`posted_id`, with 0 (which matches no row) for anything that is not an id: for lookups."""
    return posted_id(value) or 0
