"""A document storage that refuses (full disk, read-only or unwritable folder, bytes gone) gives a clear page and
leaves nothing half-done: no file, no Document or Consent row, no timeline event, no audit row."""

import errno
import os
import stat

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIRequestFactory

from cases import services
from cases.models import CaseEvent, Consent, ConsentPurpose, Document
from config.api import exception_handler
from core.models import AuditAction, AuditEntry
from core.storage import LocalDocumentStorage, StorageUnavailable
from partners.roles import Role
from tests.factories import login

PDF = b"%PDF-1.4\n" + b"%" * 200_000 + b"\n%%EOF\n"
REFUSED = b"The file could not be stored: the document storage is not available right now."


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def media_root(settings, tmp_path):
    root = tmp_path / "documents"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


def stored_files(root):
    return [path for path in root.rglob("*") if path.is_file()]


def upload(client, case, content=PDF):
    data = {"kind": "isee", "title": "ISEE 2026", "file": SimpleUploadedFile("isee.pdf", content)}
    return client.post(reverse("cases:document_upload", args=[case.pk]), data)


def trail(case):
    """What an upload would have added to the database."""
    return (Document.objects.count(), CaseEvent.objects.filter(case=case).count(), AuditEntry.objects.count())


def fail_writes_under(monkeypatch, root, exc):
    """Make opening a file for writing under `root` fail as a read-only or unwritable folder does."""
    real_open = os.open

    def refusing_open(path, flags, *args, **kwargs):
        if str(path).startswith(str(root)) and flags & (os.O_WRONLY | os.O_RDWR):
            raise exc
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing_open)


@pytest.fixture
def disk_fills_up(monkeypatch, media_root):
    """The disk fills up after the first 4 KiB of a document: the write fails with ENOSPC midway. Records what
    was on disk at that moment, so the test can tell a removed partial file from one never written."""
    real_fdopen = os.fdopen
    seen = {}

    class FillingFile:
        def __init__(self, handle, path):
            self.handle, self.path = handle, path

        def write(self, data):
            self.handle.write(data[:4096])
            self.handle.flush()
            seen["partial"] = (self.path, os.path.getsize(self.path))
            raise OSError(errno.ENOSPC, "No space left on device")

        def close(self):
            self.handle.close()

    def fdopen(fd, *args, **kwargs):
        handle = real_fdopen(fd, *args, **kwargs)
        path = os.readlink(f"/proc/self/fd/{fd}")
        return FillingFile(handle, path) if path.startswith(str(media_root)) else handle

    monkeypatch.setattr(os, "fdopen", fdopen)
    return seen


# --- upload -----------------------------------------------------------------------------------------


def test_a_full_disk_gives_a_clear_message_and_leaves_no_partial_file(
    network, client, case_a, media_root, disk_fills_up
):
    # given
    login(client, network, "a", Role.OPERATOR)
    before = trail(case_a)

    # when the disk fills up while the file is written
    response = upload(client, case_a)

    # then the bytes had started landing, and are gone; the form says why; nothing was recorded
    path, size = disk_fills_up["partial"]
    assert path.startswith(str(media_root)) and size == 4096
    assert not os.path.exists(path)
    assert stored_files(media_root) == []
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert REFUSED in response.content
    assert response.context["form"].non_field_errors()
    assert trail(case_a) == before


def test_a_read_only_folder_gives_a_clear_message_and_records_nothing(network, client, case_a, media_root, monkeypatch):
    # given a documents folder nobody may write into (root ignores the mode bits: then the write is refused as the
    # kernel would refuse it)
    media_root.chmod(0o500)
    if os.geteuid() == 0:
        fail_writes_under(monkeypatch, media_root, PermissionError(errno.EACCES, "Permission denied"))
    login(client, network, "a", Role.OPERATOR)
    before = trail(case_a)
    try:
        response = upload(client, case_a)
    finally:
        media_root.chmod(0o700)

    assert response.status_code == 503
    assert REFUSED in response.content
    assert trail(case_a) == before
    assert stored_files(media_root) == []


def test_a_read_only_file_system_gives_a_clear_message(network, client, case_a, media_root, monkeypatch):
    fail_writes_under(monkeypatch, media_root, OSError(errno.EROFS, "Read-only file system"))
    login(client, network, "a", Role.OPERATOR)
    before = trail(case_a)

    response = upload(client, case_a)

    assert response.status_code == 503
    assert REFUSED in response.content
    assert trail(case_a) == before
    assert stored_files(media_root) == []


def test_the_service_raises_storage_unavailable_and_keeps_nothing(network, case_a, media_root, disk_fills_up):
    before = trail(case_a)
    with pytest.raises(StorageUnavailable):
        services.document_upload(
            actor=network.user("a", Role.CASE_MANAGER),
            case=case_a,
            kind="isee",
            title="ISEE",
            uploaded=SimpleUploadedFile("isee.pdf", PDF),
        )
    assert trail(case_a) == before
    assert stored_files(media_root) == []


def test_a_signed_consent_on_a_full_disk_records_no_consent(network, client, case_a, media_root, disk_fills_up):
    login(client, network, "a", Role.CASE_MANAGER)
    before = (Consent.objects.count(), AuditEntry.objects.count(), CaseEvent.objects.count())

    response = client.post(
        reverse("cases:consent_add", args=[case_a.person_id]),
        {
            "purpose": ConsentPurpose.PROCESSING,
            "given_on": "2025-01-10",
            "signed_document": SimpleUploadedFile("consenso.pdf", PDF, content_type="application/pdf"),
        },
    )

    assert response.status_code == 503
    assert REFUSED in response.content
    assert (Consent.objects.count(), AuditEntry.objects.count(), CaseEvent.objects.count()) == before
    assert stored_files(media_root) == []


def test_a_signed_consent_whose_rows_fail_leaves_no_file(network, case_a, media_root, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr("cases.services.consents.audit_record", broken)
    with pytest.raises(RuntimeError):
        services.consent_record(
            actor=network.user("a", Role.CASE_MANAGER),
            person=case_a.person,
            purpose=ConsentPurpose.PROCESSING,
            given_on=case_a.opened_on,
            signed_document=SimpleUploadedFile("consenso.pdf", PDF),
        )
    assert not Consent.objects.exists()
    assert stored_files(media_root) == []


# --- the local folder's modes -------------------------------------------------------------------------


def test_stored_documents_are_readable_by_tavolo_s_user_only(network, case_a, media_root):
    document = services.document_upload(
        actor=network.user("a", Role.CASE_MANAGER),
        case=case_a,
        kind="isee",
        title="ISEE",
        uploaded=SimpleUploadedFile("isee.pdf", PDF),
    )
    path = media_root / document.file.name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((media_root / "cases").stat().st_mode) == 0o700


def test_a_stored_document_has_no_url(media_root):
    with pytest.raises(NotImplementedError):
        LocalDocumentStorage().url("cases/2026/01/abc")


# --- download ---------------------------------------------------------------------------------------


@pytest.fixture
def document(network, case_a, media_root):
    return services.document_upload(
        actor=network.user("a", Role.CASE_MANAGER),
        case=case_a,
        kind="isee",
        title="ISEE",
        uploaded=SimpleUploadedFile("isee.pdf", PDF),
    )


def test_a_document_whose_file_is_gone_answers_a_clear_404(network, client, document, media_root):
    (media_root / document.file.name).unlink()
    login(client, network, "a", Role.OPERATOR)

    response = client.get(reverse("cases:document_download", args=[document.pk]))

    assert response.status_code == 404
    assert b"The file of this document is missing from the document storage" in response.content
    assert not AuditEntry.objects.filter(action=AuditAction.DOWNLOAD).exists()


def test_a_document_storage_that_cannot_be_read_answers_a_clear_503(network, client, document, monkeypatch):
    def unreadable(self, name, mode="rb"):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(LocalDocumentStorage, "_open", unreadable)
    login(client, network, "a", Role.OPERATOR)

    response = client.get(reverse("cases:document_download", args=[document.pk]))

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert b"The document storage cannot be reached right now" in response.content
    assert not AuditEntry.objects.filter(action=AuditAction.DOWNLOAD).exists()


# --- API ----------------------------------------------------------------------------------------------


def test_the_api_answers_a_refusing_storage_with_503_json_and_retry_after():
    # No API endpoint takes files today; the handler makes any that does answer like the web pages.
    request = APIRequestFactory().post("/api/v1/anything/")
    with translation.override("en"):
        response = exception_handler(StorageUnavailable(), {"request": request})
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    error = response.data["error"]
    assert (error["status"], error["code"]) == (503, "storage_unavailable")
    assert error["message"].startswith("The file could not be stored")
