from django.urls import path

from housing.views import home, offers, panel, resources, rules, stays

app_name = "housing"

urlpatterns = [
    path("", home.home, name="home"),
    path("resources/new/", resources.resource_create, name="resource_create"),
    path("resources/<int:pk>/", resources.resource_detail, name="resource_detail"),
    path("resources/<int:pk>/edit/", resources.resource_edit, name="resource_edit"),
    path("places/<int:place_pk>/move-in/", stays.stay_start, name="stay_start"),
    path("places/<int:pk>/<str:action>/", resources.place_action, name="place_action"),
    path("stays/<int:pk>/move-out/", stays.stay_end, name="stay_end"),
    path("stays/<int:pk>/plan/", stays.stay_plan, name="stay_plan"),
    path("waitlists/<str:kind>/", offers.waitlist, name="waitlist"),
    path("offers/new/", offers.offer_make, name="offer_make"),
    path("offers/<int:pk>/<str:answer>/", offers.offer_answer, name="offer_answer"),
    path("rules/", rules.rules, name="rules"),
    path("rules/weights/", rules.weights_create, name="weights_create"),
    path("cases/<int:case_pk>/panel/", panel.case_panel, name="case_panel"),
    path("cases/<int:case_pk>/housing/", panel.profile_save, name="profile_save"),
    path("cases/<int:case_pk>/applications/", panel.application_create, name="application_create"),
    path("cases/<int:case_pk>/pathway/", panel.pathway_start, name="pathway_start"),
]
