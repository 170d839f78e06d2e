"""The housing tests read English. Their actors (organisation A leads the case, organisation B provides places) are
in `tests/fixtures/housing.py`, shared with the browser journeys."""

import pytest


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
