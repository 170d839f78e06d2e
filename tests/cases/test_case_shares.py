"""Case shares: what an accepted referral lets the receiving organisation see (its data scope), a transfer of
the lead, the decay of shared access when the case closes, its restoration on reopening and its expiry."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from cases import selectors, services
from cases.models import Case, CaseGroupObjectPermission, CaseShare, PersonAccess
from cases.permissions import checks, grants
from partners.roles import Capability, Role
from workflows.services import lifecycle

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

SUMMARY = Capability.VIEW_SUMMARY
FILE = Capability.VIEW_FILE
CHANGE = Capability.CHANGE_CASE
ADD_NOTE = Capability.ADD_NOTE
NOTES = Capability.READ_NOTES
ADD_SERVICE = Capability.ADD_INTERVENTION
UPLOAD = Capability.UPLOAD_DOCUMENT
DOWNLOAD = Capability.DOWNLOAD_DOCUMENT
TIMELINE = Capability.VIEW_TIMELINE

WORKER_BASE = {SUMMARY, ADD_NOTE, ADD_SERVICE, UPLOAD}  # what a share gives any case manager or operator

# (sections shared, role in the receiving organisation) -> capabilities on the case. Written out, not computed.
SHARE_MATRIX = [
    ([], Role.CASE_MANAGER, WORKER_BASE),
    ([], Role.OPERATOR, WORKER_BASE),
    ([], Role.VOLUNTEER, {SUMMARY, ADD_SERVICE}),
    ([], Role.ORG_ADMIN, {SUMMARY}),
    (["file"], Role.CASE_MANAGER, WORKER_BASE | {FILE}),
    (["file"], Role.OPERATOR, WORKER_BASE | {FILE}),
    (["file"], Role.VOLUNTEER, {SUMMARY, ADD_SERVICE}),
    (["file"], Role.ORG_ADMIN, {SUMMARY, FILE}),
    (["notes"], Role.CASE_MANAGER, WORKER_BASE | {NOTES}),
    (["notes"], Role.OPERATOR, WORKER_BASE | {NOTES}),
    (["notes"], Role.VOLUNTEER, {SUMMARY, ADD_SERVICE}),
    (["notes"], Role.ORG_ADMIN, {SUMMARY, NOTES}),
    (["documents"], Role.CASE_MANAGER, WORKER_BASE | {DOWNLOAD}),
    (["documents"], Role.OPERATOR, WORKER_BASE | {DOWNLOAD}),
    (["documents"], Role.VOLUNTEER, {SUMMARY, ADD_SERVICE}),
    (["documents"], Role.ORG_ADMIN, {SUMMARY, DOWNLOAD}),
    (["timeline"], Role.CASE_MANAGER, WORKER_BASE | {TIMELINE}),
    (["timeline"], Role.OPERATOR, WORKER_BASE | {TIMELINE}),
    (["timeline"], Role.VOLUNTEER, {SUMMARY, ADD_SERVICE}),
    (["timeline"], Role.ORG_ADMIN, {SUMMARY, TIMELINE}),
    (["file", "notes", "documents", "timeline"], Role.CASE_MANAGER, WORKER_BASE | {FILE, NOTES, DOWNLOAD, TIMELINE}),
    (["file", "notes", "documents", "timeline"], Role.OPERATOR, WORKER_BASE | {FILE, NOTES, DOWNLOAD, TIMELINE}),
    (["file", "notes", "documents", "timeline"], Role.VOLUNTEER, {SUMMARY, ADD_SERVICE}),
    (["file", "notes", "documents", "timeline"], Role.ORG_ADMIN, {SUMMARY, FILE, NOTES, DOWNLOAD, TIMELINE}),
]


def fresh(case) -> Case:
    """The case re-read: capabilities are remembered on an instance."""
    return Case.objects.get(pk=case.pk)


def upload(actor, case, title: str, *, sensitive: bool = False):
    return services.document_upload(
        actor=actor,
        case=case,
        kind="other",
        title=title,
        uploaded=SimpleUploadedFile(f"{title}.pdf", PDF),
        is_sensitive=sensitive,
    )


# --- the data scope of a share ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sections", "role", "expected"), SHARE_MATRIX, ids=[f"{'+'.join(s) or 'none'}-{r}" for s, r, _e in SHARE_MATRIX]
)
def test_a_share_gives_only_the_capabilities_of_its_sections(network, case_a, sections, role, expected):
    # when
    grants.share_case(case_a, network.org_b, sections=sections)
    # then
    assert checks.case_capabilities(network.user("b", role), fresh(case_a)) == frozenset(expected)


def test_before_a_share_the_other_organisation_has_no_capability(network, case_a):
    for role in (Role.CASE_MANAGER, Role.OPERATOR, Role.VOLUNTEER, Role.ORG_ADMIN):
        assert checks.case_capabilities(network.user("b", role), case_a) == frozenset()


def test_a_share_never_lets_the_receiver_change_the_case(network, case_a):
    grants.share_case(case_a, network.org_b, sections=["file", "notes", "documents", "timeline"])
    receiver = network.user("b", Role.CASE_MANAGER)
    assert not checks.visible_cases(receiver, CHANGE).filter(pk=case_a.pk).exists()
    assert checks.visible_cases(receiver, SUMMARY).filter(pk=case_a.pk).exists()


def test_a_share_keeps_the_chosen_sections_in_the_catalogue_order(network, case_a):
    share = grants.share_case(case_a, network.org_b, sections=["timeline", "file", "bogus"])
    assert CaseShare.objects.get(pk=share.pk).sections == ["file", "timeline"]


def test_the_person_shows_to_the_receiver_when_the_file_is_shared(network, case_a):
    grants.share_case(case_a, network.org_b, sections=["file"])
    receiver = network.user("b", Role.OPERATOR)
    assert PersonAccess.objects.filter(person=case_a.person, group=network.org_b.group).exists()
    assert checks.visible_persons(receiver).filter(pk=case_a.person_id).exists()


def test_the_person_stays_hidden_when_the_file_is_not_shared(network, case_a):
    grants.share_case(case_a, network.org_b, sections=["notes", "documents", "timeline"])
    receiver = network.user("b", Role.OPERATOR)
    assert not PersonAccess.objects.filter(person=case_a.person, group=network.org_b.group).exists()
    assert not checks.visible_persons(receiver).filter(pk=case_a.person_id).exists()
    assert not selectors.person_search_for(user=receiver, query="Bianchi").exists()


def test_a_second_share_widens_the_first(network, case_a):
    grants.share_case(case_a, network.org_b, sections=["notes"])
    # when
    grants.share_case(case_a, network.org_b, sections=["file"])
    # then
    assert CaseShare.objects.get(case=case_a, organisation=network.org_b).sections == ["file", "notes"]
    caps = checks.case_capabilities(network.user("b", Role.OPERATOR), fresh(case_a))
    assert {FILE, NOTES} <= caps
    assert checks.visible_persons(network.user("b", Role.OPERATOR)).filter(pk=case_a.person_id).exists()


def test_a_share_to_the_lead_does_not_narrow_its_access(network, case_a):
    grants.share_case(case_a, network.org_a, sections=["notes"])
    assert not CaseShare.objects.filter(case=case_a, organisation=network.org_a).exists()
    caps = checks.case_capabilities(network.user("a", Role.CASE_MANAGER), fresh(case_a))
    assert {CHANGE, FILE, NOTES, DOWNLOAD, TIMELINE} <= caps


def test_unshare_removes_every_grant_of_the_organisation(network, case_a):
    grants.share_case(case_a, network.org_b, sections=["file"])
    # when
    grants.unshare_case(case_a, network.org_b)
    # then
    assert not CaseShare.objects.filter(case=case_a, organisation=network.org_b).exists()
    assert not CaseGroupObjectPermission.objects.filter(content_object=case_a, group=network.org_b.group).exists()
    assert not checks.visible_persons(network.user("b", Role.OPERATOR)).filter(pk=case_a.person_id).exists()


def test_a_document_of_a_case_shared_without_documents_cannot_be_downloaded(network, case_a):
    document = upload(network.user("a", Role.CASE_MANAGER), case_a, "isee")
    grants.share_case(case_a, network.org_b, sections=["file", "notes"])
    with pytest.raises(Http404):
        selectors.document_get_for(user=network.user("b", Role.OPERATOR), pk=document.pk)


def test_a_document_of_a_case_shared_with_documents_can_be_downloaded(network, case_a):
    document = upload(network.user("a", Role.CASE_MANAGER), case_a, "isee")
    grants.share_case(case_a, network.org_b, sections=["documents"])
    assert selectors.document_get_for(user=network.user("b", Role.OPERATOR), pk=document.pk) == document


# --- transfer of the lead ----------------------------------------------------------------------------


def test_after_a_transfer_the_new_lead_has_full_access(network, case_a):
    grants.share_case(case_a, network.org_b, sections=["notes"])  # B had a narrow share before
    # when
    grants.transfer_lead_access(case_a, old_lead=network.org_a, new_lead=network.org_b)
    # then
    assert not CaseShare.objects.filter(case=case_a, organisation=network.org_b).exists()
    caps = checks.case_capabilities(network.user("b", Role.CASE_MANAGER), fresh(case_a))
    assert caps == frozenset(Capability.values)
    assert checks.visible_persons(network.user("b", Role.OPERATOR)).filter(pk=case_a.person_id).exists()


def test_after_a_transfer_the_old_lead_reads_without_changing(network, case_a):
    grants.transfer_lead_access(case_a, old_lead=network.org_a, new_lead=network.org_b)
    caps = checks.case_capabilities(network.user("a", Role.CASE_MANAGER), fresh(case_a))
    assert CHANGE not in caps
    assert {SUMMARY, FILE, NOTES, DOWNLOAD, TIMELINE} <= caps
    assert not checks.visible_cases(network.user("a", Role.CASE_MANAGER), CHANGE).filter(pk=case_a.pk).exists()


# --- decay at closure, restoration, expiry -------------------------------------------------------------


@pytest.fixture
def closed_shared_case(network, case_a, settings):
    """Case A shared with B (file, notes, documents); both wrote notes, documents and services; then closed,
    which lets shared access decay (for 30 days here)."""
    settings.TAVOLO_CLOSED_CASE_ACCESS_DAYS = 30
    manager_a, operator_b = network.user("a", Role.CASE_MANAGER), network.user("b", Role.OPERATOR)
    grants.share_case(case_a, network.org_b, sections=["file", "notes", "documents"])
    case = fresh(case_a)
    records = {
        "note_a": services.note_add(actor=manager_a, case=case, body="Nota di A"),
        "note_b": services.note_add(actor=operator_b, case=case, body="Nota di B"),
        "doc_a": upload(manager_a, case, "documento-a"),
        "doc_b": upload(operator_b, case, "documento-b"),
        "service_a": services.intervention_record(actor=manager_a, case=case, kind="food_parcel"),
        "service_b": services.intervention_record(actor=operator_b, case=case, kind="meal"),
    }
    lifecycle.case_close(actor=manager_a, case=case, outcome="goals_reached")
    decayed = CaseShare.objects.filter(case=case, own_records_only=True).values_list("organisation_id", flat=True)
    assert list(decayed) == [network.org_b.pk]
    return fresh(case), records


def test_at_closure_a_share_keeps_only_the_summary_and_the_organisations_own_records(network, closed_shared_case):
    case, _records = closed_shared_case
    share = CaseShare.objects.get(case=case, organisation=network.org_b)
    assert share.own_records_only and share.until == timezone.localdate() + datetime.timedelta(days=30)
    assert share.sections == ["file", "notes", "documents"]  # kept for a reopening
    assert checks.case_capabilities(network.user("b", Role.OPERATOR), case) == {SUMMARY, NOTES, DOWNLOAD}
    assert checks.own_records_organisation_ids(network.user("b", Role.OPERATOR), case) == [network.org_b.pk]


def test_at_closure_the_person_leaves_the_shared_organisations_lists(network, closed_shared_case):
    case, _records = closed_shared_case
    assert not PersonAccess.objects.filter(person=case.person, group=network.org_b.group).exists()
    assert not checks.visible_persons(network.user("b", Role.OPERATOR)).filter(pk=case.person_id).exists()


def test_after_closure_a_shared_organisation_lists_only_its_own_notes(network, closed_shared_case):
    case, records = closed_shared_case
    notes = selectors.note_list_for(user=network.user("b", Role.OPERATOR), case=case)
    assert list(notes) == [records["note_b"]]


def test_after_closure_a_shared_organisation_lists_only_its_own_documents(network, closed_shared_case):
    case, records = closed_shared_case
    documents = selectors.document_list_for(user=network.user("b", Role.OPERATOR), case=case)
    assert list(documents) == [records["doc_b"]]


def test_after_closure_a_shared_organisation_downloads_only_its_own_documents(network, closed_shared_case):
    _case, records = closed_shared_case
    operator_b = network.user("b", Role.OPERATOR)
    assert selectors.document_get_for(user=operator_b, pk=records["doc_b"].pk) == records["doc_b"]
    with pytest.raises(Http404):
        selectors.document_get_for(user=operator_b, pk=records["doc_a"].pk)


def test_after_closure_a_shared_organisation_lists_only_its_own_services(network, closed_shared_case):
    case, records = closed_shared_case
    services_b = selectors.intervention_list_for(user=network.user("b", Role.OPERATOR), case=case)
    assert list(services_b) == [records["service_b"]]


def test_after_closure_a_shared_organisation_lists_only_its_own_services_of_the_household(network, case_a):
    manager_a, operator_b = network.user("a", Role.CASE_MANAGER), network.user("b", Role.OPERATOR)
    household = services.household_create(actor=manager_a, organisation_id=network.org_a.pk, name="Famiglia Bianchi")
    services.case_update(actor=manager_a, case=case_a, household=household)
    other = lifecycle.case_open(
        actor=manager_a,
        organisation_id=network.org_a.pk,
        person=case_a.person,
        household=household,
        title="Ancora aperto",
        with_pathway=False,
    )
    grants.share_case(case_a, network.org_b, sections=["file"])
    grants.share_case(other, network.org_b, sections=["file"])
    case = fresh(case_a)
    a_on_closed = services.intervention_record(actor=manager_a, case=case, kind="food_parcel")
    b_on_closed = services.intervention_record(actor=operator_b, case=case, kind="meal")
    a_on_open = services.intervention_record(actor=manager_a, case=fresh(other), kind="voucher")
    lifecycle.case_close(actor=manager_a, case=case, outcome="goals_reached")  # shared access decays
    # when
    listed = set(selectors.intervention_list_for(user=operator_b, household=household))
    # then: the closed case's services by B, and everything on the case still open.
    assert listed == {b_on_closed, a_on_open}
    assert a_on_closed in set(selectors.intervention_list_for(user=manager_a, household=household))


def test_after_closure_a_shared_organisation_sees_no_timeline(network, closed_shared_case):
    case, _records = closed_shared_case
    assert not selectors.timeline_for(user=network.user("b", Role.OPERATOR), case=case).exists()


def test_after_closure_the_lead_still_lists_every_record(network, closed_shared_case):
    case, records = closed_shared_case
    manager_a = network.user("a", Role.CASE_MANAGER)
    assert checks.own_records_organisation_ids(manager_a, case) is None
    assert set(selectors.note_list_for(user=manager_a, case=case)) == {records["note_a"], records["note_b"]}
    assert set(selectors.document_list_for(user=manager_a, case=case)) == {records["doc_a"], records["doc_b"]}
    assert set(selectors.intervention_list_for(user=manager_a, case=case)) == {
        records["service_a"],
        records["service_b"],
    }


def test_the_own_records_rule_costs_no_query_once_the_capabilities_are_known(
    network, closed_shared_case, django_assert_num_queries
):
    case, _records = closed_shared_case
    operator_b = network.user("b", Role.OPERATOR)
    checks.case_capabilities(operator_b, case)
    with django_assert_num_queries(0):
        assert checks.own_records_organisation_ids(operator_b, case) == [network.org_b.pk]
    # Each list stays one query.
    with django_assert_num_queries(3):
        list(selectors.note_list_for(user=operator_b, case=case))
        list(selectors.document_list_for(user=operator_b, case=case))
        list(selectors.intervention_list_for(user=operator_b, case=case))


def test_reopening_gives_the_shared_sections_back(network, closed_shared_case):
    case, records = closed_shared_case
    # when
    lifecycle.case_set_status(actor=network.user("a", Role.CASE_MANAGER), case=case, status="open")
    # then
    case = fresh(case)
    share = CaseShare.objects.get(case=case, organisation=network.org_b)
    assert not share.own_records_only and share.until is None
    operator_b = network.user("b", Role.OPERATOR)
    assert checks.case_capabilities(operator_b, case) == frozenset(WORKER_BASE | {FILE, NOTES, DOWNLOAD})
    assert checks.own_records_organisation_ids(operator_b, case) is None
    assert set(selectors.note_list_for(user=operator_b, case=case)) == {records["note_a"], records["note_b"]}
    assert checks.visible_persons(operator_b).filter(pk=case.person_id).exists()


def test_decayed_access_stays_until_its_last_day(network, closed_shared_case):
    case, _records = closed_shared_case
    last_day = timezone.localdate() + datetime.timedelta(days=30)
    assert grants.expire_case_shares(today=last_day) == 0
    assert checks.visible_cases(network.user("b", Role.OPERATOR), SUMMARY).filter(pk=case.pk).exists()


def test_decayed_access_expires_after_its_last_day(network, closed_shared_case):
    case, _records = closed_shared_case
    day_after = timezone.localdate() + datetime.timedelta(days=31)
    # when
    assert grants.expire_case_shares(today=day_after) == 1
    # then
    assert not CaseShare.objects.filter(case=case, organisation=network.org_b).exists()
    assert not CaseGroupObjectPermission.objects.filter(content_object=case, group=network.org_b.group).exists()
    assert not checks.visible_cases(network.user("b", Role.OPERATOR), SUMMARY).filter(pk=case.pk).exists()
    # The lead is not affected.
    assert checks.visible_cases(network.user("a", Role.CASE_MANAGER), CHANGE).filter(pk=case.pk).exists()
