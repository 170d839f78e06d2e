"""Log plumbing shared by every process: the current request id and the two line formats.

``config.settings.LOGGING`` names the classes below, so this module is imported while logging is being
configured, before the apps are loaded: it must not import models or anything that needs them.

The request id lives in a context variable: Django copies the context into the thread that runs a sync
view under ASGI, so every line written while a request is served carries its id, whichever thread wrote
it. Outside a request (management commands, timers, websocket consumers) the id is ``-``.
"""

from __future__ import annotations

import contextvars
import logging
from datetime import datetime

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _LibraryJsonFormatter

NO_REQUEST = "-"

current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("tavolo_request_id", default=NO_REQUEST)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

# Attributes some libraries attach to a record that must never reach a log line: Django puts the request
# on `django.request` and `django.security` records, and its repr holds the query string (names searched
# for). The text format prints none of the extras; the JSON one would print them all.
_NEVER_LOGGED = ("request", "scope", "color_message")


class RequestIdFilter(logging.Filter):
    """Stamps every record with the id of the request being served (on the handler, so that records
    propagated from any logger get it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id.get()
        return True


class JsonFormatter(_LibraryJsonFormatter):
    """One JSON object per line: time, level, logger, message, request id, then the record's extras.

    python-json-logger rather than structlog: the project and its libraries (Django, uvicorn, channels)
    all log through the standard library, and a formatter in ``LOGGING`` turns all of it into JSON
    without touching a single call site.
    """

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"})
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, *_NEVER_LOGGED])
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s", *args, **kwargs)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """ISO 8601 with milliseconds and the offset, which log shippers parse without a pattern."""
        return datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")
