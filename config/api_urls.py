"""/api/v1/: the REST API for partner systems. Schema at /api/v1/schema/, docs at /api/v1/docs/.

Authenticate with a session (the browsable API) or a token: ``POST /api/v1/auth/token/`` with
``username`` and ``password`` returns ``{"token": ..., "expiry": ...}`` (a new token each time, stored only
hashed, valid until ``expiry``: TAVOLO_API_TOKEN_TTL_HOURS); send ``Authorization: Token <token>``.
``POST /api/v1/auth/logout/`` revokes the token sent, ``POST /api/v1/auth/logoutall/`` all of the user's tokens.
"""

from django.urls import path
from rest_framework.routers import DefaultRouter

from accounts.api import LogoutAllView, LogoutView, TokenObtainView
from cases.api.consents import ConsentViewSet
from cases.api.households import HouseholdViewSet
from cases.api.persons import PersonViewSet
from cases.api.records import CaseInterventionViewSet, CaseNoteViewSet, InterventionViewSet
from employment.api import register_api_routes as register_employment_routes
from housing.api import register_api_routes as register_housing_routes
from notifications.api import NotificationViewSet
from partners.api import OrganisationViewSet
from workflows.api import CaseLifecycleViewSet, HandoffViewSet, TaskViewSet

router = DefaultRouter()
router.register("organisations", OrganisationViewSet, basename="api-organisation")
router.register("persons", PersonViewSet, basename="api-person")
router.register("households", HouseholdViewSet, basename="api-household")
router.register("consents", ConsentViewSet, basename="api-consent")
# The cases API of `cases` with the case lifecycle (open, close, status: workflows.services.lifecycle).
router.register("cases", CaseLifecycleViewSet, basename="api-case")
router.register(r"cases/(?P<case_pk>[0-9]+)/notes", CaseNoteViewSet, basename="api-case-note")
router.register(r"cases/(?P<case_pk>[0-9]+)/interventions", CaseInterventionViewSet, basename="api-case-intervention")
router.register("interventions", InterventionViewSet, basename="api-intervention")
router.register("tasks", TaskViewSet, basename="api-task")
router.register("handoffs", HandoffViewSet, basename="api-handoff")
router.register("notifications", NotificationViewSet, basename="api-notification")
register_housing_routes(router)
register_employment_routes(router)

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="api-token"),
    path("auth/logout/", LogoutView.as_view(), name="api-logout"),
    path("auth/logoutall/", LogoutAllView.as_view(), name="api-logoutall"),
    *router.urls,
]
