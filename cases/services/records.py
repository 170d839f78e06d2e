"""Notes, documents and the services ledger."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import (
    Case,
    Document,
    DocumentKind,
    Intervention,
    InterventionKind,
    Note,
    TimelineKind,
)
from cases.permissions import checks
from cases.services.case_file import lock_case, require_open
from cases.services.timeline import timeline_record
from cases.services.uploads import validate_upload
from core.models import AuditAction
from core.storage import discard_stored, store_upload
from partners.models import ServiceType
from partners.roles import Capability

NOTE_MAX_LENGTH = 10_000


@transaction.atomic
def note_add(*, actor, case: Case, body: str, is_sensitive: bool = False) -> Note:
    """Add a note. The text is stored as typed and always shown escaped (no HTML is ever rendered).
    A sensitive note is visible only to the author's organisation."""
    case = lock_case(case)
    membership = checks.require_case_capability(actor, case, Capability.ADD_NOTE)
    require_open(case)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("The note is empty.")})
    if len(body) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"body": _("The note is too long (at most %(max)d characters).") % {"max": NOTE_MAX_LENGTH}}
        )
    note = Note.objects.create(
        case=case, author=actor, author_organisation_id=membership.organisation_id, body=body, is_sensitive=is_sensitive
    )
    timeline_record(
        case=case,
        kind=TimelineKind.NOTE_ADDED,
        actor=actor,
        organisation_id=membership.organisation_id,
        summary="" if is_sensitive else body[:120],
        obj=note,
        sensitive=is_sensitive,
        audit_action=AuditAction.CREATE,
        data={"sensitive": is_sensitive},
    )
    return note


@transaction.atomic
def document_upload(*, actor, case: Case, kind: str, title: str, uploaded, is_sensitive: bool = False) -> Document:
    """Store an uploaded file outside the web root; it is served only through a permission check.

    Raises ValidationError for a bad file, and core.storage.StorageUnavailable when the storage refuses the bytes
    (full disk, read-only folder, bucket unreachable): then no bytes, no Document, no event and no audit row
    remain. The bytes are written before the rows, and removed again if the rows do not land."""
    case = lock_case(case)
    membership = checks.require_case_capability(actor, case, Capability.UPLOAD_DOCUMENT)
    require_open(case)
    errors = {}
    if kind not in DocumentKind.values:
        errors["kind"] = _("Unknown document kind.")
    if not (title or "").strip():
        errors["title"] = _("Give the document a title.")
    try:
        content_type = validate_upload(uploaded)
    except ValidationError as exc:
        errors["file"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    document = Document(
        case=case,
        kind=kind,
        title=title.strip()[:160],
        original_name=(uploaded.name or "")[-200:],
        content_type=content_type,
        size=uploaded.size,
        is_sensitive=is_sensitive,
        uploaded_by=actor,
        organisation_id=membership.organisation_id,
    )
    store_upload(document.file, uploaded)
    try:
        document.save()
        timeline_record(
            case=case,
            kind=TimelineKind.DOCUMENT_UPLOADED,
            actor=actor,
            organisation_id=membership.organisation_id,
            summary="" if is_sensitive else document.title,
            obj=document,
            sensitive=is_sensitive,
            audit_action=AuditAction.CREATE,
            data={"sensitive": is_sensitive},
        )
    except Exception:
        # Nothing half-saved: the stored bytes go when the rows do not land.
        discard_stored(document.file)
        raise
    return document


@transaction.atomic
def intervention_record(
    *,
    actor,
    case: Case,
    kind: str,
    delivered_on: datetime.date | None = None,
    quantity: int = 1,
    value: Decimal | None = None,
    note: str = "",
    service_type: ServiceType | None = None,
) -> Intervention:
    """Record a service delivered to the person (and their household) by the actor's organisation."""
    case = lock_case(case)
    membership = checks.require_case_capability(actor, case, Capability.ADD_INTERVENTION)
    require_open(case)
    delivered_on = delivered_on or timezone.localdate()
    errors = {}
    if kind not in InterventionKind.values:
        errors["kind"] = _("Unknown kind of service.")
    if delivered_on > timezone.localdate():
        errors["delivered_on"] = _("The date cannot be in the future.")
    if quantity is None or quantity < 1:
        errors["quantity"] = _("The quantity must be at least 1.")
    if value is not None and value < 0:
        errors["value"] = _("The value cannot be negative.")
    if errors:
        raise ValidationError(errors)
    intervention = Intervention.objects.create(
        case=case,
        household_id=case.household_id,
        organisation_id=membership.organisation_id,
        kind=kind,
        service_type=service_type,
        delivered_on=delivered_on,
        quantity=quantity,
        value=value,
        note=(note or "").strip()[:300],
        recorded_by=actor,
    )
    timeline_record(
        case=case,
        kind=TimelineKind.INTERVENTION_RECORDED,
        actor=actor,
        organisation_id=membership.organisation_id,
        obj=intervention,
        audit_action=AuditAction.CREATE,
        data={"kind": kind},
    )
    return intervention
