"""Who sees the oversight figures, and of which organisations.

- The coordinator (a member with the coordinator role) sees the whole network, pseudonymised: aggregates and
  case codes, never a person's name. They may narrow the figures to one organisation.
- An org_admin sees the figures of their own organisation(s) only; asking for another one answers 404.
- Everyone else: 404 (the dashboard does not exist for them).
Opening a person's file from the dashboard goes through the case page and its own per-case permission.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from partners.models import Organisation
from partners.roles import Role
from partners.selectors import active_memberships, admin_organisation_ids, is_coordinator


@dataclass(frozen=True)
class Scope:
    """The organisations a report covers. `organisation_ids` None: the whole network."""

    is_network: bool  # the reader is the coordinator (may see every organisation)
    organisation_ids: tuple[int, ...] | None
    acting_organisation_id: int | None  # the reader's organisation, for the audit rows

    def covers(self, organisation_id: int | None) -> bool:
        return self.organisation_ids is None or organisation_id in self.organisation_ids


def can_see_dashboard(user) -> bool:
    return is_coordinator(user) or bool(admin_organisation_ids(user))


def oversight_scope_for(user, *, organisation_id: int | None = None) -> Scope:
    """The scope of the reader's figures, narrowed to `organisation_id` when given.

    Raises Http404 when the user may not see the dashboard, or may not see that organisation (or it does not
    exist): "not yours" and "not there" look the same.
    """
    memberships = active_memberships(user)
    if is_coordinator(user):
        acting = next(m.organisation_id for m in memberships if m.role == Role.COORDINATOR)
        if organisation_id is None:
            return Scope(is_network=True, organisation_ids=None, acting_organisation_id=acting)
        if not Organisation.objects.filter(pk=organisation_id).exists():
            raise Http404
        return Scope(is_network=True, organisation_ids=(organisation_id,), acting_organisation_id=acting)
    admin_ids = admin_organisation_ids(user)
    if not admin_ids:
        raise Http404
    if organisation_id is None:
        return Scope(is_network=False, organisation_ids=tuple(admin_ids), acting_organisation_id=admin_ids[0])
    if organisation_id not in admin_ids:
        raise Http404
    return Scope(is_network=False, organisation_ids=(organisation_id,), acting_organisation_id=organisation_id)


def organisation_choices_for(user) -> list[tuple[int, str]]:
    """The organisations the reader may filter on."""
    if is_coordinator(user):
        return list(Organisation.objects.order_by("name").values_list("pk", "name"))
    admin_ids = set(admin_organisation_ids(user))
    return [
        (m.organisation_id, m.organisation_name) for m in active_memberships(user) if m.organisation_id in admin_ids
    ]
