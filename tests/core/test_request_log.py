"""Request ids and access lines: what an operator reads in the logs, and what never gets there."""

import io
import json
import logging
import re
import threading

import pytest
from django.http import HttpResponse
from django.urls import path

from core.logs import JsonFormatter, RequestIdFilter
from partners.roles import Role

GENERATED_ID = re.compile(r"[0-9a-f]{32}")
view_threads: list[int] = []


def logging_view(request):
    """A view that writes a log line, as any view may (tests mount it through this module's urlpatterns)."""
    view_threads.append(threading.get_ident())
    logging.getLogger("tests.view").warning("inside the view")
    return HttpResponse("ok")


def failing_view(request):
    raise RuntimeError("boom")


urlpatterns = [path("logged/", logging_view), path("fails/", failing_view)]


@pytest.fixture
def json_log():
    """Everything logged during the test, as the production handler writes it: parsed JSON lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    lines: list[dict] = []

    def read() -> list[dict]:
        lines[:] = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
        return lines

    yield read
    root.removeHandler(handler)


def access_lines(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["logger"] == "tavolo.access"]


# --- the request id ------------------------------------------------------------------------------


def test_a_sane_incoming_request_id_is_kept(db, client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-4f1c2a.7:trace=9")
    assert response["X-Request-ID"] == "lb-4f1c2a.7:trace=9"


def test_a_request_without_an_id_gets_one(db, client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert GENERATED_ID.fullmatch(first)
    assert GENERATED_ID.fullmatch(second)
    assert first != second


@pytest.mark.parametrize(
    "unsafe",
    ["has spaces", "x" * 129, 'quote"d', "new\nline", "<script>", "ünïcode", ""],
)
def test_an_unsafe_request_id_is_replaced(db, client, unsafe):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=unsafe)
    assert GENERATED_ID.fullmatch(response["X-Request-ID"])


# --- the access line -----------------------------------------------------------------------------


def test_the_access_line_is_one_json_object_with_the_request_fields(network, client, json_log):
    # given: a signed-in member of organisation A
    user = network.user("a", Role.CASE_MANAGER)
    client.force_login(user)
    # when
    response = client.get("/cases/", HTTP_X_REQUEST_ID="req-123")
    # then
    [line] = access_lines(json_log())
    assert response.status_code == 200
    assert line["level"] == "INFO"
    assert line["request_id"] == "req-123"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/cases/", 200)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["user_id"] == user.pk
    assert line["organisation_ids"] == [network.org_a.pk]
    assert line["time"] and line["message"].startswith("GET /cases/ 200 ")


def test_the_access_line_has_no_query_string_and_no_name(network, client, json_log, case_a):
    client.force_login(network.user("a", Role.CASE_MANAGER))
    response = client.get("/cases/people/", {"q": "Bianchi Giulia"})
    assert response.status_code == 200
    [line] = access_lines(json_log())
    assert line["path"] == "/cases/people/"
    everything_logged = json.dumps(json_log())
    assert "Bianchi" not in everything_logged
    assert "Giulia" not in everything_logged
    assert "q=" not in everything_logged


def test_an_anonymous_request_logs_no_user_and_costs_no_query(db, client, json_log, django_assert_num_queries, caplog):
    with django_assert_num_queries(0), caplog.at_level(logging.DEBUG, logger="tavolo.access"):
        client.get("/healthz?probe=1")
    [line] = access_lines(json_log())
    assert line["user_id"] is None
    assert line["organisation_ids"] == []
    assert line["path"] == "/healthz"
    # successful probes are DEBUG, so that a load balancer does not fill the log
    assert line["level"] == "DEBUG"


def test_djangos_own_request_lines_carry_the_id_and_not_the_query_string(db, client, json_log):
    # Django attaches the request (whose repr has the query string) to its "Not Found" warnings.
    response = client.get("/no-such-page/", {"q": "Bianchi"})
    lines = json_log()
    [not_found] = [line for line in lines if line["logger"] == "django.request"]
    assert not_found["message"] == "Not Found: /no-such-page/"
    assert not_found["request_id"] == response["X-Request-ID"]
    assert "Bianchi" not in json.dumps(lines)


# --- log lines inside the request ----------------------------------------------------------------


@pytest.mark.urls("tests.core.test_request_log")
def test_a_line_logged_in_the_view_carries_the_request_id(db, client, json_log):
    response = client.get("/logged/", HTTP_X_REQUEST_ID="from-the-proxy-1")
    [line] = [line for line in json_log() if line["logger"] == "tests.view"]
    assert line["request_id"] == "from-the-proxy-1" == response["X-Request-ID"]


@pytest.mark.urls("tests.core.test_request_log")
@pytest.mark.django_db
@pytest.mark.asyncio
async def test_under_asgi_the_view_thread_logs_with_the_request_id(async_client, json_log):
    # given: under ASGI, Django runs the sync view in a thread of its own
    view_threads.clear()
    # when
    response = await async_client.get("/logged/")
    # then: the line written in that thread has the id the response carries
    request_id = response["X-Request-ID"]
    [line] = [line for line in json_log() if line["logger"] == "tests.view"]
    assert view_threads and view_threads[0] != threading.get_ident()
    assert line["request_id"] == request_id
    assert GENERATED_ID.fullmatch(request_id)
    [access] = access_lines(json_log())
    assert access["request_id"] == request_id


@pytest.mark.urls("tests.core.test_request_log")
def test_a_failing_view_still_gets_its_access_line_and_id(db, client, json_log):
    client.raise_request_exception = False
    response = client.get("/fails/", HTTP_X_REQUEST_ID="req-500")
    assert response.status_code == 500
    lines = json_log()
    [access] = access_lines(lines)
    assert (access["status"], access["request_id"]) == (500, "req-500")
    error = next(line for line in lines if line["logger"] == "django.request")
    assert error["request_id"] == "req-500"
    assert "boom" in error["exc_info"]


def test_lines_outside_a_request_have_no_id(json_log):
    logging.getLogger("tests.command").warning("from a management command")
    [line] = json_log()
    assert line["request_id"] == "-"
