"""Free-text matching shared by the person, case and household searches."""

from __future__ import annotations

import datetime

from django.db.models import Q

from cases.text import name_key


def person_match(query: str, *, prefix: str = "") -> Q:
    """Match a free-text query on codice fiscale (exact), birth date (dd/mm/yyyy) or name prefixes."""
    query = (query or "").strip()
    if not query:
        return Q()
    compact = query.replace(" ", "").upper()
    if len(compact) == 16 and compact[:6].isalpha():
        return Q(**{f"{prefix}codice_fiscale": compact})
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            day = datetime.datetime.strptime(query, fmt).date()  # a calendar date
        except ValueError:
            continue
        return Q(**{f"{prefix}birth_date": day})
    condition = Q()
    for word in query.split():
        key = name_key(word)
        if key:
            condition &= Q(**{f"{prefix}last_name_key__startswith": key}) | Q(
                **{f"{prefix}first_name_key__startswith": key}
            )
    return condition
