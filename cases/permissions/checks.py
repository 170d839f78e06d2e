"""Who may see and do what on case data: the read side of case access.

Access to a case = an object permission on the case (``cases.view_case`` / ``cases.change_case``)
held by the group of an organisation the user is an active member of, combined with what the
user's role in that organisation may do (``partners.roles.ROLE_CAPABILITIES``); or a per-user grant
(used for the coordinator, who otherwise sees only pseudonymised lists).

Every check here is SQL: ``visible_cases`` returns a queryset to filter on, never a list of ids
computed in Python. Hidden objects must answer 404, so ``*_get_for`` selectors raise ``Http404``.
The rows these checks read are written only by `cases.permissions.grants`.
"""

from __future__ import annotations

import json

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from cases.models import (
    Case,
    CaseGroupObjectPermission,
    CaseShare,
    CaseUserObjectPermission,
    Note,
    Person,
    PersonAccess,
    ShareSection,
)
from partners.roles import CHANGE_CAPABILITIES, Capability, Role
from partners.selectors import ActiveMembership, active_memberships, is_coordinator, memberships_with

VIEW = "view_case"
CHANGE = "change_case"


def permission_filter(codename: str) -> Q:
    """The permission as a scalar subquery (evaluated once, as an InitPlan on PostgreSQL) rather than a join
    through auth_permission and django_content_type on every grant row."""
    permission_id = Permission.objects.filter(
        codename=codename, content_type__app_label="cases", content_type__model="case"
    ).values("pk")[:1]
    return Q(permission_id=Subquery(permission_id))


def _object_perm_for(codename: str) -> str:
    return CHANGE if codename in CHANGE_CAPABILITIES else VIEW


def group_ids_with(user, capability: str) -> list[int]:
    return [m.group_id for m in memberships_with(user, capability)]


def _granted(user, capability: str) -> Q:
    """A Q on Case: the case is granted to a group through which the user has `capability`."""
    codename = _object_perm_for(capability)
    group_ids = group_ids_with(user, capability)
    group_grant = CaseGroupObjectPermission.objects.filter(
        permission_filter(codename), content_object=OuterRef("pk"), group_id__in=group_ids
    )
    conditions = []
    if group_ids:
        conditions.append(Q(Exists(group_grant)))
    if is_coordinator(user):
        # Per-user grants exist for the coordinator only; everyone else is spared an OR of two EXISTS,
        # which PostgreSQL cannot plan as a walk of the recent-first index (bench/caselist.py).
        user_grant = CaseUserObjectPermission.objects.filter(
            permission_filter(codename), content_object=OuterRef("pk"), user_id=user.pk
        )
        conditions.append(Q(Exists(user_grant)))
    if not conditions:
        return Q(pk__in=[])
    condition = conditions[0]
    for other in conditions[1:]:
        condition |= other
    return condition


def visible_cases(user, capability: str = Capability.VIEW_FILE) -> QuerySet[Case]:
    """Cases on which `user` may exercise `capability`, as one SQL filter."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Case.objects.none()
    return Case.objects.filter(_granted(user, capability))


def visible_persons(user, capability: str = Capability.VIEW_FILE) -> QuerySet[Person]:
    """People the user may see: one of their cases is visible, or the user's organisation registered them
    (a person registered before any case is opened).

    For the view capabilities this is one semi-join on `PersonAccess` (kept in step with the grants by
    this module): the groups through which the user has `capability` may see the person. An OR of a case
    EXISTS and the registering organisation would make PostgreSQL walk every person (bench/caselist.py).
    The change capability needs `change_case` on a case, which `PersonAccess` does not record: it keeps
    the case path (it is only asked about one person at a time).
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Person.objects.none()
    memberships = memberships_with(user, capability)
    people = Person.objects.not_merged()
    if _object_perm_for(capability) == CHANGE:
        cases = visible_cases(user, capability).filter(person_id=OuterRef("pk"))
        registering_orgs = [m.organisation_id for m in memberships]
        return people.filter(Q(Exists(cases)) | Q(registered_by_id__in=registering_orgs))
    conditions = []
    if memberships:
        access = PersonAccess.objects.filter(person_id=OuterRef("pk"), group_id__in=[m.group_id for m in memberships])
        conditions.append(Q(Exists(access)))
    if is_coordinator(user):
        # The coordinator's per-user grants (`_granted`): cases opened to them one by one.
        user_grant = CaseUserObjectPermission.objects.filter(
            permission_filter(VIEW), content_object=OuterRef("pk"), user_id=user.pk
        )
        conditions.append(Q(Exists(Case.objects.filter(Exists(user_grant), person_id=OuterRef("pk")))))
    if not conditions:
        return Person.objects.none()
    condition = conditions[0]
    for other in conditions[1:]:
        condition |= other
    return people.filter(condition)


def case_capabilities(user, case: Case) -> frozenset[str]:
    """Every capability the user has on one case (one or two small queries).

    Remembered on the case instance for the user, since a page asks it once per section; the functions of
    `cases.permissions.grants` forget it.
    """
    cache = case.__dict__.setdefault("_tavolo_capabilities", {})
    if user.pk not in cache:
        cache[user.pk], own_records = _compute_case_capabilities(user, case)
        case.__dict__.setdefault("_tavolo_own_records", {})[user.pk] = own_records
    return cache[user.pk]


def _json_list(value) -> list:
    """A JSON list read through a subquery: a list on PostgreSQL, its text on SQLite."""
    if isinstance(value, str):
        value = json.loads(value)
    return list(value or [])


def forget_case_capabilities(case: Case) -> None:
    """Drop what `case_capabilities` remembered on the instance (after a grant or revoke)."""
    case.__dict__.pop("_tavolo_capabilities", None)
    case.__dict__.pop("_tavolo_own_records", None)


def _compute_case_capabilities(user, case: Case) -> tuple[frozenset[str], list[int] | None]:
    """The capabilities, and `own_records_organisation_ids` read from the same rows."""
    memberships = active_memberships(user)
    # One query: the grants of the user's groups, each with its organisation's share of the case (if any).
    share = CaseShare.objects.filter(case=case, organisation__group_id=OuterRef("group_id"))
    rows = list(
        CaseGroupObjectPermission.objects.filter(
            content_object=case, group_id__in=[m.group_id for m in memberships]
        ).values_list(
            "group_id",
            "permission__codename",
            Subquery(share.values("pk")[:1]),
            Subquery(share.values("sections")[:1]),
            Subquery(share.values("own_records_only")[:1]),
        )
    )
    granted = {(group_id, codename) for group_id, codename, *_share in rows}
    shares = {
        group_id: CaseShare(pk=share_pk, sections=_json_list(sections), own_records_only=bool(own_only))
        for group_id, _codename, share_pk, sections, own_only in rows
        if share_pk is not None
    }
    user_perms = (
        set(
            CaseUserObjectPermission.objects.filter(content_object=case, user_id=user.pk).values_list(
                "permission__codename", flat=True
            )
        )
        if is_coordinator(user)
        else set()
    )
    caps: set[str] = set()
    for membership in memberships:
        allowed = share_capabilities(shares[membership.group_id]) if membership.group_id in shares else None
        for cap in Capability.values:
            if allowed is not None and cap not in allowed:
                continue
            if membership.can(cap) and (membership.group_id, _object_perm_for(cap)) in granted:
                caps.add(cap)
    if VIEW in user_perms:
        # A per-user grant (the coordinator opening a file) is read-only.
        caps |= {
            Capability.VIEW_SUMMARY,
            Capability.VIEW_FILE,
            Capability.READ_NOTES,
            Capability.VIEW_TIMELINE,
            Capability.DOWNLOAD_DOCUMENT,
        }
    viewing_orgs = {m.organisation_id for m in memberships if (m.group_id, VIEW) in granted}
    own_only_orgs = {
        m.organisation_id for m in memberships if m.group_id in shares and shares[m.group_id].own_records_only
    }
    own_records = sorted(viewing_orgs) if viewing_orgs and viewing_orgs <= own_only_orgs else None
    return frozenset(caps), own_records


# What a share lets the receiving organisation do whatever its sections: know who the person is and record
# its own work on the case (notes, documents, services delivered).
SHARE_BASE_CAPABILITIES = frozenset(
    {Capability.VIEW_SUMMARY, Capability.ADD_NOTE, Capability.ADD_INTERVENTION, Capability.UPLOAD_DOCUMENT}
)
SECTION_CAPABILITIES = {
    ShareSection.FILE: frozenset({Capability.VIEW_FILE}),
    ShareSection.NOTES: frozenset({Capability.READ_NOTES}),
    ShareSection.DOCUMENTS: frozenset({Capability.DOWNLOAD_DOCUMENT}),
    ShareSection.TIMELINE: frozenset({Capability.VIEW_TIMELINE}),
}
# After closure: the summary, and reading back what the organisation itself wrote.
OWN_RECORDS_CAPABILITIES = frozenset({Capability.VIEW_SUMMARY, Capability.READ_NOTES, Capability.DOWNLOAD_DOCUMENT})


def share_capabilities(share: CaseShare) -> frozenset[str]:
    """The most a role may do on a case through this share (intersected with the role's capabilities)."""
    if share.own_records_only:
        return OWN_RECORDS_CAPABILITIES
    caps = set(SHARE_BASE_CAPABILITIES)
    for section in share.sections:
        caps |= SECTION_CAPABILITIES.get(section, frozenset())
    return frozenset(caps)


def own_records_organisation_ids(user, case: Case) -> list[int] | None:
    """When the user reaches `case` only through shares reduced to the organisation's own records (a closed
    case), the organisations whose notes, documents and services they may still read; None otherwise.

    Read with the capabilities (`case_capabilities`) and remembered with them on the case instance."""
    if user.pk not in case.__dict__.get("_tavolo_own_records", {}):
        case.__dict__.get("_tavolo_capabilities", {}).pop(user.pk, None)
        case_capabilities(user, case)
    return case.__dict__["_tavolo_own_records"][user.pk]


# The section of the file that carries each reading capability, for `records_filter`.
CAPABILITY_SECTION: dict[str, str] = {cap: section for section, caps in SECTION_CAPABILITIES.items() for cap in caps}


def records_filter(
    user,
    capability: str,
    *,
    section: str | None = None,
    own_capability: str | None = None,
    case_field: str = "case",
    organisation_field: str = "organisation",
) -> Q:
    """A Q on rows written on a case (notes, documents, services, events): the rows `user` may read through
    `capability`. The one rule, in SQL, for every list and download of case records:

    - an organisation always reads what it wrote itself (`organisation_field` is one of the user's
      organisations whose role has `own_capability`, by default `capability`), whatever it was shared;
    - other organisations' rows need the section in full: a grant with no share (the lead, a grant made
      outside a referral), or a share that holds `section` (by default the one that carries `capability`:
      `SECTION_CAPABILITIES`) and is not reduced to the
      organisation's own records (a closed case); or the coordinator's per-user grant.

    It does not test that the case is visible: callers also filter on `visible_cases`. One EXISTS per row,
    so a list's query count does not grow with its rows.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    own_orgs = [m.organisation_id for m in memberships_with(user, own_capability or capability)]
    group_ids = group_ids_with(user, capability)
    condition = Q(**{f"{organisation_field}_id__in": own_orgs})
    if group_ids:
        limiting = CaseShare.objects.filter(
            case_id=OuterRef("content_object_id"), organisation__group_id=OuterRef("group_id")
        )
        section = section or CAPABILITY_SECTION.get(capability)
        # A JSON list of short codes: its text holds '"documents"' exactly when the list does (any database).
        limiting = limiting.filter(
            Q(own_records_only=True) | ~Q(sections__icontains=f'"{section}"') if section else Q(own_records_only=True)
        )
        full = CaseGroupObjectPermission.objects.filter(
            permission_filter(VIEW), content_object_id=OuterRef(f"{case_field}_id"), group_id__in=group_ids
        ).exclude(Exists(limiting))
        condition |= Q(Exists(full))
    if is_coordinator(user):
        user_grant = CaseUserObjectPermission.objects.filter(
            permission_filter(VIEW), content_object_id=OuterRef(f"{case_field}_id"), user_id=user.pk
        )
        condition |= Q(Exists(user_grant))
    return condition


def acting_membership(user, case: Case, capability: str) -> ActiveMembership:
    """The membership through which the user exercises `capability` on `case`: the lead organisation
    first, then the first other one. Raises PermissionDenied when there is none."""
    codename = _object_perm_for(capability)
    candidates = memberships_with(user, capability)
    granted_groups = set(
        CaseGroupObjectPermission.objects.filter(
            permission_filter(codename), content_object=case, group_id__in=[m.group_id for m in candidates]
        ).values_list("group_id", flat=True)
    )
    usable = [m for m in candidates if m.group_id in granted_groups]
    if not usable:
        raise PermissionDenied(_("You are not allowed to do this on this case."))
    usable.sort(key=lambda m: m.organisation_id != case.lead_organisation_id)
    return usable[0]


def require_case_capability(user, case: Case, capability: str) -> ActiveMembership:
    return acting_membership(user, case, capability)


def sensitive_note_filter(user) -> Q:
    """Sensitive notes are shown only to members of the author's organisation who may read notes."""
    org_ids = [m.organisation_id for m in memberships_with(user, Capability.READ_NOTES)]
    return Q(is_sensitive=False) | Q(author_organisation_id__in=org_ids)


def visible_notes(user, case: Case) -> QuerySet[Note]:
    return case.notes.filter(sensitive_note_filter(user))


def intake_memberships(user) -> list[ActiveMembership]:
    """Memberships through which the user may register people and open cases."""
    return [m for m in active_memberships(user) if m.role == Role.CASE_MANAGER]


def changeable_persons(user) -> QuerySet[Person]:
    """People whose registry data the user may edit: a case of theirs with change rights, or registered by
    an organisation where the user manages cases."""
    return visible_persons(user, Capability.CHANGE_CASE)


def require_person_change(user, person: Person) -> ActiveMembership:
    """The membership through which the user edits a person's registry data; PermissionDenied otherwise."""
    memberships = memberships_with(user, Capability.CHANGE_CASE)
    if not memberships or not changeable_persons(user).filter(pk=person.pk).exists():
        raise PermissionDenied(_("You are not allowed to change this person's data."))
    for membership in memberships:
        if membership.organisation_id == person.registered_by_id:
            return membership
    lead_ids = set(
        visible_cases(user, Capability.CHANGE_CASE).filter(person=person).values_list("lead_organisation_id", flat=True)
    )
    return next((m for m in memberships if m.organisation_id in lead_ids), memberships[0])


def require_intake_membership(user, organisation_id: int | None) -> ActiveMembership:
    """The case-manager membership for `organisation_id` (or the only one when None)."""
    memberships = intake_memberships(user)
    if organisation_id is None and len(memberships) == 1:
        return memberships[0]
    for membership in memberships:
        if membership.organisation_id == organisation_id:
            return membership
    raise PermissionDenied(_("You cannot register people or open cases for this organisation."))
