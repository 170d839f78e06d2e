"""The Idempotency-Key plumbing: keys expire with the timers' sweep, and the schema declares the header on the
writes that honour it and the error shape on every operation."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from core import idempotency
from core.models import IdempotencyKey

IDEMPOTENT_OPERATIONS = [
    ("/api/v1/handoffs/", "post"),
    *(
        (f"/api/v1/handoffs/{{id}}/{verb}/", "post")
        for verb in ("accept", "decline", "revoke", "redirect", "close", "outcome")
    ),
    ("/api/v1/tasks/{id}/claim/", "post"),
    ("/api/v1/tasks/{id}/release/", "post"),
]


def key_row(user, key: str, *, age: datetime.timedelta) -> IdempotencyKey:
    return IdempotencyKey.objects.create(
        user=user,
        key=key,
        method="POST",
        path="/api/v1/handoffs/",
        fingerprint="0" * 64,
        status=201,
        response={"id": 1},
        created_at=timezone.now() - age,
    )


@pytest.mark.django_db
def test_run_timers_forgets_keys_past_their_lifetime_only():
    user = get_user_model().objects.create_user("partner-tool")
    key_row(user, "old", age=idempotency.KEY_LIFETIME + datetime.timedelta(minutes=1))
    key_row(user, "recent", age=idempotency.KEY_LIFETIME - datetime.timedelta(minutes=1))
    out = StringIO()
    # when
    call_command("run_timers", stdout=out)
    # then
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["recent"]
    assert "1 idempotency key(s) forgotten" in out.getvalue()


@pytest.mark.django_db
def test_expiring_keys_is_one_query(django_assert_num_queries):
    user = get_user_model().objects.create_user("partner-tool")
    for number in range(20):
        key_row(user, f"old-{number}", age=datetime.timedelta(days=2))
    with django_assert_num_queries(1):
        assert idempotency.keys_expire() == 20


@pytest.fixture(scope="module")
def schema(django_db_blocker, tmp_path_factory):
    schema_file = tmp_path_factory.mktemp("schema") / "schema.yaml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(schema_file))
    return yaml.safe_load(schema_file.read_text())


@pytest.mark.parametrize(("path", "method"), IDEMPOTENT_OPERATIONS)
def test_the_schema_declares_the_header_on_the_idempotent_writes(schema, path, method):
    parameters = schema["paths"][path][method].get("parameters", [])
    header = [p for p in parameters if p["in"] == "header" and p["name"] == "Idempotency-Key"]
    assert len(header) == 1
    assert not header[0].get("required", False)  # a client without retries need not send it


def test_the_schema_declares_the_header_nowhere_else(schema):
    declared = {
        (path, method)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", []))
    }
    assert declared == set(IDEMPOTENT_OPERATIONS)


def test_every_operation_documents_the_error_shape(schema):
    error = schema["components"]["schemas"]["Error"]
    assert error["properties"]["error"] == {"$ref": "#/components/schemas/ErrorDetail"}
    assert set(schema["components"]["schemas"]["ErrorDetail"]["required"]) == {"status", "code", "message", "fields"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            errors = {code: response for code, response in operation["responses"].items() if code[0] in "45"}
            assert "503" in errors  # the declared errors, no catch-all "default" (core.schema)
            for code, response in errors.items():
                if not (path.startswith("/api/v1/persons/") and code == "409"):  # a person's conflict, below
                    content = response["content"]["application/json"]
                    assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (path, method, code)


def test_the_person_conflict_is_in_the_error_shape(schema):
    conflict = schema["paths"]["/api/v1/persons/"]["post"]["responses"]["409"]["content"]["application/json"]
    component = schema["components"]["schemas"][conflict["schema"]["$ref"].rsplit("/", 1)[1]]
    detail = schema["components"]["schemas"][component["properties"]["error"]["$ref"].rsplit("/", 1)[1]]
    assert {"status", "code", "message", "fields", "existing_person", "candidates"} <= set(detail["properties"])
