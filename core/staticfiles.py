"""What `collectstatic` publishes: our own assets and the vendor assets our pages load, nothing else.

Installed apps ship static files that no Tavolo page uses. viewflow's are the reason this exists: its Material
UI (for viewflow's own site pages, which Tavolo never mounts) includes a font CSS that references font files
viewflow does not ship, and WhiteNoise's manifest storage rightly refuses to publish a CSS with a broken
reference — `collectstatic` failed, no manifest was written and every page answered 500. Leaving the unused
files out also keeps the published set small (174 source files, 12.5 MB, instead of 376 and 64.6 MB).

The patterns live on the staticfiles app config, so the documented `manage.py collectstatic --noinput` needs no
flag. They apply to `collectstatic` only: in development WhiteNoise serves straight from the finders. What
stays published and why (each is checked by tests/core/test_staticfiles.py, which renders the pages against
the manifest):

- ``admin/``: /django-admin/ (every page may load any of its scripts, so all of it).
- ``rest_framework/``: the browsable API at /api/v1/, minus the Font Awesome and Bootstrap-theme files its
  templates never load.
- ``drf_spectacular_sidecar/``: /api/v1/docs/ (Swagger UI) and /api/v1/redoc/, with the source maps their
  bundles name (the manifest storage follows ``sourceMappingURL``).
- ``guardian/``: two icons of guardian's admin templates.
- our ``static/``: everything but the vendoring note.

A pattern with a slash matches a file's path inside the static tree (``fnmatch``: ``*`` also matches ``/``).
"""

from django.contrib.staticfiles.apps import StaticFilesConfig as DjangoStaticFilesConfig

UNUSED_STATIC_PATTERNS = [
    # viewflow's Material UI: its own site pages (not mounted), its fonts (one CSS references missing files).
    "viewflow/*",
    # django-htmx's copies of htmx and its extensions: base.html loads our pinned copy (static/vendor/htmx/).
    "django_htmx/*",
    # DRF ships Font Awesome and a Bootstrap theme that none of its templates load.
    "rest_framework/css/font-awesome-*.css",
    "rest_framework/fonts/fontawesome-webfont.*",
    "rest_framework/css/bootstrap-theme.min.css*",
    # Where our vendored copies come from: a note for developers, not an asset.
    "vendor/README.txt",
]


class StaticFilesConfig(DjangoStaticFilesConfig):
    """django.contrib.staticfiles, publishing only the assets Tavolo's pages use."""

    ignore_patterns = [*DjangoStaticFilesConfig.ignore_patterns, *UNUSED_STATIC_PATTERNS]
