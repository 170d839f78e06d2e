import re
from urllib.parse import urlsplit

import jsonschema
import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command


@pytest.mark.django_db
def test_openapi_schema_is_valid_and_generates_without_warnings(tmp_path):
    schema_file = tmp_path / "schema.yaml"
    # --fail-on-warn raises SchemaGenerationError on any warning or error
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(schema_file))
    schema = schema_file.read_text()
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/organisations/",
        "/api/v1/persons/{id}/merge/",
        "/api/v1/households/{id}/members/",
        "/api/v1/consents/{id}/withdraw/",
        "/api/v1/cases/{id}/close/",
        "/api/v1/cases/{id}/status/",
        "/api/v1/cases/{case_pk}/notes/",
        "/api/v1/cases/{case_pk}/interventions/",
        "/api/v1/interventions/",
    ):
        assert f"  {path}:" in schema


@pytest.mark.django_db
def test_api_docs_render_from_local_static_files(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"https?://cdn", html, flags=re.IGNORECASE)
    assert not re.search(r"""(src|href)=["']https?://""", html)
    bundle = "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"
    assert f"/static/{bundle}" in html
    assert finders.find(bundle) is not None


@pytest.mark.django_db
def test_schema_endpoint_serves_the_schema(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert "/api/v1/cases/" in response.json()["paths"]


# --- the schema tells the truth (issue 16, item 21) --------------------------------------------------------------


@pytest.fixture(scope="module")
def openapi():
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def _accepts(openapi, component: str, prop: str, value) -> bool:
    """Whether `value` fits the schema of `component.prop`, its $refs resolved in the whole document."""
    schema = {**openapi["components"]["schemas"][component]["properties"][prop], "components": openapi["components"]}
    return jsonschema.Draft4Validator(schema, format_checker=FORMATS).is_valid(value)


# jsonschema checks "email" but not "uri" without an extra package: a URI here has a scheme and a host.
FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("uri")
def _is_uri(value) -> bool:
    return not isinstance(value, str) or bool(urlsplit(value).scheme and urlsplit(value).netloc)


@pytest.mark.parametrize(
    ("component", "prop", "valid"),
    [
        ("Case", "closure_outcome", "goals_reached"),  # "" while the case is open
        ("CaseDetail", "closure_outcome", "goals_reached"),
        ("Handoff", "decline_reason", "capacity"),  # "" unless declined
        ("Handoff", "outcome", "completed"),  # "" until reported
        ("OrganisationContacts", "website", "https://example.org/"),
        ("OrganisationContacts", "email", "info@example.org"),
        ("PersonDetail", "email", "mario@example.org"),
    ],
)
def test_read_only_fields_of_blank_model_fields_accept_blank_in_the_schema(openapi, component, prop, valid):
    assert _accepts(openapi, component, prop, "")
    assert _accepts(openapi, component, prop, valid)
    assert not _accepts(openapi, component, prop, "not one of them")


def test_every_operation_declares_its_errors_in_the_one_shape_and_no_catch_all(openapi):
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "default" not in responses, (method, path)
            errors = {code for code in responses if code.startswith(("4", "5"))}
            assert "503" in errors, (method, path)
            for code in errors - {"409"}:  # a person's 409 has its own (larger) body
                ref = responses[code]["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/Error", (method, path, code)


@pytest.mark.parametrize(
    ("method", "path", "declared", "undeclared"),
    [
        ("get", "/api/v1/cases/", {"400", "401", "403", "404", "503"}, {"409", "413", "415", "422", "429"}),
        ("get", "/api/v1/cases/{id}/", {"401", "403", "404", "503"}, {"400", "413", "415", "429"}),
        ("patch", "/api/v1/cases/{id}/", {"400", "401", "403", "404", "413", "415", "503"}, {"422", "429"}),
        ("post", "/api/v1/handoffs/{id}/accept/", {"400", "401", "403", "404", "409", "422", "503"}, {"429"}),
        ("post", "/api/v1/auth/token/", {"400", "429", "503"}, {"401", "404"}),
        ("post", "/api/v1/persons/", {"400", "401", "403", "409", "503"}, {"422"}),
    ],
)
def test_error_statuses_follow_what_the_operation_is(openapi, method, path, declared, undeclared):
    responses = set(openapi["paths"][path][method]["responses"])
    assert declared <= responses
    assert not undeclared & responses


def test_a_page_below_one_is_outside_the_schema(openapi):
    parameters = openapi["paths"]["/api/v1/cases/"]["get"]["parameters"]
    page = next(p for p in parameters if p["name"] == "page")
    assert page["schema"]["minimum"] == 1
