"""The demo network and its commands (`make demo`): an app installed only outside production
(config/settings.py), whose own dependencies (Faker, time-machine) are the `demo` extra of pyproject.toml."""

from __future__ import annotations

from importlib.util import find_spec

EXTRA_PACKAGES = {"faker": "Faker", "time_machine": "time-machine"}  # module -> distribution


def require_extra() -> None:
    """Raise CommandError, with the line that installs them, when the demo's own dependencies are missing
    (an installation made as the operator guide says has none of them)."""
    from django.core.management.base import CommandError

    missing = [name for module, name in EXTRA_PACKAGES.items() if find_spec(module) is None]
    if missing:
        raise CommandError(f"The demo needs {' and '.join(missing)} (the demo extra): pip install -e '.[demo]'.")
