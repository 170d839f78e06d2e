"""What a notification says (notifications.text): every kind renders in Italian and English, names the case by its
code, has a sentence of its own, and leaves no placeholder behind; dates are shown in local time."""

from __future__ import annotations

import pytest
from django.utils import translation

from notifications.models import NotificationKind
from notifications.text import render

CODE = "C2026-000042"
PARAMS = {
    "handoff": 7,
    "handoff_kind": "referral",
    "sender": "Caritas Test",
    "receiver": "Cooperativa Test",
    "service": "Pacco alimentare",
    "due": "2026-03-02T11:00:00+00:00",
    "reason": "capacity",
    "outcome": "partial",
    "flow": "case",
    "step": "triage",
    "organisation": "Caritas Test",
    "closed_on": "2026-03-01",
}
KINDS = list(NotificationKind)
LANGUAGES = ["it", "en"]


def rendered(kind: str, language: str, params: dict = PARAMS):
    with translation.override(language):
        return render(kind=kind, case_code=CODE, params=params)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_a_sentence_naming_the_case_by_its_code(kind, language):
    text = rendered(kind, language)

    assert CODE in text.body and text.body != CODE  # its own sentence, not the bare fallback
    with translation.override(language):
        assert text.title == str(NotificationKind(kind).label)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("params", [PARAMS, {}], ids=["all params", "no params"])
def test_no_placeholder_is_left_in_the_text(kind, language, params):
    text = rendered(kind, language, params)

    assert "%(" not in text.title and "%(" not in text.body


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_is_translated_into_italian(kind):
    italian, english = rendered(kind, "it"), rendered(kind, "en")

    assert italian.title != english.title and italian.body != english.body


def test_the_deadline_is_shown_in_local_time_on_24_hours():
    body = rendered(NotificationKind.HANDOFF_RECEIVED, "it", {**PARAMS, "due": "2026-03-02T15:30:00+00:00"}).body

    assert "02/03/2026 16:30" in body  # Europe/Rome, UTC+1 in March


def test_a_date_without_a_time_is_shown_as_a_date():
    body = rendered(NotificationKind.CONSENT_EXPIRING, "it", {"due": "2026-05-12"}).body

    assert body.endswith("12/05/2026.")


def test_coded_reasons_and_outcomes_are_shown_in_the_readers_language():
    declined = rendered(NotificationKind.HANDOFF_DECLINED, "en").body
    outcome = rendered(NotificationKind.HANDOFF_OUTCOME, "en").body

    assert "No capacity at the moment" in declined and "Partially completed" in outcome


def test_an_unknown_code_is_shown_as_it_is():
    body = rendered(NotificationKind.HANDOFF_DECLINED, "en", {**PARAMS, "reason": "retired_code"}).body

    assert "retired_code" in body
