from django.contrib import admin
from django.urls import include, path

from accounts import forms_lockout, headers, views_auth
from cases import urls as case_urls
from cases.views import overview
from core import health
from workflows import urls as workflow_urls

urlpatterns = [
    path("", overview.home, name="home"),
    # Load balancer probes (no login, JSON). core.middleware.HealthProbeMiddleware answers GET/HEAD on these
    # paths before host validation and the HTTPS redirect; these entries name them and answer other methods.
    path("healthz", health.liveness, name="healthz"),
    path("readyz", health.readiness, name="readyz"),
    # Django's auth views under their own names, with audit rows and session effects (accounts/views_auth.py).
    # The form says until when a locked username or address must wait (accounts/lockout.py).
    path(
        "accounts/login/",
        views_auth.LoginView.as_view(authentication_form=forms_lockout.LockoutAuthenticationForm),
        name="login",
    ),
    path("accounts/logout/", views_auth.LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", views_auth.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        views_auth.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("network/", include("partners.urls")),
    # The case pages, with the lifecycle ones (open, close, status: they run the case pathway, so they are
    # workflows views) under the same `cases` names.
    path("cases/", include((case_urls.urlpatterns + workflow_urls.case_lifecycle_urlpatterns, case_urls.app_name))),
    path("work/", include("workflows.urls")),
    path("housing/", include("housing.urls")),
    path("employment/", include("employment.urls")),
    path("reports/", include("reports.urls")),
    path("notifications/", include("notifications.urls", namespace="notifications")),
    path("help/", include("guide.pages")),  # the user guide, per role (guide/pages.py)
    path("api/v1/", include("config.api_urls")),
    # Behind a login when TAVOLO_API_DOCS_LOGIN_REQUIRED (production's default); CSP relaxations: accounts/headers.py.
    path("api/v1/schema/", headers.api_schema_view(), name="api-schema"),
    path("api/v1/docs/", headers.api_swagger_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/redoc/", headers.api_redoc_view(url_name="api-schema"), name="api-redoc"),
    path("django-admin/", admin.site.urls),  # read-only but for the service catalogue (ADR 0015)
]

# Errors outside the views answer the API's JSON shape under /api/ and the templates elsewhere; a body too large
# is a 413, a database out of reach a 503 with Retry-After (core.errors).
handler400 = "core.errors.bad_request"
handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"
handler500 = "core.errors.server_error"
