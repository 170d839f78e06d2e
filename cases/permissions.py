"""The one place that grants, revokes and checks access to case data.

Access to a case = an object permission on the case (``cases.view_case`` / ``cases.change_case``)
held by the group of an organisation the user is an active member of, combined with what the
user's role in that organisation may do (``partners.roles.ROLE_CAPABILITIES``); or a per-user grant
(used for the coordinator, who otherwise sees only pseudonymised lists).

Every check here is SQL: ``visible_cases`` returns a queryset to filter on, never a list of ids
computed in Python. Hidden objects must answer 404, so ``*_get_for`` selectors raise ``Http404``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from cases.models import Case, CaseGroupObjectPermission, CaseUserObjectPermission, Note, Person, PersonAccess
from partners.models import Organisation
from partners.roles import CHANGE_CAPABILITIES, Capability, Role
from partners.selectors import ActiveMembership, active_memberships, is_coordinator, memberships_with

VIEW = "view_case"
CHANGE = "change_case"


def _perm_filter(codename: str) -> Q:
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
        _perm_filter(codename), content_object=OuterRef("pk"), group_id__in=group_ids
    )
    conditions = []
    if group_ids:
        conditions.append(Q(Exists(group_grant)))
    if is_coordinator(user):
        # Per-user grants exist for the coordinator only; everyone else is spared an OR of two EXISTS,
        # which PostgreSQL cannot plan as a walk of the recent-first index (bench/caselist.py).
        user_grant = CaseUserObjectPermission.objects.filter(
            _perm_filter(codename), content_object=OuterRef("pk"), user_id=user.pk
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
            _perm_filter(VIEW), content_object=OuterRef("pk"), user_id=user.pk
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

    Remembered on the case instance for the user, since a page asks it once per section; the grant and
    revoke functions below forget it.
    """
    cache = case.__dict__.setdefault("_tavolo_capabilities", {})
    if user.pk not in cache:
        cache[user.pk] = _compute_case_capabilities(user, case)
    return cache[user.pk]


def _forget_case_capabilities(case: Case) -> None:
    case.__dict__.pop("_tavolo_capabilities", None)


def _compute_case_capabilities(user, case: Case) -> frozenset[str]:
    memberships = active_memberships(user)
    granted = set(
        CaseGroupObjectPermission.objects.filter(content_object=case, group_id__in=[m.group_id for m in memberships])
        .values_list("group_id", "permission__codename")
    )
    user_perms = set(
        CaseUserObjectPermission.objects.filter(content_object=case, user_id=user.pk)
        .values_list("permission__codename", flat=True)
    ) if is_coordinator(user) else set()
    caps: set[str] = set()
    for membership in memberships:
        for cap in Capability.values:
            if membership.can(cap) and (membership.group_id, _object_perm_for(cap)) in granted:
                caps.add(cap)
    if VIEW in user_perms:
        # A per-user grant (the coordinator opening a file) is read-only.
        caps |= {Capability.VIEW_SUMMARY, Capability.VIEW_FILE, Capability.READ_NOTES, Capability.VIEW_TIMELINE,
                 Capability.DOWNLOAD_DOCUMENT}
    return frozenset(caps)


def acting_membership(user, case: Case, capability: str) -> ActiveMembership:
    """The membership through which the user exercises `capability` on `case`: the lead organisation
    first, then the first other one. Raises PermissionDenied when there is none."""
    codename = _object_perm_for(capability)
    candidates = memberships_with(user, capability)
    granted_groups = set(
        CaseGroupObjectPermission.objects.filter(
            _perm_filter(codename), content_object=case, group_id__in=[m.group_id for m in candidates]
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


# --- grants --------------------------------------------------------------------------------------

def _case_permissions(codenames: Iterable[str]) -> list[Permission]:
    ct = ContentType.objects.get_for_model(Case)
    return list(Permission.objects.filter(content_type=ct, codename__in=list(codenames)))


def grant_case_access(case: Case, organisation: Organisation, *, change: bool) -> None:
    """Give an organisation's group view (and optionally change) on a case. Idempotent."""
    _forget_case_capabilities(case)
    codenames = [VIEW, CHANGE] if change else [VIEW]
    for permission in _case_permissions(codenames):
        CaseGroupObjectPermission.objects.get_or_create(
            group_id=organisation.group_id, permission=permission, content_object=case
        )
    PersonAccess.objects.get_or_create(person_id=case.person_id, group_id=organisation.group_id)


def revoke_case_access(case: Case, organisation: Organisation, *, change_only: bool = False) -> int:
    _forget_case_capabilities(case)
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
    viewing = CaseGroupObjectPermission.objects.filter(
        _perm_filter(VIEW), group_id=group_id, content_object__person_id=person_id
    )
    if not registered.exists() and not viewing.exists():
        PersonAccess.objects.filter(person_id=person_id, group_id=group_id).delete()


def person_access_sync(person: Person) -> None:
    """Recompute a person's `PersonAccess` rows from the case grants and the registering organisation
    (after registration, or after a merge moved cases between people)."""
    registering_group = Organisation.objects.filter(pk=person.registered_by_id).values_list("group_id", flat=True)
    wanted = set(registering_group) | set(
        CaseGroupObjectPermission.objects.filter(_perm_filter(VIEW), content_object__person_id=person.pk)
        .values_list("group_id", flat=True)
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
    _forget_case_capabilities(case)
    for permission in _case_permissions([VIEW]):
        CaseUserObjectPermission.objects.get_or_create(user=user, permission=permission, content_object=case)


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
