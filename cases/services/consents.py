from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, Consent, ConsentPurpose, Person, TimelineKind
from cases.permissions import checks
from cases.services.timeline import timeline_record
from cases.services.uploads import validate_upload
from core.audit import audit_record
from core.locks import lock_one
from core.models import AuditAction
from core.storage import discard_stored, store_upload
from partners.models import Organisation


def _record_on_cases(*, person: Person, kind: str, actor, organisation_id: int, purpose: str, obj) -> None:
    for case in Case.objects.filter(person=person):
        timeline_record(
            case=case,
            kind=kind,
            actor=actor,
            organisation_id=organisation_id,
            obj=obj,
            data={"purpose": purpose},
            audit_action=AuditAction.CREATE if kind == TimelineKind.CONSENT_RECORDED else AuditAction.UPDATE,
        )


@transaction.atomic
def consent_record(
    *,
    actor,
    person: Person,
    purpose: str,
    given_on: datetime.date,
    expires_on: datetime.date | None = None,
    organisations: list[Organisation] | tuple = (),
    signed_document=None,
) -> Consent:
    """Record a consent the person signed. Sharing with named organisations must name at least one.

    The signed document, when given, is stored before the rows and removed again if they do not land; a storage
    that refuses it raises core.storage.StorageUnavailable and nothing is recorded."""
    membership = checks.require_person_change(actor, person)
    errors = {}
    if purpose not in ConsentPurpose.values:
        errors["purpose"] = _("Unknown purpose.")
    if given_on > timezone.localdate():
        errors["given_on"] = _("The date cannot be in the future.")
    if expires_on is not None and expires_on < given_on:
        errors["expires_on"] = _("The expiry date must come after the date it was given.")
    if purpose == ConsentPurpose.SHARE_NAMED and not organisations:
        errors["organisations"] = _("Name the organisations the person agrees to share data with.")
    if purpose != ConsentPurpose.SHARE_NAMED and organisations:
        errors["organisations"] = _("Organisations are named only for sharing with named organisations.")
    if signed_document is not None:
        try:
            validate_upload(signed_document)
        except ValidationError as exc:
            errors["signed_document"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    consent = Consent(
        person=person,
        purpose=purpose,
        given_on=given_on,
        expires_on=expires_on,
        recorded_by=actor,
        recorded_by_organisation_id=membership.organisation_id,
    )
    if signed_document is not None:
        store_upload(consent.signed_document, signed_document)
    try:
        consent.save()
        if organisations:
            consent.organisations.set(organisations)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=consent,
            organisation_id=membership.organisation_id,
            person_id=person.pk,
            detail={"purpose": purpose},
        )
        _record_on_cases(
            person=person,
            kind=TimelineKind.CONSENT_RECORDED,
            actor=actor,
            organisation_id=membership.organisation_id,
            purpose=purpose,
            obj=consent,
        )
    except Exception:
        discard_stored(consent.signed_document)
        raise
    return consent


@transaction.atomic
def consent_withdraw(*, actor, consent: Consent, withdrawn_on: datetime.date | None = None, note: str = "") -> Consent:
    """Withdraw a consent: from that day it allows no new sharing."""
    consent = lock_one(Consent.objects.select_related("person"), pk=consent.pk)
    membership = checks.require_person_change(actor, consent.person)
    if consent.withdrawn_on is not None:
        raise ValidationError(_("This consent has already been withdrawn."))
    withdrawn_on = withdrawn_on or timezone.localdate()
    if withdrawn_on > timezone.localdate() or withdrawn_on < consent.given_on:
        raise ValidationError({"withdrawn_on": _("The withdrawal date must be between the consent date and today.")})
    consent.withdrawn_on = withdrawn_on
    consent.withdrawal_note = note.strip()[:200]
    consent.save(update_fields=["withdrawn_on", "withdrawal_note"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=consent,
        organisation_id=membership.organisation_id,
        person_id=consent.person_id,
        detail={"withdrawn_on": str(withdrawn_on)},
    )
    _record_on_cases(
        person=consent.person,
        kind=TimelineKind.CONSENT_WITHDRAWN,
        actor=actor,
        organisation_id=membership.organisation_id,
        purpose=consent.purpose,
        obj=consent,
    )
    return consent
