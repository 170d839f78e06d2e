"""Writes about organisations and memberships. Each function is one transaction."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.bus import publish
from core.locks import lock_one
from core.models import AuditAction
from partners.events import MemberDeactivated, MembershipChanged
from partners.models import Membership, Organisation
from partners.roles import GROUP_ROLES, Role
from partners.selectors import admin_organisation_ids, forget_memberships


def _group_name(organisation_name: str) -> str:
    return f"org:{slugify(organisation_name)[:140]}"


@transaction.atomic
def organisation_create(*, name: str, kind: str, network_role: str = "partner", services=(), **fields) -> Organisation:
    """Create an organisation and its Django group (one group per organisation)."""
    if Organisation.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("An organisation with this name already exists.")})
    group = Group.objects.create(name=_group_name(name))
    organisation = Organisation.objects.create(name=name, kind=kind, network_role=network_role, group=group, **fields)
    if services:
        organisation.services.set(services)
    return organisation


def _sync_group(membership: Membership) -> None:
    """Keep the organisation's group equal to its active members whose role reaches case grants."""
    group = membership.organisation.group
    in_group = membership.is_active and membership.role in GROUP_ROLES and membership.organisation.is_active
    if in_group:
        membership.user.groups.add(group)
    else:
        membership.user.groups.remove(group)
    forget_memberships(membership.user)
    publish(MembershipChanged(user_id=membership.user_id, organisation_id=membership.organisation_id))


def _require_org_admin(actor, organisation: Organisation) -> None:
    if actor is None:  # system actions (demo data, imports)
        return
    if organisation.pk not in admin_organisation_ids(actor):
        raise PermissionDenied(_("Only an administrator of this organisation can manage its members."))


def _lock_membership(membership_id: int, organisation: Organisation) -> Membership:
    try:
        return lock_one(
            Membership.objects.select_related("user", "organisation__group"),
            pk=membership_id,
            organisation=organisation,
        )
    except Membership.DoesNotExist as exc:
        raise ValidationError(_("This member does not belong to the organisation.")) from exc


@transaction.atomic
def membership_add(
    *,
    organisation: Organisation,
    role: str,
    actor=None,
    user=None,
    username: str = "",
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
) -> Membership:
    """Add a member to an organisation, creating the user account when it does not exist yet.

    Raises PermissionDenied unless `actor` administers the organisation; ValidationError when the
    person is already a member (one role per organisation).
    """
    _require_org_admin(actor, organisation)
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if role == Role.COORDINATOR and not organisation.is_coordinator and actor is not None:
        raise ValidationError({"role": _("Only the coordinating organisation has coordinators.")})
    User = get_user_model()
    if user is None:
        if not username:
            raise ValidationError({"username": _("A username is required.")})
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            user = User(username=username, email=email, first_name=first_name, last_name=last_name)
            if password:
                user.set_password(password)
            else:
                user.set_unusable_password()
            user.save()
    if Membership.objects.filter(user=user, organisation=organisation).exists():
        raise ValidationError(_("This person is already a member of the organisation."))
    membership = Membership.objects.create(user=user, organisation=organisation, role=role)
    _sync_group(membership)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=membership,
        organisation=organisation,
        detail={"user": user.username, "role": role},
    )
    return membership


@transaction.atomic
def membership_change_role(*, organisation: Organisation, membership_id: int, role: str, actor) -> Membership:
    _require_org_admin(actor, organisation)
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    membership = _lock_membership(membership_id, organisation)
    if role == Role.COORDINATOR and not organisation.is_coordinator:
        raise ValidationError({"role": _("Only the coordinating organisation has coordinators.")})
    _keep_one_admin(membership, new_role=role, new_active=membership.is_active)
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    _sync_group(membership)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=membership,
        organisation=organisation,
        detail={"user": membership.user.username, "role": [old, role]},
    )
    return membership


@transaction.atomic
def membership_set_active(*, organisation: Organisation, membership_id: int, active: bool, actor) -> Membership:
    """Deactivate (or reactivate) a member. A deactivated member loses access from their next request; one with no
    membership left anywhere loses their sessions and API tokens at once (`MemberDeactivated`, accounts)."""
    _require_org_admin(actor, organisation)
    membership = _lock_membership(membership_id, organisation)
    if membership.is_active == active:
        return membership
    _keep_one_admin(membership, new_role=membership.role, new_active=active)
    membership.is_active = active
    membership.save(update_fields=["is_active", "updated_at"])
    _sync_group(membership)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=membership,
        organisation=organisation,
        detail={"user": membership.user.username, "active": active},
    )
    if not active:
        publish(MemberDeactivated(user_id=membership.user_id, organisation_id=organisation.pk, actor_id=actor.pk))
    return membership


def _keep_one_admin(membership: Membership, *, new_role: str, new_active: bool) -> None:
    """An organisation never loses its last active administrator (nobody could manage it again)."""
    was_admin = membership.is_active and membership.role == Role.ORG_ADMIN
    stays_admin = new_active and new_role == Role.ORG_ADMIN
    if was_admin and not stays_admin:
        others = (
            Membership.objects.filter(organisation=membership.organisation, role=Role.ORG_ADMIN, is_active=True)
            .exclude(pk=membership.pk)
            .exists()
        )
        if not others:
            raise ValidationError(_("The organisation must keep at least one active administrator."))


@transaction.atomic
def organisation_set_active(*, organisation: Organisation, active: bool, actor=None) -> Organisation:
    """Deactivating an organisation removes its members from its group: they lose case access at once."""
    organisation = lock_one(Organisation.objects, pk=organisation.pk)
    organisation.is_active = active
    organisation.save(update_fields=["is_active"])
    for membership in organisation.memberships.select_related("user", "organisation__group"):
        _sync_group(membership)
    audit_record(
        actor=actor, action=AuditAction.UPDATE, obj=organisation, organisation=organisation, detail={"active": active}
    )
    return organisation
