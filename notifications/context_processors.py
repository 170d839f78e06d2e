from django.utils.functional import SimpleLazyObject

from notifications.selectors import bell_state_for


def unread_notifications(request):
    """The bell of every page: the unread count and the newest id (where the browser's replay starts). One query,
    run only when a page renders the bell."""
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return {}
    return {"bell": SimpleLazyObject(lambda: bell_state_for(user=user))}
