from django.utils.functional import SimpleLazyObject

from partners.selectors import active_memberships
from workflows import permissions, selectors

# Roles that work tasks from a queue (a volunteer or an administrator has no queue of their own).
WORKING_ROLES = frozenset().union(*permissions.TASK_ROLES.values())


def work_counts(request):
    """The navigation's "My tasks" and "Queue" badges: two COUNT queries, run only when a page shows them and
    only for members whose role works tasks."""
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return {}
    if not any(m.role in WORKING_ROLES for m in active_memberships(user)):
        return {"nav_works_tasks": False}
    return {"nav_works_tasks": True, "work_counts": SimpleLazyObject(lambda: selectors.work_counts_for(user=user))}
