"""The OpenAPI schema's side of `core.errors`: every operation documents the error shape as its ``default``
response, so a client generated from the schema knows what a 400, a 404 or a 503 looks like."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text=_("The HTTP status, repeated."))
    code = serializers.CharField(help_text=_("Stable, for programs: not_found, invalid, service_unavailable..."))
    message = serializers.CharField(help_text=_("For people, in the language of Accept-Language."))
    fields = serializers.DictField(
        child=serializers.JSONField(),
        help_text=_("A 400's messages by field, as lists (non_field_errors for the others; a list or nested field "
                    "has them by index or sub-field); empty for other errors."))


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


ERROR_RESPONSE = OpenApiResponse(
    ErrorSerializer,
    description=_("An error, in the one shape of every API error. 503 (with Retry-After) means: try again."),
)


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, adding the error shape as the ``default`` response of every operation."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction == "response" and "default" not in responses:
            responses["default"] = self._get_response_for_code(ERROR_RESPONSE, "default", direction=direction)
        return responses
