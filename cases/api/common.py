"""Pieces shared by the case-data API: ids resolved through the permission-filtered selectors,
query-string parsing, and the organisation an API read is audited under."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from partners.selectors import active_memberships


class VisibleObjectField(serializers.PrimaryKeyRelatedField):
    """An id in a payload, resolved through a selector that only returns what the user may see.

    An object the user may not see gets the same answer as one that does not exist (400 "not
    found"), so ids cannot be probed. `model` only tells the OpenAPI schema the type of the id:
    the empty queryset built from it is never used for lookups.
    """

    default_error_messages = {
        "does_not_exist": _("Not found."),
        "incorrect_type": _("Expected an id (a whole number)."),
    }

    def __init__(self, *, model, selector: Callable, **kwargs):
        self.selector = selector
        kwargs["queryset"] = model._default_manager.none()
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return self.selector(getattr(request, "user", None))


def parse_query(serializer_class, request) -> dict:
    """Validate query-string parameters with a serializer: malformed ones are a 400, not a 500."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def audit_organisation_id(user, preferred: int | None = None) -> int | None:
    """The organisation an API read is recorded under: `preferred` (the case's lead organisation, the
    person's registering one) when the user belongs to it, else the user's first organisation."""
    memberships = active_memberships(user)
    for membership in memberships:
        if membership.organisation_id == preferred:
            return preferred
    return memberships[0].organisation_id if memberships else None


def is_schema_generation(view) -> bool:
    """drf-spectacular builds views with a fake request to read their querysets."""
    return getattr(view, "swagger_fake_view", False)
