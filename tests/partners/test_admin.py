"""The Django admin is read-only (ADR 0015): a superuser sees organisations, their groups, memberships, accounts,
case metadata, the audit log and viewflow's rows, and can change none of them there; the service catalogue stays
editable and its changes are audited."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from core.models import AuditAction, AuditEntry
from partners.models import Membership, ServiceType
from partners.roles import Role

READ_ONLY = [
    "core_auditentry",
    "partners_organisation",
    "partners_membership",
    "auth_group",
    "auth_user",
    "cases_case",
    "viewflow_process",
    "viewflow_task",
]


@pytest.fixture
def rows(network, case_a):
    """One row of each read-only model (the audit log has rows from opening case A)."""
    membership = Membership.objects.get(user=network.user("a", Role.CASE_MANAGER), organisation=network.org_a)
    return {
        "core_auditentry": AuditEntry.objects.order_by("pk").first(),
        "partners_organisation": network.org_a,
        "partners_membership": membership,
        "auth_group": network.org_a.group,
        "auth_user": membership.user,
        "cases_case": case_a,
    }


@pytest.mark.parametrize("model", READ_ONLY)
def test_a_superuser_sees_every_list(admin_client, network, model):
    assert admin_client.get(reverse(f"admin:{model}_changelist")).status_code == 200


@pytest.mark.parametrize("model", READ_ONLY)
def test_nothing_can_be_added(admin_client, db, model):
    assert admin_client.get(reverse(f"admin:{model}_add")).status_code == 403


@pytest.mark.parametrize(
    "model",
    ["core_auditentry", "partners_organisation", "partners_membership", "auth_group", "auth_user", "cases_case"],
)
def test_a_row_is_shown_without_a_save_button_and_cannot_be_deleted(admin_client, rows, model):
    row = rows[model]
    page = admin_client.get(reverse(f"admin:{model}_change", args=[row.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.post(reverse(f"admin:{model}_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
    assert type(row).objects.filter(pk=row.pk).exists()


def test_a_group_cannot_be_renamed_or_given_members_in_the_admin(admin_client, network, rows):
    group = network.org_a.group
    name, members = group.name, set(group.user_set.values_list("pk", flat=True))
    response = admin_client.post(
        reverse("admin:auth_group_change", args=[group.pk]), {"name": "org:elsewhere", "permissions": []}
    )
    assert response.status_code == 403
    group.refresh_from_db()
    assert group.name == name and set(group.user_set.values_list("pk", flat=True)) == members


def test_an_account_cannot_be_changed_or_made_superuser_in_the_admin(admin_client, network):
    user = network.user("b", Role.VOLUNTEER)
    response = admin_client.post(
        reverse("admin:auth_user_change", args=[user.pk]),
        {"username": user.username, "is_superuser": "on", "is_staff": "on"},
    )
    assert response.status_code == 403
    user.refresh_from_db()
    assert not user.is_superuser and not user.is_staff
    # nor its password: Django's password page is not there
    response = admin_client.get(f"/django-admin/auth/user/{user.pk}/password/", follow=True)
    assert 'name="password1"' not in response.content.decode()


def test_a_membership_role_cannot_be_changed_in_the_admin(admin_client, rows):
    membership = rows["partners_membership"]
    response = admin_client.post(
        reverse("admin:partners_membership_change", args=[membership.pk]),
        {
            "user": membership.user_id,
            "organisation": membership.organisation_id,
            "role": Role.ORG_ADMIN,
            "is_active": "on",
        },
    )
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.role == Role.CASE_MANAGER


def test_a_case_shows_its_metadata_and_not_the_person(admin_client, case_a):
    page = admin_client.get(reverse("admin:cases_case_change", args=[case_a.pk])).content.decode()
    assert case_a.code in page
    assert "Bianchi" not in page and "BNCGLI80A41F205F" not in page and "Sostegno abitativo" not in page


def test_group_members_are_only_changed_through_the_membership_services(db):
    # The admin has no other way in: no registered model edits Group.user_set or Membership.
    from django.contrib import admin

    for model in (Group, Membership):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_change_permission(request=None)
        assert not model_admin.has_add_permission(request=None)


def test_api_tokens_are_not_in_the_admin(admin_client, db):
    assert admin_client.get("/django-admin/authtoken/tokenproxy/").status_code == 404


def test_the_service_catalogue_is_edited_in_the_admin_and_audited(admin_client, admin_user):
    response = admin_client.post(
        reverse("admin:partners_servicetype_add"),
        {
            "code": "mediazione",
            "name": "Mediazione culturale",
            "description": "",
            "sla_working_days": 3,
            "share_sections": ["file"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    service = ServiceType.objects.get(code="mediazione")
    entry = AuditEntry.objects.get(object_type="partners.servicetype", object_id=str(service.pk))
    assert entry.action == AuditAction.CREATE and entry.user == admin_user
