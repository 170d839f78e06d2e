"""The operator guide's table of environment variables is the whole truth: every variable the code reads is in it,
and every variable in it is read by the code."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "operators" / "deployment.md"
SKIPPED_DIRS = {".venv", "tests", "bench", "migrations", "node_modules", "staticfiles", "var", ".git"}
# Read by something else than our settings (Django itself, the process manager): not Tavolo's configuration.
NOT_OURS = {"DJANGO_SETTINGS_MODULE"}

READERS = r"(?:os\.environ\.get|os\.getenv|os\.environ\[|env_bool|env_list|env_int|env_str)"
READ = re.compile(READERS + r"""\(?\s*["']([A-Z][A-Z0-9_]+)["']""")
DYNAMIC = re.compile(r"(?<!def )" + READERS.replace(r"|os\.environ\[", "") + r"""\(\s*([^"'\s)]\w*)""")
# The settings' own helpers (env_bool, env_list...) read the name they are given.
HELPER_ARGUMENT = "name"
TABLE_ROW = re.compile(r"^\|([^|]+)\|")


def source_files():
    for path in ROOT.rglob("*.py"):
        if not SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts):
            yield path


def variables_read_by_the_code() -> set[str]:
    names: set[str] = set()
    for path in source_files():
        names.update(READ.findall(path.read_text(encoding="utf-8")))
    return names - NOT_OURS


def variables_in_the_guide() -> set[str]:
    text = GUIDE.read_text(encoding="utf-8")
    section = text.split("## Environment variables", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        match = TABLE_ROW.match(line)
        if match:
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", match.group(1)))
    return names


def test_the_code_reads_environment_variables_by_literal_name_only():
    # A name built at run time could not be checked against the guide.
    dynamic = [
        f"{path.relative_to(ROOT)}: {m.group(0)}"
        for path in source_files()
        for m in DYNAMIC.finditer(path.read_text(encoding="utf-8"))
        if not (path.name == "settings.py" and m.group(1) == HELPER_ARGUMENT)
    ]
    assert dynamic == []


def test_every_variable_the_code_reads_is_in_the_guide():
    assert variables_read_by_the_code() - variables_in_the_guide() == set()


def test_every_variable_in_the_guide_is_read_by_the_code():
    assert variables_in_the_guide() - variables_read_by_the_code() == set()


def test_the_scan_finds_the_variables_it_must():
    # The regular expressions above would pass vacuously if they stopped matching.
    assert {"DATABASE_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "REDIS_URL"} <= variables_read_by_the_code()
