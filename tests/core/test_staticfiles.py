"""The production static set: `collectstatic` with the production storage succeeds with no flag, publishes what our
pages load (every page resolves its assets through the manifest) and leaves out the vendor assets no page uses."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.templatetags.static import static
from django.test import override_settings

from partners.roles import Role

TEMPLATES_DIR = Path(django_settings.BASE_DIR) / "templates"
PRODUCTION_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"
STATIC_TAG = re.compile(r"""\{%\s*static\s+["']([^"']+)["']""")
STATIC_URL_IN_HTML = re.compile(r"""/static/([^"'\s<>()?#]+)""")


def production_static(static_root: Path, extra_dirs=()) -> override_settings:
    """The production STORAGES and a STATIC_ROOT of the test's own (config.settings picks them by DJANGO_ENV)."""
    storages = {**django_settings.STORAGES, "staticfiles": {"BACKEND": PRODUCTION_STORAGE}}
    return override_settings(
        STORAGES=storages, STATIC_ROOT=static_root, STATICFILES_DIRS=[*django_settings.STATICFILES_DIRS, *extra_dirs]
    )


def collectstatic() -> None:
    call_command("collectstatic", interactive=False, verbosity=0)


def static_names_in_templates() -> set[str]:
    return {name for path in TEMPLATES_DIR.rglob("*.html") for name in STATIC_TAG.findall(path.read_text())}


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    """One `collectstatic` for the module, exactly as the operator guide runs it (no flag)."""
    root = tmp_path_factory.mktemp("staticfiles")
    with production_static(root):
        collectstatic()
    return root


@pytest.fixture
def production_manifest(static_root):
    """Pages render with the production storage, reading the manifest collected above."""
    with production_static(static_root):
        yield json.loads((static_root / "staticfiles.json").read_text())["paths"]


def assert_static_urls_resolve(html: str, static_root: Path) -> list[str]:
    """Every /static/ URL in the page is a hashed name that was published."""
    urls = STATIC_URL_IN_HTML.findall(html)
    assert urls, "the page references no static file"
    missing = [url for url in urls if not (static_root / url).is_file()]
    assert missing == []
    return urls


def test_collectstatic_writes_the_manifest_with_every_asset_our_templates_use(static_root):
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    used = static_names_in_templates()
    assert {
        "vendor/bootstrap/bootstrap.min.css",
        "css/tavolo.css",
        "vendor/htmx/htmx.min.js",
        "js/notifications.js",
        "favicon.svg",
    } <= used  # what base.html loads: the scan works
    assert sorted(used - manifest.keys()) == []
    for name in used:
        hashed = manifest[name]
        assert hashed != name
        assert (static_root / hashed).is_file()
        if name.endswith((".css", ".js")):  # WhiteNoise serves these compressed (tiny files may stay plain)
            assert (static_root / f"{hashed}.gz").is_file()


def test_unused_vendor_assets_are_not_published(static_root):
    published = {path.relative_to(static_root).as_posix() for path in static_root.rglob("*") if path.is_file()}
    assert not (static_root / "viewflow").exists()
    assert [path for path in published if path.startswith("viewflow/fonts/roboto")] == []
    assert [path for path in published if path.startswith("django_htmx/")] == []
    assert [path for path in published if "fontawesome" in path or "font-awesome" in path] == []
    # what /django-admin/, the browsable API and the API docs load is there
    for name in (
        "admin/css/base.css",
        "admin/js/core.js",
        "rest_framework/css/bootstrap.min.css",
        "rest_framework/fonts/glyphicons-halflings-regular.woff2",
        "rest_framework/js/jquery-3.7.1.min.js",
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js",
        "guardian/img/icon-yes.svg",
    ):
        assert name in published


def test_a_reference_to_a_missing_file_fails_collectstatic(tmp_path):
    # given a stylesheet naming a font that is not shipped (what viewflow's roboto-fontface.css does)
    broken = tmp_path / "broken"
    (broken / "broken").mkdir(parents=True)
    (broken / "broken" / "fonts.css").write_text("@font-face { src: url('missing.woff2'); }\n")
    # when / then: the run fails, instead of publishing a set whose pages would answer 500
    with production_static(tmp_path / "staticfiles", extra_dirs=[broken]), pytest.raises(ValueError, match="missing"):
        collectstatic()
    assert not (tmp_path / "staticfiles" / "staticfiles.json").exists()


def test_a_name_missing_from_the_manifest_is_an_error_not_an_unhashed_url(production_manifest):
    # manifest_strict stays on: a template naming an unpublished file fails at once in tests and the smoke run
    assert static("css/tavolo.css") == f"/static/{production_manifest['css/tavolo.css']}"
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
        static("viewflow/css/viewflow.min.css")


@pytest.mark.django_db
def test_the_login_page_loads_hashed_assets(client, production_manifest, static_root):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    urls = assert_static_urls_resolve(response.content.decode(), static_root)
    assert production_manifest["vendor/bootstrap/bootstrap.min.css"] in urls


@pytest.mark.django_db
def test_a_members_home_page_loads_hashed_assets(client, network, production_manifest, static_root):
    client.force_login(network.user("a", Role.CASE_MANAGER))
    response = client.get("/")
    assert response.status_code == 200
    urls = assert_static_urls_resolve(response.content.decode(), static_root)
    assert production_manifest["js/notifications.js"] in urls


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/django-admin/", "/django-admin/partners/servicetype/add/", "/django-admin/viewflow/process/"]
)
def test_the_django_admin_loads_its_assets(client, production_manifest, static_root, path):
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.org", "x-long-password-1"))
    response = client.get(path)
    assert response.status_code == 200
    assert_static_urls_resolve(response.content.decode(), static_root)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/", "/api/v1/docs/", "/api/v1/redoc/"])
def test_the_browsable_api_and_its_docs_load_their_assets(client, network, production_manifest, static_root, path):
    client.force_login(network.user("a", Role.CASE_MANAGER))
    response = client.get(path, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert_static_urls_resolve(response.content.decode(), static_root)
