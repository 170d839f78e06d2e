from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from cases.views import cases as case_views
from cases.views import overview
from core import health
from workflows.services import casepath

urlpatterns = [
    path("", overview.home, name="home"),
    # Load balancer probes (no login, JSON). core.middleware.HealthProbeMiddleware answers GET/HEAD on these
    # paths before host validation and the HTTPS redirect; these entries name them and answer other methods.
    path("healthz", health.liveness, name="healthz"),
    path("readyz", health.readiness, name="readyz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("network/", include("partners.urls")),
    # Intake, closure and reopening are the `cases` views driving the workflows services, so that the case
    # pathway starts, ends and restarts with the case (`cases` does not import `workflows`). These paths are
    # the ones `cases.urls` names, matched first.
    path("cases/open/", case_views.case_open, {"open_case": casepath.case_open_with_pathway}),
    path("cases/<int:pk>/close/", case_views.case_close, {"close_case": casepath.case_close_now}),
    path("cases/<int:pk>/status/", case_views.case_status, {"set_status": casepath.case_set_status_with_pathway}),
    path("cases/", include("cases.urls")),
    path("work/", include("workflows.urls")),
    path("housing/", include("housing.urls")),
    path("employment/", include("employment.urls")),
    path("reports/", include("reports.urls")),
    path("notifications/", include("notifications.urls", namespace="notifications")),
    path("help/", include("core.help")),  # the user guide, per role (core/help.py)
    path("api/v1/", include("config.api_urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("django-admin/", admin.site.urls),
]

# Errors outside the views answer the API's JSON shape under /api/ and the templates elsewhere; a body too large
# is a 413, a database out of reach a 503 with Retry-After (core.errors).
handler400 = "core.errors.bad_request"
handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"
handler500 = "core.errors.server_error"
