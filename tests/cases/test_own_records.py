"""An organisation always sees and downloads what it wrote itself on a case it can read; other organisations'
records only through the sections a referral gave it (issue 16, item 2).

The matrix: sections shared with B × whose record (B's own, A's) × where it shows (case page, download, API,
timeline). Case A is led by A; B received it through a share (an accepted referral); both wrote a note, a
document and a service.
"""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from cases import selectors, services
from cases.models import Case
from cases.permissions import grants
from partners.roles import Role

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ALL = ["file", "notes", "documents", "timeline"]
SHARES = [[], ["file"], ["notes"], ["documents"], ["timeline"], ["file", "timeline"], ALL]
WHOSE = ["own", "other"]


def upload(actor, case, title):
    return services.document_upload(
        actor=actor,
        case=case,
        kind="other",
        title=title,
        uploaded=SimpleUploadedFile(f"{title}.pdf", PDF),
        is_sensitive=False,
    )


def fresh(case) -> Case:
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def shared(network, case_a, request):
    """Case A shared with B with `request.param` sections; a note, a document and a service by each."""
    sections = request.param
    manager_a, operator_b = network.user("a", Role.CASE_MANAGER), network.user("b", Role.OPERATOR)
    grants.share_case(case_a, network.org_b, sections=sections)
    case = fresh(case_a)
    records = {
        "other": {
            "note": services.note_add(actor=manager_a, case=case, body="Nota scritta da A"),
            "document": upload(manager_a, case, "Titolo di A"),
            "service": services.intervention_record(
                actor=manager_a, case=case, kind="food_parcel", note="Servizio di A"
            ),
        },
        "own": {
            "note": services.note_add(actor=operator_b, case=fresh(case), body="Nota scritta da B"),
            "document": upload(operator_b, fresh(case), "Titolo di B"),
            "service": services.intervention_record(
                actor=operator_b, case=fresh(case), kind="meal", note="Servizio di B"
            ),
        },
    }
    return {"case": fresh(case), "sections": sections, "records": records, "user": operator_b}


def _sees(whose: str, section: str, sections: list[str]) -> bool:
    """The rule under test: one's own records always, another organisation's only with the section."""
    return whose == "own" or section in sections


def _page(user, case) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    response = client.get(reverse("cases:case_detail", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user=get_user_model().objects.get(pk=user.pk))
    return client


@pytest.mark.parametrize("shared", SHARES, indirect=True, ids=lambda s: "+".join(s) or "summary")
@pytest.mark.parametrize("whose", WHOSE)
def test_case_page_lists_own_records_and_shared_sections(shared, whose):
    # when
    content = _page(shared["user"], shared["case"])
    # then
    record = shared["records"][whose]
    sections = shared["sections"]
    assert (record["document"].title in content) == _sees(whose, "documents", sections)
    download = reverse("cases:document_download", args=[record["document"].pk])
    assert (download in content) == _sees(whose, "documents", sections)
    assert (record["note"].body in content) == _sees(whose, "notes", sections)
    assert (record["service"].note in content) == _sees(whose, "file", sections)


@pytest.mark.parametrize("shared", SHARES, indirect=True, ids=lambda s: "+".join(s) or "summary")
@pytest.mark.parametrize("whose", WHOSE)
def test_download_answers_own_documents_and_shared_ones_only(shared, whose):
    client = Client()
    client.force_login(shared["user"])
    document = shared["records"][whose]["document"]
    # when
    response = client.get(reverse("cases:document_download", args=[document.pk]))
    # then
    assert response.status_code == (200 if _sees(whose, "documents", shared["sections"]) else 404)
    if response.status_code == 200:
        assert b"".join(response.streaming_content) == PDF


@pytest.mark.parametrize("shared", SHARES, indirect=True, ids=lambda s: "+".join(s) or "summary")
@pytest.mark.parametrize("whose", WHOSE)
def test_api_lists_own_notes_and_services_and_shared_ones_only(shared, whose):
    client = _api(shared["user"])
    case, record = shared["case"], shared["records"][whose]
    # when
    notes = client.get(reverse("api-case-note-list", args=[case.pk]))
    services_ = client.get(reverse("api-case-intervention-list", args=[case.pk]))
    everywhere = client.get(reverse("api-intervention-list"))
    # then
    assert notes.status_code == services_.status_code == everywhere.status_code == 200
    assert (record["note"].pk in {row["id"] for row in notes.json()["results"]}) == _sees(
        whose, "notes", shared["sections"]
    )
    for response in (services_, everywhere):
        assert (record["service"].pk in {row["id"] for row in response.json()["results"]}) == _sees(
            whose, "file", shared["sections"]
        )


@pytest.mark.parametrize(
    "shared", [["timeline"], ["timeline", "documents"], ALL], indirect=True, ids=lambda s: "+".join(s)
)
def test_timeline_names_another_organisations_document_only_with_the_documents(shared):
    # when
    events = list(selectors.timeline_for(user=shared["user"], case=shared["case"]))
    page = _page(shared["user"], shared["case"])
    # then
    summaries = {event.display_summary() for event in events}
    other_title, own_title = shared["records"]["other"]["document"].title, shared["records"]["own"]["document"].title
    assert own_title in summaries
    assert (other_title in summaries) == ("documents" in shared["sections"])
    assert (other_title in page) == ("documents" in shared["sections"])


@pytest.mark.parametrize("shared", [[]], indirect=True, ids=["summary"])
def test_the_lead_still_sees_every_record(shared, network):
    content = _page(network.user("a", Role.CASE_MANAGER), shared["case"])
    for whose in WHOSE:
        record = shared["records"][whose]
        assert record["document"].title in content
        assert record["note"].body in content
        assert record["service"].note in content


@pytest.mark.parametrize("shared", [[], ["file", "notes", "documents"]], indirect=True, ids=["summary", "three"])
def test_case_page_query_count_does_not_grow_with_records(shared, network):
    user, case = shared["user"], shared["case"]
    manager_a = network.user("a", Role.CASE_MANAGER)
    _page(user, case)  # warm: what a process reads once (content types, cached settings) is not a row's cost
    with CaptureQueriesContext(connection) as few:
        _page(user, case)
    for index in range(12):
        services.note_add(actor=manager_a, case=fresh(case), body=f"A {index}")
        services.note_add(actor=user, case=fresh(case), body=f"B {index}")
        upload(manager_a, fresh(case), f"A-{index}")
        upload(user, fresh(case), f"B-{index}")
        services.intervention_record(actor=user, case=fresh(case), kind="meal")
    # when
    with CaptureQueriesContext(connection) as many:
        content = _page(user, case)
    # then
    assert "B-11" in content
    assert len(many) == len(few)


@pytest.mark.parametrize("shared", [["timeline"], ["timeline", "notes"]], indirect=True, ids=lambda s: "+".join(s))
def test_timeline_quotes_another_organisations_note_only_with_the_notes(shared):
    summaries = {event.display_summary() for event in selectors.timeline_for(user=shared["user"], case=shared["case"])}
    assert shared["records"]["own"]["note"].body in summaries
    assert (shared["records"]["other"]["note"].body in summaries) == ("notes" in shared["sections"])


@pytest.mark.parametrize("shared", SHARES, indirect=True, ids=lambda s: "+".join(s) or "summary")
def test_case_pdf_lists_own_records_and_shared_sections(shared):
    pypdf = pytest.importorskip("pypdf", reason="pypdf (a dev dependency) reads the PDF back")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(shared["user"])
    # when
    response = client.get(reverse("reports:case_summary_pdf", args=[shared["case"].pk]))
    # then
    assert response.status_code == 200
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    for whose in WHOSE:
        record = shared["records"][whose]
        assert (record["document"].title in text) == _sees(whose, "documents", shared["sections"])
        assert (record["note"].body in text) == _sees(whose, "notes", shared["sections"])
