"""Backing up and restoring the stored documents through the storage API (the operator guide's restore drill)."""

import io
import json
import shutil
import tarfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from cases import services
from cases.models import Document
from partners.roles import Role

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "documents"
    return settings.MEDIA_ROOT


@pytest.fixture
def two_documents(network, case_a, media_root):
    actor = network.user("a", Role.CASE_MANAGER)
    return [
        services.document_upload(
            actor=actor, case=case_a, kind="isee", title="ISEE", uploaded=SimpleUploadedFile("isee.pdf", PDF)
        ),
        services.document_upload(
            actor=actor,
            case=case_a,
            kind="identity",
            title="Carta d'identità",
            uploaded=SimpleUploadedFile("id.png", PNG),
        ),
    ]


def test_a_backup_restores_every_document_under_its_own_name(two_documents, media_root, tmp_path):
    # given a backup of the documents
    archive = tmp_path / "documents.tar.gz"
    call_command("documents_backup", str(archive))

    # when the documents folder is lost and the archive restored
    shutil.rmtree(media_root)
    out = io.StringIO()
    call_command("documents_restore", str(archive), stdout=out)

    # then each document reads back its own bytes, and the check finds nothing missing
    for document, content in zip(two_documents, (PDF, PNG), strict=True):
        assert (media_root / document.file.name).read_bytes() == content
        with Document.objects.get(pk=document.pk).file.open("rb") as handle:
            assert handle.read() == content
    assert "2 file(s) restored" in out.getvalue() and "0 missing" in out.getvalue()


def test_the_archive_holds_only_referenced_files_with_a_manifest(two_documents, media_root, tmp_path):
    (media_root / "stray.txt").write_bytes(b"not referred to by any row")
    archive = tmp_path / "documents.tar.gz"
    call_command("documents_backup", str(archive))

    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        manifest = json.load(tar.extractfile("MANIFEST.json"))
    assert names == {d.file.name for d in two_documents} | {"MANIFEST.json"}
    assert {entry["size"] for entry in manifest.values()} == {len(PDF), len(PNG)}


def test_restoring_twice_changes_nothing(two_documents, tmp_path):
    archive = tmp_path / "documents.tar.gz"
    call_command("documents_backup", str(archive))
    out = io.StringIO()
    call_command("documents_restore", str(archive), stdout=out)
    assert "0 file(s) restored, 2 already there" in out.getvalue()


def test_a_stored_file_with_other_bytes_is_kept_unless_overwrite(two_documents, media_root, tmp_path):
    archive = tmp_path / "documents.tar.gz"
    call_command("documents_backup", str(archive))
    changed = media_root / two_documents[0].file.name
    changed.write_bytes(b"%PDF-1.4 other")

    with pytest.raises(CommandError, match="not restored cleanly"):
        call_command("documents_restore", str(archive), stdout=io.StringIO(), stderr=io.StringIO())
    assert changed.read_bytes() == b"%PDF-1.4 other"

    call_command("documents_restore", str(archive), "--overwrite", stdout=io.StringIO())
    assert changed.read_bytes() == PDF


def test_a_backup_names_the_files_it_could_not_find(two_documents, media_root, tmp_path):
    (media_root / two_documents[1].file.name).unlink()
    err = io.StringIO()
    with pytest.raises(CommandError, match="missing"):
        call_command("documents_backup", str(tmp_path / "documents.tar.gz"), stderr=err)
    assert f"missing: {two_documents[1].file.name}" in err.getvalue()


def test_the_check_reports_missing_files(two_documents, media_root):
    (media_root / two_documents[0].file.name).unlink()
    with pytest.raises(CommandError, match="missing"):
        call_command("documents_restore", "--check", stdout=io.StringIO(), stderr=io.StringIO())


def test_a_member_whose_bytes_differ_from_the_manifest_is_not_restored(two_documents, media_root, tmp_path):
    # given an archive whose first file was altered after the manifest was written
    good = tmp_path / "documents.tar.gz"
    call_command("documents_backup", str(good))
    bad = tmp_path / "tampered.tar.gz"
    with tarfile.open(good) as source, tarfile.open(bad, "w:gz") as target:
        for member in source:
            data = source.extractfile(member).read()
            if member.name == two_documents[0].file.name:
                data = data.replace(b"PDF", b"XXX")
            target.addfile(member, io.BytesIO(data))
    shutil.rmtree(media_root)

    with pytest.raises(CommandError):
        call_command("documents_restore", str(bad), stdout=io.StringIO(), stderr=io.StringIO())
    assert not (media_root / two_documents[0].file.name).exists()
    assert (media_root / two_documents[1].file.name).read_bytes() == PNG


def test_a_backup_never_overwrites_an_earlier_one(two_documents, tmp_path):
    archive = tmp_path / "documents.tar.gz"
    archive.write_bytes(b"yesterday's backup")
    with pytest.raises(CommandError, match="cannot write"):
        call_command("documents_backup", str(archive), stderr=io.StringIO())
    assert archive.read_bytes() == b"yesterday's backup"
