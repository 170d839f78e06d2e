"""Middleware every request goes through first: its id and access line, then the health probes.

Both are sync-only on purpose. ``partners.middleware.AuditContextMiddleware`` is sync-only, so under ASGI
Django runs the whole chain in the request's thread anyway; the request id, set in a context variable
there, is seen by the view and by everything it logs.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from django.utils.encoding import escape_uri_path
from django.utils.functional import LazyObject, empty
from django.utils.log import log_response

from core.health import PROBES
from core.logs import current_request_id

access_logger = logging.getLogger("tavolo.access")

REQUEST_ID_HEADER = "X-Request-ID"
# What a request id taken from a client or proxy may look like: uuids, hex, base64, dotted trace ids.
# Anything else (spaces, quotes, control characters, too long) is replaced by a fresh id.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:+=/@-]{1,128}")
_MAX_LOGGED_PATH = 512


def request_id_for(request) -> str:
    """The incoming ``X-Request-ID`` when it is sane, else a new one (uuid4, 32 hex digits)."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    if _SAFE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def _authenticated_user(request):
    """The request's user if something already loaded it; never loads it (that would cost queries).

    ``AuthenticationMiddleware`` leaves a lazy object that the view may or may not have evaluated; DRF
    replaces it with the user its authentication found.
    """
    user = request.__dict__.get("user")
    if isinstance(user, LazyObject):
        user = None if user._wrapped is empty else user._wrapped
    return user if getattr(user, "is_authenticated", False) else None


def _organisation_ids(user) -> list[int]:
    """The organisations of the user's active memberships, if this request already loaded them.

    ``partners.selectors.active_memberships`` caches them on the user object; core does not import
    partners, so it reads that cache by name and never queries.
    """
    memberships = getattr(user, "_tavolo_memberships", None) or ()
    return [membership.organisation_id for membership in memberships]


def log_access(request, response, *, duration_ms: float, request_id: str) -> None:
    """One line per request: no query string (it carries the names people search for), no body."""
    user = _authenticated_user(request)
    fields = {
        "method": request.method[:16],
        "path": escape_uri_path(request.path)[:_MAX_LOGGED_PATH],
        "status": response.status_code,
        "duration_ms": round(duration_ms, 1),
        "user_id": user.pk if user is not None else None,
        "organisation_ids": _organisation_ids(user) if user is not None else [],
        "request_id": request_id,
    }
    # A load balancer probes every few seconds: successful probes are logged only at DEBUG.
    quiet_probe = request.path_info in PROBES and response.status_code < 400
    access_logger.log(
        logging.DEBUG if quiet_probe else logging.INFO,
        "%s %s %s %.1fms user=%s orgs=%s",
        fields["method"],
        fields["path"],
        fields["status"],
        fields["duration_ms"],
        fields["user_id"],
        ",".join(map(str, fields["organisation_ids"])) or "-",
        extra=fields,
    )


def log_error_response(request, response) -> None:
    """Django's own "Not Found: /path" line, written here so that it carries the request id.

    Django's handler writes it after the middleware chain has returned, when the id is no longer set; the
    call is the handler's own, and ``log_response`` marks the response so that the handler does not repeat it.
    """
    if response.status_code >= 400:
        log_response("%s: %s", response.reason_phrase, request.path, response=response, request=request)


class RequestLogMiddleware:
    """Gives each request an id (log lines, the ``X-Request-ID`` response header) and logs one access line.

    First in ``MIDDLEWARE``, so that every other middleware's log lines carry the id and the measured
    duration covers them all.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_for(request)
        token = current_request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            log_error_response(request, response)
            log_access(request, response, duration_ms=(time.perf_counter() - started) * 1000, request_id=request_id)
            return response
        finally:
            current_request_id.reset(token)


class HealthProbeMiddleware:
    """Answers ``GET``/``HEAD`` on ``/healthz`` and ``/readyz`` before the rest of the chain.

    A load balancer or an orchestrator probes each worker by its address: over plain HTTP (no HTTPS
    redirect), often with the worker's IP as ``Host`` (which ``ALLOWED_HOSTS`` would answer with 400), and
    liveness must not touch the database (no session, no user). The probes' answers use nothing from the
    Host header or from cookies — no links, no redirects — so skipping host validation here cannot poison
    anything. Every other request goes on untouched. The URLconf maps the same views, so that the paths
    are listed and reversible; requests reach them there only with other methods (and get a 405).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBES.get(request.path_info)
        if probe is not None and request.method in ("GET", "HEAD"):
            return probe(request)
        return self.get_response(request)
