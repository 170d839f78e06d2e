"""Session lifetime and ending a user's access (issue 18).

- Idle timeout: the session row expires `SESSION_COOKIE_AGE` (SESSION_IDLE_TIMEOUT) seconds after its last save.
  The row is no longer saved on every request (`SESSION_SAVE_EVERY_REQUEST=False`): `SessionLifetimeMiddleware`
  marks the session modified only when more than `REFRESH_AFTER` seconds passed since the last refresh, so an
  active user's session is written about once a minute instead of on every page, and the idle timeout is exact
  to that minute.
- Absolute lifetime: a session ends `SESSION_ABSOLUTE_TIMEOUT` seconds after the login however busy it is.
- `end_user_sessions` ends every session of a user at once and closes their open websockets: the single place
  that ends a user's access (password change or reset, deactivation).
"""

from __future__ import annotations

import logging
import time
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model, logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone

from accounts.events import UserSessionsEnded
from accounts.tokens import revoke_all
from core.audit import audit_record
from core.bus import publish
from core.models import AuditAction
from partners.events import MemberDeactivated
from partners.models import Membership

logger = logging.getLogger(__name__)

STARTED_KEY = "_tavolo_started"  # epoch seconds of the login
REFRESHED_KEY = "_tavolo_refreshed"  # epoch seconds of the last save that pushed the idle expiry forward
REFRESH_AFTER = 60  # seconds


def absolute_timeout() -> int:
    return int(getattr(settings, "SESSION_ABSOLUTE_TIMEOUT", 8 * 60 * 60))


def session_start(session: SessionBase) -> None:
    """Called right after a login: the absolute lifetime counts from now."""
    now = int(time.time())
    session[STARTED_KEY] = now
    session[REFRESHED_KEY] = now


def _stamp_on_login(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        session_start(request.session)


def connect_login_stamp() -> None:
    """Every login starts the clock, whatever the path (our login page, /django-admin/, a reset that logs in, the
    test client's force_login): Django's own `user_logged_in`, the one place they all pass. Bookkeeping of the
    session like Django's update_last_login, not a domain side effect; the audit rows are written by the views."""
    user_logged_in.connect(_stamp_on_login, dispatch_uid="tavolo_session_start")


def session_is_current(session: SessionBase) -> bool:
    """False once the session outlived its absolute lifetime (also checked by the notifications websocket)."""
    started = session.get(STARTED_KEY)
    return started is None or time.time() - started < absolute_timeout()


class SessionLifetimeMiddleware:
    """After AuthenticationMiddleware: ends a session past its absolute lifetime, refreshes the idle expiry."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            session = request.session
            now = int(time.time())
            if STARTED_KEY not in session:  # a session opened before this middleware (or by force_login)
                session_start(session)
            elif not session_is_current(session):
                audit_auth(user=user, action=AuditAction.LOGOUT, request=request, detail={"reason": "session_lifetime"})
                logout(request)  # flushes the session row; the page then answers as to an anonymous visitor
            elif now - session.get(REFRESHED_KEY, 0) > REFRESH_AFTER:
                session[REFRESHED_KEY] = now  # modified: SessionMiddleware saves it with a new expiry
        return self.get_response(request)


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def _session_keys_of(user) -> list[str]:
    """The keys of the user's unexpired sessions. Database-backed engines only (db, cached_db): the row holds the
    user id inside its encoded data, so every unexpired row is decoded (a few hundred for a network's staff)."""
    store = _session_store()
    if not hasattr(store, "get_model_class"):
        raise NotImplementedError(f"{settings.SESSION_ENGINE} cannot list a user's sessions; use a database engine")
    decoder = store()
    wanted = str(user.pk)
    rows = (
        store.get_model_class()
        .objects.filter(expire_date__gt=timezone.now())
        .values_list("session_key", "session_data")
    )
    return [key for key, data in rows.iterator() if str(decoder.decode(data).get(SESSION_KEY)) == wanted]


def _home_organisation_id(user) -> int | None:
    """The organisation whose administrators see the user's authentication rows: the first active membership,
    otherwise the most recently changed one (a member just deactivated)."""
    active = Membership.objects.active().filter(user=user).order_by("organisation__name").first()
    if active is not None:
        return active.organisation_id
    latest = Membership.objects.filter(user=user).order_by("-updated_at").first()
    return latest.organisation_id if latest is not None else None


def audit_auth(*, user, action: str, request=None, detail: dict | None = None, actor=None) -> None:
    """An authentication row in the audit log, filed under the user's organisation (see _home_organisation_id)."""
    audit_record(
        actor=actor or user,
        action=action,
        object_type="auth.user",
        object_id=user.pk,
        organisation_id=_home_organisation_id(user),
        request=request,
        detail=detail,
    )


def end_user_sessions(user, *, reason: str, actor=None, request=None, keep_session_key: str | None = None) -> int:
    """End every session of `user` at once (but `keep_session_key`, the session that changed its own password) and
    close their open websockets; audited SESSIONS_ENDED. Returns the number of sessions ended.

    The single place that ends a user's access: call it, never delete sessions elsewhere.
    """
    store = _session_store()
    keys = [key for key in _session_keys_of(user) if key != keep_session_key]
    for key in keys:
        store(session_key=key).delete()  # through the store: a cached_db engine forgets its cache entry too
    audit_auth(
        user=user,
        action=AuditAction.SESSIONS_ENDED,
        actor=actor,
        request=request,
        detail={"reason": reason, "sessions": len(keys)},
    )
    publish(UserSessionsEnded(user_id=user.pk))  # notifications closes their sockets on commit
    # API tokens too (accounts/tokens.py): a password change or a deactivation ends them all.
    revoke_all(user, actor=actor, reason=reason, request=request, organisation_id=_home_organisation_id(user))
    return len(keys)


def on_member_deactivated(event: MemberDeactivated) -> None:
    """Subscriber (accounts.apps): a member with no membership left anywhere loses every session and token at once,
    in the deactivation's transaction."""
    if Membership.objects.active().filter(user_id=event.user_id).exists():
        return
    users = get_user_model()._default_manager
    actor = users.filter(pk=event.actor_id).first() if event.actor_id is not None else None
    end_user_sessions(users.get(pk=event.user_id), reason="deactivation", actor=actor)
