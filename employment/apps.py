from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmploymentConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "employment"
    verbose_name = _("Employment")

    def ready(self) -> None:
        from core.bus import subscribe
        from employment import permissions, services, steps
        from employment.flows import EmploymentFlow
        from workflows.events import WorkflowEventRecorded
        from workflows.registry import register_pathway

        register_pathway(flow_class=EmploymentFlow, steps=steps.STEPS, task_roles=permissions.TASK_ROLES)
        # The referral's acceptance moves the pathway on (ADR 0009): workflows never imports employment.
        subscribe(WorkflowEventRecorded, services.on_workflow_event)
