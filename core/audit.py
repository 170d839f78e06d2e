"""Writing the audit log. Reading it is in `partners.selectors`."""

from __future__ import annotations

import contextvars
from typing import Any

from core.models import AuditEntry

# Set by `partners.middleware.AuditContextMiddleware` for the duration of a request, so that
# services can record where an action came from without passing the request around.
current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("tavolo_current_ip", default=None)


def client_ip(request) -> str | None:
    """The client address as seen by Django; behind a proxy, configure it to set REMOTE_ADDR."""
    if request is None:
        return current_ip.get()
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    actor,
    action: str,
    obj=None,
    object_type: str = "",
    object_id: Any = "",
    organisation=None,
    organisation_id: int | None = None,
    case_id: int | None = None,
    person_id: int | None = None,
    request=None,
    detail: dict | None = None,
) -> AuditEntry:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    return AuditEntry.objects.create(
        user=actor if getattr(actor, "pk", None) else None,
        username=getattr(actor, "username", "") or "",
        organisation_id=organisation.pk if organisation is not None else organisation_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        case_id=case_id,
        person_id=person_id,
        ip_address=client_ip(request),
        detail=detail or {},
    )
