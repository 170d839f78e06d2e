"""What the housing pages share."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import redirect


def error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def back(request, default):
    """To the page the form came from (`next`, a local path only), else `default`."""
    return (
        redirect(request.POST.get("next") or default)
        if str(request.POST.get("next", "")).startswith("/")
        else redirect(default)
    )
