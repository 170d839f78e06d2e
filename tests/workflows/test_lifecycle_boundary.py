"""One public case lifecycle: the file-only halves of opening, closing and the status change
(`cases.services.case_file.open_file/close_file/set_file_status`) are called only by the workflows services that
also run the case pathway and end the handoffs, and `cases` does not import `workflows`."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP_DIRS = [p for p in ROOT.iterdir() if (p / "apps.py").exists() or p.name == "config"]
FILE_HALVES = re.compile(r"\b(open_file|close_file|set_file_status)\(")
ALLOWED = {
    Path("workflows/services/lifecycle.py"),
    Path("workflows/services/casepath.py"),
    Path("cases/services/case_file.py"),
}


def _sources():
    for app in APP_DIRS:
        for path in app.rglob("*.py"):
            if "migrations" not in path.parts:
                yield path.relative_to(ROOT), path.read_text(encoding="utf-8")


def test_only_the_lifecycle_calls_the_file_halves():
    callers = {path for path, text in _sources() if FILE_HALVES.search(text)}
    assert callers, "the scan found no caller at all: it is looking in the wrong place"
    assert callers <= ALLOWED, sorted(map(str, callers - ALLOWED))


def test_cases_does_not_import_workflows():
    offenders = [
        str(path)
        for path, text in _sources()
        if path.parts[0] == "cases" and re.search(r"^\s*(from|import) workflows\b", text, re.M)
    ]
    assert offenders == []
