"""The housing steps on the case timeline: offers made, accepted, declined, expired; move-ins and move-outs; and the
records that notify nobody (the housing section, the waitlist applications, a stay's accompaniment plan).

One function writes each line (`cases.services.timeline.timeline_record`: the timeline row and the audit row, in the
caller's transaction); `notifications` hears it and tells the other side (the case manager when the provider
acted, the provider when the case side acted). The line names the type of resource and the provider, never the
place, its address or what a person typed (a decline reason stays on the offer). A resource for women leaving
violence is not named by its provider either: the provider's name would tell where she is.
"""

from __future__ import annotations

import datetime

from cases.models import Case, CaseEvent
from cases.services.timeline import timeline_record
from core.models import AuditAction
from housing.models import Resource, TargetGroup


def step_data(resource: Resource, *, date: datetime.date | None = None, **codes) -> dict:
    """The codes a housing step's line is rendered from (`cases.event_text.step_line`)."""
    hidden = TargetGroup.VIOLENCE in (resource.target_groups or [])
    return {
        "resource_kind": resource.kind,
        "provider_id": resource.provider_id,
        "provider": "" if hidden else resource.provider.name,
        "date": date.isoformat() if date else "",
        **codes,
    }


def housing_step_record(
    *,
    kind: str,
    case: Case,
    actor,
    organisation_id: int,
    obj,
    resource: Resource | None,
    date: datetime.date | None = None,
    audit_action: str = AuditAction.UPDATE,
    detail: dict | None = None,
    **codes,
) -> CaseEvent:
    """Write a housing step on the timeline of `case` (with its audit row, which carries `detail`). A record about
    no place (the housing section, an application) has no `resource`: its line is told from `codes` only."""
    data = (
        step_data(resource, date=date, **codes)
        if resource is not None
        else {"date": date.isoformat() if date else "", **codes}
    )
    return timeline_record(
        case=case,
        kind=kind,
        actor=actor,
        organisation_id=organisation_id,
        obj=obj,
        audit_action=audit_action,
        detail=detail,
        data=data,
    )
