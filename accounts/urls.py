"""The accounts pages, mounted at /accounts/ before Django's own auth URLs (config/urls.py)."""

from __future__ import annotations

app_name = "accounts"

urlpatterns: list = []
