"""Brute-force protection (issue 18): django-axes, with our own handler, backend, client address and response.

Two limits, each counted in the shared cache (Redis in production: one count for every worker on every host):

- a **username** locks after ``TAVOLO_LOCKOUT_USERNAME_FAILURES`` failed logins within ``TAVOLO_LOCKOUT_MINUTES``
  (any username typed, known or not: the answer never tells whether an account exists);
- an **address** locks after ``TAVOLO_LOCKOUT_ADDRESS_FAILURES`` failed logins within the same window, whatever the
  usernames (password spraying).

A lock lasts ``TAVOLO_LOCKOUT_MINUTES`` from the failure that set it; attempts refused while locked are not counted
(an attacker cannot keep a member locked out for ever by trying again, and the time we show stays true). A
successful login clears its username's count, never the address's. An org_admin can lift a member's username lock
(:func:`member_unlock`). Every lock and unlock is written to the audit log (LOCKOUT, UNLOCK).

axes' extension points used: ``AXES_HANDLER`` (:class:`LockoutHandler`), ``AXES_CLIENT_IP_CALLABLE``
(:func:`client_address`), ``AXES_LOCKOUT_CALLABLE`` (:func:`lockout_response`) and a subclass of its backend
(:class:`LockoutBackend`). The login forms that show the lock and its end are in ``accounts/forms_lockout.py``.
"""

from __future__ import annotations

import datetime
import hashlib
import math
from dataclasses import dataclass

from axes.backends import AxesStandaloneBackend
from axes.handlers.cache import AxesCacheHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from rest_framework.throttling import BaseThrottle

from core.audit import audit_record
from core.models import AuditAction

USERNAME = "username"
ADDRESS = "address"


# --- the client's address ----------------------------------------------------------------------


def client_address(request) -> str | None:
    """The client's address, as DRF's throttles see it (the same ``TAVOLO_TRUSTED_PROXIES``, their NUM_PROXIES).

    With 0 trusted proxies (the default: uvicorn's ``--forwarded-allow-ips`` already put the address the proxy
    reported in REMOTE_ADDR) any X-Forwarded-For is ignored. With N, the N-th address from the right of
    X-Forwarded-For counts: the one the outermost trusted proxy saw; what the client wrote further left never does.
    """
    meta = request.META
    remote_addr = meta.get("REMOTE_ADDR") or None
    proxies = settings.TAVOLO_TRUSTED_PROXIES
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    if proxies == 0 or not forwarded:
        return remote_addr
    addresses = forwarded.split(",")
    return addresses[-min(proxies, len(addresses))].strip() or remote_addr


# --- counts and locks in the cache -------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """What a limit counts: a username (case-folded) or an address."""

    scope: str
    value: str

    @property
    def key(self) -> str:
        digest = hashlib.sha256(self.value.encode()).hexdigest()
        return f"lockout:{self.scope}:{digest}"

    @property
    def lock_key(self) -> str:
        return self.key + ":until"

    @property
    def limit(self) -> int:
        if self.scope == USERNAME:
            return settings.TAVOLO_LOCKOUT_USERNAME_FAILURES
        return settings.TAVOLO_LOCKOUT_ADDRESS_FAILURES


def _window_seconds() -> int:
    return settings.TAVOLO_LOCKOUT_MINUTES * 60


def username_subject(username: str | None) -> Subject | None:
    username = (username or "").strip().casefold()
    return Subject(USERNAME, username) if username else None


def subjects(request, credentials: dict | None) -> list[Subject]:
    found = [username_subject(get_client_username(request, credentials))]
    address = getattr(request, "axes_ip_address", None) or client_address(request)
    found.append(Subject(ADDRESS, address) if address else None)
    return [subject for subject in found if subject is not None]


def count_failure(key: str, window: int) -> int:
    """One more in the count at ``key``, which starts with the first failure and expires ``window`` seconds later."""
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.add(key, 1, timeout=window)
        return 1


def locked_until(subject: Subject) -> datetime.datetime | None:
    until = cache.get(subject.lock_key)
    if until is None:
        return None
    moment = datetime.datetime.fromtimestamp(until, tz=datetime.UTC)
    return moment if moment > timezone.now() else None


def lock_end(request, credentials: dict | None) -> datetime.datetime | None:
    """When the latest lock on this attempt's username or address ends; None when neither is locked."""
    ends = [until for subject in subjects(request, credentials) if (until := locked_until(subject))]
    return max(ends, default=None)


def shown_time(until: datetime.datetime) -> str:
    """Local time, rounded up to the minute (trying again at the time shown always works); the date if not today."""
    shown = datetime.datetime.fromtimestamp(math.ceil(until.timestamp() / 60) * 60, tz=datetime.UTC)
    local = timezone.localtime(shown)
    return date_format(local, "H:i") if local.date() == timezone.localdate() else date_format(local, "j M Y, H:i")


def lock_message(until: datetime.datetime) -> str:
    """The same words for a username and an address lock, known account or not."""
    when = shown_time(until)
    return _(
        "Too many failed login attempts: logging in is blocked until %(time)s. Try again then, or ask your "
        "organisation's administrator to unlock your account."
    ) % {"time": when}


def reset_limit_message(until: datetime.datetime) -> str:
    return _("Too many password reset requests: try again after %(time)s.") % {"time": shown_time(until)}


# --- axes' handler and backend -----------------------------------------------------------------


class LockoutHandler(AxesCacheHandler):
    """axes' cache handler with one limit per username and another per address (axes has one for all)."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        return lock_end(request, credentials) is not None

    def get_failures(self, request, credentials: dict | None = None) -> int:
        return max((cache.get(subject.key, 0) for subject in subjects(request, credentials)), default=0)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if request is None:  # authenticate() without a request: nothing to count by (see LockoutBackend)
            return
        request.axes_credentials = credentials
        if getattr(request, "axes_locked_out", False):  # refused while locked: not counted
            return
        window = _window_seconds()
        newly_locked = []
        for subject in subjects(request, credentials):
            failures = count_failure(subject.key, window)
            if failures >= subject.limit and locked_until(subject) is None:
                until = timezone.now() + datetime.timedelta(seconds=window)
                cache.set(subject.lock_key, until.timestamp(), timeout=window)
                cache.delete(subject.key)
                newly_locked.append((subject, until, failures))
        if newly_locked:
            request.axes_locked_out = True
            username = get_client_username(request, credentials)
            user_locked_out.send("axes", request=request, username=username, ip_address=request.axes_ip_address)
            for subject, until, failures in newly_locked:
                _audit_lock(request, subject, username=username, until=until, failures=failures)

    def user_logged_in(self, sender, request, user, **kwargs):
        # The member's own count starts again; the address's does not (one good password must not hide spraying).
        if (subject := username_subject(user.get_username())) is not None:
            cache.delete(subject.key)

    def user_logged_out(self, sender, request, user, **kwargs):
        return None

    def reset_attempts(self, *, ip_address=None, username=None, ip_or_username=False) -> int:
        found = [username_subject(username), Subject(ADDRESS, ip_address) if ip_address else None]
        cleared = 0
        for subject in found:
            if subject is not None:
                cleared += int(bool(cache.get(subject.lock_key) or cache.get(subject.key)))
                cache.delete_many([subject.key, subject.lock_key])
        return cleared


class LockoutBackend(AxesStandaloneBackend):
    """axes' backend, first in AUTHENTICATION_BACKENDS: refuses a locked username or address before any password
    is checked. Every login Tavolo serves passes the request (the login form, /django-admin/, the API token's
    serializer); a call without one (the test client's ``login()``, a shell) has nothing to be counted by and is
    left to the next backends."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login page as drawn (its form already says until when), answered 429; elsewhere
    the message alone."""
    if original_response is not None and original_response.status_code == 200:
        original_response.status_code = 429
        return original_response
    until = lock_end(request, credentials)
    message = lock_message(until) if until else _("Too many failed login attempts. Try again later.")
    return HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")


# --- audit and unlock --------------------------------------------------------------------------


def _members_named(username: str):
    return get_user_model().objects.filter(username__iexact=username).prefetch_related("memberships")


def _audit_lock(request, subject: Subject, *, username: str | None, until: datetime.datetime, failures: int):
    detail = {"scope": subject.scope, "username": username or "", "until": until.isoformat(), "failures": failures}
    if subject.scope == ADDRESS:
        detail["address"] = subject.value
        audit_record(actor=None, action=AuditAction.LOCKOUT, request=request, detail=detail)
        return
    users = list(_members_named(subject.value))
    if not users:  # a username nobody has: in the log all the same (who is being tried is worth knowing)
        audit_record(actor=None, action=AuditAction.LOCKOUT, request=request, detail=detail)
    for user in users:
        organisation_ids = sorted({m.organisation_id for m in user.memberships.all()}) or [None]
        for organisation_id in organisation_ids:
            audit_record(
                actor=None,
                action=AuditAction.LOCKOUT,
                object_type="auth.user",
                object_id=user.pk,
                organisation_id=organisation_id,
                request=request,
                detail=detail,
            )


def member_locked_until(user) -> datetime.datetime | None:
    subject = username_subject(user.get_username())
    return locked_until(subject) if subject else None


def member_unlock(*, membership, actor, request=None) -> bool:
    """Lift the lock on a member's username and forget its failures; audited. The caller has checked that
    ``actor`` administers ``membership.organisation``. An address lock is not lifted: it ends by itself."""
    user = membership.user
    subject = username_subject(user.get_username())
    if subject is None:
        return False
    was_locked = locked_until(subject) is not None
    AxesProxyHandler.reset_attempts(username=user.get_username())
    audit_record(
        actor=actor,
        action=AuditAction.UNLOCK,
        object_type="auth.user",
        object_id=user.pk,
        organisation_id=membership.organisation_id,
        request=request,
        detail={"username": user.get_username(), "was_locked": was_locked},
    )
    return was_locked


# --- the API token endpoint --------------------------------------------------------------------


class LockoutThrottle(BaseThrottle):
    """The token endpoint refuses a locked username or address with a 429 and Retry-After, before the password is
    looked at (its failures are counted by LockoutHandler, through the serializer's authenticate())."""

    def __init__(self) -> None:
        self.until: datetime.datetime | None = None

    def allow_request(self, request, view) -> bool:
        if request.method != "POST" or not getattr(settings, "AXES_ENABLED", True):
            return True
        username = request.data.get("username") if hasattr(request.data, "get") else None
        self.until = lock_end(request, {"username": username if isinstance(username, str) else None})
        return self.until is None

    def wait(self) -> float | None:
        if self.until is None:
            return None
        return max(1.0, (self.until - timezone.now()).total_seconds())
