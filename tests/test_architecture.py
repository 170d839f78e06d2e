"""The shape of the house (issue 17, docs/developers/architecture.md), checked on the source: the rules a newcomer
learns from one example must hold everywhere, or the example lies."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = [
    "core",
    "partners",
    "accounts",
    "cases",
    "workflows",
    "housing",
    "employment",
    "reports",
    "notifications",
    "guide",
    "demo",
]
MAX_LINES = 400


def _modules(*, include_bench: bool = True):
    roots = [ROOT / app for app in APPS] + [ROOT / "config"] + ([ROOT / "bench"] if include_bench else [])
    for root in roots:
        for path in root.rglob("*.py"):
            if "migrations" not in path.parts:
                yield path.relative_to(ROOT), path.read_text(encoding="utf-8")


def _offenders(pattern: str, *, allowed: set[str] = frozenset()) -> list[str]:
    regex = re.compile(pattern, re.M)
    return sorted(str(path) for path, text in _modules() if regex.search(text) and str(path) not in allowed)


def test_the_scan_reads_the_code():
    assert len(list(_modules())) > 150  # a wrong root would make every rule below pass vacuously


def test_only_the_history_module_writes_workflow_history_rows():
    writes = r"WorkflowEvent\.objects\.(create|bulk_create|get_or_create)\(|(?<!class )\bWorkflowEvent\("
    assert _offenders(writes, allowed={"workflows/services/history.py"}) == []


def test_row_locks_are_taken_only_through_core_locks():
    assert _offenders(r"\.select_for_update\(", allowed={"core/locks.py"}) == []


def test_core_imports_no_app():
    apps = "|".join(app for app in APPS if app != "core")
    importers = _offenders(rf"^\s*(from|import) ({apps})\b")
    assert [path for path in importers if path.startswith("core/")] == []


def test_partners_does_not_import_accounts():
    # accounts (logins, sessions, tokens) builds on partners; partners tells it of a deactivation by an event and
    # shows its parts of the member page through a template tag.
    importers = _offenders(r"^\s*(from|import) accounts\b")
    assert [path for path in importers if path.startswith(("partners/", "cases/", "core/"))] == []


def test_services_do_not_parse_raw_input():
    # Forms and serializers parse at the edges; services take typed values.
    parsers = r"\bposted_id(_or_zero)?\(|\bparse_date\(|\bas_date\(|\bas_amount\(|\bas_count\("
    offenders = [p for p in _offenders(parsers) if "/services/" in p or p.endswith("/services.py")]
    assert offenders == []


def test_no_module_outside_migrations_and_tests_exceeds_the_limit():
    long = {str(path): text.count("\n") for path, text in _modules() if text.count("\n") > MAX_LINES}
    assert long == {}
