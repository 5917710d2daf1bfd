"""Variant titles name the colour, size and unmapped options once (never what the title names already), and Meta's
additional_variant_attribute carries the unmapped options."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from feedsync.channels.templating import name_variant, variant_pairs
from feedsync.channels.templating.filters import collapse, plaintext


def test_values_the_title_names_are_not_repeated() -> None:
    assert name_variant("Taza Color Verde - Talla 11oz", "verde", "11OZ") == "Taza Color Verde - Talla 11oz"
    assert name_variant("Tee", "Navy", "M") == "Tee - Navy - M"
    assert name_variant("Tee in navy", "Navy", None, "") == "Tee in navy"


def test_only_whole_words_count() -> None:
    assert name_variant("Navyish Tee", "Navy") == "Navyish Tee - Navy"
    assert name_variant("Tee S", "M") == "Tee S - M"
    assert name_variant("Book C++", "C++") == "Book C++"


def test_unmapped_options_are_named_after_colour_and_size() -> None:
    assert name_variant("Cake", "White", None, {"Tiers": "3 tiers"}) == "Cake - White - 3 tiers"
    assert name_variant("  Cake  ", {"Tiers": "3 tiers"}, separator=" ") == "Cake 3 tiers"


def test_variant_pairs_add_unmapped_options_once() -> None:
    attributes = {"Logo": "Yes", "Tiers": "3"}
    assert variant_pairs(attributes, ["Logo"], {"Tiers": "3", "Logo": "Yes"}) == "Logo:Yes,Tiers:3"
    assert variant_pairs({}, [], {"Fit: cut": "a,b"}) == "Fit cut:a b"


def _reference_name_variant(title: Any, *values: Any, separator: str = " - ") -> str:
    """name_variant as it was before it looked for the value as a substring first (one pattern per value)."""
    text = collapse(title)
    flat: list[str] = []
    for value in values:
        flat += [str(v) for v in value.values()] if isinstance(value, Mapping) else [value] if value else []
    for value in flat:
        value = collapse(value)
        if value and not re.search(rf"(?<!\w){re.escape(value.casefold())}(?!\w)", text.casefold()):
            text = f"{text}{separator}{value}"
    return text


_PIECES = st.sampled_from(
    ["Tee", "tee", "navy", "NAVY", "Navyish", " ", "-", "C++", "ß", "SS", "İ", "i̇", "_", "·", "x"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=6).map("".join), st.lists(st.lists(_PIECES, max_size=3).map("".join), max_size=3))
def test_name_variant_as_before(title: str, values: list[str]) -> None:
    assert name_variant(title, *values) == _reference_name_variant(title, *values)


_VALUES = st.one_of(
    st.none(),
    st.lists(_PIECES, max_size=3).map("".join),
    st.dictionaries(st.sampled_from(["Tiers", "Fit"]), st.lists(_PIECES, max_size=3).map("".join), max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=6).map("".join), st.lists(_VALUES, max_size=4), st.sampled_from([" - ", " ", "/"]))
def test_name_variant_with_options_and_empty_values_as_before(title: str, values: list[Any], separator: str) -> None:
    """The title is folded again only when a value is added: the same text as folding it for every value."""
    expected = _reference_name_variant(title, *values, separator=separator)
    assert name_variant(title, *values, separator=separator) == expected


def test_the_whitespace_collapse_splits_on_is_the_whitespace_of_the_pattern_it_replaced() -> None:
    """collapse and plaintext split on str.split's whitespace where they used ``\\s+``: the same characters, every
    code point checked."""
    every = "".join(map(chr, range(0x110000)))
    assert set("".join(re.findall(r"\s+", every))) == {c for c in every if c.isspace()}


_SPACES = st.sampled_from(
    [" ", "\t", "\n", "\r\n", "\x0b", "\x0c", "\x1c", "\x85", "\xa0", "\u2028", "\u3000", "\ufeff"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_SPACES, _PIECES, st.text(max_size=4)), max_size=12).map("".join))
def test_collapse_and_plaintext_as_the_pattern_made_them(text: str) -> None:
    assert collapse(text) == re.sub(r"\s+", " ", text).strip()
    html_text = f"<p>{text}</p> &nbsp;{text}<br>"
    expected = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]*>", " ", html_text))).strip()
    assert plaintext(html_text) == expected
