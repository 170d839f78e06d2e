"""Tavolo settings, read from the environment (12-factor).

Embedded default (no variables set): SQLite under ``var/``, in-memory channel layer, console e-mail,
DEBUG on. ``DATABASE_URL`` switches to PostgreSQL, ``REDIS_URL`` to the Redis channel layer, and
``DJANGO_ENV=production`` turns on the hardened settings that ``check --deploy`` expects.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config import rest, security
from config.logging import logging_settings
from config.security import *  # noqa: F403 - logins: lockout, password reset, API tokens (issue 18), its __all__

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TAVOLO_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DJANGO_ENV = os.environ.get("DJANGO_ENV", "development")
PRODUCTION = DJANGO_ENV == "production"

if PRODUCTION:
    SECRET_KEY = os.environ["SECRET_KEY"]
else:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production-0123456789")

DEBUG = env_bool("DEBUG", not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.forms",  # the widget templates, for core.forms.FormRenderer
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "core.staticfiles.StaticFilesConfig",  # django.contrib.staticfiles, publishing only what our pages use
    "django.contrib.humanize",
    "channels",
    "rest_framework",
    "rest_framework.authtoken",  # unused since knox (issue 18); kept so its old table is not left orphaned
    "knox",  # API tokens: hashed, expiring, revocable (accounts/tokens.py)
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",  # django-csp: its checks refuse the pre-4.0 CSP_* settings
    "guardian",
    "axes",  # brute-force protection: failed logins counted per username and per address (accounts/lockout.py)
    "viewflow",
    "viewflow.workflow",
    "core",
    "partners",
    "accounts",  # logins, sessions, API tokens, security headers (issue 18)
    "cases",
    "workflows",
    "housing",
    "employment",
    "reports",
    "notifications",
    "guide",  # the user guide per role, and the "?" of each page
]
if not PRODUCTION:
    INSTALLED_APPS.append("demo")  # the demo network and its commands (make demo): never in production

MIDDLEWARE = [
    # First: every later middleware's log lines carry the request id; then the load balancer's probes, answered
    # before host validation, the HTTPS redirect and sessions (core/middleware.py says why that is safe).
    "core.middleware.RequestLogMiddleware",
    "core.middleware.HealthProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy on every response (issue 18; accounts/headers.py).
    "csp.middleware.CSPMiddleware",
    "accounts.headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Absolute session lifetime, and the idle expiry refreshed about once a minute (accounts/sessions.py).
    "accounts.sessions.SessionLifetimeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "partners.middleware.AuditContextMiddleware",
    # A member whose memberships all ended gets one clear 403 (page or JSON), not a 404 on every page.
    "partners.middleware.ActiveMembershipMiddleware",
    # Last: turns a login refused by the lockout into a 429 (accounts/lockout.py, lockout_response).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = None
ASGI_APPLICATION = "config.asgi.application"

# Every form field is drawn by one template, templates/forms/field.html (core.forms.FormRenderer).
FORM_RENDERER = "core.forms.FormRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "partners.context_processors.navigation",
                "workflows.context_processors.work_counts",
                "notifications.context_processors.unread_notifications",
            ],
        },
    },
]


def refuse_persistent_connections() -> None:
    """Under ASGI every request's sync code runs in a new thread, and Django keeps one connection per thread:
    with CONN_MAX_AGE > 0 each request left an idle PostgreSQL backend behind until the dead thread's
    connection was garbage-collected (an operator saw 20 % of requests fail with "too many clients" at 16
    users; bench/connections.py, ADR 0012). The old variable fails loudly rather than being ignored, so a
    deployment still carrying the guide's former `DB_CONN_MAX_AGE=60` learns it at start-up."""
    if os.environ.get("DB_CONN_MAX_AGE", "0").strip() not in {"", "0"}:
        raise ImproperlyConfigured(
            "DB_CONN_MAX_AGE is no longer supported: persistent connections leak under ASGI. Remove it; "
            "PostgreSQL connections are pooled per worker (DB_POOL, DB_POOL_MAX_SIZE, see ADR 0012)."
        )


def postgres_pool_options() -> dict | None:
    """Django's psycopg pool, one per worker process (ADR 0012): connections are reused across requests and
    threads, and a worker never holds more than DB_POOL_MAX_SIZE. A request that waits longer than
    DB_POOL_TIMEOUT seconds for a free connection fails like a lost database (503, core/errors.py). No
    minimum by default: a sweep loop holds one connection, not two, and an idle worker gives its connections
    back after psycopg's max_idle (10 min). DB_POOL=0 opens a new connection per request (behind PgBouncer)."""
    if not env_bool("DB_POOL", True):
        return None
    options = {
        "min_size": int(os.environ.get("DB_POOL_MIN_SIZE", "0")),
        "max_size": int(os.environ.get("DB_POOL_MAX_SIZE", "8")),
        "timeout": float(os.environ.get("DB_POOL_TIMEOUT", "10")),
    }
    # psycopg would only complain at the first request; a wrong size fails at start-up instead.
    if not (0 <= options["min_size"] <= options["max_size"] and options["max_size"] >= 1 and options["timeout"] > 0):
        raise ImproperlyConfigured(
            "DB_POOL_MIN_SIZE must be between 0 and DB_POOL_MAX_SIZE, DB_POOL_MAX_SIZE at least 1 and "
            "DB_POOL_TIMEOUT more than 0 seconds."
        )
    return options


refuse_persistent_connections()
DATABASES = {
    "default": dj_database_url.parse(os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tavolo.sqlite3'}"))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"transaction_mode": "IMMEDIATE", "timeout": 20})
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation costs 0.3-0.8 s on list queries whose cost the planner overestimates, and
    # never pays off on short OLTP queries (measured by bench/caselist.py).
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
    # With the pool: a connection is checked (one empty query) before a request gets it, so one that the
    # server or a firewall closed while idle is replaced instead of failing the request.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("DB_CONN_HEALTH_CHECKS", True)
    if (pool := postgres_pool_options()) is not None:
        DATABASES["default"]["OPTIONS"]["pool"] = pool
    # Behind PgBouncer in transaction mode (DB_POOL=0), `.iterator()`'s server-side cursors would outlive the
    # server connection they were opened on: Django's documented switch turns them off.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("DB_DISABLE_SERVER_SIDE_CURSORS", False)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py's default 5 s socket timeout would close idle subscriber sockets every 5 s.
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 10}]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# The cache (today: the API throttles' counters) is shared by every worker on every host when Redis is there,
# so that a limit is one limit and not one per worker. TAVOLO_CACHE_URL defaults to REDIS_URL; give it its own
# database number (redis://host:6379/1 beside REDIS_URL=redis://host:6379/0) where the server allows it:
# `cache.clear()` empties the whole Redis database, channel layer included. When Redis fails the cache fails
# open (reads miss, writes are dropped, a warning is logged): see core/cache.py.
TAVOLO_CACHE_URL = os.environ.get("TAVOLO_CACHE_URL", REDIS_URL or "").strip()
if TAVOLO_CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.FailOpenRedisCache",
            "LOCATION": TAVOLO_CACHE_URL,
            "KEY_PREFIX": "tavolo",
            # A Redis that hangs delays a request by at most about a second, then the cache is skipped for 5 s.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked username or address before any password is checked (accounts/lockout.py).
    "accounts.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# No guardian anonymous user: anonymous visitors see nothing.
ANONYMOUS_USER_NAME = None

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions (issue 18, accounts/sessions.py). Database sessions (Django's default engine: end_user_sessions lists a
# user's rows). Idle timeout: the row expires SESSION_IDLE_TIMEOUT seconds after its last save; it is saved at most
# about once a minute (SessionLifetimeMiddleware), not on every request. Absolute lifetime: a session ends
# SESSION_ABSOLUTE_TIMEOUT seconds after the login however active (default 10 hours, a working day).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_TIMEOUT", str(30 * 60)))
SESSION_ABSOLUTE_TIMEOUT = int(os.environ.get("SESSION_ABSOLUTE_TIMEOUT", str(10 * 60 * 60)))
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LANGUAGE_CODE = "it"
LANGUAGES = [("it", _("Italian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates day first ("4 Dec 2026"), not Django's American 12/04/2026 (config/formats/en/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Europe/Rome"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Documents: a private folder by default (0600 files, 0700 folders: only Tavolo's user reads them; set here
    # rather than in FILE_UPLOAD_PERMISSIONS so collected static files keep their readable modes); an S3-compatible
    # bucket when TAVOLO_DOCUMENTS_S3_BUCKET is set (below).
    "default": {
        "BACKEND": "core.storage.LocalDocumentStorage",
        "OPTIONS": {"file_permissions_mode": 0o600, "directory_permissions_mode": 0o700},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# In development WhiteNoise serves straight from the app/static folders; in production from STATIC_ROOT
# after `collectstatic`, with hashed names and compression.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# Uploaded documents live outside the web root and are never served by a static handler:
# every download goes through a view that checks the per-case permission.
MEDIA_ROOT = Path(os.environ.get("TAVOLO_DOCUMENTS_DIR", VAR_DIR / "documents"))
# No URL serves MEDIA_ROOT: documents are downloaded only through `cases:document_download`.
MEDIA_URL = "/_private-not-served/"
DOCUMENT_MAX_BYTES = int(os.environ.get("DOCUMENT_MAX_BYTES", str(10 * 1024 * 1024)))
# With several app hosts, documents go to an S3-compatible bucket that all of them share (AWS S3, MinIO, Ceph...).
# The keys stay those of the local folder (cases/2026/05/<random>): the uploaded name is never part of them. Empty
# keys let boto3 find its own credentials (instance role, AWS_* variables, ~/.aws).
TAVOLO_DOCUMENTS_S3_BUCKET = os.environ.get("TAVOLO_DOCUMENTS_S3_BUCKET", "").strip()
if TAVOLO_DOCUMENTS_S3_BUCKET:
    _s3_encryption = os.environ.get("TAVOLO_DOCUMENTS_S3_ENCRYPTION", "").strip()
    STORAGES["default"] = {
        "BACKEND": "core.storage.S3DocumentStorage",
        "OPTIONS": {
            "bucket_name": TAVOLO_DOCUMENTS_S3_BUCKET,
            "endpoint_url": os.environ.get("TAVOLO_DOCUMENTS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("TAVOLO_DOCUMENTS_S3_REGION") or None,
            "access_key": os.environ.get("TAVOLO_DOCUMENTS_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("TAVOLO_DOCUMENTS_S3_SECRET_ACCESS_KEY") or None,
            # "path" for most self-hosted servers (MinIO, Ceph), "virtual" or "auto" (the default) for AWS.
            "addressing_style": os.environ.get("TAVOLO_DOCUMENTS_S3_ADDRESSING_STYLE") or None,
            # A folder inside the bucket, e.g. "tavolo/production", when the bucket is shared with other uses.
            "location": os.environ.get("TAVOLO_DOCUMENTS_S3_PREFIX", "").strip("/"),
            # Server-side encryption at rest: "AES256" (keys managed by the server) or "aws:kms".
            "object_parameters": {"ServerSideEncryption": _s3_encryption} if _s3_encryption else {},
        },
    }
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.filebased.EmailBackend",
)
# Outside production, e-mails are written as files under var/mail/ (readable, and never sent by accident).
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
# The address people reach Tavolo at, for links in e-mails.
TAVOLO_SITE_URL = os.environ.get("TAVOLO_SITE_URL", "http://localhost:8000").rstrip("/")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "tavolo@localhost")

# The API (Django REST framework, the OpenAPI schema): config/rest.py.
REST_FRAMEWORK = rest.REST_FRAMEWORK
REST_FRAMEWORK["NUM_PROXIES"] = TAVOLO_TRUSTED_PROXIES  # noqa: F405 - the lockout reads the address the same way
SPECTACULAR_SETTINGS = rest.SPECTACULAR_SETTINGS

# A failed CSRF check answers the API's JSON error under /api/, the "form expired" page elsewhere.
CSRF_FAILURE_VIEW = "core.errors.csrf_failure"

# Logs go to standard error: JSON lines in production, readable text elsewhere; LOG_FORMAT=json|text overrides
# (config/logging.py).
LOG_FORMAT, LOG_LEVEL, LOGGING = logging_settings(production=PRODUCTION)

# Workflows: days between two reviews of a case; days an organisation keeps reading what it wrote on a
# closed case it was sharing; working days to answer a referral when its service type sets none.
TAVOLO_REVIEW_DAYS = int(os.environ.get("TAVOLO_REVIEW_DAYS", "90"))
TAVOLO_CLOSED_CASE_ACCESS_DAYS = int(os.environ.get("TAVOLO_CLOSED_CASE_ACCESS_DAYS", "180"))
TAVOLO_DEFAULT_SLA_WORKING_DAYS = int(os.environ.get("TAVOLO_DEFAULT_SLA_WORKING_DAYS", "3"))
# Notifications (notifications/): an unread notification is e-mailed after this delay; digests go out once a
# day from this local hour; pending handoffs are flagged this many hours before their deadline; consents
# this many days before they expire. A notification older than the maximum age is never e-mailed (it was
# written while the sweep was not running, e.g. by demo data).
TAVOLO_NOTIFY_EMAIL_DELAY_MINUTES = int(os.environ.get("TAVOLO_NOTIFY_EMAIL_DELAY_MINUTES", "15"))
TAVOLO_NOTIFY_EMAIL_MAX_AGE_DAYS = int(os.environ.get("TAVOLO_NOTIFY_EMAIL_MAX_AGE_DAYS", "3"))
TAVOLO_NOTIFY_DIGEST_HOUR = int(os.environ.get("TAVOLO_NOTIFY_DIGEST_HOUR", "7"))
TAVOLO_SLA_WARNING_HOURS = int(os.environ.get("TAVOLO_SLA_WARNING_HOURS", "24"))
TAVOLO_CONSENT_WARNING_DAYS = int(os.environ.get("TAVOLO_CONSENT_WARNING_DAYS", "30"))
# How many missed notifications a reconnecting browser gets back at most (the list page has the rest).
TAVOLO_NOTIFY_REPLAY_LIMIT = int(os.environ.get("TAVOLO_NOTIFY_REPLAY_LIMIT", "200"))

# Housing: days an offer holds a place for the household when the provider does not say (1-30).
TAVOLO_HOUSING_OFFER_HOLD_DAYS = int(os.environ.get("TAVOLO_HOUSING_OFFER_HOLD_DAYS", "3"))

TAVOLO = {
    # The seed file of the network's partners used by the demo data command.
    "PARTNERS_CSV": os.environ.get("TAVOLO_PARTNERS_CSV", str(BASE_DIR / "partners" / "data" / "partners.csv")),
}

# The Content-Security-Policy (django-csp): config/security.py.
CONTENT_SECURITY_POLICY = security.content_security_policy(TAVOLO_SITE_URL)
# The API schema and its docs (/api/v1/schema/, /docs/, /redoc/) need a login: on by default in production; off in
# the embedded default, so the demo's API can be read at once.
TAVOLO_API_DOCS_LOGIN_REQUIRED = env_bool("TAVOLO_API_DOCS_LOGIN_REQUIRED", PRODUCTION)

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # A load balancer probes over plain HTTP (HealthProbeMiddleware answers them first anyway).
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    # Off by default: on a municipality's shared domain (tavolo.comune.example.it) they would force HTTPS on every
    # sibling host, and preloading cannot be undone quickly. Turn them on only for a domain Tavolo owns alone.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    # check --deploy warns when either is off; off is the deliberate default here (see above and the guide).
    SILENCED_SYSTEM_CHECKS = [
        *(["security.W005"] if not SECURE_HSTS_INCLUDE_SUBDOMAINS else []),
        *(["security.W021"] if not SECURE_HSTS_PRELOAD else []),
    ]
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
