"""Security headers (issue 18, item 6): Permissions-Policy, and the API schema and docs behind a login.

The Content-Security-Policy itself is django-csp's (``csp.middleware.CSPMiddleware``, the policy in
``config/settings.py``); here are the per-view relaxations the API docs need.
"""

from collections.abc import Callable
from functools import wraps

from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseBase
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

# Browser features no Tavolo page uses, refused to the page and to anything it might embed: a script injected
# despite the CSP still cannot turn on the camera, the microphone or the location of someone's phone.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)


class PermissionsPolicyMiddleware:
    """Add the Permissions-Policy header to every response that has none."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class ApiDocsPermission(BasePermission):
    """The schema needs a login (session or token) when TAVOLO_API_DOCS_LOGIN_REQUIRED is on: the anonymous get
    the API's 401/403 JSON error. Read per request, so a test can switch it with ``settings``."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return not settings.TAVOLO_API_DOCS_LOGIN_REQUIRED or bool(request.user and request.user.is_authenticated)


def _docs_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A docs page (Swagger, Redoc): the anonymous are sent to the login page when a login is required.

    Swagger UI and Redoc write their styles into the page at run time (and their templates hold a <style>), so
    style-src allows inline styles on these two pages only; scripts stay 'self' (Swagger's init script is served
    as a file by SpectacularSwaggerSplitView). Redoc renders in a worker made from a blob: URL.
    """

    @wraps(view)
    def page(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        if settings.TAVOLO_API_DOCS_LOGIN_REQUIRED and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["'self'", "blob:"]})(page)


def api_schema_view() -> Callable[..., HttpResponseBase]:
    return SpectacularAPIView.as_view(permission_classes=[ApiDocsPermission])


def api_swagger_view(*, url_name: str) -> Callable[..., HttpResponseBase]:
    return _docs_page(SpectacularSwaggerSplitView.as_view(url_name=url_name, permission_classes=[ApiDocsPermission]))


def api_redoc_view(*, url_name: str) -> Callable[..., HttpResponseBase]:
    return _docs_page(SpectacularRedocView.as_view(url_name=url_name, permission_classes=[ApiDocsPermission]))
