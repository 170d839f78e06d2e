"""Every API error answers one JSON shape — raised in a view, outside any view, or in a middleware around it —
a database out of reach answers 503 with Retry-After (JSON under /api/, a page elsewhere), a body too large 413,
and the web pages keep their HTML error pages."""

from __future__ import annotations

import json
import logging
from importlib import import_module

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.test import AsyncClient, Client, RequestFactory
from knox.auth import TokenAuthentication
from rest_framework.test import APIClient

import accounts.sessions
from cases.models import Person
from core import errors
from core.parsers import MAX_DEPTH
from partners.roles import Role
from workflows import selectors as workflow_selectors
from workflows.models import Handoff

HANDOFFS = "/api/v1/handoffs/"
TOO_LARGE = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024 * 1024  # 6 MB


def assert_error(response, status: int, code: str) -> dict:
    """The one shape, with its status repeated and a message for people; the error's inner object."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert {"status", "code", "message", "fields"} <= set(error)
    assert (error["status"], error["code"]) == (status, code)
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    return error


def as_client_response(response):
    """A response from a view called directly, readable as the test client's are."""
    response.json = lambda: json.loads(response.content)
    return response


@pytest.fixture
def client_for():
    """`client_for(user)`: an API client authenticated as `user`, asking for English; a 500 is answered, not
    raised into the test."""

    def make(user):
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
        client.force_authenticate(user=user)
        return client

    return make


@pytest.fixture
def manager_client(network, client_for):
    return client_for(network.user("a", Role.CASE_MANAGER))


# --- one shape for each status -----------------------------------------------------------------------------


def test_validation_error_keeps_the_field_messages_under_fields(manager_client):
    response = manager_client.post(HANDOFFS, {"kind": "adoption"}, format="json")
    error = assert_error(response, 400, "invalid")
    assert error["fields"]["kind"] == ['"adoption" is not a valid choice.']
    assert {"case", "receiver_organisation", "reason"} <= set(error["fields"])
    assert error["message"] == "Invalid input."


def test_a_service_refusal_without_a_field_is_the_message(network, client_for):
    # given: a registration without any identifier (the service's non-field error)
    response = client_for(network.user("a", Role.CASE_MANAGER)).post(
        "/api/v1/persons/", {"first_name": "Mario", "last_name": "Rossi"}, format="json"
    )
    error = assert_error(response, 400, "invalid")
    assert error["message"] == error["fields"]["non_field_errors"][0]
    assert "birth date" in error["message"]


def test_no_token_is_401_with_the_scheme_to_use(network):
    response = APIClient(HTTP_ACCEPT_LANGUAGE="en").get(HANDOFFS)
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


def test_a_wrong_token_is_401(network):
    response = APIClient(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION="Token nope").get(HANDOFFS)
    assert_error(response, 401, "authentication_failed")


def test_a_forbidden_action_is_403(network, client_for):
    response = client_for(network.user("a", Role.OPERATOR)).post(
        "/api/v1/persons/", {"first_name": "Mario", "last_name": "Rossi", "birth_date": "1985-12-10"}, format="json"
    )
    assert_error(response, 403, "permission_denied")
    assert not Person.objects.exists()


def test_an_unknown_id_is_404(manager_client):
    assert_error(manager_client.get(f"{HANDOFFS}987654/"), 404, "not_found")


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing-here/", "/api/v2/handoffs/", "/api/", "/api", "/api/v1/handoffs/1/fly/"]
)
def test_an_unknown_url_under_api_is_a_json_404(manager_client, path):
    error = assert_error(manager_client.get(path), 404, "not_found")
    assert error["message"] == "Not found."


def test_an_unknown_url_under_api_is_a_json_404_for_anyone(db):
    assert_error(Client(HTTP_ACCEPT_LANGUAGE="en").post("/api/v1/nothing-here/", {}), 404, "not_found")


def test_a_method_not_allowed_is_405(manager_client):
    assert_error(manager_client.put(HANDOFFS, {}, format="json"), 405, "method_not_allowed")


def test_an_unsupported_content_type_is_415(manager_client):
    response = manager_client.post(HANDOFFS, data="kind=referral", content_type="text/plain")
    assert_error(response, 415, "unsupported_media_type")


def test_the_token_endpoint_throttle_is_429_with_retry_after(network):
    cache.clear()  # the throttle counts per address in the cache
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    for _attempt in range(20):
        client.post("/api/v1/auth/token/", {"username": "a_operator", "password": "wrong"}, format="json")
    response = client.post("/api/v1/auth/token/", {"username": "a_operator", "password": "wrong"}, format="json")
    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0


def test_messages_follow_accept_language(network):
    response = APIClient(HTTP_ACCEPT_LANGUAGE="it").get(HANDOFFS)
    error = assert_error(response, 401, "not_authenticated")
    assert error["message"] != "Authentication credentials were not provided."


# --- bodies the parser refuses -----------------------------------------------------------------------------


def test_a_body_over_the_limit_is_a_json_413(manager_client):
    body = json.dumps({"reason": "x" * TOO_LARGE})
    response = manager_client.post(HANDOFFS, data=body, content_type="application/json")
    error = assert_error(response, 413, "payload_too_large")
    assert "5 MB" in error["message"]
    assert not Handoff.objects.exists()


def test_a_form_body_over_the_limit_is_a_json_413_too(manager_client):
    response = manager_client.post(
        HANDOFFS, data="reason=" + "x" * TOO_LARGE, content_type="application/x-www-form-urlencoded"
    )
    assert_error(response, 413, "payload_too_large")


def test_a_page_sent_too_much_answers_an_html_413(db):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/accounts/login/", data="username=" + "x" * TOO_LARGE, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "too large" in response.content.decode()


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5000, 200_000])
def test_json_nested_too_deep_is_a_400_that_says_so(manager_client, depth):
    response = manager_client.post(HANDOFFS, data="[" * depth + "]" * depth, content_type="application/json")
    error = assert_error(response, 400, "json_too_deep")
    assert f"more than {MAX_DEPTH} levels" in error["message"]


def test_json_nested_within_the_limit_reaches_the_serializer(manager_client):
    nested = {"kind": "referral"}
    for _level in range(MAX_DEPTH - 1):
        nested = {"reason": nested}
    response = manager_client.post(HANDOFFS, nested, format="json")
    assert_error(response, 400, "invalid")  # the serializer's field errors, not the parser's refusal


@pytest.mark.parametrize("body", [b'{"kind": "referral",', b'{"reason": "caff\xe8"}', b"NaN", b"\xff\xfe{}"])
def test_malformed_or_non_utf8_json_is_a_400(manager_client, body):
    response = manager_client.post(HANDOFFS, data=body, content_type="application/json")
    assert_error(response, 400, "parse_error")


# --- 500: a bug stays a bug, in the shape --------------------------------------------------------------------


def broken(exception):
    def fail(*args, **kwargs):
        raise exception

    return fail


def test_an_unexpected_exception_is_a_json_500_and_is_logged(manager_client, monkeypatch, caplog):
    monkeypatch.setattr(workflow_selectors, "handoffs_received_for", broken(RuntimeError("a bug")))
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = manager_client.get(HANDOFFS)
    error = assert_error(response, 500, "server_error")
    assert "a bug" not in error["message"]
    assert "Retry-After" not in response
    assert any(record.exc_info and "a bug" in str(record.exc_info[1]) for record in caplog.records)


def test_an_unexpected_exception_on_a_page_is_the_html_500(network, monkeypatch):
    client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    client.force_login(network.user("a", Role.CASE_MANAGER))
    monkeypatch.setattr("cases.views.overview.render", broken(RuntimeError("a bug")))
    response = client.get("/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert "Something went wrong" in response.content.decode()


# --- 503: the database is out of reach -------------------------------------------------------------------------

LOST = [
    OperationalError("server closed the connection unexpectedly"),
    InterfaceError("connection already closed"),
    OperationalError("connection failed: FATAL:  sorry, too many clients already"),
    OperationalError("couldn't get a connection after 30.00 sec"),
]


@pytest.mark.parametrize("exception", LOST, ids=lambda exc: str(exc)[:30])
def test_a_lost_database_in_the_view_is_a_json_503_with_retry_after(manager_client, monkeypatch, caplog, exception):
    monkeypatch.setattr(workflow_selectors, "handoffs_received_for", broken(exception))
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = manager_client.get(HANDOFFS)
    assert_error(response, 503, "service_unavailable")
    assert response["Retry-After"] == str(errors.RETRY_AFTER_SECONDS)
    assert any(record.exc_info and record.exc_info[1] is exception for record in caplog.records)


def test_a_lost_database_during_authentication_is_a_json_503(network, monkeypatch):
    monkeypatch.setattr(
        TokenAuthentication,
        "authenticate_credentials",
        broken(OperationalError("terminating connection due to administrator command")),
    )
    response = APIClient(HTTP_AUTHORIZATION="Token abc", raise_request_exception=False).get(HANDOFFS)
    assert_error(response, 503, "service_unavailable")
    assert response["Retry-After"]


@pytest.fixture
def session_save_fails(monkeypatch):
    """The session saved after the view (to push its idle expiry forward: about once a minute, accounts.sessions;
    here on this request) finds the database gone."""
    store = import_module(settings.SESSION_ENGINE).SessionStore

    def lose_the_database(self, *args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    def arm():
        monkeypatch.setattr(accounts.sessions, "REFRESH_AFTER", -1)
        monkeypatch.setattr(store, "save", lose_the_database)

    return arm


def test_a_lost_database_when_the_session_is_saved_after_the_view_is_a_json_503(network, session_save_fails):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    client.force_login(network.user("a", Role.CASE_MANAGER))
    session_save_fails()
    response = client.get(HANDOFFS)
    assert_error(response, 503, "service_unavailable")
    assert response["Retry-After"] == str(errors.RETRY_AFTER_SECONDS)


def test_a_lost_database_on_a_page_is_the_html_503(network, session_save_fails):
    client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    client.force_login(network.user("a", Role.CASE_MANAGER))
    session_save_fails()
    response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == str(errors.RETRY_AFTER_SECONDS)
    assert response["Content-Type"].startswith("text/html")
    assert "unavailable for a moment" in response.content.decode()


def test_the_503_page_speaks_italian_by_default(network, session_save_fails):
    client = Client(raise_request_exception=False)
    client.force_login(network.user("a", Role.CASE_MANAGER))
    session_save_fails()
    response = client.get("/")
    assert response.status_code == 503
    assert '<html lang="it">' in response.content.decode()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_lost_database_under_asgi_is_a_json_503(monkeypatch):
    """Under ASGI Django turns the exception into a response in another thread: the handler still sees it."""
    monkeypatch.setattr(
        TokenAuthentication,
        "authenticate_credentials",
        broken(OperationalError("server closed the connection unexpectedly")),
    )
    response = await AsyncClient(raise_request_exception=False).get(HANDOFFS, headers={"Authorization": "Token a"})
    assert_error(response, 503, "service_unavailable")
    assert response["Retry-After"] == str(errors.RETRY_AFTER_SECONDS)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_an_unknown_api_url_under_asgi_is_a_json_404():
    assert_error(await AsyncClient().get("/api/v1/nothing-here/"), 404, "not_found")


# --- web pages keep their pages; CSRF ------------------------------------------------------------------------


def test_an_unknown_page_is_still_the_html_404(network):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(network.user("a", Role.CASE_MANAGER))
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_session_write_without_the_csrf_token_is_a_json_403(network):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en", enforce_csrf_checks=True)
    client.force_login(network.user("a", Role.CASE_MANAGER))
    response = client.post(HANDOFFS, {"kind": "referral"}, format="json")
    error = assert_error(response, 403, "permission_denied")
    assert "CSRF" in error["message"]


def test_the_csrf_failure_view_answers_json_under_api_and_the_page_elsewhere(db):
    factory = RequestFactory()
    api = errors.csrf_failure(factory.post("/api/v1/anything/"), reason="CSRF cookie not set.")
    assert_error(as_client_response(api), 403, "csrf_failed")
    page = errors.csrf_failure(factory.post("/cases/open/"), reason="CSRF cookie not set.")
    assert page.status_code == 403
    assert page["Content-Type"].startswith("text/html")


def test_django_bad_requests_under_api_are_json_without_the_reason(db):
    response = errors.bad_request(RequestFactory().get("/api/v1/handoffs/"), SuspiciousOperation("attack details"))
    error = assert_error(as_client_response(response), 400, "bad_request")
    assert "attack" not in error["message"]
