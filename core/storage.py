"""Where the bytes of documents live, and what happens when that place refuses them.

Two backends, chosen by ``config/settings.py`` from the environment:

- ``LocalDocumentStorage``, the embedded default: a folder (``TAVOLO_DOCUMENTS_DIR``). Good for one host only.
- ``S3DocumentStorage``: an S3-compatible bucket (AWS, MinIO, Ceph...) that every app host reads and writes, so a
  document uploaded through one host downloads through any other.

Neither has a public address: every download is streamed by ``cases:document_download`` after its permission
check and audit row. When the storage refuses a write or a read (full disk, read-only or unwritable folder,
bucket unreachable or refusing our keys), callers turn the low-level error into ``StorageUnavailable`` with
``storage_errors()``: the person sees a clear message, the operator finds the cause in the log, and nothing is
half-stored.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

from boto3.exceptions import Boto3Error
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.storage import FileSystemStorage, Storage
from django.utils.translation import gettext as _
from storages.backends.s3 import S3Storage

logger = logging.getLogger(__name__)

# What a storage raises when it cannot do its job: the local disk (OSError: ENOSPC, EROFS, EACCES...), botocore
# (ClientError for a refusal such as AccessDenied or NoSuchBucket, BotoCoreError for EndpointConnectionError and
# timeouts) and boto3's upload manager (S3UploadFailedError).
STORAGE_ERRORS = (OSError, ClientError, BotoCoreError, Boto3Error)
# A hint for clients: a full disk or an unreachable bucket needs an operator, not an instant retry.
RETRY_AFTER_SECONDS = 60


class StorageUnavailable(Exception):
    """The document storage refused or could not be reached. Nothing was stored; the same request can succeed
    once an operator has fixed the storage, so web pages and the API answer 503 with ``Retry-After``."""

    retry_after = RETRY_AFTER_SECONDS

    def __init__(self, message: str | None = None):
        super().__init__(
            message
            or _(
                "The file could not be stored: the document storage is not available right now. Nothing was saved; "
                "try again in a few minutes, and tell your administrator if it happens again."
            )
        )


@contextmanager
def storage_errors(*, action: str, name: str = "") -> Iterator[None]:
    """Turn what a storage raises into StorageUnavailable, logged with its cause for the operator. `name` is a
    stored name (random, see cases.models.document_path), never the uploaded one: logs hold no personal data.

    A missing file (FileNotFoundError) is not an outage: it passes through so a download can answer 404."""
    try:
        yield
    except FileNotFoundError:
        raise
    except STORAGE_ERRORS as exc:
        logger.error("document storage failed to %s %s: %r", action, name or "a new document", exc)
        raise StorageUnavailable() from exc


def store_upload(field_file, uploaded) -> None:
    """Write an uploaded file under the name its field generates (never the uploaded name), without saving the
    row. Raises StorageUnavailable when the storage refuses; then nothing is left in the storage."""
    with storage_errors(action="save"):
        field_file.save(uploaded.name, uploaded, save=False)


def discard_stored(field_file) -> None:
    """Remove bytes whose row did not land. Best effort: called while another error is on its way up, so a
    failed removal is logged (the orphan is unreferenced, hence never served nor backed up) and not raised."""
    if not field_file.name:
        return
    try:
        field_file.storage.delete(field_file.name)
    except STORAGE_ERRORS as exc:
        logger.error("document storage could not remove orphan %r: %r", field_file.name, exc)


class NoPublicAddress(Storage):
    """Stored documents have no URL of their own: a link would bypass the permission check and the audit."""

    def url(self, name, *args, **kwargs):
        raise NotImplementedError("Documents have no public address: download them through cases:document_download.")


class LocalDocumentStorage(NoPublicAddress, FileSystemStorage):
    """A folder on this host. Unlike FileSystemStorage, a write that fails midway (a full disk) leaves no partial
    file behind: a truncated document would otherwise sit in the folder, unreferenced, and fill it further."""

    def _save(self, name, content):
        full_path = self.path(name)
        # Storage.save() just chose a free name (random, see document_path): if something is already there it is
        # not ours, and a failure must not remove it.
        ours = not os.path.lexists(full_path)
        try:
            return super()._save(name, content)  # type: ignore[misc]  # private in django-stubs, real in Django
        except Exception:
            if ours:
                _remove_partial(full_path)
            raise


def _remove_partial(full_path: str) -> None:
    try:
        os.remove(full_path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        logger.error("could not remove the partial document %s: %r", full_path, exc)


class S3DocumentStorage(NoPublicAddress, S3Storage):
    """An S3-compatible bucket shared by all app hosts.

    - No ACL is sent: objects stay private as the bucket is (buckets with ACLs disabled, the AWS default since
      2023, refuse any ACL but the owner's). The bucket must be private; nothing here makes an object public.
    - No signed URLs (``querystring_auth``): downloads are streamed through our view, never redirected.
    - Short timeouts and two attempts in all (``max_attempts``): a refused connection answers the 503 page in
      0.3 s, a server that accepts and never answers in 32 s (measured), under the proxy's usual 60 s; botocore's
      defaults (60 s reads, 5 attempts in legacy mode) would keep the person waiting for a 504 instead.
    - A download larger than ``max_memory_size`` spills to a temporary file instead of filling the worker's memory.
    """

    default_acl = None
    querystring_auth = False

    def get_default_settings(self):
        return {
            **super().get_default_settings(),
            "connect_timeout": 5,
            "read_timeout": 15,
            "max_attempts": 2,
            "max_memory_size": 2 * 1024 * 1024,
        }

    def __init__(self, **settings):
        super().__init__(**settings)
        # S3Storage.__init__ built it from the addressing style and signature version (set dynamically: no type).
        base_config: Config = self.client_config  # type: ignore[has-type]
        self.client_config = base_config.merge(
            Config(
                connect_timeout=self.connect_timeout,
                read_timeout=self.read_timeout,
                retries={"total_max_attempts": self.max_attempts, "mode": "standard"},
            )
        )
