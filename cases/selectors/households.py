"""Reads of households: lists, search, one household, who may change it."""

from __future__ import annotations

import re
import unicodedata

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from cases.models import (
    CaseStatus,
    Household,
    HouseholdMember,
    Person,
)
from cases.permissions import checks
from cases.selectors.search import person_match
from partners.roles import Capability
from partners.selectors import memberships_with


def _visible_households(user) -> QuerySet[Household]:
    """The one rule for households, built on the persons' rule (`checks.visible_persons`): a household is
    seen by the organisation that registered it, and by whoever may read the file of one of its members. An
    organisation given a case without the personal data (a "summary only" referral) sees neither the person's
    file nor their household."""
    org_ids = [m.organisation_id for m in memberships_with(user, Capability.VIEW_FILE)]
    members = HouseholdMember.objects.filter(
        household_id=OuterRef("pk"), person__in=checks.visible_persons(user, Capability.VIEW_FILE)
    )
    return Household.objects.filter(Q(registered_by_id__in=org_ids) | Q(Exists(members)))


def household_list_for(*, user) -> QuerySet[Household]:
    """The households the user may see (`_visible_households`), with their members."""
    return _visible_households(user).prefetch_related(
        Prefetch("members", queryset=HouseholdMember.objects.select_related("person"))
    )


# Letters that match their accented forms in a household search (Italian names and streets, and the usual
# foreign ones); any other character matches itself.
_ACCENTED = {
    "a": "aàáâäãå",
    "e": "eèéêë",
    "i": "iìíîï",
    "o": "oòóôöõø",
    "u": "uùúûü",
    "c": "cç",
    "n": "nñ",
    "s": "sš",
    "z": "zž",
    "y": "yýÿ",
    "'": "'’`",
}


def _contains_pattern(query: str) -> str:
    """A regular expression (used with `iregex`, on PostgreSQL and SQLite alike) that finds `query` inside a
    text ignoring case and accents, and however many spaces separate its words: "nicolo  via" finds
    "Nicolò Via". Empty when the query has nothing to look for."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", query.strip().lower()) if not unicodedata.combining(ch))
    parts = []
    for word in plain.split():
        parts.append("".join(f"[{_ACCENTED[ch]}]" if ch in _ACCENTED else re.escape(ch) for ch in word))
    return r"\s+".join(parts)


def household_search_for(*, user, query: str = "") -> QuerySet[Household]:
    """The households the user may see (`_visible_households`), in name order, found by `query` in their name or
    address (anywhere, ignoring case and accents) or by one of their members the user may see (as the person
    search finds people: name and surname prefixes, codice fiscale, birth date). Each carries `members_count` and
    `open_cases_count` (its cases not closed that the user may see): subqueries, so the query count does not grow
    with the rows."""
    households = _visible_households(user)
    query = (query or "").strip()
    if query:
        condition = Q(pk__in=[])
        pattern = _contains_pattern(query)
        if pattern:
            condition |= Q(name__iregex=pattern) | Q(address__iregex=pattern)
        member_match = person_match(query, prefix="person__")
        if member_match:  # an empty match (no letters in the query) would find every member
            members = HouseholdMember.objects.filter(
                member_match,
                household_id=OuterRef("pk"),
                person__in=checks.visible_persons(user, Capability.VIEW_FILE),
            )
            condition |= Q(Exists(members))
        households = households.filter(condition)
    members_count = (
        HouseholdMember.objects.filter(household_id=OuterRef("pk"))
        .values("household_id")
        .annotate(total=Count("pk"))
        .values("total")
    )
    open_cases = (
        checks.visible_cases(user, Capability.VIEW_SUMMARY)
        .filter(household_id=OuterRef("pk"))
        .exclude(status=CaseStatus.CLOSED)
        .values("household_id")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return households.annotate(
        members_count=Coalesce(Subquery(members_count), 0),
        open_cases_count=Coalesce(Subquery(open_cases), 0),
    ).order_by("name", "id")


def household_get_for(*, user, pk: int) -> Household:
    try:
        return household_list_for(user=user).get(pk=pk)
    except Household.DoesNotExist as exc:
        raise Http404 from exc


def person_households_for(*, user, person: Person) -> QuerySet[Household]:
    """The visible households the person belongs to, with their members."""
    return household_list_for(user=user).filter(members__person=person).distinct().order_by("name", "id")


def household_changeable(*, user, household: Household) -> bool:
    """Mirrors the services' rule: registered by one of the user's organisations where they may change
    cases, or linked to a case they may change."""
    org_ids = [m.organisation_id for m in memberships_with(user, Capability.CHANGE_CASE)]
    if household.registered_by_id in org_ids:
        return True
    return checks.visible_cases(user, Capability.CHANGE_CASE).filter(household=household).exists()
