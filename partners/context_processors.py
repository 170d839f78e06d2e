from partners.selectors import active_memberships


def navigation(request):
    """What the navigation needs: the user's memberships and the roles they hold (no extra query per page)."""
    memberships = active_memberships(request.user) if hasattr(request, "user") else ()
    roles = {m.role for m in memberships}
    return {"nav_memberships": memberships, "nav_roles": roles}
