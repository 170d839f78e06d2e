from django.urls import path

from cases.views import cases, households, overview, persons, records

app_name = "cases"

urlpatterns = [
    # cases (opening, closing and the status are the lifecycle pages of workflows, mounted under these names by
    # config/urls.py: `workflows.urls.case_lifecycle_urlpatterns`)
    path("", cases.case_list, name="case_list"),
    path("<int:pk>/", cases.case_detail, name="case_detail"),
    path("<int:pk>/edit/", cases.case_edit, name="case_edit"),
    path("<int:pk>/timeline/", cases.timeline, name="timeline"),
    # the case file
    path("<int:pk>/notes/add/", records.note_add, name="note_add"),
    path("<int:pk>/documents/upload/", records.document_upload, name="document_upload"),
    path("documents/<int:pk>/download/", records.document_download, name="document_download"),
    path("<int:pk>/interventions/add/", records.intervention_add, name="intervention_add"),
    path("<int:pk>/assessments/add/", records.assessment_add, name="assessment_add"),
    path("<int:pk>/plan/", records.plan_edit, name="plan_edit"),
    path("<int:pk>/plan/goals/add/", records.goal_add, name="goal_add"),
    path("goals/<int:goal_pk>/actions/add/", records.action_add, name="action_add"),
    # people
    path("people/", persons.person_search, name="person_search"),
    path("people/register/", persons.person_register, name="person_register"),
    path("people/<int:pk>/", persons.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", persons.person_edit, name="person_edit"),
    path("people/<int:pk>/merge/", persons.person_merge, name="person_merge"),
    path("people/<int:person_pk>/consents/add/", persons.consent_add, name="consent_add"),
    path("consents/<int:pk>/withdraw/", persons.consent_withdraw, name="consent_withdraw"),
    # households
    path("households/", households.household_list, name="household_list"),
    path("households/new/", households.household_create, name="household_create"),
    path("households/<int:pk>/", households.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", households.household_edit, name="household_edit"),
    path("households/<int:pk>/members/add/", households.household_member_add, name="household_member_add"),
    # the coordinator's pseudonymised list
    path("network/", overview.network_overview, name="network_overview"),
    path("caseload/", overview.caseload, name="caseload"),
]
