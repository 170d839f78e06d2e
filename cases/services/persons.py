"""The person registry: registering, editing and merging people."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, TypedDict, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from cases.models import Case, Consent, HouseholdMember, Person, PersonMerge, TimelineKind
from cases.permissions import checks, grants
from cases.selectors import similar_persons
from cases.services.case_file import rekey_deliveries
from cases.services.timeline import timeline_record
from cases.validators import codice_fiscale_mismatches, normalise_codice_fiscale, validate_birth_date
from core.audit import audit_record
from core.locks import lock_all, lock_one
from core.models import AuditAction

PERSON_FIELDS = (
    "first_name",
    "last_name",
    "codice_fiscale",
    "other_id_kind",
    "other_id_number",
    "birth_date",
    "birth_place",
    "sex",
    "citizenship",
    "languages",
    "phone",
    "email",
    "is_homeless",
    "address",
    "postcode",
    "city",
)


class PersonFields(TypedDict, total=False):
    """The registry fields as a form's `cleaned_data` or a serializer's `validated_data` hold them (typed values,
    not raw input): registration gives them all, an update only those that change."""

    first_name: str
    last_name: str
    codice_fiscale: str | None
    other_id_kind: str
    other_id_number: str
    birth_date: datetime.date | None
    birth_place: str
    sex: str
    citizenship: str
    languages: str
    phone: str
    email: str
    is_homeless: bool
    address: str
    postcode: str
    city: str


class DuplicatePerson(ValidationError):
    """The codice fiscale is already registered: same codice fiscale = same person."""

    def __init__(self, person: Person, *, visible: bool):
        self.person = person
        self.visible = visible
        super().__init__(
            {"codice_fiscale": _("A person with this codice fiscale is already registered.")}, code="cf_exists"
        )


class PossibleDuplicates(ValidationError):
    """People with a similar name and the same birth date exist; the caller must confirm."""

    def __init__(self, candidates: list[Person]):
        self.candidates = candidates
        super().__init__(
            _("Similar people are already registered: check them before creating a new one."),
            code="possible_duplicates",
        )


@dataclass
class PersonData:
    """The registry fields checked against the registry's rules, shared by registration and update: names
    given, the codice fiscale valid (compacted) and consistent with the birth date and sex, an identifier or a
    birth date."""

    values: dict

    @classmethod
    def clean(cls, fields: PersonFields) -> PersonData:
        given: dict[str, Any] = dict(fields)
        values = {key: given[key] for key in PERSON_FIELDS if key in given}
        for key in ("first_name", "last_name"):
            values[key] = (values.get(key) or "").strip()
            if not values[key]:
                raise ValidationError({key: _("This field is required.")})
        errors: dict[str, list[str]] = {}
        cf = (values.get("codice_fiscale") or "").strip()
        if cf:
            try:
                cf = normalise_codice_fiscale(cf)
            except ValidationError as exc:
                errors.setdefault("codice_fiscale", []).extend(exc.messages)
            else:
                for problem in codice_fiscale_mismatches(
                    cf, birth_date=values.get("birth_date"), sex=values.get("sex") or ""
                ):
                    errors.setdefault("codice_fiscale", []).append(problem)
        values["codice_fiscale"] = cf or None
        try:
            validate_birth_date(values.get("birth_date"))
        except ValidationError as exc:
            errors.setdefault("birth_date", []).extend(exc.messages)
        if bool(values.get("other_id_kind")) != bool((values.get("other_id_number") or "").strip()):
            errors.setdefault("other_id_number", []).append(
                _("Give both the kind and the number of the other identifier.")
            )
        if not cf and not values.get("other_id_number") and not values.get("birth_date"):
            errors.setdefault("__all__", []).append(
                _("Without a codice fiscale, give another identifier or at least the birth date.")
            )
        if errors:
            raise ValidationError(errors)
        return cls(values)


@transaction.atomic
def person_register(*, actor, organisation_id: int | None, data: PersonFields, confirmed_new: bool = False) -> Person:
    """Register a person for one of the actor's organisations (where they are a case manager).

    Raises PermissionDenied, ValidationError (bad data), DuplicatePerson (codice fiscale already
    registered) or PossibleDuplicates (similar name + same birth date, unless `confirmed_new`).
    """
    membership = checks.require_intake_membership(actor, organisation_id)
    cleaned = PersonData.clean(data).values
    if cleaned["codice_fiscale"]:
        existing = Person.objects.filter(codice_fiscale=cleaned["codice_fiscale"]).first()
        if existing is not None:
            visible = checks.visible_persons(actor).filter(pk=existing.pk).exists()
            raise DuplicatePerson(existing, visible=visible)
    if not confirmed_new and cleaned.get("birth_date"):
        candidates = list(
            similar_persons(
                user=actor,
                first_name=cleaned["first_name"],
                last_name=cleaned["last_name"],
                birth_date=cleaned["birth_date"],
            )
        )
        if candidates:
            raise PossibleDuplicates(candidates)
    person = Person(registered_by_id=membership.organisation_id, **cleaned)
    person.full_clean(exclude=["registered_by", "merged_into"], validate_unique=False)
    person.save()
    grants.person_access_sync(person)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=person,
        organisation_id=membership.organisation_id,
        person_id=person.pk,
    )
    return person


@transaction.atomic
def person_update(*, actor, person: Person, data: PersonFields) -> Person:
    """Change the registry fields in `data` (the others stay). Raises PermissionDenied, ValidationError or
    DuplicatePerson (the new codice fiscale belongs to someone else)."""
    person = lock_one(Person.objects, pk=person.pk)
    membership = checks.require_person_change(actor, person)
    current = {key: getattr(person, key) for key in PERSON_FIELDS}
    cleaned = PersonData.clean(cast(PersonFields, {**current, **data})).values
    cf = cleaned["codice_fiscale"]
    if cf and cf != person.codice_fiscale:
        other = Person.objects.filter(codice_fiscale=cf).exclude(pk=person.pk).first()
        if other is not None:
            raise DuplicatePerson(other, visible=checks.visible_persons(actor).filter(pk=other.pk).exists())
    changed = sorted(key for key, value in cleaned.items() if getattr(person, key) != value)
    if not changed:
        return person
    for key in changed:
        setattr(person, key, cleaned[key])
    person.full_clean(exclude=["registered_by", "merged_into"], validate_unique=False)
    person.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=person,
        organisation_id=membership.organisation_id,
        person_id=person.pk,
        detail={"fields": changed},
    )
    for case in Case.objects.filter(person=person):
        timeline_record(
            case=case,
            kind=TimelineKind.PERSON_UPDATED,
            actor=actor,
            organisation_id=membership.organisation_id,
            obj=person,
            audit_action=AuditAction.UPDATE,
            data={"fields": changed},
        )
    return person


def _snapshot(person: Person) -> dict:
    data = model_to_dict(person, fields=[*PERSON_FIELDS, "registered_by"])
    return {
        key: (str(value) if value is not None and not isinstance(value, bool | int) else value)
        for key, value in data.items()
    }


@transaction.atomic
def person_merge(*, actor, kept: Person, merged: Person, reason: str) -> PersonMerge:
    """Merge the duplicate `merged` into `kept`: cases, household memberships and consents move to
    `kept`, empty fields of `kept` are filled from `merged`, and `merged` is kept (marked as merged)
    with a full snapshot in the PersonMerge row. Nothing is deleted.

    Raises PermissionDenied unless the actor may change both people; ValidationError when they are
    the same person, one is already merged, or they carry two different codici fiscali.
    """
    if kept.pk == merged.pk:
        raise ValidationError(_("A person cannot be merged with themselves."))
    locked = {person.pk: person for person in lock_all(Person.objects.filter(pk__in=[kept.pk, merged.pk]))}
    kept, merged = locked[kept.pk], locked[merged.pk]
    membership = checks.require_person_change(actor, kept)
    checks.require_person_change(actor, merged)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for the merge.")})
    if kept.merged_into_id or merged.merged_into_id:
        raise ValidationError(_("One of these people has already been merged."))
    if kept.codice_fiscale and merged.codice_fiscale and kept.codice_fiscale != merged.codice_fiscale:
        raise ValidationError(_("These people have different codici fiscali: they are not the same person."))

    snapshot = _snapshot(merged)
    filled = []
    merged_cf = merged.codice_fiscale
    if merged_cf:
        merged.codice_fiscale = None  # frees the unique value before `kept` takes it
        merged.save(update_fields=["codice_fiscale"])
    for key in PERSON_FIELDS:
        source = merged_cf if key == "codice_fiscale" else getattr(merged, key)
        if source not in (None, "", False) and getattr(kept, key) in (None, "", False):
            setattr(kept, key, source)
            filled.append(key)
    kept.save()

    case_ids = list(Case.objects.filter(person=merged).values_list("pk", flat=True))
    Case.objects.filter(pk__in=case_ids).update(person=kept)
    rekey_deliveries(case_ids)
    consent_ids = list(Consent.objects.filter(person=merged).values_list("pk", flat=True))
    Consent.objects.filter(pk__in=consent_ids).update(person=kept)
    moved_households, shared_households = [], []
    for member in HouseholdMember.objects.filter(person=merged):
        if HouseholdMember.objects.filter(household_id=member.household_id, person=kept).exists():
            shared_households.append(member.household_id)  # kept there already; the row stays on `merged`
        else:
            member.person = kept
            member.save(update_fields=["person"])
            moved_households.append(member.household_id)
    merged.merged_into = kept
    merged.save(update_fields=["merged_into"])
    for person in (kept, merged):  # the groups that saw the moved cases now see `kept`
        grants.person_access_sync(person)

    record = PersonMerge.objects.create(
        kept=kept,
        merged=merged,
        merged_by=actor,
        organisation_id=membership.organisation_id,
        reason=reason.strip(),
        snapshot=snapshot,
        moved={
            "cases": case_ids,
            "consents": consent_ids,
            "households": moved_households,
            "households_already_shared": shared_households,
            "fields_filled": filled,
        },
    )
    audit_record(
        actor=actor,
        action=AuditAction.MERGE,
        obj=record,
        organisation_id=membership.organisation_id,
        person_id=kept.pk,
        detail={"kept": kept.pk, "merged": merged.pk, "cases": case_ids},
    )
    for case in Case.objects.filter(pk__in=case_ids):
        timeline_record(
            case=case,
            kind=TimelineKind.PERSON_MERGED,
            actor=actor,
            organisation_id=membership.organisation_id,
            obj=record,
            audit_action=AuditAction.MERGE,
        )
    return record
