"""Reads of what is written on a case: notes, documents, services delivered, the timeline, the plan."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from cases.models import (
    Case,
    CaseEvent,
    Document,
    Household,
    Intervention,
    Note,
    ShareSection,
    TimelineKind,
)
from cases.permissions import checks
from partners.roles import Capability
from partners.selectors import memberships_with


def note_list_for(*, user, case: Case) -> QuerySet[Note]:
    """The case's notes the user may read (`checks.records_filter`): their organisations' own, and other
    organisations' when the notes were shared with them (never others' sensitive notes)."""
    notes = checks.visible_notes(user, case).filter(
        checks.records_filter(user, Capability.READ_NOTES, organisation_field="author_organisation")
    )
    return notes.select_related("author", "author_organisation")


def document_list_for(*, user, case: Case) -> QuerySet[Document]:
    """The case's documents the user may download (`checks.records_filter`): their organisations' own
    uploads, and other organisations' (not the sensitive ones) when the documents section was shared with them.
    Titles are listed only of documents the user may download."""
    return _documents_for(user).filter(case=case).select_related("organisation", "uploaded_by")


def _documents_for(user) -> QuerySet[Document]:
    """Every document the user may download, on the cases they may see: one SQL filter for lists and downloads."""
    org_ids = [m.organisation_id for m in memberships_with(user, Capability.DOWNLOAD_DOCUMENT)]
    return Document.objects.filter(
        Q(is_sensitive=False) | Q(organisation_id__in=org_ids),
        checks.records_filter(user, Capability.DOWNLOAD_DOCUMENT),
        case__in=checks.visible_cases(user, Capability.VIEW_SUMMARY),
    )


def document_get_for(*, user, pk: int) -> Document:
    """A document the user may download (`document_list_for`'s rule); Http404 otherwise: also for another
    organisation's document when a referral did not share the documents, or on a closed case the user reaches
    only through a share reduced to their own records."""
    try:
        return _documents_for(user).select_related("case").get(pk=pk)
    except Document.DoesNotExist as exc:
        raise Http404 from exc


def intervention_list_for(
    *, user, case: Case | None = None, household: Household | None = None
) -> QuerySet[Intervention]:
    """Services delivered, on the cases the user may see (`checks.records_filter`): those their
    organisations recorded, and other organisations' where the organisation has the file in full (the lead, a
    referral that shared the personal data; a volunteer of such an organisation sees them too, as the ledger is
    there to show duplicate or missing aid). For a household: across its cases, by the same rule."""
    qs = Intervention.objects.filter(
        checks.records_filter(user, Capability.VIEW_SUMMARY, section=ShareSection.FILE),
        case__in=checks.visible_cases(user, Capability.VIEW_SUMMARY),
    )
    if case is not None:
        qs = qs.filter(case=case)
    if household is not None:
        qs = qs.filter(Q(household=household) | Q(case__household=household))
    return qs.select_related("organisation", "recorded_by", "case", "service_type")


# Events whose summary carries a record's text (a document's title): shown under the record's own rule.
RECORD_EVENTS = (
    (TimelineKind.DOCUMENT_UPLOADED, Capability.DOWNLOAD_DOCUMENT),
    (TimelineKind.NOTE_ADDED, Capability.READ_NOTES),
)


def timeline_for(*, user, case: Case) -> QuerySet[CaseEvent]:
    """Every event of the case in order, from every organisation, minus other organisations' sensitive ones
    (on a closed case reached only through decayed shares: the user's organisations' own events). Another
    organisation's document or note event is shown only to who may read that document or note: the timeline
    must not tell a document's title to an organisation that was not given the documents."""
    if Capability.VIEW_TIMELINE not in checks.case_capabilities(user, case):
        return CaseEvent.objects.none()
    org_ids = [m.organisation_id for m in memberships_with(user, Capability.VIEW_TIMELINE)]
    events = case.events.filter(Q(is_sensitive=False) | Q(organisation_id__in=org_ids))
    for kind, capability in RECORD_EVENTS:
        events = events.filter(~Q(kind=kind) | checks.records_filter(user, capability))
    own_records = checks.own_records_organisation_ids(user, case)
    if own_records is not None:
        events = events.filter(organisation_id__in=own_records)
    return events.select_related("actor", "organisation").order_by("-at", "-id")


def assessment_latest_for(*, user, case: Case) -> list:
    """The latest assessment per domain (one query), for someone who may read the file."""
    from cases.models import Assessment, Domain

    if Capability.VIEW_FILE not in checks.case_capabilities(user, case):
        return []
    latest: dict[str, Assessment] = {}
    for assessment in Assessment.objects.filter(case=case).select_related("assessed_by", "organisation"):
        latest.setdefault(assessment.domain, assessment)  # ordered by domain, newest first
    return [latest[domain] for domain in Domain.values if domain in latest]


def plan_for(*, user, case: Case):
    """The case's plan with goals and actions (three queries), or None."""
    from cases.models import Action, Plan

    if Capability.VIEW_FILE not in checks.case_capabilities(user, case):
        return None
    actions = Action.objects.select_related("owner_organisation")
    goals = Prefetch("goals__actions", queryset=actions)
    return Plan.objects.filter(case=case).prefetch_related("goals", goals).first()


def goal_get_for(*, user, pk: int):
    from cases.models import Goal

    try:
        return Goal.objects.select_related("plan__case").get(
            pk=pk, plan__case__in=checks.visible_cases(user, Capability.VIEW_SUMMARY)
        )
    except Goal.DoesNotExist as exc:
        raise Http404 from exc
