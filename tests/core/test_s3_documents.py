"""Documents on S3-compatible storage, against a local S3 server (moto in server mode, on a free port of this
machine: no internet): uploaded through the real view, downloaded through the permission check, removed when
their rows do not land; an unreachable or refusing bucket gives a clear answer and leaves nothing behind."""

import io
import logging
import socket
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from moto.server import ThreadedMotoServer
from storages.backends.s3 import S3File

from cases import services
from cases.models import CaseEvent, Document
from core.models import AuditAction, AuditEntry
from core.storage import S3DocumentStorage, StorageUnavailable
from partners.roles import Role
from tests.factories import login

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CREDENTIALS = {"access_key": "tavolo-test", "secret_key": "tavolo-test-secret", "region_name": "us-east-1"}


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture(autouse=True)
def _only_the_local_server(monkeypatch):
    """Whatever the machine's AWS and proxy settings, boto3 talks to the local server with the test's keys."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def s3_endpoint():
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one access-log line per S3 request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_client(endpoint):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=CREDENTIALS["access_key"],
        aws_secret_access_key=CREDENTIALS["secret_key"],
        region_name=CREDENTIALS["region_name"],
    )


def use_s3(settings, *, endpoint, bucket, **options):
    """Switch the documents to S3DocumentStorage, as TAVOLO_DOCUMENTS_S3_BUCKET does. Changing STORAGES makes
    Django drop its cached default_storage (the FileFields' storage), so the next upload goes to the bucket."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "core.storage.S3DocumentStorage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": endpoint,
                "addressing_style": "path",
                "location": "tavolo",
                **CREDENTIALS,
                **options,
            },
        },
    }
    assert default_storage.bucket_name == bucket
    assert Document._meta.get_field("file").storage.bucket_name == bucket


@pytest.fixture
def bucket(settings, s3_endpoint, media_root):
    name = f"tavolo-{uuid.uuid4().hex[:12]}"
    s3_client(s3_endpoint).create_bucket(Bucket=name)
    use_s3(settings, endpoint=s3_endpoint, bucket=name)
    return name


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "documents"
    return settings.MEDIA_ROOT


def keys(endpoint, bucket):
    listing = s3_client(endpoint).list_objects_v2(Bucket=bucket)
    return [item["Key"] for item in listing.get("Contents", [])]


def upload(client, case):
    data = {"kind": "isee", "title": "ISEE 2026", "file": SimpleUploadedFile("isee mario.pdf", PDF)}
    return client.post(reverse("cases:document_upload", args=[case.pk]), data)


def trail(case):
    return (Document.objects.count(), CaseEvent.objects.filter(case=case).count(), AuditEntry.objects.count())


def test_an_upload_through_the_page_lands_in_the_bucket_under_a_random_key(
    network, client, case_a, bucket, s3_endpoint, media_root
):
    login(client, network, "a", Role.OPERATOR)

    response = upload(client, case_a)

    assert response.status_code == 302
    document = Document.objects.get(case=case_a)
    assert keys(s3_endpoint, bucket) == [f"tavolo/{document.file.name}"]
    assert document.file.name.startswith("cases/") and "isee" not in document.file.name
    stored = s3_client(s3_endpoint).get_object(Bucket=bucket, Key=f"tavolo/{document.file.name}")
    assert stored["Body"].read() == PDF
    assert not media_root.exists()  # nothing went to the local folder


def test_the_owner_downloads_the_bytes_through_the_permission_check(network, client, case_a, bucket):
    login(client, network, "a", Role.OPERATOR)
    upload(client, case_a)
    document = Document.objects.get(case=case_a)
    user = login(client, network, "a", Role.ORG_ADMIN)

    response = client.get(reverse("cases:document_download", args=[document.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Location" not in response  # streamed by us, not redirected to the bucket
    assert b"".join(response.streaming_content) == PDF
    assert AuditEntry.objects.filter(action=AuditAction.DOWNLOAD, user=user, object_id=str(document.pk)).exists()


def test_an_organisation_without_access_gets_404(network, client, case_a, bucket):
    login(client, network, "a", Role.OPERATOR)
    upload(client, case_a)
    document = Document.objects.get(case=case_a)
    login(client, network, "b", Role.CASE_MANAGER)

    response = client.get(reverse("cases:document_download", args=[document.pk]))

    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action=AuditAction.DOWNLOAD).exists()


def test_an_object_gone_from_the_bucket_answers_a_clear_404(network, client, case_a, bucket, s3_endpoint):
    login(client, network, "a", Role.OPERATOR)
    upload(client, case_a)
    document = Document.objects.get(case=case_a)
    s3_client(s3_endpoint).delete_object(Bucket=bucket, Key=f"tavolo/{document.file.name}")

    response = client.get(reverse("cases:document_download", args=[document.pk]))

    assert response.status_code == 404
    assert b"missing from the document storage" in response.content


def test_a_bucket_that_refuses_to_read_the_object_answers_503(network, client, case_a, bucket, monkeypatch):
    login(client, network, "a", Role.OPERATOR)
    upload(client, case_a)
    document = Document.objects.get(case=case_a)

    def refused(self):
        raise ClientError(
            {"Error": {"Code": "AccessDenied", "Message": "kms:Decrypt"}, "ResponseMetadata": {"HTTPStatusCode": 403}},
            "GetObject",
        )

    # the object is there (HEAD answers) but its bytes may not be read
    monkeypatch.setattr(S3File, "file", property(refused))
    response = client.get(reverse("cases:document_download", args=[document.pk]))

    assert response.status_code == 503
    assert b"The document storage cannot be reached right now" in response.content
    assert not AuditEntry.objects.filter(action=AuditAction.DOWNLOAD).exists()


def test_the_object_is_deleted_when_the_rows_do_not_land(network, case_a, bucket, s3_endpoint, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr("cases.services.records.timeline_record", broken)
    with pytest.raises(RuntimeError):
        services.document_upload(
            actor=network.user("a", Role.CASE_MANAGER),
            case=case_a,
            kind="isee",
            title="ISEE",
            uploaded=SimpleUploadedFile("isee.pdf", PDF),
        )
    assert keys(s3_endpoint, bucket) == []
    assert not Document.objects.exists()


def test_deleting_a_stored_document_removes_the_object(network, case_a, bucket, s3_endpoint):
    document = services.document_upload(
        actor=network.user("a", Role.CASE_MANAGER),
        case=case_a,
        kind="isee",
        title="ISEE",
        uploaded=SimpleUploadedFile("isee.pdf", PDF),
    )
    assert keys(s3_endpoint, bucket) == [f"tavolo/{document.file.name}"]

    document.file.delete(save=False)

    assert keys(s3_endpoint, bucket) == []


def test_a_missing_bucket_refuses_the_upload_with_a_clear_message(network, client, case_a, settings, s3_endpoint):
    use_s3(settings, endpoint=s3_endpoint, bucket="no-such-bucket-here")
    login(client, network, "a", Role.OPERATOR)
    before = trail(case_a)

    response = upload(client, case_a)

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert b"The file could not be stored" in response.content
    assert trail(case_a) == before


@pytest.fixture
def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_endpoint_refuses_the_upload_quickly_and_records_nothing(
    network, client, case_a, settings, closed_port
):
    use_s3(settings, endpoint=f"http://127.0.0.1:{closed_port}", bucket="tavolo", max_attempts=1)
    login(client, network, "a", Role.OPERATOR)
    before = trail(case_a)

    response = upload(client, case_a)

    assert response.status_code == 503
    assert b"The file could not be stored" in response.content
    assert response.context["form"].non_field_errors()
    assert trail(case_a) == before


def test_an_endpoint_that_never_answers_refuses_the_upload_after_its_timeout(network, client, case_a, settings):
    with socket.socket() as silent:  # accepts connections (the kernel's backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        use_s3(
            settings,
            endpoint=f"http://127.0.0.1:{silent.getsockname()[1]}",
            bucket="tavolo",
            max_attempts=1,
            read_timeout=1,
        )
        login(client, network, "a", Role.OPERATOR)
        before = trail(case_a)

        response = upload(client, case_a)

    assert response.status_code == 503
    assert b"The file could not be stored" in response.content
    assert trail(case_a) == before


def test_an_unreachable_endpoint_answers_the_download_with_503(network, client, case_a, bucket, settings, closed_port):
    login(client, network, "a", Role.OPERATOR)
    upload(client, case_a)
    document = Document.objects.get(case=case_a)
    use_s3(settings, endpoint=f"http://127.0.0.1:{closed_port}", bucket=bucket, max_attempts=1)

    response = client.get(reverse("cases:document_download", args=[document.pk]))

    assert response.status_code == 503
    assert b"The document storage cannot be reached right now" in response.content
    assert not AuditEntry.objects.filter(action=AuditAction.DOWNLOAD).exists()


def test_the_service_raises_storage_unavailable_for_an_unreachable_endpoint(network, case_a, settings, closed_port):
    use_s3(settings, endpoint=f"http://127.0.0.1:{closed_port}", bucket="tavolo", max_attempts=1)
    with pytest.raises(StorageUnavailable):
        services.document_upload(
            actor=network.user("a", Role.CASE_MANAGER),
            case=case_a,
            kind="isee",
            title="ISEE",
            uploaded=SimpleUploadedFile("isee.pdf", PDF),
        )
    assert not Document.objects.exists()


def test_the_bucket_storage_sends_no_acl_signs_no_urls_and_gives_no_address(s3_endpoint):
    storage = S3DocumentStorage(bucket_name="tavolo", endpoint_url=s3_endpoint, **CREDENTIALS)
    assert storage.default_acl is None
    assert "ACL" not in storage._get_write_parameters("cases/x")
    assert storage.querystring_auth is False
    with pytest.raises(NotImplementedError):
        storage.url("cases/x")


def test_server_side_encryption_is_asked_for_when_configured(network, case_a, settings, s3_endpoint):
    name = f"tavolo-{uuid.uuid4().hex[:12]}"
    s3_client(s3_endpoint).create_bucket(Bucket=name)
    use_s3(settings, endpoint=s3_endpoint, bucket=name, object_parameters={"ServerSideEncryption": "AES256"})

    document = services.document_upload(
        actor=network.user("a", Role.CASE_MANAGER),
        case=case_a,
        kind="isee",
        title="ISEE",
        uploaded=SimpleUploadedFile("isee.pdf", PDF),
    )

    head = s3_client(s3_endpoint).head_object(Bucket=name, Key=f"tavolo/{document.file.name}")
    assert head["ServerSideEncryption"] == "AES256"
    with document.file.open("rb") as handle:
        assert handle.read() == PDF


def test_documents_on_disk_move_to_the_bucket_with_backup_and_restore(
    network, client, case_a, settings, s3_endpoint, media_root, tmp_path
):
    # given a document uploaded while documents lived in the local folder
    login(client, network, "a", Role.OPERATOR)
    upload(client, case_a)
    document = Document.objects.get(case=case_a)
    assert (media_root / document.file.name).read_bytes() == PDF
    archive = tmp_path / "documents.tar.gz"
    call_command("documents_backup", str(archive), stderr=io.StringIO())

    # when the installation switches to a bucket and the archive is restored into it (the operator guide's move)
    name = f"tavolo-{uuid.uuid4().hex[:12]}"
    s3_client(s3_endpoint).create_bucket(Bucket=name)
    use_s3(settings, endpoint=s3_endpoint, bucket=name)
    call_command("documents_restore", str(archive), stdout=io.StringIO())

    # then the object sits under the same key and the same row downloads it
    assert keys(s3_endpoint, name) == [f"tavolo/{document.file.name}"]
    response = client.get(reverse("cases:document_download", args=[document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
