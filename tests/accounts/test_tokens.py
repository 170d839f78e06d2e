"""API tokens (issue 18, item 5): hashed at rest, expiring, revoked by their owner (page and logout endpoint), by an
org_admin for a member, on password change and on deactivation; the token endpoint's throttle keyed on the real
client address."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib import admin
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient, APIRequestFactory

from accounts.api import TokenObtainThrottle
from core.models import AuditAction, AuditEntry
from partners.models import Membership
from partners.roles import Role
from tests.factories import PASSWORD


@pytest.fixture(autouse=True)
def _clean_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _obtain(username, password=PASSWORD, **extra):
    return APIClient().post(reverse("api-token"), {"username": username, "password": password}, **extra)


def _token_for(user) -> str:
    response = _obtain(user.username)
    assert response.status_code == 200
    return response.json()["token"]


def _cases(token):
    return APIClient(HTTP_AUTHORIZATION=f"Token {token}").get(reverse("api-case-list"))


def _revoke_rows(user):
    return AuditEntry.objects.filter(action=AuditAction.TOKEN_REVOKE, detail__user=user.username)


# --- stored hashed, audited creation --------------------------------------------------------------


def test_the_database_never_holds_the_plain_token(network):
    user = network.user("a", Role.CASE_MANAGER)
    token = _token_for(user)
    row = AuthToken.objects.get(user=user)
    assert row.digest != token and len(row.digest) == 128  # SHA-512
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {AuthToken._meta.db_table}")  # noqa: S608 (a model's table name)
        stored = " ".join(str(value) for values in cursor.fetchall() for value in values)
        cursor.execute(f"SELECT * FROM {AuditEntry._meta.db_table}")  # noqa: S608 (a model's table name)
        audited = " ".join(str(value) for values in cursor.fetchall() for value in values)
    assert token not in stored
    assert token not in audited


def test_creating_a_token_is_audited_with_its_expiry(network):
    user = network.user("a", Role.CASE_MANAGER)
    _token_for(user)
    row = AuthToken.objects.get(user=user)
    entry = AuditEntry.objects.get(action=AuditAction.TOKEN_CREATE, user=user)
    assert entry.object_id == row.digest[:12]
    assert entry.detail["expiry"] == row.expiry.isoformat()


# --- expiry ---------------------------------------------------------------------------------------


def test_a_token_works_for_ten_hours_then_answers_401(network, case_a):
    user = network.user("a", Role.CASE_MANAGER)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        token = _token_for(user)
        assert AuthToken.objects.get(user=user).expiry == timezone.now() + timedelta(hours=10)
        traveller.shift(timedelta(hours=9, minutes=59))
        assert _cases(token).status_code == 200  # and using it does not extend it
        traveller.shift(timedelta(minutes=2))
        assert _cases(token).status_code == 401
    assert not AuthToken.objects.filter(user=user).exists()  # knox deletes it on the way


def test_the_lifetime_is_configurable(network, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": timedelta(hours=2)}
    user = network.user("a", Role.CASE_MANAGER)
    body = _obtain(user.username).json()
    row = AuthToken.objects.get(user=user)
    assert row.expiry - row.created == pytest.approx(timedelta(hours=2), abs=timedelta(seconds=5))
    assert body["expiry"]


# --- the owner revokes: logout endpoints and the tokens page ---------------------------------------


def test_logout_revokes_only_the_token_sent(network, case_a):
    user = network.user("a", Role.CASE_MANAGER)
    first, second = _token_for(user), _token_for(user)
    response = APIClient(HTTP_AUTHORIZATION=f"Token {first}").post(reverse("api-logout"))
    assert response.status_code == 204
    assert _cases(first).status_code == 401
    assert _cases(second).status_code == 200
    entry = _revoke_rows(user).get()
    assert entry.user == user and entry.detail["reason"] == "logout" and len(entry.detail["tokens"]) == 1


def test_logoutall_revokes_every_token_of_the_user(network, case_a):
    user = network.user("a", Role.CASE_MANAGER)
    other = network.user("a", Role.OPERATOR)
    tokens = [_token_for(user), _token_for(user)]
    kept = _token_for(other)
    assert APIClient(HTTP_AUTHORIZATION=f"Token {tokens[0]}").post(reverse("api-logoutall")).status_code == 204
    assert [_cases(t).status_code for t in tokens] == [401, 401]
    assert _cases(kept).status_code == 200
    assert len(_revoke_rows(user).get().detail["tokens"]) == 2


def test_logout_needs_a_token(network):
    client = APIClient()
    client.force_login(network.user("a", Role.CASE_MANAGER))
    assert client.post(reverse("api-logout")).status_code == 401


def test_the_owner_sees_and_revokes_a_token_on_the_tokens_page(network, client, case_a):
    user = network.user("a", Role.CASE_MANAGER)
    revoked, kept = _token_for(user), _token_for(user)
    client.force_login(user)
    page = client.get(reverse("accounts:tokens")).content.decode()
    assert revoked[:8] in page and kept[:8] in page
    assert revoked not in page and kept not in page  # only the start of a token is shown
    row = AuthToken.objects.get(token_key=revoked[:15])
    response = client.post(reverse("accounts:tokens"), {"token": row.digest[:12]})
    assert response.status_code == 302
    assert _cases(revoked).status_code == 401
    assert _cases(kept).status_code == 200
    assert _revoke_rows(user).get().detail["reason"] == "owner"


def test_the_owner_revokes_all_on_the_tokens_page(network, client, case_a):
    user = network.user("a", Role.CASE_MANAGER)
    tokens = [_token_for(user), _token_for(user)]
    client.force_login(user)
    client.post(reverse("accounts:tokens"), {"action": "revoke_all"})
    assert [_cases(t).status_code for t in tokens] == [401, 401]


def test_nobody_revokes_another_users_token_on_their_page(network, client, case_a):
    owner = network.user("a", Role.CASE_MANAGER)
    token = _token_for(owner)
    client.force_login(network.user("b", Role.CASE_MANAGER))
    client.post(reverse("accounts:tokens"), {"token": AuthToken.objects.get(user=owner).digest[:12]})
    assert _cases(token).status_code == 200
    assert not AuditEntry.objects.filter(action=AuditAction.TOKEN_REVOKE).exists()


def test_the_tokens_page_needs_a_login(db, client):
    assert client.get(reverse("accounts:tokens")).status_code == 302


# --- an org_admin revokes a member's tokens --------------------------------------------------------


def _member_page(network, org_key, member):
    membership = Membership.objects.get(user=member, organisation=getattr(network, f"org_{org_key}"))
    return reverse("partners:member_edit", args=[membership.organisation_id, membership.pk])


def _revoke_url(network, org_key, member):
    membership = Membership.objects.get(user=member, organisation=getattr(network, f"org_{org_key}"))
    return reverse("accounts:member_tokens_revoke", args=[membership.organisation_id, membership.pk])


def test_an_org_admin_revokes_a_members_tokens(network, client, case_a):
    member = network.user("a", Role.CASE_MANAGER)
    token = _token_for(member)
    admin_user = network.user("a", Role.ORG_ADMIN)
    client.force_login(admin_user)
    url = _member_page(network, "a", member)
    assert "Revoke API tokens" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert client.post(_revoke_url(network, "a", member)).status_code == 302
    assert _cases(token).status_code == 401
    entry = _revoke_rows(member).get()
    assert entry.user == admin_user
    assert entry.organisation_id == network.org_a.pk
    assert entry.detail["reason"] == "org_admin"


@pytest.mark.parametrize(("org_key", "role"), [("b", Role.ORG_ADMIN), ("a", Role.CASE_MANAGER), ("a", Role.OPERATOR)])
def test_only_the_members_own_org_admin_revokes_their_tokens(network, client, case_a, org_key, role):
    member = network.user("a", Role.CASE_MANAGER)
    token = _token_for(member)
    client.force_login(network.user(org_key, role))
    response = client.post(_revoke_url(network, "a", member))
    assert response.status_code in (403, 404)
    assert _cases(token).status_code == 200
    assert not _revoke_rows(member).exists()


# --- the user's access ends: password change, deactivation ------------------------------------------


def test_changing_the_password_revokes_the_tokens(network, client, case_a):
    user = network.user("a", Role.CASE_MANAGER)
    token = _token_for(user)
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "a-new-long-pw-4812", "new_password2": "a-new-long-pw-4812"},
    )
    assert response.status_code == 302
    assert _cases(token).status_code == 401
    assert _revoke_rows(user).get().detail["reason"] == "password_change"


def test_a_deactivated_members_token_does_not_authenticate(network, client, case_a):
    member = network.user("a", Role.CASE_MANAGER)
    token = _token_for(member)
    client.force_login(network.user("a", Role.ORG_ADMIN))
    client.post(_member_page(network, "a", member), {"action": "deactivate"})
    assert not Membership.objects.get(user=member).is_active
    assert _cases(token).status_code == 401
    assert not AuthToken.objects.filter(user=member).exists()
    assert _revoke_rows(member).get().detail["reason"] == "deactivation"


# --- the token endpoint's throttle ------------------------------------------------------------------


def test_x_forwarded_for_does_not_change_the_throttle_key(db):
    factory = APIRequestFactory()
    one = factory.post("/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.1")
    two = factory.post("/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.2")
    throttle = TokenObtainThrottle()
    assert throttle.get_ident(one) == throttle.get_ident(two) == "203.0.113.7"


def test_a_new_x_forwarded_for_each_time_does_not_bypass_the_token_throttle(network):
    codes = [
        _obtain(f"nobody-{n}", "wrong-password", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(22)
    ]
    assert codes[0] == 400
    assert codes[-1] == 429
    assert codes.index(429) <= 20  # at most the endpoint's 20 a minute, whatever the header says


def test_knox_tokens_are_not_in_the_admin(db):
    assert not admin.site.is_registered(AuthToken)


def test_behind_one_trusted_proxy_only_the_address_it_appended_counts(db, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    factory = APIRequestFactory()
    # the client sends its own X-Forwarded-For; the proxy appends the address it saw
    one = factory.post("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7")
    two = factory.post("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.2, 203.0.113.7")
    throttle = TokenObtainThrottle()
    assert throttle.get_ident(one) == throttle.get_ident(two) == "203.0.113.7"
