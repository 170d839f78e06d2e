from django.urls import path

from employment import views

app_name = "employment"

urlpatterns = [
    path("", views.home, name="home"),
    path("cases/<int:case_pk>/panel/", views.case_panel, name="case_panel"),
    path("cases/<int:case_pk>/start/", views.pathway_start, name="pathway_start"),
    path("cases/<int:case_pk>/pathway/", views.case_pathway, name="case_pathway"),
    path("cases/<int:case_pk>/profile/", views.profile_edit, name="profile_edit"),
    path("cases/<int:case_pk>/opportunities/", views.case_opportunities, name="case_opportunities"),
    path("opportunities/", views.opportunity_list, name="opportunity_list"),
    path("opportunities/new/", views.opportunity_create, name="opportunity_create"),
    path("opportunities/<int:pk>/", views.opportunity_detail, name="opportunity_detail"),
    path("courses/", views.course_list, name="course_list"),
    path("courses/new/", views.course_create, name="course_create"),
    path("courses/<int:pk>/", views.course_detail, name="course_detail"),
]
