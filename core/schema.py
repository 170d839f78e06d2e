"""The OpenAPI schema's side of `core.errors`, and the corrections that keep the schema honest.

Every operation declares, in the one error shape, the error statuses it can really answer (by what the operation
is: authenticated or not, with a body, path ids, a page, an Idempotency-Key, a throttle) — not a catch-all
``default``, so a client (and the schemathesis run in ``tests/api/test_schemathesis.py``) can tell an undocumented
status from a documented one. 500 is not declared: it is a bug, not part of the contract.

Two things DRF's and drf-spectacular's defaults get wrong for us:

- a read-only field of a ModelSerializer built from a model field with ``blank=True`` loses ``allow_blank`` (DRF
  drops it from read-only fields), so the schema would forbid the ``""`` the database holds: an open case's
  ``closure_outcome``, a pending handoff's ``decline_reason``, an organisation without a ``website``. Such fields
  are mapped as if ``allow_blank`` were set: the enum gains its ``BlankEnum``, a format (e-mail, URI) gains ``""``.
- the ``page`` parameter of a paginated list is any integer for drf-spectacular; DRF answers 404 to a page below
  1 or past the last one. The schema says ``minimum: 1`` and declares the 404.
"""

from __future__ import annotations

import copy

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers

from core.idempotency import HEADER as IDEMPOTENCY_HEADER


class ErrorDetailSerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text=_("The HTTP status, repeated."))
    code = serializers.CharField(help_text=_("Stable, for programs: not_found, invalid, service_unavailable..."))
    message = serializers.CharField(help_text=_("For people, in the language of Accept-Language."))
    fields = serializers.DictField(
        child=serializers.JSONField(),
        help_text=_(
            "A 400's messages by field, as lists (non_field_errors for the others; a list or nested field "
            "has them by index or sub-field); empty for other errors."
        ),
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


#: What each declared error status means, as its description in the schema.
ERROR_DESCRIPTIONS = {
    400: _("Invalid input: fields hold the messages by field (or an invalid JSON body, an invalid Idempotency-Key)."),
    401: _("Not authenticated: no token, or an invalid one."),
    403: _(
        "Not allowed: your role may not do this here, your membership is not active, or a session write came "
        "without its CSRF token."
    ),
    404: _("Not found, or not visible to your organisation (or a page past the last one)."),
    409: _("A conflict: the request with this Idempotency-Key is still running (retry after Retry-After)."),
    413: _("The request body is over the limit."),
    415: _("The request body is of a media type the operation does not take."),
    422: _("This Idempotency-Key was already used for another request."),
    429: _("Too many requests: wait Retry-After seconds."),
    503: _(
        "The database or the document storage is unavailable for a moment: retry the same request after Retry-After."
    ),
}

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def error_statuses(
    *, method: str, parameters: list[dict], has_body: bool, authenticated: bool, throttled: bool
) -> set[int]:
    """The error statuses an operation of this kind can answer (see core.errors for where each one comes from)."""
    where = {(p.get("in"), p.get("name")) for p in parameters}
    path_ids = any(location == "path" for location, _name in where)
    paginated = ("query", "page") in where
    filters = any(location == "query" and name != "page" for location, name in where)
    idempotent = ("header", IDEMPOTENCY_HEADER) in where
    statuses = {503}
    if authenticated:
        statuses |= {401, 403}  # 403: the role, an inactive membership, a session write without CSRF
    elif method in WRITE_METHODS:
        statuses.add(403)  # a session write without its CSRF token
    if has_body or filters or idempotent:
        statuses.add(400)
    if has_body:
        statuses |= {413, 415}
    # A body naming an object the user may not see answers 404 as a path id does (ids cannot be probed).
    if path_ids or paginated or (has_body and authenticated):
        statuses.add(404)
    if idempotent:
        statuses |= {409, 422}
    if throttled:
        statuses.add(429)
    return statuses


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, declaring each operation's error responses and the blanks read-only fields can hold."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        authenticated = not all(
            issubclass(permission, permissions.AllowAny) for permission in getattr(self.view, "permission_classes", ())
        )
        statuses = error_statuses(
            method=self.method,
            parameters=operation.get("parameters", []),
            has_body="requestBody" in operation,
            authenticated=authenticated,
            throttled=bool(getattr(self.view, "throttle_classes", ())),
        )
        responses = operation["responses"]
        for status in sorted(statuses):
            if str(status) not in responses:
                response = OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[status])
                responses[str(status)] = self._get_response_for_code(response, str(status))
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _get_pagination_parameters(self):
        parameters = super()._get_pagination_parameters()
        for parameter in parameters:
            if parameter.get("name") == "page" and parameter.get("schema", {}).get("type") == "integer":
                parameter["schema"] = {**parameter["schema"], "minimum": 1}
        return parameters

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        return super()._map_serializer_field(with_model_blank(field), direction, bypass_extensions)

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(with_model_blank(field), schema)  # where a format gains its ""


def with_model_blank(field):
    """`field`, or a copy with ``allow_blank`` when it is a read-only field whose model field may be blank."""
    if (
        getattr(field, "read_only", False)
        and isinstance(field, serializers.CharField | serializers.ChoiceField)
        and not field.allow_blank
        and model_field_is_blank(field)
    ):
        field = copy.copy(field)
        field.allow_blank = True
    return field


def model_field_is_blank(field: serializers.Field) -> bool:
    """Whether the model field a ModelSerializer field reads (through its dotted source) may hold ``""``."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    source_attrs = getattr(field, "source_attrs", None)
    if model is None or not source_attrs:
        return False
    for name in source_attrs[:-1]:
        try:
            model = model._meta.get_field(name).related_model
        except FieldDoesNotExist:
            return False
        if model is None:
            return False
    try:
        model_field = model._meta.get_field(source_attrs[-1])
    except FieldDoesNotExist:
        return False
    return isinstance(model_field, models.CharField | models.TextField) and model_field.blank
