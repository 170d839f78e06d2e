"""The logging configuration, read from the environment (``config.settings`` sets LOG_FORMAT, LOG_LEVEL and
LOGGING from it).

Logs go to standard error: JSON lines in production (one object per line, for a log shipper), readable text
elsewhere; LOG_FORMAT=json|text overrides. Every line written while a request is served carries its id, and
each request writes one access line (logger `tavolo.access`: method, path without the query string, status,
duration, user and organisation ids). uvicorn's own access log is silenced: it would repeat each request with
its query string (names searched for); run uvicorn with --no-access-log to spare it the work.
"""

import os

from django.core.exceptions import ImproperlyConfigured


def logging_settings(*, production: bool) -> tuple[str, str, dict]:
    """(LOG_FORMAT, LOG_LEVEL, LOGGING): JSON lines by default in production, text elsewhere."""
    log_format = os.environ.get("LOG_FORMAT", "json" if production else "text").strip().lower()
    if log_format not in {"json", "text"}:
        raise ImproperlyConfigured(f"LOG_FORMAT must be 'json' or 'text', not {log_format!r}.")
    log_level = os.environ.get("LOG_LEVEL", "INFO").strip().upper()
    logging = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "core.logs.RequestIdFilter"}},
        "formatters": {
            "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
            "json": {"()": "core.logs.JsonFormatter"},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": log_format, "filters": ["request_id"]},
        },
        "root": {"handlers": ["console"], "level": log_level},
        "loggers": {
            # Django's default console handler on `django` would print its lines a second time while DEBUG is on.
            "django": {"handlers": [], "propagate": True},
            # uvicorn configures these before Django starts; here they get our format (and no access lines).
            "uvicorn": {"handlers": ["console"], "level": log_level, "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
    return log_format, log_level, logging
