"""Cases in Django's admin (ADR 0015): metadata only, read-only — no person, household, title or note, which are
personal data and are read on Tavolo's own pages, where access is checked and audited."""

from __future__ import annotations

from django.contrib import admin

from cases.models import Case
from core.admin import ReadOnlyAdmin

CASE_METADATA = ["code", "status", "lead_organisation", "case_manager", "opened_on", "closed_on", "closure_outcome"]


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = CASE_METADATA
    list_filter = ["status", "lead_organisation"]
    search_fields = ["code"]
    list_select_related = ["lead_organisation", "case_manager"]
    fields = CASE_METADATA
    readonly_fields = CASE_METADATA
    show_full_result_count = False
