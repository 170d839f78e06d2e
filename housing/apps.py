from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HousingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "housing"
    verbose_name = _("Housing")

    def ready(self) -> None:
        from housing import permissions
        from housing.flows import HousingFlow
        from housing.steps import STEPS
        from workflows.registry import register_pathway

        register_pathway(flow_class=HousingFlow, steps=STEPS, task_roles=permissions.TASK_ROLES)
