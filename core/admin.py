"""The Django admin is a read-only window for the operators (ADR 0015): every registration but the service catalogue
shows rows and changes none. Changes go through Tavolo's own pages and services, which keep organisations and their
groups in step, move case access and write the audit log. What holds personal data (people, households, notes,
documents, the timeline) is not registered at all."""

from __future__ import annotations

from django.contrib import admin
from knox.models import AuthToken
from rest_framework.authtoken.models import TokenProxy

from core.models import AuditEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """Lists and detail pages, no add, change, delete or bulk action. A superuser has the view permission; so does
    a staff member given `view_<model>`."""

    actions = None

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# API tokens are credentials: their keys are not shown anywhere (a user gets one from /api/v1/auth/token/).
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)
if admin.site.is_registered(AuthToken):  # knox's: users revoke on /accounts/tokens/, org_admins on a member's page
    admin.site.unregister(AuthToken)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "username", "organisation", "action", "object_type", "object_id", "case_id"]
    list_filter = ["action", "organisation"]
    search_fields = ["username", "object_type", "object_id"]
    date_hierarchy = "at"
    list_select_related = ["organisation"]
    show_full_result_count = False  # the log grows without end: no COUNT(*) over it on every page
