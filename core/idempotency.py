"""Idempotent API writes: a client that lost the answer to a write sends it again with the same
``Idempotency-Key`` header and gets the first answer, instead of doing the change twice or being told that it
was already done ("already waiting for an answer").

The key (1 to 255 printable ASCII characters; a UUID is a good one) belongs to the user who sent it. A retry
must be the same request — same method, path and body — or it is refused with 422 ``idempotency_key_reused``.

How it stays right when things fail halfway:

- the key row is inserted first, inside an outer transaction around the whole action; the change, its
  history and audit rows and the key's stored answer commit together or not at all. An answer lost on the
  way (a connection cut after the commit, a 503 from the session saved after the view) is replayed; a change
  that did not commit left no key, and the retry runs it again;
- a duplicate arriving while the first request is still running waits on the key's unique index and then
  replays the first answer (or runs the action itself if the first one failed). If the database's
  ``lock_timeout`` cuts that wait short, it gets 409 ``idempotency_key_in_progress`` with Retry-After;
- only successes (2xx) are stored. A refusal (4xx) changed nothing — every service is one transaction — so
  a retry may as well be answered afresh: a transient refusal ("someone else is working on this handoff",
  a throttle) is not pinned on the key for a day, and a client may fix its request and resend it with the
  same key. A 5xx or a 503 is never stored, so the retry runs again;
- a replay runs nothing: no second history row, no second notification (those are sent on commit, and a
  replay commits nothing). It answers the stored status and body with ``Idempotent-Replayed: true``.

Keys are kept for KEY_LIFETIME at least; ``run_timers`` removes older ones (``keys_expire``).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import re

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from core.errors import RETRY_AFTER_SECONDS, is_lock_conflict
from core.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_LIFETIME = datetime.timedelta(hours=24)
_VALID_KEY = re.compile(r"[\x20-\x7e]{1,255}")

HEADER_PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=_(
        "Any unique string (1 to 255 printable ASCII characters, e.g. a UUID) that makes retrying this write "
        "safe: the same request sent again with the same key by the same user within 24 hours returns the first "
        "successful answer (with the header Idempotent-Replayed: true) instead of doing the change twice. The "
        "same key with another request: 422."
    ),
)


class InvalidKey(exceptions.APIException):
    status_code = 400
    default_code = "invalid_idempotency_key"
    default_detail = _("The Idempotency-Key header must be 1 to 255 printable ASCII characters.")


class KeyReused(exceptions.APIException):
    status_code = 422
    default_code = "idempotency_key_reused"
    default_detail = _("This Idempotency-Key was already used for another request: send a new key with a new request.")


class KeyInProgress(exceptions.APIException):
    status_code = 409
    default_code = "idempotency_key_in_progress"
    default_detail = _("A request with this Idempotency-Key is still running: try again in a moment.")
    wait = RETRY_AFTER_SECONDS


def key_of(request) -> str | None:
    """The request's Idempotency-Key, None without one; InvalidKey (400) when it cannot be one."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not _VALID_KEY.fullmatch(key) or not key.strip():
        raise InvalidKey()
    return key


def fingerprint_of(request) -> str:
    """SHA-256 of the parsed body, keys sorted: the same data sent with other spacing or key order is the
    same request. A form post (the browsable API) counts by its lists of values."""
    data = request.data
    if hasattr(data, "lists"):
        data = dict(data.lists())
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _claim(*, user, key: str, method: str, path: str, fingerprint: str) -> IdempotencyKey | None:
    """Insert the key row, or return the committed one that holds it already. Blocks while another transaction
    holds the same key uncommitted (the unique index), which ends with its commit (then its row is returned)
    or its rollback (then the insert goes through)."""
    try:
        with transaction.atomic():
            IdempotencyKey.objects.create(user=user, key=key, method=method, path=path, fingerprint=fingerprint)
        return None
    except IntegrityError:
        stored = IdempotencyKey.objects.filter(user=user, key=key).first()
    except OperationalError as exc:
        if is_lock_conflict(exc):  # the database's lock_timeout ran out while the first one still runs
            raise KeyInProgress() from None
        raise
    if stored is None or stored.status is None:  # removed by the sweep meanwhile: rare enough to say "retry"
        raise KeyInProgress()
    if (stored.method, stored.path, stored.fingerprint) != (method, path, fingerprint):
        raise KeyReused()
    return stored


def _replay(stored: IdempotencyKey) -> Response:
    return Response(stored.response, status=stored.status, headers={REPLAYED_HEADER: "true"})


def _store(*, user, key: str, response: Response) -> None:
    # The body as the client receives it (DRF's JSON rendering of dates, decimals...), so a replay is identical.
    body = json.loads(JSONRenderer().render(response.data)) if response.data is not None else None
    IdempotencyKey.objects.filter(user=user, key=key).update(status=response.status_code, response=body)


def idempotent(view_method):
    """Make a DRF view method (an action that changes something) honour the Idempotency-Key header, and declare
    the header in the OpenAPI schema. Put it above ``@action`` and ``@extend_schema``: it keeps their settings.

    Without the header the action runs as before. With it, the action runs inside one transaction that also
    holds the key and its answer (see the module's docstring)."""

    @functools.wraps(view_method)
    def wrapper(view, request, *args, **kwargs):
        key = key_of(request)
        if key is None or not request.user.is_authenticated:
            return view_method(view, request, *args, **kwargs)
        owner_and_key = {"user": request.user, "key": key}
        fingerprint = fingerprint_of(request)  # parses the body: a malformed one is a 400 before any write
        with transaction.atomic():
            stored = _claim(**owner_and_key, method=request.method, path=request.path, fingerprint=fingerprint)
            if stored is not None:
                return _replay(stored)
            response = view_method(view, request, *args, **kwargs)  # an exception rolls the key back too
            if 200 <= response.status_code < 300:
                _store(**owner_and_key, response=response)
            else:
                IdempotencyKey.objects.filter(**owner_and_key).delete()
        return response

    return extend_schema(parameters=[HEADER_PARAMETER])(wrapper)


def keys_expire(*, now: datetime.datetime | None = None) -> int:
    """Remove the keys older than KEY_LIFETIME (one indexed DELETE); the number removed."""
    cutoff = (now or timezone.now()) - KEY_LIFETIME
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
