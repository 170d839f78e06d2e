from datetime import datetime

import pytest
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from core.models import AuditEntry
from partners.models import Membership
from partners.roles import Role
from partners.services import membership_set_active
from tests.factories import PASSWORD


def _token(api, username, password=PASSWORD):
    return api.post(reverse("api-token"), {"username": username, "password": password}, format="json")


def test_obtain_token_with_username_and_password(network, api):
    user = network.user("a", Role.CASE_MANAGER)
    response = _token(api, user.username)
    assert response.status_code == 200
    token = AuthToken.objects.get(user=user)
    body = response.json()
    assert set(body) == {"token", "expiry"}
    assert datetime.fromisoformat(body["expiry"]) == token.expiry
    # a new token on each call (only a digest is stored: the first cannot be returned again), both working
    second = _token(api, user.username).json()["token"]
    assert second != response.json()["token"]
    assert AuthToken.objects.filter(user=user).count() == 2
    assert AuditEntry.objects.filter(user=user, action="login", detail__via="api_token").count() == 2


def test_wrong_password_gets_no_token(network, api):
    response = _token(api, network.user("a", Role.CASE_MANAGER).username, "wrong-password")
    assert response.status_code == 400
    assert not AuthToken.objects.exists()


def test_inactive_user_gets_no_token(network, api):
    user = network.user("a", Role.CASE_MANAGER)
    user.is_active = False
    user.save()
    assert _token(api, user.username).status_code == 400
    assert not AuthToken.objects.exists()


def test_token_endpoint_is_throttled(network, api):
    # A new username each time: one username alone locks after 5 failures (accounts/lockout.py, tests/accounts).
    codes = [_token(api, f"guess{n}", "wrong-password").status_code for n in range(21)]
    assert codes[:20] == [400] * 20
    assert codes[20] == 429


def test_token_authenticates_api_requests(network, case_a, api):
    key = _token(api, network.user("a", Role.CASE_MANAGER).username).json()["token"]
    client = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get(reverse("api-case-list"))
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [case_a.pk]


def test_token_of_a_deactivated_member_no_longer_authenticates(network, case_a, api):
    user = network.user("a", Role.OPERATOR)
    key = _token(api, user.username).json()["token"]
    membership = Membership.objects.get(user=user, organisation=network.org_a)
    membership_set_active(
        organisation=network.org_a, membership_id=membership.pk, active=False, actor=network.user("a", Role.ORG_ADMIN)
    )
    # issue 18: deactivation revokes the tokens
    response = APIClient(HTTP_AUTHORIZATION=f"Token {key}").get(reverse("api-case-list"))
    assert response.status_code == 401
    assert not AuthToken.objects.filter(user=user).exists()


def test_token_of_a_user_without_active_membership_is_told_it_is_inactive(network, case_a, api):
    user = network.user("a", Role.OPERATOR)
    key = _token(api, user.username).json()["token"]
    # a membership that lapsed without the deactivation service (which would have revoked the token)
    Membership.objects.filter(user=user).update(is_active=False)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    # issue 16, item 17: a 403 that says why, with no case data, rather than empty lists and 404s
    for url in (reverse("api-case-list"), reverse("api-case-detail", args=[case_a.pk])):
        response = client.get(url)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "membership_inactive"


def test_invalid_token_is_401(network, api):
    client = APIClient(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get(reverse("api-case-list")).status_code == 401


def test_session_authentication_works_for_the_browsable_api(network, case_a):
    client = APIClient()
    assert client.login(username=network.user("a", Role.OPERATOR).username, password=PASSWORD)
    response = client.get(reverse("api-case-detail", args=[case_a.pk]), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["code"] == case_a.code


def test_session_post_needs_the_csrf_token(network, case_a):
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(username=network.user("a", Role.CASE_MANAGER).username, password=PASSWORD)
    response = client.post(reverse("api-case-note-list", args=[case_a.pk]), {"body": "x"}, format="json")
    assert response.status_code == 403
    assert not case_a.notes.exists()


ANONYMOUS_REQUESTS = [
    ("get", "/api/v1/organisations/"),
    ("get", "/api/v1/organisations/1/"),
    ("get", "/api/v1/persons/"),
    ("post", "/api/v1/persons/"),
    ("get", "/api/v1/persons/1/"),
    ("patch", "/api/v1/persons/1/"),
    ("post", "/api/v1/persons/1/merge/"),
    ("get", "/api/v1/households/"),
    ("post", "/api/v1/households/"),
    ("post", "/api/v1/households/1/members/"),
    ("get", "/api/v1/consents/?person=1"),
    ("post", "/api/v1/consents/"),
    ("post", "/api/v1/consents/1/withdraw/"),
    ("get", "/api/v1/cases/"),
    ("post", "/api/v1/cases/"),
    ("get", "/api/v1/cases/1/"),
    ("patch", "/api/v1/cases/1/"),
    ("post", "/api/v1/cases/1/status/"),
    ("post", "/api/v1/cases/1/close/"),
    ("get", "/api/v1/cases/1/notes/"),
    ("post", "/api/v1/cases/1/notes/"),
    ("get", "/api/v1/cases/1/interventions/"),
    ("post", "/api/v1/cases/1/interventions/"),
    ("get", "/api/v1/interventions/"),
]


@pytest.mark.parametrize(("method", "path"), ANONYMOUS_REQUESTS)
def test_anonymous_requests_are_401(network, case_a, api, method, path):
    response = getattr(api, method)(path, {}, format="json") if method != "get" else api.get(path)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert "Bianchi" not in response.content.decode()
