"""The one rule for ids typed or posted by someone (`core.parsing`)."""

import pytest

from core.parsing import posted_id, posted_id_or_zero


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        (" 7 ", 7),
        (12, 12),
        ("999999999999", 999_999_999_999),
    ],
)
def test_a_positive_whole_number_is_an_id(value, expected):
    assert posted_id(value) == expected
    assert posted_id_or_zero(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "0",
        0,
        "-1",
        -1,
        "+5",
        "1.5",
        1.5,
        "1e3",
        "abc",
        "12abc",
        "0x10",
        "²",
        "١٢",
        "１２",  # digits for str.isdigit() that int() refuses or reads otherwise
        "1000000000000",
        10**12,
        True,
        False,
        ["1"],
        {"id": 1},
    ],
)
def test_anything_else_is_no_id_and_never_raises(value):
    assert posted_id(value) is None
    assert posted_id_or_zero(value) == 0
