from django.urls import path

from workflows.views import casepanel, handoffs, lifecycle, tasks, worklists

app_name = "workflows"

urlpatterns = [
    # work lists
    path("", worklists.inbox, name="inbox"),
    path("queue/", worklists.queue, name="queue"),
    path("supervision/", worklists.supervision, name="supervision"),
    path("counts/", worklists.work_counts, name="work_counts"),
    # one task
    path("tasks/<int:pk>/", tasks.task_detail, name="task_detail"),
    path("tasks/<int:pk>/claim/", worklists.task_claim, name="task_claim"),
    path("tasks/<int:pk>/release/", worklists.task_release, name="task_release"),
    # handoffs
    path("handoffs/received/", handoffs.handoffs_received, name="handoffs_received"),
    path("handoffs/sent/", handoffs.handoffs_sent, name="handoffs_sent"),
    path("handoffs/<int:pk>/", handoffs.handoff_detail, name="handoff_detail"),
    path("handoffs/<int:pk>/revoke/", handoffs.handoff_revoke, name="handoff_revoke"),
    # a case's workflows
    path("cases/<int:case_pk>/handoffs/new/", handoffs.handoff_send, name="handoff_send"),
    path("cases/<int:case_pk>/panel/", casepanel.case_panel, name="case_panel"),
    path("cases/<int:case_pk>/pathway/start/", casepanel.pathway_start, name="pathway_start"),
]

# The case lifecycle pages: mounted by config/urls.py under /cases/ with the `cases` names (cases:case_open...), so
# that the case pages link to them as before; they live here because they run the case pathway.
case_lifecycle_urlpatterns = [
    path("open/", lifecycle.case_open, name="case_open"),
    path("<int:pk>/status/", lifecycle.case_status, name="case_status"),
    path("<int:pk>/close/", lifecycle.case_close, name="case_close"),
]
