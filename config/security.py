"""Logging in and the security headers (issue 18), imported by ``config.settings``: the Content-Security-Policy
(`content_security_policy`), the brute-force protection and password-reset limits (django-axes, accounts/lockout.py)
and the API tokens (django-rest-knox, accounts/tokens.py). Every environment variable read here is in the operator
guide's table."""

from __future__ import annotations

import os
from datetime import timedelta
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "AXES_CLIENT_IP_CALLABLE",
    "AXES_COOLOFF_TIME",
    "AXES_ENABLE_ADMIN",
    "AXES_FAILURE_LIMIT",
    "AXES_HANDLER",
    "AXES_LOCKOUT_CALLABLE",
    "AXES_LOCKOUT_PARAMETERS",
    "AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT",
    "AXES_VERBOSE",
    "PASSWORD_RESET_TIMEOUT",
    "REST_KNOX",
    "TAVOLO_API_TOKEN_TTL_HOURS",
    "TAVOLO_LOCKOUT_ADDRESS_FAILURES",
    "TAVOLO_LOCKOUT_MINUTES",
    "TAVOLO_LOCKOUT_USERNAME_FAILURES",
    "TAVOLO_PASSWORD_RESET_PER_ACCOUNT",
    "TAVOLO_PASSWORD_RESET_PER_ADDRESS",
    "TAVOLO_TRUSTED_PROXIES",
]


# --- Security headers (item 6) ---------------------------------------------------------------
# A Content-Security-Policy (django-csp 4) that lets a page run and style only what our own static files hold: no
# inline script or style, no eval (htmx's eval features are off: templates/base.html), nothing from another host;
# no framing, no plugins, forms post only here; data: images are bootstrap's CSS icons. The websocket is
# same-origin ('self' covers ws:/wss: in CSP level 3 browsers; the TAVOLO_SITE_URL origin is named for the
# others). The API docs pages relax style-src for themselves only (accounts/headers.py).
def content_security_policy(site_url: str) -> dict:
    site = urlsplit(site_url)
    return {
        "DIRECTIVES": {
            "default-src": ["'self'"],
            "script-src": ["'self'"],
            "style-src": ["'self'"],
            "img-src": ["'self'", "data:"],
            "font-src": ["'self'"],
            "connect-src": ["'self'", f"{'wss' if site.scheme == 'https' else 'ws'}://{site.netloc}"],
            "object-src": ["'none'"],
            "base-uri": ["'self'"],
            "form-action": ["'self'"],
            "frame-ancestors": ["'none'"],
        },
    }


# --- API tokens (issue 18, accounts/tokens.py) ---
# django-rest-knox stores only a SHA-512 digest of each token. A token lives TAVOLO_API_TOKEN_TTL_HOURS (default
# 10: a working day with its margins, the same horizon as a session's absolute lifetime) and is not extended by use,
# so a leaked token works for at most that long; a partner system asks for a new one each working day.

TAVOLO_API_TOKEN_TTL_HOURS = float(os.environ.get("TAVOLO_API_TOKEN_TTL_HOURS", "10"))
if TAVOLO_API_TOKEN_TTL_HOURS <= 0:
    raise ImproperlyConfigured("TAVOLO_API_TOKEN_TTL_HOURS must be a positive number of hours.")
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=TAVOLO_API_TOKEN_TTL_HOURS),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",  # unchanged for the clients: Authorization: Token <token>
}

# --- Brute-force protection and password-reset limits (issue 18, items 1 and 7; accounts/lockout.py) ---
# django-axes with our handler: a username locks after TAVOLO_LOCKOUT_USERNAME_FAILURES failed logins within
# TAVOLO_LOCKOUT_MINUTES, an address after TAVOLO_LOCKOUT_ADDRESS_FAILURES (whatever the usernames: spraying); a lock
# lasts TAVOLO_LOCKOUT_MINUTES. The counts live in the cache (CACHES above): Redis in production, so one count for
# every worker on every host, expiring by themselves, and no database write per failed guess (axes' database handler
# would write one). Redis out of reach fails open (core/cache.py): logins keep working, unlimited until it is back.
TAVOLO_LOCKOUT_USERNAME_FAILURES = int(os.environ.get("TAVOLO_LOCKOUT_USERNAME_FAILURES", "5"))
TAVOLO_LOCKOUT_ADDRESS_FAILURES = int(os.environ.get("TAVOLO_LOCKOUT_ADDRESS_FAILURES", "20"))
TAVOLO_LOCKOUT_MINUTES = int(os.environ.get("TAVOLO_LOCKOUT_MINUTES", "15"))
# How many reverse proxies in front of Tavolo append to X-Forwarded-For. 0 (the default): uvicorn's
# --forwarded-allow-ips already put the client's address in REMOTE_ADDR, and a client-sent X-Forwarded-For is
# ignored. The lockout and DRF's throttles (NUM_PROXIES) read the address the same way.
TAVOLO_TRUSTED_PROXIES = int(os.environ.get("TAVOLO_TRUSTED_PROXIES", "0"))
AXES_HANDLER = "accounts.lockout.LockoutHandler"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_address"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # what LockoutHandler counts (each with its own limit)
AXES_FAILURE_LIMIT = TAVOLO_LOCKOUT_USERNAME_FAILURES
AXES_COOLOFF_TIME = TAVOLO_LOCKOUT_MINUTES / 60  # hours, axes' unit
# Refused while locked: not counted, so the lock ends when the message says (and cannot be kept up by an attacker).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ADMIN = False  # /django-admin/ stays read-only (ADR 0015); the counts are not database rows anyway
AXES_VERBOSE = False
# Password reset: a link lives PASSWORD_RESET_TIMEOUT seconds (one hour); the form sends at most
# TAVOLO_PASSWORD_RESET_PER_ACCOUNT mails per e-mail address typed and TAVOLO_PASSWORD_RESET_PER_ADDRESS requests per
# client address in an hour (accounts/views_password_reset.py).
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", str(60 * 60)))
TAVOLO_PASSWORD_RESET_PER_ACCOUNT = int(os.environ.get("TAVOLO_PASSWORD_RESET_PER_ACCOUNT", "3"))
TAVOLO_PASSWORD_RESET_PER_ADDRESS = int(os.environ.get("TAVOLO_PASSWORD_RESET_PER_ADDRESS", "10"))
