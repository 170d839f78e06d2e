"""The "forgotten password" form, rate-limited (issue 18, item 7): at most TAVOLO_PASSWORD_RESET_PER_ACCOUNT
requests per e-mail address typed and TAVOLO_PASSWORD_RESET_PER_ADDRESS per client address in an hour, counted in
the shared cache. The e-mail typed is counted whether an account has it or not, and an accepted request always
answers the same "check your mail" page: nothing tells whether the address is known."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.utils import timezone

from accounts.lockout import Subject, client_address, count_failure, locked_until, reset_limit_message

WINDOW = 60 * 60  # one hour


def _over_limit(subject: Subject, limit: int) -> datetime.datetime | None:
    """Count one request for `subject`; when it goes over `limit`, the end of its pause (else None)."""
    if (until := locked_until(subject)) is not None:
        return until
    if count_failure(subject.key, WINDOW) <= limit:
        return None
    until = timezone.now() + datetime.timedelta(seconds=WINDOW)
    cache.set(subject.lock_key, until.timestamp(), timeout=WINDOW)
    cache.delete(subject.key)
    return until


def reset_request_refused_until(request, email: str) -> datetime.datetime | None:
    checks = [(Subject("reset-account", email.strip().casefold()), settings.TAVOLO_PASSWORD_RESET_PER_ACCOUNT)]
    if address := client_address(request):
        checks.append((Subject("reset-address", address), settings.TAVOLO_PASSWORD_RESET_PER_ADDRESS))
    ends = [until for subject, limit in checks if (until := _over_limit(subject, limit)) is not None]
    return max(ends, default=None)


class PasswordResetView(auth_views.PasswordResetView):
    def form_valid(self, form):
        until = reset_request_refused_until(self.request, form.cleaned_data["email"])
        if until is not None:
            form.add_error(None, reset_limit_message(until))
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().form_valid(form)
