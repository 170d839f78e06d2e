"""Reads of people: search, one person, likely duplicates, the intake lookup, the merge preview."""

from __future__ import annotations

import datetime
import difflib

from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Lower
from django.http import Http404

from cases.models import (
    Case,
    Consent,
    HouseholdMember,
    Person,
)
from cases.permissions import checks
from cases.selectors.cases import case_list_for
from cases.selectors.search import person_match
from cases.text import name_key
from partners.roles import Capability


def person_search_for(*, user, query: str = "", birth_date: datetime.date | None = None) -> QuerySet[Person]:
    qs = checks.visible_persons(user, Capability.VIEW_SUMMARY)
    order: list[str | Lower] = ["last_name_key", "first_name_key", "id"]
    if query:
        qs = qs.filter(person_match(query))
        if len(name_key(query)) >= 3:
            # The same order (the keys are lower case already), but not one an index gives: PostgreSQL then
            # reads the matches through the name-prefix indexes and sorts them, instead of walking the name
            # index from "a" for 25 matches, which takes the whole index when they all sit at its end
            # ("zan": 200 ms -> 15 ms, bench/caselist.py). One or two letters match too many people for that.
            order = [Lower("last_name_key"), Lower("first_name_key"), "id"]
    if birth_date:
        qs = qs.filter(birth_date=birth_date)
    return qs.select_related("registered_by").order_by(*order)


def person_get_for(*, user, pk: int, capability: str = Capability.VIEW_SUMMARY) -> Person:
    try:
        return checks.visible_persons(user, capability).get(pk=pk)
    except Person.DoesNotExist as exc:
        raise Http404 from exc


def similar_persons(
    *, user, first_name: str, last_name: str, birth_date: datetime.date, exclude_pk: int | None = None, limit: int = 10
) -> list[Person]:
    """Visible people with the same birth date and a similar name (typos, swapped first/last name).

    Candidates share the birth date (an indexed, very selective filter); the names are then compared
    in Python on that small set with a similarity ratio.
    """
    first, last = name_key(first_name), name_key(last_name)
    qs = checks.visible_persons(user, Capability.VIEW_SUMMARY).filter(birth_date=birth_date)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    found = []
    for person in qs.order_by("id")[:200]:
        straight = _ratio(first + " " + last, person.first_name_key + " " + person.last_name_key)
        swapped = _ratio(last + " " + first, person.first_name_key + " " + person.last_name_key)
        if max(straight, swapped) >= 0.8:
            found.append(person)
    return found[:limit]


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def person_get_for_intake(*, user, pk: int | None = None, codice_fiscale: str = "") -> Person:
    """The person a case is opened for: one the user may see (by id), or one registered elsewhere whose
    codice fiscale the user typed at intake (the codice fiscale is the proof, as in `case_open`).

    Raises Http404 when neither applies: a wrong id and a right id without the proof look the same.
    """
    proof = (codice_fiscale or "").replace(" ", "").upper()
    if pk is not None:
        visible = checks.visible_persons(user, Capability.VIEW_SUMMARY).filter(pk=pk).first()
        if visible is not None:
            return visible
        if not proof:
            raise Http404
        person = Person.objects.not_merged().filter(pk=pk, codice_fiscale=proof).first()
    elif proof:
        person = Person.objects.not_merged().filter(codice_fiscale=proof).first()
    else:
        person = None
    if person is None:
        raise Http404
    return person


def person_search_results_for(*, user, query: str) -> QuerySet[Person]:
    """`person_search_for` with each person's cases the user may see (as `visible_case_list`), in one
    extra query: a volunteer reaches the case summary from the result even without the person's file."""
    cases = checks.visible_cases(user, Capability.VIEW_SUMMARY).order_by("-opened_on", "-id")
    return person_search_for(user=user, query=query).prefetch_related(
        Prefetch("cases", queryset=cases, to_attr="visible_case_list")
    )


def person_merge_preview(*, user, merged: Person) -> dict:
    """What a merge of `merged` would move: counts of everything, and the cases the user may see."""
    return {
        "cases_total": Case.objects.filter(person=merged).count(),
        "cases_visible": list(case_list_for(user=user).filter(person=merged)),
        "consents": Consent.objects.filter(person=merged).count(),
        "households": HouseholdMember.objects.filter(person=merged).count(),
    }
