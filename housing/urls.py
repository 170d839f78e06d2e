from django.urls import path

from housing import views

app_name = "housing"

urlpatterns = [
    path("", views.home, name="home"),
    path("resources/new/", views.resource_create, name="resource_create"),
    path("resources/<int:pk>/", views.resource_detail, name="resource_detail"),
    path("resources/<int:pk>/edit/", views.resource_edit, name="resource_edit"),
    path("places/<int:place_pk>/move-in/", views.stay_start, name="stay_start"),
    path("places/<int:pk>/<str:action>/", views.place_action, name="place_action"),
    path("stays/<int:pk>/move-out/", views.stay_end, name="stay_end"),
    path("stays/<int:pk>/plan/", views.stay_plan, name="stay_plan"),
    path("waitlists/<str:kind>/", views.waitlist, name="waitlist"),
    path("offers/new/", views.offer_make, name="offer_make"),
    path("offers/<int:pk>/<str:answer>/", views.offer_answer, name="offer_answer"),
    path("rules/", views.rules, name="rules"),
    path("rules/weights/", views.weights_create, name="weights_create"),
    path("cases/<int:case_pk>/panel/", views.case_panel, name="case_panel"),
    path("cases/<int:case_pk>/housing/", views.profile_save, name="profile_save"),
    path("cases/<int:case_pk>/applications/", views.application_create, name="application_create"),
    path("cases/<int:case_pk>/pathway/", views.pathway_start, name="pathway_start"),
]
