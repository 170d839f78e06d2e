"""The translation catalogues: Italian complete and compiled, English available, and the UI follows the language."""

import ast
import gettext
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

LOCALE = Path(settings.BASE_DIR) / "locale"
IT_PO = LOCALE / "it" / "LC_MESSAGES" / "django.po"
IT_MO = LOCALE / "it" / "LC_MESSAGES" / "django.mo"
EN_PO = LOCALE / "en" / "LC_MESSAGES" / "django.po"
EN_MO = LOCALE / "en" / "LC_MESSAGES" / "django.mo"

PLACEHOLDER = re.compile(r"%(?:\([A-Za-z_][A-Za-z0-9_]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict = field(default_factory=dict)  # plural index (0 for a singular entry) -> text
    flags: set = field(default_factory=set)
    obsolete: bool = False


def parse_po(path: Path) -> list[Entry]:
    """A small .po reader: enough for the files makemessages writes (no dependency on polib)."""
    entries, entry, target = [], Entry(), None

    def flush():
        nonlocal entry, target
        if entry.msgid or entry.msgstr or entry.msgid_plural:
            entries.append(entry)
        entry, target = Entry(), None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("#~"):
            entry.obsolete = True
            continue
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            keyword, rest = None, line
        elif keyword in ("msgctxt", "msgid") and (entry.msgid or entry.msgstr):
            flush()
        text = ast.literal_eval(rest)
        if keyword == "msgctxt":
            target = ("msgctxt", None)
            entry.msgctxt = ""
        elif keyword == "msgid":
            target = ("msgid", None)
        elif keyword == "msgid_plural":
            target = ("msgid_plural", None)
            entry.msgid_plural = ""
        elif keyword is not None and keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if "[" in keyword else 0
            target = ("msgstr", index)
            entry.msgstr.setdefault(index, "")
        name, index = target
        if name == "msgstr":
            entry.msgstr[index] += text
        else:
            setattr(entry, name, getattr(entry, name) + text)
    flush()
    return entries


def messages(path: Path) -> list[Entry]:
    """The catalogue's messages: without the header and the obsolete entries."""
    return [entry for entry in parse_po(path) if entry.msgid and not entry.obsolete]


def test_the_italian_catalogue_has_every_message_translated_and_none_fuzzy():
    entries = messages(IT_PO)

    assert len(entries) > 500  # the whole UI, not an empty file
    untranslated = [
        entry.msgid for entry in entries if not entry.msgstr or any(not text.strip() for text in entry.msgstr.values())
    ]
    fuzzy = [entry.msgid for entry in parse_po(IT_PO) if "fuzzy" in entry.flags]
    assert untranslated == []
    assert fuzzy == []


def test_the_italian_plural_messages_have_both_forms():
    plurals = [entry for entry in messages(IT_PO) if entry.msgid_plural]

    assert plurals
    assert [entry.msgid for entry in plurals if sorted(entry.msgstr) != [0, 1]] == []


def test_the_italian_translations_keep_every_placeholder():
    wrong = []
    for entry in messages(IT_PO):
        sources = [entry.msgid] if entry.msgid_plural is None else [entry.msgid, entry.msgid_plural]
        expected = set().union(*(PLACEHOLDER.findall(text) for text in sources))
        for text in entry.msgstr.values():
            if set(PLACEHOLDER.findall(text)) != expected:
                wrong.append((entry.msgid, text))

    assert wrong == []


@pytest.mark.parametrize(("po", "mo"), [(IT_PO, IT_MO), (EN_PO, EN_MO)], ids=["it", "en"])
def test_the_compiled_catalogue_matches_the_po_file(po, mo):
    # CI does not compile: the committed .mo must hold exactly what the .po says.
    with mo.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog

    stale = []
    for entry in messages(po):
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            expected = {key: entry.msgstr.get(0, "")}
        else:
            expected = {(key, index): text for index, text in entry.msgstr.items()}
        for catalog_key, text in expected.items():
            if text and catalog.get(catalog_key) != text:
                stale.append(entry.msgid)
            if not text and catalog_key in catalog:  # an untranslated message must not be compiled in
                stale.append(entry.msgid)

    assert stale == []


MAKEFILE = Path(settings.BASE_DIR) / "Makefile"
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "staticfiles", "var", "node_modules", "__pycache__", "*.mo")


def makemessages_command() -> list[str]:
    """`make messages`' own makemessages line, so that the test extracts exactly as the developers do."""
    line = next(line for line in MAKEFILE.read_text().splitlines() if "manage.py makemessages" in line)
    return [sys.executable if word == "$(BIN)/python" else word for word in shlex.split(line)]


def test_every_string_of_the_code_and_templates_is_translated_into_italian(tmp_path):
    """Extract the messages again from a copy of the sources (templates of every kind, .svg included) and check
    that the committed Italian catalogue already translates each one: a string added to a template without
    running `make messages` and translating it would reach the Italian UI in English."""
    if shutil.which("xgettext") is None:
        if os.environ.get("TAVOLO_REQUIRE_GETTEXT") == "1":
            pytest.fail("xgettext is missing: apt-get install gettext")
        pytest.skip("GNU gettext is missing (apt-get install gettext)")
    copy = tmp_path / "src"
    shutil.copytree(settings.BASE_DIR, copy, ignore=NOT_SOURCE)
    subprocess.run(makemessages_command(), cwd=copy, check=True, capture_output=True)  # noqa: S603 (our Makefile)

    extracted = messages(copy / "locale" / "it" / "LC_MESSAGES" / "django.po")
    untranslated = [
        entry.msgid
        for entry in extracted
        if not entry.msgstr or any(not text.strip() for text in entry.msgstr.values())
    ]
    fuzzy = [entry.msgid for entry in extracted if "fuzzy" in entry.flags]
    assert len(extracted) > 500
    assert untranslated == []
    assert fuzzy == []
    assert {(e.msgctxt, e.msgid) for e in extracted} == {(e.msgctxt, e.msgid) for e in messages(IT_PO)}


def test_the_makefile_extracts_the_svg_templates_too():
    command = makemessages_command()
    extensions = {ext for word in command if word.startswith("--extension=") for ext in word[12:].split(",")}
    assert {"html", "txt", "py", "svg"} <= extensions


def test_the_english_catalogue_lists_the_same_messages():
    def keys(path):
        return {(entry.msgctxt, entry.msgid) for entry in messages(path)}

    assert keys(EN_PO) == keys(IT_PO)


def test_the_login_page_is_in_italian_by_default(client, db):
    html = client.get(reverse("login")).content.decode()

    assert '<html lang="it">' in html
    assert re.search(r'<button type="submit"[^>]*>\s*Accedi\s*</button>', html)
    assert "Hai dimenticato la password?" in html
    assert "Log in" not in html


def test_the_login_page_is_in_english_with_the_language_cookie(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get(reverse("login")).content.decode()

    assert '<html lang="en">' in html
    assert re.search(r'<button type="submit"[^>]*>\s*Log in\s*</button>', html)
    assert "Forgotten your password?" in html
    assert "Accedi" not in html
