"""The "API tokens" page: a user sees their own tokens that still work and revokes any of them (accounts/tokens.py).
New tokens come only from POST /api/v1/auth/token/ (a token is shown once, to the program that asked for it)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.tokens import revoke_all, token_id, token_list_for, token_revoke
from core.views import page_view


@page_view("GET", "POST")
def token_list(request):
    if request.method == "POST":
        try:
            if request.POST.get("action") == "revoke_all":
                revoke_all(request.user, actor=request.user, request=request, reason="owner")
                messages.success(request, _("All your API tokens have been revoked."))
            else:
                token_revoke(
                    user=request.user,
                    digest_start=request.POST.get("token", ""),
                    actor=request.user,
                    request=request,
                )
                messages.success(request, _("The API token has been revoked: it no longer works."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("accounts:tokens")
    tokens = [
        {"id": token_id(t), "start": t.token_key[:8], "created": t.created, "expiry": t.expiry}
        for t in token_list_for(user=request.user)
    ]
    return render(request, "accounts/tokens/list.html", {"tokens": tokens})
