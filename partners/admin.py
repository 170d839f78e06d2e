"""The network's catalogue in Django's admin: the one place where service types are managed."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from partners.forms import ServiceTypeForm
from partners.models import ServiceType, ShareSection


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    form = ServiceTypeForm
    list_display = ["name", "code", "sla_working_days", "sections_needed"]
    search_fields = ["name", "code"]

    @admin.display(description=_("Sections of the file this service needs"))
    def sections_needed(self, service: ServiceType) -> str:
        labels = dict(ShareSection.choices)
        return ", ".join(str(labels.get(code, code)) for code in service.share_sections) or str(_("summary only"))
