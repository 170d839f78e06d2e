"""The login forms (the site's and /django-admin/'s) that say, when a username or address is locked, until when
(accounts/lockout.py). The words are the same whether the account exists or not."""

from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from accounts.lockout import lock_end, lock_message


class LockoutAuthenticationForm(AuthenticationForm):
    def get_invalid_login_error(self):
        if self.request is not None and getattr(self.request, "axes_locked_out", False):
            until = lock_end(self.request, {"username": self.cleaned_data.get("username")})
            if until is not None:
                return forms.ValidationError(lock_message(until), code="locked")
        return super().get_invalid_login_error()


class LockoutAdminAuthenticationForm(LockoutAuthenticationForm, AdminAuthenticationForm):
    pass
