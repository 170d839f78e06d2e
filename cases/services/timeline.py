"""The case timeline: `timeline_record` writes a timeline row and its audit row, in the same transaction as the change,
and publishes `CaseEventRecorded` (core.bus)."""

from __future__ import annotations

from cases.events import CaseEventRecorded
from cases.models import Case, CaseEvent
from core.audit import audit_record
from core.bus import publish
from core.models import AuditAction


def timeline_record(
    *,
    case: Case,
    kind: str,
    actor,
    organisation_id: int,
    summary: str = "",
    obj=None,
    sensitive: bool = False,
    audit_action: str = AuditAction.UPDATE,
    detail: dict | None = None,
    data: dict | None = None,
) -> CaseEvent:
    """Write the timeline row and the audit row. `summary` is text a person typed (stored as is); `data`
    holds codes that `CaseEvent.display_summary` renders in the reader's language."""
    event = CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=actor,
        organisation_id=organisation_id,
        summary=summary[:300],
        data=data or {},
        is_sensitive=sensitive,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=obj.pk if obj is not None else None,
    )
    audit_record(
        actor=actor,
        action=audit_action,
        obj=obj if obj is not None else case,
        organisation_id=organisation_id,
        case_id=case.pk,
        person_id=case.person_id,
        detail={"event": kind, **(data or {}), **(detail or {})},
    )
    publish(CaseEventRecorded(event=event))
    return event
