"""The network in Django's admin (ADR 0015). The service catalogue is the one thing edited here, and each change is
written to the audit log. Organisations, their groups, memberships and accounts are shown read-only: a Group edited
here would no longer match its organisation's members, and a membership or an account changed here would skip the
services (`partners.services`) that keep groups, case access and the audit log in step — those changes are made on
Tavolo's own member pages (or `manage.py createsuperuser` / `changepassword` for the operators)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin, ReadOnlyInline
from core.audit import audit_record
from core.models import AuditAction
from partners.forms import ServiceTypeForm
from partners.models import Membership, Organisation, ServiceType, ShareSection

User = get_user_model()

for model in (Group, User):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    form = ServiceTypeForm
    list_display = ["name", "code", "sla_working_days", "sections_needed"]
    search_fields = ["name", "code"]

    @admin.display(description=_("Sections of the file this service needs"))
    def sections_needed(self, service: ServiceType) -> str:
        labels = dict(ShareSection.choices)
        return ", ".join(str(labels.get(code, code)) for code in service.share_sections) or str(_("summary only"))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action=AuditAction.UPDATE if change else AuditAction.CREATE,
            obj=obj,
            request=request,
            detail={"fields": sorted(form.changed_data)},
        )

    def delete_model(self, request, obj):
        audit_record(actor=request.user, action=AuditAction.DELETE, obj=obj, request=request, detail={"code": obj.code})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for service in queryset:
            self.delete_model(request, service)


class MembershipInline(ReadOnlyInline):
    model = Membership
    fields = ["user", "organisation", "role", "is_active", "created_at"]
    readonly_fields = fields


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "network_role", "city", "is_active", "group"]
    list_filter = ["kind", "network_role", "is_active"]
    search_fields = ["name", "short_name", "city"]
    list_select_related = ["group"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "organisation", "role", "is_active", "updated_at"]
    list_filter = ["role", "is_active", "organisation"]
    search_fields = ["user__username", "user__last_name", "organisation__name"]
    list_select_related = ["user", "organisation"]


@admin.register(Group)
class GroupAdmin(ReadOnlyAdmin):
    """An organisation's group: its members with a role that reaches case grants (`partners.roles.GROUP_ROLES`)."""

    list_display = ["name", "organisation"]
    search_fields = ["name"]
    list_select_related = ["organisation"]
    fields = ["name", "organisation"]
    readonly_fields = fields


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = [
        "username",
        "first_name",
        "last_name",
        "email",
        "is_active",
        "is_staff",
        "is_superuser",
        "last_login",
    ]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["username", "first_name", "last_name", "email"]
    fields = [
        "username",
        "first_name",
        "last_name",
        "email",
        "is_active",
        "is_staff",
        "is_superuser",
        "last_login",
        "date_joined",
    ]
    readonly_fields = fields
    inlines = [MembershipInline]
