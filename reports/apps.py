from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        """The sections of the pathway apps that are installed (reports depends on them, not the reverse)."""
        from django.apps import apps

        from reports.sections import register_section

        if apps.is_installed("housing"):
            from reports.housing_section import housing_section

            register_section(key="housing", title=_("Housing"), provider=housing_section, pathway="housing", order=10)
        if apps.is_installed("employment"):
            from reports.employment_section import employment_section

            register_section(
                key="employment",
                title=_("Work and training"),
                provider=employment_section,
                pathway="employment",
                order=20,
            )
