"""The fast paths of the value rules (feedsync.values, the readers' character check) against the rules they shortcut:
over hostile texts, the same value or the same problem."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urljoin

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from feedsync import values as v
from feedsync.model.product import WeightUnit
from feedsync.sources.normalize import _BAD_CHARS, _list, _text, is_clean

PROPERTY = settings(max_examples=400, deadline=None, derandomize=True, database=None)


def _outcome(parse: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        value = parse(*args, **kwargs)
    except v.ValueProblem as problem:
        return ("problem", problem.code, problem.message, problem.out_of_range)
    return ("value", type(value), value)


@PROPERTY
@given(st.text(st.characters(exclude_categories=[]), max_size=30))
@example("\ud800")
@example("é\udfffx")
@example("\ufffe")
@example("ü\uffff")
@example("\x7f")
@example("tab\tline\nreturn\r")
@example("".join(map(chr, range(32))))
@example("°\x0b")
def test_is_clean_is_the_pattern(text: str) -> None:
    assert is_clean(text) is (_BAD_CHARS.search(text) is None)


DIGITS = st.text(st.sampled_from("0123456789٠١٢٣٤٥٦٧٨٩²"), min_size=0, max_size=12)
PAD = st.sampled_from(["", " ", "\t", " \n"])
NUMBERISH = st.tuples(PAD, st.sampled_from(["", "+", "-"]), DIGITS, st.sampled_from(["", ".", ".0", ".5", "e2"]), PAD)


def _int_by_decimal(text: str, what: str) -> int:
    """parse_int without its shortcut: the number rule, then whole and in range."""
    value = v.parse_decimal(text, what=what)
    if value != value.to_integral_value():
        raise v.ValueProblem("MDL006", f"{what} {text[:40]!r} is not a whole number")
    if abs(value) > v.MAX_INT:
        raise v.ValueProblem("MDL006", f"{what} {text[:40]!r} is too large (at most {v.MAX_INT})", out_of_range=True)
    return int(value)


@PROPERTY
@given(NUMBERISH.map("".join) | st.text(max_size=12))
@example("999999999")
@example("2147483648")
@example("٤٠")
@example("²")
def test_parse_int_shortcut_is_the_rule(text: str) -> None:
    assert _outcome(v.parse_int, text, what="quantity") == _outcome(_int_by_decimal, text, "quantity")


@PROPERTY
@given(NUMBERISH.map("".join))
@example("9" * 15)
@example("9" * 16)
@example("0" * 20 + "9")
@example("-" + "9" * 15 + ".5")
def test_parse_decimal_size_rule(text: str) -> None:
    """More than MAX_DIGITS digits before the point (leading zeros and sign aside) is out of range, else a number."""
    got = _outcome(v.parse_decimal, text, what="weight")
    value = text.strip()
    if not v._NUMBER.match(value):
        assert got[0] == "problem" and not got[3]
    elif len(value.lstrip("+-").split(".")[0].lstrip("0")) > v.MAX_DIGITS:
        assert got[0] == "problem" and got[3]
    else:
        assert got == ("value", Decimal, Decimal(value))


def _url_by_rule(text: str, base_url: str | None, *, what: str) -> str:
    """parse_url without its shortcut for a site path."""
    value = text.strip()
    lower = value.lower()
    if lower.startswith(("http://", "https://")):
        if " " in value or len(value) <= len("https://"):
            raise v.ValueProblem("MDL009", f"{what} {text!r} is not a valid URL")
        return value
    if "://" in value or lower.startswith(("javascript:", "data:", "mailto:")):
        raise v.ValueProblem("MDL009", f"{what} {text!r} is not an http(s) URL")
    if base_url is None:
        raise v.ValueProblem("MDL009", f"{what} {text!r} is relative and source.base_url is not set")
    if value.startswith("/") and not value.startswith("//") and " " not in value:
        return base_url + value
    return urljoin(base_url + "/", value.lstrip("/"))


URLISH = st.lists(st.sampled_from(["/", "//", " ", "://", "http", "s", "javascript:", "a", "?x=", "#", "\t", "é"]))


@PROPERTY
@given(URLISH.map("".join), st.sampled_from(["https://shop.example", "https://shop.example/de", None]))
@example("/p/1?u=http://x", "https://shop.example")
@example("/p 1", "https://shop.example")
@example("//cdn.example/x", "https://shop.example")
def test_parse_url_shortcut_is_the_rule(text: str, base_url: str | None) -> None:
    assert _outcome(v.parse_url, text, base_url, what="link") == _outcome(_url_by_rule, text, base_url, what="link")


_UNIT_NAMES = {"g": "g", "gram": "g", "grams": "g", "kg": "kg", "kgs": "kg", "lb": "lb", "lbs": "lb", "oz": "oz"}


@pytest.mark.parametrize(("name", "unit"), sorted(_UNIT_NAMES.items()))
def test_weight_units(name: str, unit: str) -> None:
    for spelled in (name, name.upper(), name.title()):
        weight = v.parse_weight(f" 1.5 {spelled} ")
        assert (weight.value, weight.unit) == (Decimal("1.5"), WeightUnit(unit))
        assert type(weight.unit) is WeightUnit
    assert set(v._UNITS) == set(_UNIT_NAMES)  # no other name is read as a unit


@PROPERTY
@given(st.lists(st.sampled_from(["", " ", "a", " b ", "\t", ",", "/x.jpg", "\xa0"])).map("".join))
def test_a_list_cell_is_its_parts_as_texts(cell: str) -> None:
    assert _list(cell) == [text for text in (_text(part) for part in cell.split(",")) if text is not None]
