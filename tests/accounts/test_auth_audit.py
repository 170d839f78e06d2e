"""Audit rows of web authentication (issue 18), through the real forms: login, failed login, logout, password change
and reset; and the rows on the org_admin's and the coordinator's audit pages and in the CSV."""

from __future__ import annotations

import csv
import io

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from core.models import AuditAction, AuditEntry
from partners.roles import Role
from tests.factories import PASSWORD

NEW_PASSWORD = "un-altra-password-2026"


@pytest.fixture(autouse=True)
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def rows(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


def test_a_web_login_is_audited_with_the_address_and_the_users_organisation(client, network):
    response = client.post(reverse("login"), {"username": "a_operator", "password": PASSWORD})

    assert response.status_code == 302
    (row,) = rows(AuditAction.LOGIN)
    assert row.user == network.user("a", Role.OPERATOR)
    assert row.username == "a_operator"
    assert row.ip_address == "127.0.0.1"
    assert row.organisation_id == network.org_a.pk
    assert row.detail == {"via": "web"}


def test_a_failed_login_records_the_username_tried_and_the_address_but_no_password(client, network):
    response = client.post(
        reverse("login"), {"username": "a_operator", "password": "wrong-secret-42"}, REMOTE_ADDR="203.0.113.9"
    )

    assert response.status_code == 200
    assert rows(AuditAction.LOGIN) == []
    (row,) = rows(AuditAction.LOGIN_FAILED)
    assert row.detail == {"username": "a_operator"}
    assert row.ip_address == "203.0.113.9"
    assert row.organisation_id == network.org_a.pk  # its administrator sees someone trying the account
    assert "wrong-secret-42" not in repr(AuditEntry.objects.values_list())


def test_a_failed_login_with_an_unknown_username_is_audited_without_an_organisation(client, network):
    client.post(reverse("login"), {"username": "nobody-here", "password": "x"})

    (row,) = rows(AuditAction.LOGIN_FAILED)
    assert row.user is None
    assert row.detail == {"username": "nobody-here"}
    assert row.organisation_id is None


def test_a_logout_is_audited(client, network):
    client.post(reverse("login"), {"username": "a_operator", "password": PASSWORD})

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    (row,) = rows(AuditAction.LOGOUT)
    assert row.user == network.user("a", Role.OPERATOR)
    assert row.ip_address == "127.0.0.1"


def test_a_logout_without_a_session_writes_nothing(client, network):
    client.post(reverse("logout"))

    assert rows(AuditAction.LOGOUT) == []


def test_a_password_change_is_audited(client, network):
    user = network.user("a", Role.OPERATOR)
    client.post(reverse("login"), {"username": "a_operator", "password": PASSWORD})

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    (row,) = rows(AuditAction.PASSWORD_CHANGE)
    assert row.user == user
    assert row.organisation_id == network.org_a.pk
    assert NEW_PASSWORD not in repr(AuditEntry.objects.values_list())


def test_a_password_reset_is_audited(client, network):
    user = network.user("a", Role.OPERATOR)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    form_url = client.get(reverse("password_reset_confirm", args=[uid, token]))["Location"]

    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    (row,) = rows(AuditAction.PASSWORD_RESET)
    assert row.user == user
    assert row.organisation_id == network.org_a.pk
    (ended,) = rows(AuditAction.SESSIONS_ENDED)
    assert ended.detail == {"reason": "password_reset", "sessions": 0}


def test_an_invalid_reset_link_writes_nothing(client, network):
    user = network.user("a", Role.OPERATOR)
    uid = urlsafe_base64_encode(force_bytes(user.pk))

    client.post(
        reverse("password_reset_confirm", args=[uid, "bad-token"]),
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert rows(AuditAction.PASSWORD_RESET) == []


# --- the audit pages ------------------------------------------------------------------------------------------


@pytest.fixture
def authentication_rows(client, network):
    """A failed then a successful login of A's operator, then a failed login with an unknown username."""
    client.post(reverse("login"), {"username": "a_operator", "password": "wrong"})
    client.post(reverse("login"), {"username": "a_operator", "password": PASSWORD})
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": "ghost", "password": "wrong"})


@pytest.mark.parametrize("action", [AuditAction.LOGIN, AuditAction.LOGIN_FAILED, AuditAction.LOGOUT])
def test_the_org_admin_filters_their_members_authentication_rows(client, network, authentication_rows, action):
    client.force_login(network.user("a", Role.ORG_ADMIN))

    page = client.get(reverse("partners:audit_log"), {"action": action.value})

    assert page.status_code == 200
    assert page.context["form"].is_valid()
    entries = list(page.context["entries"])
    assert [(entry.action, entry.username) for entry in entries] == [(action.value, "a_operator")]
    assert f">{action.label}</span>" in page.content.decode()


def test_another_organisations_admin_does_not_see_them(client, network, authentication_rows):
    client.force_login(network.user("b", Role.ORG_ADMIN))

    page = client.get(reverse("partners:audit_log"), {"action": AuditAction.LOGIN_FAILED.value})

    assert list(page.context["entries"]) == []


def test_the_coordinator_sees_failed_logins_of_unknown_usernames(client, network, authentication_rows):
    client.force_login(network.user("m", Role.COORDINATOR))

    page = client.get(reverse("partners:audit_log"), {"action": AuditAction.LOGIN_FAILED.value})

    assert sorted(entry.detail["username"] for entry in page.context["entries"]) == ["a_operator", "ghost"]
    assert "Failed login" in page.content.decode()


def test_the_csv_lists_the_authentication_rows(client, network, authentication_rows):
    client.force_login(network.user("a", Role.ORG_ADMIN))

    response = client.get(reverse("partners:audit_log"), {"format": "csv"})

    body = b"".join(response.streaming_content).decode()
    table = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert sorted(row[3] for row in table[1:] if row[1] == "a_operator") == ["login", "login_failed", "logout"]
    assert "ghost" not in body
