"""Django's login, logout, password change and reset-confirm views, with their audit rows and session effects
(issue 18). Mounted in config/urls.py under Django's own names (`login`, `logout`, `password_change`,
`password_reset_confirm`), before django.contrib.auth.urls. No signals: the side effects are written here."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views

from accounts.sessions import audit_auth, end_user_sessions
from core.audit import audit_record
from core.models import AuditAction

USERNAME_MAX = 150  # the audit row's username column


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)  # logs in: a new session key, stamped (accounts.sessions)
        audit_auth(user=form.get_user(), action=AuditAction.LOGIN, request=self.request, detail={"via": "web"})
        return response

    def form_invalid(self, form):
        tried = str(form.data.get("username", ""))[:USERNAME_MAX]
        if tried:
            login_failed(tried, request=self.request)
        return super().form_invalid(form)


def login_failed(tried: str, *, request) -> None:
    """LOGIN_FAILED with the username tried and the address (never the password). Filed under the organisation of
    the account it names, if one exists, so that its administrator sees someone trying it."""
    user = get_user_model()._default_manager.filter(username=tried).first()
    if user is not None:
        audit_auth(user=user, action=AuditAction.LOGIN_FAILED, request=request, detail={"username": tried})
        return
    audit_record(
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        object_type="auth.user",
        request=request,
        detail={"username": tried},
    )


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        user = request.user if request.user.is_authenticated else None
        response = super().post(request, *args, **kwargs)
        if user is not None:
            audit_auth(user=user, action=AuditAction.LOGOUT, request=request)
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form):
        response = super().form_valid(form)  # saves and keeps this session (update_session_auth_hash)
        user = form.user
        audit_auth(user=user, action=AuditAction.PASSWORD_CHANGE, request=self.request)
        end_user_sessions(
            user, reason="password_change", request=self.request, keep_session_key=self.request.session.session_key
        )
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        audit_auth(user=user, action=AuditAction.PASSWORD_RESET, request=self.request)
        # With post_reset_login the new session is this one: keep it.
        kept = self.request.session.session_key if self.request.user.is_authenticated else None
        end_user_sessions(user, reason="password_reset", request=self.request, keep_session_key=kept)
        return response
