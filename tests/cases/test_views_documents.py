"""Uploading and downloading documents: type and size checks, permission, audit."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases import services
from cases.models import Document
from cases.permissions.grants import grant_case_access
from core.models import AuditEntry
from partners.roles import Role
from tests.factories import login

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(client, case, name="isee.pdf", content=PDF, **extra):
    data = {"kind": "isee", "title": "ISEE 2026", "file": SimpleUploadedFile(name, content), **extra}
    return client.post(reverse("cases:document_upload", args=[case.pk]), data)


def test_upload_a_pdf(network, client, case_a, media_root):
    user = login(client, network, "a", Role.OPERATOR)
    response = upload(client, case_a)
    assert response.status_code == 302
    document = Document.objects.get(case=case_a)
    assert (document.original_name, document.content_type, document.uploaded_by) == (
        "isee.pdf",
        "application/pdf",
        user,
    )
    assert (media_root / document.file.name).read_bytes() == PDF


def test_an_exe_renamed_pdf_is_rejected_on_the_form(network, client, case_a, media_root):
    login(client, network, "a", Role.CASE_MANAGER)
    response = upload(client, case_a, name="fattura.pdf", content=EXE)
    assert response.status_code == 200
    assert b"Only PDF, PNG and JPEG files are accepted." in response.content
    assert response.context["form"].errors["file"]
    assert not Document.objects.exists()
    assert not any(path.is_file() for path in media_root.rglob("*"))


def test_an_oversize_file_is_rejected_on_the_form(network, client, case_a, settings):
    settings.DOCUMENT_MAX_BYTES = 20
    login(client, network, "a", Role.CASE_MANAGER)
    response = upload(client, case_a)
    assert response.status_code == 200
    assert b"The file is too large" in response.content
    assert not Document.objects.exists()


def test_a_missing_title_is_a_field_error(network, client, case_a):
    login(client, network, "a", Role.CASE_MANAGER)
    response = upload(client, case_a, title="")
    assert response.status_code == 200
    assert response.context["form"].errors["title"]


def test_upload_is_403_for_a_volunteer_and_404_for_another_organisation(network, client, case_a):
    login(client, network, "a", Role.VOLUNTEER)
    assert upload(client, case_a).status_code == 403
    login(client, network, "b", Role.CASE_MANAGER)
    assert upload(client, case_a).status_code == 404
    assert not Document.objects.exists()


@pytest.fixture
def document(network, case_a):
    return services.document_upload(
        actor=network.user("a", Role.CASE_MANAGER),
        case=case_a,
        kind="isee",
        title="ISEE",
        uploaded=SimpleUploadedFile("mio isee.pdf", PDF),
    )


def test_download_is_an_attachment_with_the_stored_type_and_audited(network, client, case_a, document):
    user = login(client, network, "a", Role.ORG_ADMIN)
    response = client.get(reverse("cases:document_download", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "mio isee.pdf" in response["Content-Disposition"] or "mio%20isee.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF
    entry = AuditEntry.objects.get(action="download")
    assert (entry.user, entry.object_id, entry.case_id, entry.organisation_id) == (
        user,
        str(document.pk),
        case_a.pk,
        network.org_a.pk,
    )


def test_download_is_404_for_another_organisation(network, client, document):
    login(client, network, "b", Role.CASE_MANAGER)
    assert client.get(reverse("cases:document_download", args=[document.pk])).status_code == 404
    assert not AuditEntry.objects.filter(action="download").exists()


def test_download_is_404_for_a_volunteer(network, client, document):
    login(client, network, "a", Role.VOLUNTEER)
    assert client.get(reverse("cases:document_download", args=[document.pk])).status_code == 404


def test_sensitive_document_is_hidden_from_an_organisation_with_a_grant(network, client, case_a):
    manager = network.user("a", Role.CASE_MANAGER)
    sensitive = services.document_upload(
        actor=manager,
        case=case_a,
        kind="health",
        title="Certificato medico",
        uploaded=SimpleUploadedFile("c.pdf", PDF),
        is_sensitive=True,
    )
    grant_case_access(case_a, network.org_b, change=False)
    login(client, network, "b", Role.OPERATOR)
    page = client.get(reverse("cases:case_detail", args=[case_a.pk]))
    assert b"Certificato medico" not in page.content
    assert client.get(reverse("cases:document_download", args=[sensitive.pk])).status_code == 404


def test_document_listed_with_download_link(network, client, case_a, document):
    login(client, network, "a", Role.OPERATOR)
    page = client.get(reverse("cases:case_detail", args=[case_a.pk]))
    assert reverse("cases:document_download", args=[document.pk]).encode() in page.content


def test_stored_files_have_no_public_address(network, client, case_a, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases.services import document_upload

    document = document_upload(
        actor=network.user("a", Role.CASE_MANAGER),
        case=case_a,
        kind="identity",
        title="CI",
        uploaded=SimpleUploadedFile("ci.pdf", b"%PDF-1.4 x", content_type="application/pdf"),
    )
    login(client, network, "a", Role.CASE_MANAGER)
    # the stored name is random, lives under MEDIA_ROOT (outside static/) and no URL maps onto it
    assert str(settings.MEDIA_ROOT) in document.file.path
    assert "ci.pdf" not in document.file.name
    assert client.get(settings.MEDIA_URL + document.file.name).status_code == 404
    assert client.get("/static/" + document.file.name).status_code == 404
