"""API-wide behaviour, DRF's side of `core.errors`: every error raised in an API view answers the one JSON shape
(``{"error": {"status", "code", "message", "fields"}}``). Django's ValidationError and PermissionDenied from services
become 400/403, a document storage that refuses (core.storage.StorageUnavailable) or a database that cannot be
reached a 503 with Retry-After, a body over DATA_UPLOAD_MAX_MEMORY_SIZE a 413. Anything else is left to Django
(a logged 500, in the same shape: ``core.errors.server_error``)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.log import log_response
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from core import errors
from core.storage import StorageUnavailable


def exception_handler(exc, context):
    cause = exc
    exc = _as_api_exception(exc)
    if exc is None:
        return None  # a bug: Django logs it and answers 500 through core.errors.server_error
    response = drf_exception_handler(exc, context)  # sets WWW-Authenticate, Retry-After and the rollback
    response.data = errors.api_error_body(exc)
    if errors.is_database_unavailable(cause):
        # Not a bug, but an operator must see it: logged as Django logs the 500 it replaces.
        request = context["request"]
        log_response(
            "%s: %s", response.reason_phrase, request.path, response=response, request=request, exception=cause
        )
    return response


def _as_api_exception(exc) -> exceptions.APIException | None:
    """The DRF exception that says to the client what `exc` means, or None for an unexpected one."""
    if isinstance(exc, StorageUnavailable):
        # Not the client's fault (400) and not a crash (500): the same request succeeds once the storage is back.
        return errors.ServiceUnavailable(str(exc), code="storage_unavailable", wait=exc.retry_after)
    if errors.is_database_unavailable(exc):
        return errors.ServiceUnavailable()
    if isinstance(exc, RequestDataTooBig):
        return errors.PayloadTooLarge()
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {
                field: [str(m) for e in field_errors for m in e.messages]
                for field, field_errors in exc.error_dict.items()
            }
            if "__all__" in detail:
                detail["non_field_errors"] = detail.pop("__all__")
        else:
            detail = {"non_field_errors": [str(m) for m in exc.messages]}
        return exceptions.ValidationError(detail)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, exceptions.APIException):
        return exc
    return None
