"""Giving and removing access to case data: the write side of case access.

Every function here writes the grant tables (guardian's direct-FK `CaseGroupObjectPermission` /
`CaseUserObjectPermission`), the `CaseShare` rows that narrow a grant to some sections, and keeps the
derived `PersonAccess` rows in step. Callers are services, inside their transaction and after taking
their locks (`core.locks`). Who may see what is read by `cases.permissions.checks`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, QuerySet

from cases.models import (
    Case,
    CaseGroupObjectPermission,
    CaseShare,
    CaseUserObjectPermission,
    Person,
    PersonAccess,
    ShareSection,
)
from cases.permissions.checks import CHANGE, VIEW, forget_case_capabilities, permission_filter
from partners.models import Organisation


def _case_permissions(codenames: Iterable[str]) -> list[Permission]:
    ct = ContentType.objects.get_for_model(Case)
    return list(Permission.objects.filter(content_type=ct, codename__in=list(codenames)))


def grant_case_access(case: Case, organisation: Organisation, *, change: bool) -> None:
    """Give an organisation's group view (and optionally change) on a case, with no limit of scope (the lead,
    or a grant made outside a referral). Idempotent."""
    forget_case_capabilities(case)
    codenames = [VIEW, CHANGE] if change else [VIEW]
    for permission in _case_permissions(codenames):
        CaseGroupObjectPermission.objects.get_or_create(
            group_id=organisation.group_id, permission=permission, content_object=case
        )
    _person_access_refresh(case.person_id, organisation.group_id)


def revoke_case_access(case: Case, organisation: Organisation, *, change_only: bool = False) -> int:
    forget_case_capabilities(case)
    codenames = [CHANGE] if change_only else [VIEW, CHANGE]
    deleted, _rows = CaseGroupObjectPermission.objects.filter(
        group_id=organisation.group_id, content_object=case, permission__in=_case_permissions(codenames)
    ).delete()
    if not change_only:
        _person_access_refresh(case.person_id, organisation.group_id)
    return deleted


def _person_access_refresh(person_id: int, group_id: int) -> None:
    """Keep or drop one (person, group) row: kept while the group views another case of the person or
    belongs to the organisation that registered them."""
    registered = Person.objects.filter(pk=person_id, registered_by__group_id=group_id)
    viewing = _file_view_grants().filter(group_id=group_id, content_object__person_id=person_id)
    if registered.exists() or viewing.exists():
        PersonAccess.objects.get_or_create(person_id=person_id, group_id=group_id)
    else:
        PersonAccess.objects.filter(person_id=person_id, group_id=group_id).delete()


def _file_view_grants() -> QuerySet[CaseGroupObjectPermission]:
    """View grants that show the person's file: not through a share that leaves the file out."""
    narrowing_share = CaseShare.objects.filter(
        case_id=OuterRef("content_object_id"), organisation__group_id=OuterRef("group_id")
    ).filter(shows_file=False)
    return CaseGroupObjectPermission.objects.filter(permission_filter(VIEW)).exclude(Exists(narrowing_share))


def person_access_sync(person: Person) -> None:
    """Recompute a person's `PersonAccess` rows from the case grants and the registering organisation
    (after registration, or after a merge moved cases between people)."""
    registering_group = Organisation.objects.filter(pk=person.registered_by_id).values_list("group_id", flat=True)
    wanted = set(registering_group) | set(
        _file_view_grants().filter(content_object__person_id=person.pk).values_list("group_id", flat=True)
    )
    current = set(PersonAccess.objects.filter(person_id=person.pk).values_list("group_id", flat=True))
    if current - wanted:
        PersonAccess.objects.filter(person_id=person.pk, group_id__in=current - wanted).delete()
    PersonAccess.objects.bulk_create(
        [PersonAccess(person_id=person.pk, group_id=group_id) for group_id in sorted(wanted - current)],
        ignore_conflicts=True,
    )


def grant_user_case_view(case: Case, user) -> None:
    """A per-user, read-only grant for a coordinator asked to look at one file. Only coordinators' per-user
    grants are honoured (`_granted`)."""
    forget_case_capabilities(case)
    for permission in _case_permissions([VIEW]):
        CaseUserObjectPermission.objects.get_or_create(user=user, permission=permission, content_object=case)


# --- shares: referrals, transfers, closure ---------------------------------------------------------


def share_case(case: Case, organisation: Organisation, *, sections: Iterable[str]) -> CaseShare:
    """Give a non-lead organisation view on a case limited to `sections` (an accepted referral).

    Widens an existing share (two referrals to the same organisation share the union of their sections);
    an organisation that already has unlimited access (the lead, or a former lead) keeps it.
    """
    wanted = [s for s in ShareSection.values if s in set(sections)]
    has_view = CaseGroupObjectPermission.objects.filter(
        permission_filter(VIEW), content_object=case, group_id=organisation.group_id
    ).exists()
    unlimited = has_view and not CaseShare.objects.filter(case=case, organisation=organisation).exists()
    grant_case_access(case, organisation, change=False)
    share, created = CaseShare.objects.get_or_create(
        case=case, organisation=organisation, defaults={"sections": wanted}
    )
    if unlimited and created:
        # It already saw everything: the share row would narrow it, so drop it again.
        share.delete()
        share = CaseShare(case=case, organisation=organisation, sections=list(ShareSection.values))
    elif not created:
        share.sections = [s for s in ShareSection.values if s in set(share.sections) | set(wanted)]
        share.own_records_only = False
        share.until = None
        share.save(update_fields=["sections", "own_records_only", "until", "updated_at"])
    _person_access_refresh(case.person_id, organisation.group_id)
    return share


def unshare_case(case: Case, organisation: Organisation) -> None:
    """Remove an organisation's access to a case entirely (a revoked referral that had been accepted)."""
    CaseShare.objects.filter(case=case, organisation=organisation).delete()
    revoke_case_access(case, organisation)


def transfer_lead_access(case: Case, *, old_lead: Organisation, new_lead: Organisation) -> None:
    """The new lead gets view and change with no limit of scope; the old lead keeps reading the whole file
    (no more changes) until the case is closed."""
    CaseShare.objects.filter(case=case, organisation=new_lead).delete()
    grant_case_access(case, new_lead, change=True)
    revoke_case_access(case, old_lead, change_only=True)
    _person_access_refresh(case.person_id, new_lead.group_id)


def decay_shared_access(case: Case, *, until: datetime.date) -> list[int]:
    """At closure: every organisation but the lead loses change and keeps reading only what it wrote itself,
    until `until`. Returns the ids of the organisations affected."""
    forget_case_capabilities(case)
    lead_group = Organisation.objects.filter(pk=case.lead_organisation_id).values_list("group_id", flat=True)
    group_ids = set(
        CaseGroupObjectPermission.objects.filter(content_object=case)
        .exclude(group_id__in=lead_group)
        .values_list("group_id", flat=True)
    )
    organisations = list(Organisation.objects.filter(group_id__in=group_ids))
    for organisation in organisations:
        revoke_case_access(case, organisation, change_only=True)
        # The sections are kept so that reopening the case gives them back; a former lead had all of them.
        CaseShare.objects.update_or_create(
            case=case,
            organisation=organisation,
            defaults={"own_records_only": True, "until": until},
            create_defaults={"own_records_only": True, "until": until, "sections": list(ShareSection.values)},
        )
        _person_access_refresh(case.person_id, organisation.group_id)
    return [o.pk for o in organisations]


def restore_shared_access(case: Case) -> None:
    """A reopened case: shares reduced at closure and not yet expired get their sections back."""
    forget_case_capabilities(case)
    for share in CaseShare.objects.filter(case=case, own_records_only=True).select_related("organisation"):
        share.own_records_only = False
        share.until = None
        share.save(update_fields=["own_records_only", "until", "updated_at"])
        _person_access_refresh(case.person_id, share.organisation.group_id)


def expire_case_shares(*, today: datetime.date) -> int:
    """Remove the access of organisations whose post-closure period ended before `today`. Returns how many."""
    expired = list(CaseShare.objects.filter(until__lt=today).select_related("case", "organisation"))
    for share in expired:
        case, organisation = share.case, share.organisation
        share.delete()
        revoke_case_access(case, organisation)
    return len(expired)
