"""Brute-force protection through the real login forms (accounts/lockout.py): a username locks after a few failures,
an address after failures across usernames; the lock says until when, ends by itself, and an org_admin lifts it.
Default limits: 5 failures per username, 20 per address, 15 minutes."""

import datetime
import re

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.lockout import client_address
from core.models import AuditAction, AuditEntry
from partners.models import Membership
from partners.roles import Role
from tests.factories import PASSWORD

ATTACKER = "203.0.113.66"
OFFICE = "198.51.100.20"
LOCKED = "Too many failed login attempts"


@pytest.fixture(autouse=True)
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def log_in(client, username, password, address=ATTACKER, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def lock_username(client, username, address=ATTACKER):
    return [log_in(client, username, "wrong-password", address) for _ in range(5)]


def test_wrong_passwords_lock_the_username_and_then_the_right_one_fails_too(client, network):
    responses = lock_username(client, "a_operator")
    assert [r.status_code for r in responses[:4]] == [200] * 4
    assert all(LOCKED not in r.content.decode() for r in responses[:4])
    assert responses[4].status_code == 429 and LOCKED in responses[4].content.decode()

    response = log_in(client, "a_operator", PASSWORD)
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert not is_logged_in(client)
    # From another address too: it is the username that is locked.
    assert log_in(client, "a_operator", PASSWORD, address=OFFICE).status_code == 429


def test_the_message_says_until_when_and_is_the_same_for_an_unknown_username(client, network):
    with time_machine.travel(datetime.datetime(2026, 12, 5, 10, 0, 30, tzinfo=datetime.UTC), tick=False):
        known = lock_username(client, "a_operator")[-1].content.decode()
        unknown = lock_username(client, "nobody-at-all", address=OFFICE)[-1].content.decode()
    # 10:00:30 UTC + 15 minutes, rounded up to the minute, in Rome: 11:16.
    assert "blocked until 11:16" in known
    message = re.search(r"Too many failed login attempts[^<]*", known).group(0)
    assert message in unknown


def test_the_lock_ends_after_the_window(client, network):
    lock_username(client, "a_operator")
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=14)):
        assert log_in(client, "a_operator", PASSWORD).status_code == 429
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=16)):
        response = log_in(client, "a_operator", PASSWORD)
        assert response.status_code == 302 and is_logged_in(client)


def test_attempts_refused_during_the_lock_do_not_extend_it(client, network):
    lock_username(client, "a_operator")
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=10)):
        lock_username(client, "a_operator")
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=16)):
        assert log_in(client, "a_operator", PASSWORD).status_code == 302


# The counts expire with their cache entry's timeout. time_machine moves Python's clock, not Redis's (CI's PostgreSQL +
# Redis run): this test counts in the process's own cache, whose timeouts read the clock it moves.
@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
def test_failures_spread_over_more_than_the_window_do_not_lock(client, network):
    for minutes in (0, 16, 32, 48, 64, 80):
        with time_machine.travel(timezone.now() + datetime.timedelta(minutes=minutes)):
            assert log_in(client, "a_operator", "wrong-password").status_code == 200
    assert log_in(client, "a_operator", PASSWORD).status_code == 302


def test_a_successful_login_starts_the_usernames_count_again(client, network):
    for _ in range(4):
        log_in(client, "a_operator", "wrong-password")
    assert log_in(client, "a_operator", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert log_in(client, "a_operator", "wrong-password").status_code == 200


def test_the_lock_is_audited_under_the_members_organisation(client, network):
    user = network.user("a", Role.OPERATOR)
    lock_username(client, "a_operator")
    entry = AuditEntry.objects.get(action=AuditAction.LOCKOUT)
    assert entry.organisation_id == network.org_a.pk
    assert entry.object_id == str(user.pk)
    assert entry.ip_address == ATTACKER
    assert entry.detail["scope"] == "username" and entry.detail["username"] == "a_operator"
    assert entry.detail["failures"] == 5
    assert "password" not in str(entry.detail)


def test_many_usernames_from_one_address_lock_the_address_not_the_others(client, network):
    responses = [log_in(client, f"guess{n}", "Password1!") for n in range(20)]
    assert [r.status_code for r in responses[:19]] == [200] * 19
    assert responses[19].status_code == 429
    # Even a right password is refused from that address...
    assert log_in(client, "a_operator", PASSWORD).status_code == 429
    assert not is_logged_in(client)
    # ...but not from another one: none of those usernames is locked.
    response = log_in(client, "a_operator", PASSWORD, address=OFFICE)
    assert response.status_code == 302 and is_logged_in(client)
    entry = AuditEntry.objects.get(action=AuditAction.LOCKOUT)
    assert entry.detail["scope"] == "address" and entry.detail["address"] == ATTACKER


def test_a_client_sent_forwarded_for_is_ignored_without_a_trusted_proxy(client, network):
    for n in range(20):
        log_in(client, f"guess{n}", "Password1!", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    response = log_in(client, "a_operator", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert response.status_code == 429


def test_with_one_trusted_proxy_the_address_it_reports_counts(client, network, settings):
    settings.TAVOLO_TRUSTED_PROXIES = 1
    for n in range(20):  # what the client wrote on the left changes every time; the proxy's entry does not
        log_in(client, f"guess{n}", "Password1!", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {ATTACKER}")
    assert log_in(client, "a_operator", PASSWORD, HTTP_X_FORWARDED_FOR=f"10.9.9.9, {ATTACKER}").status_code == 429
    response = log_in(client, "a_operator", PASSWORD, HTTP_X_FORWARDED_FOR=f"{ATTACKER}, {OFFICE}")
    assert response.status_code == 302


def test_client_address_reads_the_header_as_drf_does(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.10", HTTP_X_FORWARDED_FOR="1.1.1.1, 2.2.2.2")
    settings.TAVOLO_TRUSTED_PROXIES = 0
    assert client_address(request) == "10.0.0.10"
    settings.TAVOLO_TRUSTED_PROXIES = 1
    assert client_address(request) == "2.2.2.2"
    settings.TAVOLO_TRUSTED_PROXIES = 2
    assert client_address(request) == "1.1.1.1"


# --- unlock by the org_admin -------------------------------------------------------------------------


def unlock_url(network, user, org_key="a"):
    organisation = network.org_a if org_key == "a" else network.org_b
    membership = Membership.objects.get(user=user, organisation=organisation)
    return reverse("accounts:member_unlock", args=[organisation.pk, membership.pk])


def test_the_org_admin_sees_the_lock_and_unlocks_the_member(client, network):
    member = network.user("a", Role.OPERATOR)
    admin = network.user("a", Role.ORG_ADMIN)
    lock_username(client, "a_operator")

    staff = client.__class__()
    staff.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    staff.force_login(admin)
    membership = Membership.objects.get(user=member, organisation=network.org_a)
    page = staff.get(reverse("partners:member_edit", args=[network.org_a.pk, membership.pk])).content.decode()
    assert "Unlock account" in page and unlock_url(network, member) in page

    assert staff.get(unlock_url(network, member)).status_code == 405
    response = staff.post(unlock_url(network, member))
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action=AuditAction.UNLOCK)
    assert entry.user == admin and entry.organisation_id == network.org_a.pk
    assert entry.object_id == str(member.pk) and entry.detail["was_locked"] is True

    assert log_in(client, "a_operator", PASSWORD).status_code == 302
    page = staff.get(reverse("partners:member_edit", args=[network.org_a.pk, membership.pk])).content.decode()
    assert "Unlock account" not in page


def test_an_org_admin_cannot_unlock_another_organisations_member(client, network):
    member = network.user("a", Role.OPERATOR)
    client.force_login(network.user("b", Role.ORG_ADMIN))
    lock_username(client.__class__(), "a_operator")
    assert client.post(unlock_url(network, member)).status_code == 404
    # Nor by naming their own organisation with the other's membership.
    membership = Membership.objects.get(user=member, organisation=network.org_a)
    url = reverse("accounts:member_unlock", args=[network.org_b.pk, membership.pk])
    assert client.post(url).status_code == 404
    assert not AuditEntry.objects.filter(action=AuditAction.UNLOCK).exists()
    client.logout()
    assert log_in(client, "a_operator", PASSWORD).status_code == 429


def test_a_case_manager_cannot_unlock(client, network):
    member = network.user("a", Role.OPERATOR)
    client.force_login(network.user("a", Role.CASE_MANAGER))
    assert client.post(unlock_url(network, member)).status_code == 404


# --- the same protection on the token endpoint and /django-admin/ ----------------------------------


def test_the_token_endpoint_counts_and_refuses_a_locked_username(client, network):
    url = reverse("api-token")
    statuses = [
        client.post(url, {"username": "a_operator", "password": "wrong"}, REMOTE_ADDR=ATTACKER).status_code
        for _ in range(5)
    ]
    assert statuses == [400] * 5
    response = client.post(url, {"username": "a_operator", "password": PASSWORD}, REMOTE_ADDR=OFFICE)
    assert response.status_code == 429
    assert 800 <= int(response["Retry-After"]) <= 900
    assert "token" not in response.json()
    # The web login agrees: the same lock.
    assert log_in(client, "a_operator", PASSWORD, address=OFFICE).status_code == 429


def test_django_admin_login_is_protected_too(client, db):
    get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)
    url = reverse("admin:login")
    for _ in range(5):
        client.post(url, {"username": "root", "password": "wrong"}, REMOTE_ADDR=ATTACKER)
    response = client.post(url, {"username": "root", "password": PASSWORD}, REMOTE_ADDR=ATTACKER)
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert not is_logged_in(client)
