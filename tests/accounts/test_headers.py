"""Security headers (issue 18, item 6): a Content-Security-Policy without inline scripts or styles and a
Permissions-Policy on the pages of every role; the API schema and docs behind a login when so configured; and no
template holding what the policy would refuse (a source scan). The browser journeys check the policy at run time
(tests/browser/conftest.py, tests/browser/test_security_headers.py)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from partners.roles import Role

REPO = Path(__file__).resolve().parents[2]
ROLES = [
    ("a", Role.CASE_MANAGER),
    ("a", Role.OPERATOR),
    ("a", Role.VOLUNTEER),
    ("a", Role.ORG_ADMIN),
    ("m", Role.COORDINATOR),
]


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


def assert_strict_policy(response) -> None:
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["connect-src"][0] == "'self'"
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in response["Permissions-Policy"]


@pytest.mark.parametrize(("org", "role"), ROLES)
def test_the_pages_of_every_role_carry_the_strict_policy(client, network, case_a, org, role):
    client.force_login(network.user(org, role))
    for url in (reverse("home"), reverse("cases:case_list"), reverse("cases:case_detail", args=[case_a.pk])):
        response = client.get(url)
        assert response.status_code in (200, 403, 404), url
        assert_strict_policy(response)


def test_the_login_page_and_an_api_answer_carry_the_policy(client, db):
    assert_strict_policy(client.get(reverse("login")))
    answer = APIClient().get(reverse("api-case-list"))
    assert answer.status_code in (401, 403)
    assert "Permissions-Policy" in answer
    assert directives(answer)["script-src"] == ["'self'"]


def test_the_api_docs_relax_inline_styles_on_their_own_pages_only(client, db, settings):
    settings.TAVOLO_API_DOCS_LOGIN_REQUIRED = False
    for name in ("api-docs", "api-redoc"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        policy = directives(response)
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
        assert b"<script>" not in response.content  # Swagger's init script is a file of its own
    assert b"fonts.googleapis.com" not in client.get(reverse("api-redoc")).content


# --- the API schema and docs behind a login ---------------------------------------------------------------------


@pytest.fixture
def docs_login_required(settings):
    settings.TAVOLO_API_DOCS_LOGIN_REQUIRED = True


@pytest.mark.parametrize("name", ["api-docs", "api-redoc"])
def test_the_anonymous_are_sent_to_the_login_page_for_the_docs(client, db, docs_login_required, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('login')}?next=")


def test_the_anonymous_get_no_schema(db, docs_login_required):
    response = APIClient().get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code in (401, 403)
    assert "paths" not in response.json()
    assert response.json()["error"]["status"] == response.status_code


@pytest.mark.parametrize(("org", "role"), [("a", Role.VOLUNTEER), ("m", Role.COORDINATOR)])
def test_a_member_reads_the_schema_and_the_docs(client, network, docs_login_required, org, role):
    client.force_login(network.user(org, role))
    assert client.get(reverse("api-docs")).status_code == 200
    assert client.get(reverse("api-redoc")).status_code == 200
    schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/cases/" in schema.json()["paths"]


def test_a_partner_system_reads_the_schema_with_its_api_credentials(network, docs_login_required):
    api = APIClient()
    api.force_authenticate(network.user("a", Role.CASE_MANAGER))
    response = api.get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200


def test_without_the_setting_the_schema_is_public(db, settings):
    settings.TAVOLO_API_DOCS_LOGIN_REQUIRED = False
    response = APIClient().get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200


def settings_in_a_new_process(**env: str) -> dict:
    """The settings a process started with these environment variables reads (the switches are read at start-up)."""
    script = (
        "import django, json\ndjango.setup()\nfrom django.conf import settings\n"
        "print(json.dumps({'docs_login': settings.TAVOLO_API_DOCS_LOGIN_REQUIRED,"
        " 'connect': settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['connect-src']}))"
    )
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_ENV", "TAVOLO_API"))}
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(REPO), **env},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_production_requires_a_login_for_the_docs_by_default_and_names_its_secure_websocket():
    production = {"DJANGO_ENV": "production", "SECRET_KEY": "x" * 50, "TAVOLO_SITE_URL": "https://tavolo.example.it"}
    assert settings_in_a_new_process(**production) == {
        "docs_login": True,
        "connect": ["'self'", "wss://tavolo.example.it"],
    }
    assert settings_in_a_new_process(**production, TAVOLO_API_DOCS_LOGIN_REQUIRED="0")["docs_login"] is False
    assert settings_in_a_new_process()["docs_login"] is False  # the embedded default keeps the demo's docs open


# --- the templates hold nothing the policy refuses --------------------------------------------------------------

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE | re.DOTALL)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE | re.DOTALL)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def our_templates() -> list[Path]:
    roots = [Path(settings.BASE_DIR) / "templates"]
    roots += [path for path in Path(settings.BASE_DIR).glob("*/templates") if path.parent.name != ".venv"]
    found = [path for root in roots for path in root.rglob("*") if path.is_file()]
    assert len(found) > 50, "the scan found too few templates to mean anything"
    return found


TEMPLATE_COMMENT = re.compile(r"{#.*?#}|{% comment %}.*?{% endcomment %}", re.DOTALL)
DATA_BLOCK = re.compile(r"""type\s*=\s*["']application/(ld\+)?json""")


def refusals(text: str) -> list[str]:
    text = TEMPLATE_COMMENT.sub("", text)
    found = []
    for match in SCRIPT_TAG.finditer(text):
        attributes = match.group(1)
        if not re.search(r"\ssrc\s*=", attributes) and "nonce=" not in attributes and not DATA_BLOCK.search(attributes):
            found.append(f"inline script: {match.group(0)}")
    found += [f"event handler: {m.group(0)[-80:]}" for m in EVENT_HANDLER.finditer(text)]
    found += [f"style attribute: {m.group(0)[-80:]}" for m in STYLE_ATTRIBUTE.finditer(text)]
    found += [f"javascript: URL: {m.group(0)}" for m in JAVASCRIPT_URL.finditer(text)]
    return found


def test_no_template_holds_an_inline_script_handler_or_style():
    offenders = {
        str(path.relative_to(settings.BASE_DIR)): found
        for path in our_templates()
        if path.parts[-2:] != ("drf_spectacular", "redoc.html")  # the docs pages' own policy allows their <style>
        if (found := refusals(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_the_scan_would_see_what_the_policy_refuses():
    assert refusals('<script>alert(1)</script><script src="/x.js"></script>') == ["inline script: <script>"]
    assert refusals('<script type="application/json" id="d">{}</script>') == []
    assert refusals('<script nonce="{{ request.csp_nonce }}">go()</script>') == []
    assert len(refusals('<button class="b" onclick="go()">')) == 1
    assert len(refusals('<div\n  style="color: red">')) == 1
    assert len(refusals('<a href="javascript:go()">')) == 1
    assert refusals('<a data-onclick="x" class="style">') == []
    assert refusals("{# a <script> in a comment #}") == []
