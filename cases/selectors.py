"""Every read of case data a view or the API needs, already permission-filtered in SQL."""

from __future__ import annotations

import datetime
import difflib
import re
import unicodedata

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Lower
from django.http import Http404
from django.utils import timezone

from cases import permissions
from cases.models import (
    Case,
    CaseEvent,
    CaseStatus,
    Consent,
    ConsentPurpose,
    Document,
    EventKind,
    Household,
    HouseholdMember,
    Intervention,
    Note,
    Person,
    ShareSection,
)
from cases.text import name_key
from partners.roles import Capability
from partners.selectors import is_coordinator

# --- cases -----------------------------------------------------------------------------------------


def case_list_for(*, user, status: str | None = None, query: str = "", capability: str = Capability.VIEW_SUMMARY,
                  organisation_id: int | None = None, mine: bool = False) -> QuerySet[Case]:
    """The cases a user may see, with what a list row shows joined in (constant query count)."""
    qs = permissions.visible_cases(user, capability).select_related(
        "person", "lead_organisation", "case_manager", "household"
    )
    if status:
        qs = qs.filter(status=status)
    if organisation_id:
        qs = qs.filter(lead_organisation_id=organisation_id)
    if mine:
        qs = qs.filter(case_manager=user)
    if query:
        qs = qs.filter(_person_match(query, prefix="person__") | Q(code__iexact=query.strip()))
    return qs.order_by("-opened_on", "-id")


def case_get_for(*, user, pk: int, capability: str = Capability.VIEW_SUMMARY) -> Case:
    """One case, or Http404 when it does not exist or the user may not see it (the two look the same)."""
    try:
        return case_list_for(user=user, capability=capability).get(pk=pk)
    except Case.DoesNotExist as exc:
        raise Http404 from exc


def network_case_overview(*, user, status: str | None = None, organisation_id: int | None = None) -> QuerySet:
    """The coordinator's pseudonymised list: case codes and organisations, no names. Empty for others."""
    if not is_coordinator(user):
        return Case.objects.none()
    qs = Case.objects.all()
    if status:
        qs = qs.filter(status=status)
    if organisation_id:
        qs = qs.filter(lead_organisation_id=organisation_id)
    return qs.order_by("-opened_on", "-id").values(
        "pk", "code", "status", "opened_on", "closed_on", "lead_organisation__name",
        "case_manager__first_name", "case_manager__last_name",
    )


def caseload_by_organisation(*, user) -> QuerySet:
    """Open cases per lead organisation (coordinator: the whole network; org_admin: their organisations)."""
    from partners.selectors import admin_organisation_ids

    qs = Case.objects.exclude(status="closed")
    if not is_coordinator(user):
        org_ids = admin_organisation_ids(user)
        if not org_ids:
            return Case.objects.none().values("lead_organisation__name")
        qs = qs.filter(lead_organisation_id__in=org_ids)
    return (
        qs.values("lead_organisation_id", "lead_organisation__name")
        .annotate(total=Count("id"), open=Count("id", filter=Q(status="open")),
                  active=Count("id", filter=Q(status="active")), suspended=Count("id", filter=Q(status="suspended")))
        .order_by("lead_organisation__name")
    )


# --- people ----------------------------------------------------------------------------------------


def _person_match(query: str, *, prefix: str = "") -> Q:
    """Match a free-text query on codice fiscale (exact), birth date (dd/mm/yyyy) or name prefixes."""
    query = (query or "").strip()
    if not query:
        return Q()
    compact = query.replace(" ", "").upper()
    if len(compact) == 16 and compact[:6].isalpha():
        return Q(**{f"{prefix}codice_fiscale": compact})
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            day = datetime.datetime.strptime(query, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
        return Q(**{f"{prefix}birth_date": day})
    condition = Q()
    for word in query.split():
        key = name_key(word)
        if key:
            condition &= Q(**{f"{prefix}last_name_key__startswith": key}) | Q(
                **{f"{prefix}first_name_key__startswith": key})
    return condition


def person_search_for(*, user, query: str = "", birth_date: datetime.date | None = None) -> QuerySet[Person]:
    qs = permissions.visible_persons(user, Capability.VIEW_SUMMARY)
    order: list[str | Lower] = ["last_name_key", "first_name_key", "id"]
    if query:
        qs = qs.filter(_person_match(query))
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
        return permissions.visible_persons(user, capability).get(pk=pk)
    except Person.DoesNotExist as exc:
        raise Http404 from exc


def similar_persons(*, user, first_name: str, last_name: str, birth_date: datetime.date,
                    exclude_pk: int | None = None, limit: int = 10) -> list[Person]:
    """Visible people with the same birth date and a similar name (typos, swapped first/last name).

    Candidates share the birth date (an indexed, very selective filter); the names are then compared
    in Python on that small set with a similarity ratio.
    """
    first, last = name_key(first_name), name_key(last_name)
    qs = permissions.visible_persons(user, Capability.VIEW_SUMMARY).filter(birth_date=birth_date)
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


# --- consent ---------------------------------------------------------------------------------------


def consent_summary(person: Person, *, on: datetime.date | None = None) -> dict:
    """Consent status at a glance: processing valid?, sharing with the network / named organisations."""
    day = on or timezone.localdate()
    valid = list(Consent.objects.filter(person=person).valid_on(day).prefetch_related("organisations"))
    processing = any(c.purpose == ConsentPurpose.PROCESSING for c in valid)
    network = processing and any(c.purpose == ConsentPurpose.SHARE_NETWORK for c in valid)
    named = sorted(
        {org.name for c in valid if c.purpose == ConsentPurpose.SHARE_NAMED for org in c.organisations.all()}
    ) if processing else []
    expiring = [c for c in valid if c.expires_on and (c.expires_on - day).days <= 30]
    return {"processing": processing, "network": network, "named": named,
            "expiring_soon": bool(expiring), "any": Consent.objects.filter(person=person).exists()}


def consent_covers(*, person: Person, organisation_id: int, on: datetime.date | None = None) -> bool:
    """True when the person's valid consent allows sharing their file with `organisation_id`.

    Needs a valid processing consent and either a valid network-wide sharing consent or a valid
    named sharing consent that lists the organisation. Withdrawn or expired consents count for nothing.
    """
    day = on or timezone.localdate()
    valid = Consent.objects.filter(person=person).valid_on(day)
    if not valid.filter(purpose=ConsentPurpose.PROCESSING).exists():
        return False
    return valid.filter(
        Q(purpose=ConsentPurpose.SHARE_NETWORK)
        | Q(purpose=ConsentPurpose.SHARE_NAMED, organisations__id=organisation_id)
    ).exists()


def consent_list_for(*, user, person: Person) -> QuerySet[Consent]:
    person_get_for(user=user, pk=person.pk, capability=Capability.VIEW_FILE)
    return person.consents.select_related("recorded_by_organisation").prefetch_related("organisations")


# --- households ------------------------------------------------------------------------------------


def _visible_households(user) -> QuerySet[Household]:
    """The one rule for households, built on the persons' rule (`permissions.visible_persons`): a household is
    seen by the organisation that registered it, and by whoever may read the file of one of its members. An
    organisation given a case without the personal data (a "summary only" referral) sees neither the person's
    file nor their household."""
    org_ids = [m.organisation_id for m in permissions.memberships_with(user, Capability.VIEW_FILE)]
    members = HouseholdMember.objects.filter(
        household_id=OuterRef("pk"), person__in=permissions.visible_persons(user, Capability.VIEW_FILE)
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
    "a": "aàáâäãå", "e": "eèéêë", "i": "iìíîï", "o": "oòóôöõø", "u": "uùúûü", "c": "cç", "n": "nñ", "s": "sš",
    "z": "zž", "y": "yýÿ", "'": "'’`",
}


def _contains_pattern(query: str) -> str:
    """A regular expression (used with `iregex`, on PostgreSQL and SQLite alike) that finds `query` inside a
    text ignoring case and accents, and however many spaces separate its words: "nicolo  via" finds
    "Nicolò Via". Empty when the query has nothing to look for."""
    plain = "".join(
        ch for ch in unicodedata.normalize("NFKD", query.strip().lower()) if not unicodedata.combining(ch)
    )
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
        member_match = _person_match(query, prefix="person__")
        if member_match:  # an empty match (no letters in the query) would find every member
            members = HouseholdMember.objects.filter(
                member_match,
                household_id=OuterRef("pk"),
                person__in=permissions.visible_persons(user, Capability.VIEW_FILE),
            )
            condition |= Q(Exists(members))
        households = households.filter(condition)
    members_count = (
        HouseholdMember.objects.filter(household_id=OuterRef("pk"))
        .values("household_id").annotate(total=Count("pk")).values("total")
    )
    open_cases = (
        permissions.visible_cases(user, Capability.VIEW_SUMMARY)
        .filter(household_id=OuterRef("pk")).exclude(status=CaseStatus.CLOSED)
        .values("household_id").annotate(total=Count("pk")).values("total")
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


# --- case file parts -------------------------------------------------------------------------------


def note_list_for(*, user, case: Case) -> QuerySet[Note]:
    """The case's notes the user may read (`permissions.records_filter`): their organisations' own, and other
    organisations' when the notes were shared with them (never others' sensitive notes)."""
    notes = permissions.visible_notes(user, case).filter(
        permissions.records_filter(user, Capability.READ_NOTES, organisation_field="author_organisation"))
    return notes.select_related("author", "author_organisation")


def document_list_for(*, user, case: Case) -> QuerySet[Document]:
    """The case's documents the user may download (`permissions.records_filter`): their organisations' own
    uploads, and other organisations' (not the sensitive ones) when the documents section was shared with them.
    Titles are listed only of documents the user may download."""
    return _documents_for(user).filter(case=case).select_related("organisation", "uploaded_by")


def _documents_for(user) -> QuerySet[Document]:
    """Every document the user may download, on the cases they may see: one SQL filter for lists and downloads."""
    org_ids = [m.organisation_id for m in permissions.memberships_with(user, Capability.DOWNLOAD_DOCUMENT)]
    return Document.objects.filter(
        Q(is_sensitive=False) | Q(organisation_id__in=org_ids),
        permissions.records_filter(user, Capability.DOWNLOAD_DOCUMENT),
        case__in=permissions.visible_cases(user, Capability.VIEW_SUMMARY),
    )


def document_get_for(*, user, pk: int) -> Document:
    """A document the user may download (`document_list_for`'s rule); Http404 otherwise: also for another
    organisation's document when a referral did not share the documents, or on a closed case the user reaches
    only through a share reduced to their own records."""
    try:
        return _documents_for(user).select_related("case").get(pk=pk)
    except Document.DoesNotExist as exc:
        raise Http404 from exc


def intervention_list_for(*, user, case: Case | None = None, household: Household | None = None
                          ) -> QuerySet[Intervention]:
    """Services delivered, on the cases the user may see (`permissions.records_filter`): those their
    organisations recorded, and other organisations' where the organisation has the file in full (the lead, a
    referral that shared the personal data; a volunteer of such an organisation sees them too, as the ledger is
    there to show duplicate or missing aid). For a household: across its cases, by the same rule."""
    qs = Intervention.objects.filter(
        permissions.records_filter(user, Capability.VIEW_SUMMARY, section=ShareSection.FILE),
        case__in=permissions.visible_cases(user, Capability.VIEW_SUMMARY))
    if case is not None:
        qs = qs.filter(case=case)
    if household is not None:
        qs = qs.filter(Q(household=household) | Q(case__household=household))
    return qs.select_related("organisation", "recorded_by", "case", "service_type")


# Events whose summary carries a record's text (a document's title): shown under the record's own rule.
RECORD_EVENTS = (
    (EventKind.DOCUMENT_UPLOADED, Capability.DOWNLOAD_DOCUMENT),
    (EventKind.NOTE_ADDED, Capability.READ_NOTES),
)


def timeline_for(*, user, case: Case) -> QuerySet[CaseEvent]:
    """Every event of the case in order, from every organisation, minus other organisations' sensitive ones
    (on a closed case reached only through decayed shares: the user's organisations' own events). Another
    organisation's document or note event is shown only to who may read that document or note: the timeline
    must not tell a document's title to an organisation that was not given the documents."""
    if Capability.VIEW_TIMELINE not in permissions.case_capabilities(user, case):
        return CaseEvent.objects.none()
    org_ids = [m.organisation_id for m in permissions.memberships_with(user, Capability.VIEW_TIMELINE)]
    events = case.events.filter(Q(is_sensitive=False) | Q(organisation_id__in=org_ids))
    for kind, capability in RECORD_EVENTS:
        events = events.filter(~Q(kind=kind) | permissions.records_filter(user, capability))
    own_records = permissions.own_records_organisation_ids(user, case)
    if own_records is not None:
        events = events.filter(organisation_id__in=own_records)
    return events.select_related("actor", "organisation").order_by("-at", "-id")


# --- API helpers (appended by the API helper) ------------------------------------------------------


def consent_get_for(*, user, pk: int) -> Consent:
    """One consent of a person whose file the user may read; Http404 otherwise."""
    persons = permissions.visible_persons(user, Capability.VIEW_FILE)
    try:
        return (
            Consent.objects.select_related("person", "recorded_by_organisation")
            .prefetch_related("organisations")
            .get(pk=pk, person__in=persons)
        )
    except Consent.DoesNotExist as exc:
        raise Http404 from exc


def person_get_for_intake(*, user, pk: int | None = None, codice_fiscale: str = "") -> Person:
    """The person a case is opened for: one the user may see (by id), or one registered elsewhere whose
    codice fiscale the user typed at intake (the codice fiscale is the proof, as in `case_open`).

    Raises Http404 when neither applies: a wrong id and a right id without the proof look the same.
    """
    proof = (codice_fiscale or "").replace(" ", "").upper()
    if pk is not None:
        visible = permissions.visible_persons(user, Capability.VIEW_SUMMARY).filter(pk=pk).first()
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


def case_manager_choices_for(*, user) -> QuerySet:
    """Users who manage cases in one of the user's organisations (the candidates for `case_manager`)."""
    from partners.selectors import active_memberships

    return case_managers_of(organisation_ids=[m.organisation_id for m in active_memberships(user)])


# --- web UI reads (appended for the cases pages) ----------------------------------------------------


def person_search_results_for(*, user, query: str) -> QuerySet[Person]:
    """`person_search_for` with each person's cases the user may see (as `visible_case_list`), in one
    extra query: a volunteer reaches the case summary from the result even without the person's file."""
    cases = permissions.visible_cases(user, Capability.VIEW_SUMMARY).order_by("-opened_on", "-id")
    return person_search_for(user=user, query=query).prefetch_related(
        Prefetch("cases", queryset=cases, to_attr="visible_case_list")
    )


def person_households_for(*, user, person: Person) -> QuerySet[Household]:
    """The visible households the person belongs to, with their members."""
    return household_list_for(user=user).filter(members__person=person).distinct().order_by("name", "id")


def consent_status(person: Person, *, on: datetime.date | None = None) -> dict:
    """`consent_summary` plus one word for a badge: "network", "named", "processing" (no sharing),
    "expired", "withdrawn" or "missing" (the last three: no valid processing consent)."""
    day = on or timezone.localdate()
    summary = consent_summary(person, on=day)
    if summary["network"]:
        state = "network"
    elif summary["named"]:
        state = "named"
    elif summary["processing"]:
        state = "processing"
    else:
        latest = (Consent.objects.filter(person=person, purpose=ConsentPurpose.PROCESSING)
                  .order_by("-given_on", "-id").first())
        state = latest.status_on(day) if latest is not None else "missing"
        if state not in ("expired", "withdrawn"):
            state = "missing"
    return {**summary, "state": state}


def person_merge_preview(*, user, merged: Person) -> dict:
    """What a merge of `merged` would move: counts of everything, and the cases the user may see."""
    return {
        "cases_total": Case.objects.filter(person=merged).count(),
        "cases_visible": list(case_list_for(user=user).filter(person=merged)),
        "consents": Consent.objects.filter(person=merged).count(),
        "households": HouseholdMember.objects.filter(person=merged).count(),
    }


def case_managers_of(*, organisation_ids) -> QuerySet:
    """Active users who are active case managers of one of the organisations."""
    from django.contrib.auth import get_user_model

    from partners.roles import Role

    return (
        get_user_model().objects.filter(
            is_active=True, memberships__organisation_id__in=list(organisation_ids),
            memberships__role=Role.CASE_MANAGER, memberships__is_active=True,
        ).distinct().order_by("last_name", "first_name", "username")
    )


def assessment_latest_for(*, user, case: Case) -> list:
    """The latest assessment per domain (one query), for someone who may read the file."""
    from cases.models import Assessment, Domain

    if Capability.VIEW_FILE not in permissions.case_capabilities(user, case):
        return []
    latest: dict[str, Assessment] = {}
    for assessment in Assessment.objects.filter(case=case).select_related("assessed_by", "organisation"):
        latest.setdefault(assessment.domain, assessment)  # ordered by domain, newest first
    return [latest[domain] for domain in Domain.values if domain in latest]


def plan_for(*, user, case: Case):
    """The case's plan with goals and actions (three queries), or None."""
    from cases.models import Action, Plan

    if Capability.VIEW_FILE not in permissions.case_capabilities(user, case):
        return None
    actions = Action.objects.select_related("owner_organisation")
    goals = Prefetch("goals__actions", queryset=actions)
    return Plan.objects.filter(case=case).prefetch_related("goals", goals).first()


def goal_get_for(*, user, pk: int):
    from cases.models import Goal

    try:
        return Goal.objects.select_related("plan__case").get(
            pk=pk, plan__case__in=permissions.visible_cases(user, Capability.VIEW_SUMMARY))
    except Goal.DoesNotExist as exc:
        raise Http404 from exc


def household_changeable(*, user, household: Household) -> bool:
    """Mirrors the services' rule: registered by one of the user's organisations where they may change
    cases, or linked to a case they may change."""
    org_ids = [m.organisation_id for m in permissions.memberships_with(user, Capability.CHANGE_CASE)]
    if household.registered_by_id in org_ids:
        return True
    return permissions.visible_cases(user, Capability.CHANGE_CASE).filter(household=household).exists()
