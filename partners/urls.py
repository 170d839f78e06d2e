from django.urls import path

from partners import views

app_name = "partners"
urlpatterns = [
    path("organisations/", views.organisation_list_view, name="organisation_list"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<int:org_pk>/members/", views.member_list, name="member_list"),
    path("organisations/<int:org_pk>/members/add/", views.member_add, name="member_add"),
    path("organisations/<int:org_pk>/members/<int:membership_pk>/", views.member_edit, name="member_edit"),
    path("audit/", views.audit_log, name="audit_log"),
]
