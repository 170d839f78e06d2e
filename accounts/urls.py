"""The accounts pages, mounted at /accounts/ before Django's own auth URLs (config/urls.py)."""

from __future__ import annotations

from django.urls import path

app_name = "accounts"

urlpatterns: list = []

# API tokens: the owner lists and revokes their own (accounts/views_tokens.py).
from accounts import views_tokens  # noqa: E402

urlpatterns.append(path("tokens/", views_tokens.token_list, name="tokens"))

# Brute-force protection: an org_admin unlocks a member; the rate-limited password reset form (issue 18, helper A).
from accounts import views_member, views_password_reset  # noqa: E402

urlpatterns.append(
    path("unlock/<int:org_pk>/<int:membership_pk>/", views_member.member_unlock_view, name="member_unlock")
)
urlpatterns.append(
    path(
        "tokens/revoke/<int:org_pk>/<int:membership_pk>/",
        views_member.member_tokens_revoke_view,
        name="member_tokens_revoke",
    )
)
# Served here, before django.contrib.auth.urls: the same path answers `password_reset` (the unnamespaced name).
urlpatterns.append(path("password_reset/", views_password_reset.PasswordResetView.as_view(), name="password_reset"))
