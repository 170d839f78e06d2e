"""Request-wide concerns of the network: the client's address for the audit log, and members whose access ended."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.audit import client_ip, current_ip
from core.errors import is_api_request, json_error
from partners.selectors import active_memberships


class AuditContextMiddleware:
    """Makes the client's address available to `audit_record` for the whole request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)


#: Paths a member whose memberships have all ended may still reach: logging out (and in as someone else), the
#: language switch, the load balancer's probes, static files, Django's own admin (which checks staff itself) and
#: their notifications (those addressed to them personally stay theirs; the ones that came through an
#: organisation are already hidden by the notifications' own selectors).
LAPSED_MEMBER_PATHS = (
    "/accounts/",
    "/i18n/",
    "/healthz",
    "/readyz",
    "/static/",
    "/django-admin/",
    "/notifications/",
    "/api/v1/notifications/",
)


def membership_lapsed(user) -> bool:
    """A signed-in person with no active membership left (deactivated, or their organisation was): every page of
    the network is closed to them. Superusers without memberships run the instance and are left alone."""
    return getattr(user, "is_authenticated", False) and not user.is_superuser and not active_memberships(user)


def membership_inactive_message() -> str:
    return _(
        "Your membership is no longer active: you cannot see the network's pages. "
        "Contact your organisation's administrator, or log out."
    )


def membership_inactive_response(request) -> HttpResponse:
    """403 that says why, instead of the 404 each hidden case would answer: JSON under /api/, a page elsewhere."""
    message = membership_inactive_message()
    if is_api_request(request):
        return json_error(status=403, code="membership_inactive", message=message)
    return render(request, "partners/membership_inactive.html", {"message": message}, status=403)


class ActiveMembershipMiddleware:
    """Turns away, in one place, a signed-in member whose memberships all ended while their session lives on
    (a page left open, an API client with a session): without it each page answered its own 404."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(LAPSED_MEMBER_PATHS) and membership_lapsed(request.user):
            return membership_inactive_response(request)
        return self.get_response(request)
