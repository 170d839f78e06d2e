"""viewflow's process and task pages in Django's admin, read-only (ADR 0015): a task moved here would skip the
services that write the history, the timeline, the access changes and the notifications."""

from __future__ import annotations

from django.contrib import admin
from viewflow.workflow import admin as viewflow_admin
from viewflow.workflow.models import Process, Task

from core.admin import ReadOnlyAdmin

for model in (Process, Task):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(Process)
class ProcessAdmin(ReadOnlyAdmin, viewflow_admin.ProcessAdmin):
    pass


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin, viewflow_admin.TaskAdmin):
    pass
