"""The human task node of our flows: routed to an organisation's queue, worked under our permission rules.

viewflow's stock checks ask `user.has_perm(permission, obj)`; ours ask the user's role in the organisation
that owns the queue (`workflows.permissions`). Tasks are worked through our own views and services, so the
node's view is never mounted.
"""

from __future__ import annotations

from django.http import Http404
from viewflow.workflow import flow

from workflows import permissions


def task_view_not_mounted(request, *args, **kwargs):
    """viewflow's own task views are not mounted (they are not scoped by organisation): see workflows.views."""
    raise Http404


class OrgTask(flow.View):
    def __init__(self, **kwargs):
        super().__init__(task_view_not_mounted, **kwargs)

    def can_assign(self, user, task):
        return permissions.can_claim(user, task)

    def can_execute(self, user, task):
        return permissions.can_execute(user, task)

    def can_unassign(self, user, task):
        return permissions.can_release(user, task)
