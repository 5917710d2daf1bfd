"""Ids from real data: option values in any script slug apart (Latin ones exactly as before), and ids longer than
a channel allows are fitted stably."""

from __future__ import annotations

import pytest

from feedsync.ids import fit_ascii_id, fit_id, printable_ascii, slug
from feedsync.sources.shopify import variant_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Dark Blue", "dark-blue"), ("Grün", "gr-n"), ("XL / 42", "xl-42"), ("Initial: a", "initial-a"), ("", "")],
)
def test_latin_values_slug_as_they_always_did(text: str, expected: str) -> None:
    assert slug(text) == expected


@pytest.mark.parametrize(
    "values",
    [
        ["خ", "ح", "ج", "ث", "ت", "ب", "أ"],  # Arabic initials (the rosarose export)
        ["Красный", "Синий", "Зелёный"],  # Cyrillic
        ["Κόκκινο", "Μπλε", "Πράσινο"],  # Greek
        ["赤", "青", "緑", "小", "大"],  # CJK
        ["🔥", "💧", "★"],  # symbols only
    ],
)
def test_values_in_any_script_give_distinct_ids(values: list[str]) -> None:
    ids = [variant_id("icey-initial-gold", [v]) for v in values]
    assert len(set(ids)) == len(values)
    assert all(i.startswith("icey-initial-gold-") and len(i) <= 50 for i in ids)


def test_non_latin_values_keep_their_letters() -> None:
    assert variant_id("tee", ["Синий цвет"]) == "tee-синий-цвет"
    assert variant_id("ring", ["خ"]) == "ring-خ"


def test_fit_id_leaves_ids_that_fit_alone() -> None:
    assert fit_id("a" * 50, 50) == "a" * 50


def test_fit_id_is_a_readable_prefix_and_a_stable_hash() -> None:
    long = "the-extraordinarily-long-handle-of-a-shopify-product-" + "x" * 30
    other = long[:-1] + "y"
    fitted = fit_id(long, 50)
    assert len(fitted) == 50
    assert fitted == long[:41] + "-" + fitted[-8:] and fitted[-8:].isalnum()
    assert fitted == fit_id(long, 50)  # the same id every run
    assert fit_id(other, 50) != fitted  # ids differing only past the limit stay apart
    assert len(fit_id(long, 40)) == 40  # the limit is the channel's (Amazon SKU: 40)
    assert len(fit_id(long, 5)) == 5


def test_shopify_ids_that_fit_do_not_change() -> None:
    """The fitting Shopify always did (41 characters + '-' + 8 hex digits) is the one channels use."""
    handle = "a-very-long-handle-that-goes-on-and-on-and-on"
    assert variant_id(handle, ["Large", "Dark Blue"]) == "a-very-long-handle-that-goes-on-and-on-an-66003c3e"
    assert fit_id(f"{handle}-large-dark-blue", 50) == "a-very-long-handle-that-goes-on-and-on-an-66003c3e"


def test_printable_ascii_is_the_printable_ascii_characters_exactly() -> None:
    """A final line break is no printable character (a ``$`` pattern matched just before it): an id ending in one
    is fitted like any other id with a character outside U+0020..U+007E."""
    for code in range(0x250):
        char = chr(code)
        assert printable_ascii(char) is (0x20 <= code <= 0x7E), repr(char)
        assert printable_ascii(f"SKU{char}") is (0x20 <= code <= 0x7E), repr(char)
    assert printable_ascii("")
    assert not printable_ascii("SKU\n") and not printable_ascii("SKU-1\r\n")
    assert fit_ascii_id("SKU\n", 40) != "SKU\n"
    assert printable_ascii(fit_ascii_id("SKU\n", 40))
    assert fit_ascii_id("SKU-1", 40) == "SKU-1"
