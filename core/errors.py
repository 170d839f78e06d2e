"""Errors as a client sees them: one JSON shape for every error of the API, the error templates elsewhere.

Under ``/api/`` every error answers::

    {"error": {"status": 404, "code": "not_found", "message": "Not found.", "fields": {}}}

``status`` repeats the HTTP status, ``code`` is stable and meant for programs (DRF's codes — ``invalid``,
``parse_error``, ``not_authenticated``, ``permission_denied``, ``not_found``, ``method_not_allowed``,
``unsupported_media_type``, ``throttled`` — and the ones below), ``message`` is for people (translated after
``Accept-Language``), ``fields`` holds DRF's field → messages of a 400 (``non_field_errors`` for the rest) and is
empty otherwise. A few errors add keys beside them (a 409 on a person carries the existing one).

Errors reach a client by three roads, and each one builds the body here:

- raised in an API view: DRF's exception handler (``config.api.exception_handler``);
- raised outside any view, or in a middleware around it: Django's ``handler400/403/404/500``
  (``config/urls.py``) and ``CSRF_FAILURE_VIEW``, which answer JSON under ``/api/`` and the templates elsewhere;
- a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``: 413 on both sides (Django calls it a 400).

A database that cannot be reached (``OperationalError``/``InterfaceError``: connection lost, server shutting
down, too many clients, pool timeout) answers 503 with ``Retry-After`` wherever it happens — in the view, in
authentication, or in the session saved after the view — because the same request succeeds once the database
is back; it is still logged as an error. Every other exception stays a 500 (and is logged by Django).
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import csrf, defaults
from rest_framework import exceptions

API_PREFIX = "/api/"

#: Seconds a client should wait before retrying after a 503: long enough for a connection pool to free a slot
#: or a restarted database to accept connections again, short enough for a person waiting on a partner system.
RETRY_AFTER_SECONDS = 5

LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for NOWAIT or lock_timeout


# --- the shape -----------------------------------------------------------------------------------------------


def error_body(*, status: int, code: str, message, fields: dict | None = None, **extra) -> dict:
    """The one body of every API error."""
    return {"error": {"status": status, "code": code, "message": str(message), "fields": fields or {}, **extra}}


def json_error(
    *, status: int, code: str, message, fields: dict | None = None, headers: dict | None = None, **extra
) -> JsonResponse:
    """An API error outside DRF (no content negotiation there: always JSON, as DRF renders it)."""
    return JsonResponse(
        error_body(status=status, code=code, message=message, fields=fields, **extra),
        status=status,
        headers=headers,
        json_dumps_params={"ensure_ascii": False},
    )


def is_api_request(request) -> bool:
    return f"{request.path_info}/".startswith(API_PREFIX)  # /api itself too


def is_database_unavailable(exc: BaseException | None) -> bool:
    """The database could not answer: a reason to retry, not a bug. Django wraps every driver error (psycopg's,
    the pool's ``PoolTimeout``) in these two."""
    return isinstance(exc, (OperationalError, InterfaceError))


def is_lock_conflict(exc: BaseException | None) -> bool:
    """A lock the database would not wait for (NOWAIT, or ``lock_timeout`` run out): someone else holds the row,
    the connection itself is fine."""
    return getattr(getattr(exc, "__cause__", None), "sqlstate", None) == LOCK_NOT_AVAILABLE


# --- messages ----------------------------------------------------------------------------------------------


def unavailable_message() -> str:
    return _("The service is unavailable for a moment (its database cannot be reached): try again in a few seconds.")


def too_large_message() -> str:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
    return _("The request body is too large: the limit is %(limit)s MB.") % {"limit": f"{limit:g}"}


# --- exceptions DRF renders ------------------------------------------------------------------------------


class ServiceUnavailable(exceptions.APIException):
    """The database (or another service the request needs) is away: retry after ``wait`` seconds."""

    status_code = 503
    default_code = "service_unavailable"
    wait = RETRY_AFTER_SECONDS  # DRF's handler turns it into Retry-After

    def __init__(self, detail=None, code=None, *, wait: int = RETRY_AFTER_SECONDS):
        super().__init__(detail or unavailable_message(), code)
        self.wait = wait


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "payload_too_large"

    def __init__(self, detail=None, code=None):
        super().__init__(detail or too_large_message(), code)


def api_error_body(exc: exceptions.APIException) -> dict:
    """The body of an error DRF raised or was given: a 400 keeps DRF's field messages under ``fields``."""
    detail = exc.detail
    if isinstance(exc, exceptions.ValidationError):
        fields = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        general = fields.get("non_field_errors")
        if isinstance(general, list) and general and all(isinstance(m, str) for m in general):
            message = " ".join(str(m) for m in general)
        else:
            message = exceptions.ValidationError.default_detail
        return error_body(
            status=exc.status_code, code=exceptions.ValidationError.default_code, message=message, fields=fields
        )
    if isinstance(detail, (dict, list)):  # an APIException raised with structured detail
        fields = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        return error_body(status=exc.status_code, code=exc.default_code, message=exc.default_detail, fields=fields)
    return error_body(status=exc.status_code, code=getattr(detail, "code", None) or exc.default_code, message=detail)


# --- Django's handlers (config/urls.py) --------------------------------------------------------------------


def _standalone_page(template_name: str, *, status: int, headers: dict | None = None) -> HttpResponse:
    """An error page rendered without the request (no context processors, so no query: the database may be
    the very thing that failed), as Django renders 500.html."""
    return HttpResponse(loader.get_template(template_name).render(), status=status, headers=headers)


def service_unavailable(request) -> HttpResponse:
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if is_api_request(request):
        return json_error(
            status=503, code=ServiceUnavailable.default_code, message=unavailable_message(), headers=headers
        )
    return _standalone_page("503.html", status=503, headers=headers)


def payload_too_large(request) -> HttpResponse:
    if is_api_request(request):
        return json_error(status=413, code=PayloadTooLarge.default_code, message=too_large_message())
    return _standalone_page("413.html", status=413)


def bad_request(request, exception=None):
    """handler400: Django's SuspiciousOperation and BadRequest. The message stays generic (the exception's
    text may describe the attack); a body over the limit is a 413, which says what to change."""
    if isinstance(exception, RequestDataTooBig):
        return payload_too_large(request)
    if is_api_request(request):
        return json_error(status=400, code="bad_request", message=exceptions.ParseError.default_detail)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if is_api_request(request):
        return json_error(
            status=403,
            code=exceptions.PermissionDenied.default_code,
            message=exceptions.PermissionDenied.default_detail,
        )
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception=None):
    """handler404: an unknown URL under /api/ is a JSON 404 like an unknown id."""
    if is_api_request(request):
        return json_error(status=404, code=exceptions.NotFound.default_code, message=exceptions.NotFound.default_detail)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """handler500, called for every uncaught exception, including those of a middleware layer after the view
    (a session saved when the database is gone). Django calls it inside the ``except`` block, so the exception
    is ``sys.exc_info()`` (under ASGI too: asgiref carries it into the thread)."""
    if is_database_unavailable(sys.exc_info()[1]):
        return service_unavailable(request)
    if is_api_request(request):
        return json_error(status=500, code="server_error", message=exceptions.APIException.default_detail)
    return defaults.server_error(request)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: JSON under /api/ (DRF's own check covers its views; this one covers any other view
    mounted there), the "form expired" page elsewhere."""
    if is_api_request(request):
        return json_error(
            status=403,
            code="csrf_failed",
            message=_(
                "The CSRF check failed: send the CSRF token with the session cookie, or authenticate with a token."
            ),
        )
    return csrf.csrf_failure(request, reason=reason)
