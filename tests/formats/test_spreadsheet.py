from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedsync.formats.spreadsheet import FormulaTally, formula_like, neutralize


@pytest.mark.parametrize(
    ("value", "like"),
    [
        ("=1+1", True),
        ("+cmd", True),
        ("-2+3", True),
        ("@SUM(A1)", True),
        ("\t=x", True),
        ("\r=x", True),
        ("-5", False),
        ("+3.50", False),
        ("-1e3", False),
        ("Tee =1", False),
        ("", False),
        ("'=1", False),
    ],
)
def test_formula_like_values_are_those_a_spreadsheet_would_run(value: str, like: bool) -> None:
    assert formula_like(value) is like
    assert neutralize(value) == ("'" + value if like else value)


@given(st.text())
def test_a_neutralized_value_is_never_run_and_loses_nothing(value: str) -> None:
    safe = neutralize(value)
    assert not formula_like(safe)
    assert safe == value or safe == "'" + value


def test_the_tally_counts_items_per_column_and_keeps_the_first() -> None:
    tally = FormulaTally()
    tally.add("A", {"title": "=1", "brand": "Acme", "image": ["=x", "y"]})
    tally.add("B", {"title": "@x", "brand": "-5"})
    tally.add("C", {"title": "Tee", "image": []})
    [title, image] = tally.findings("meta")
    assert (title.code, title.channel, title.field, title.product_id, title.value) == (
        "MDL014",
        "meta",
        "title",
        "A",
        "=1",
    )
    assert title.message.startswith(
        "2 item(s) have a title that a spreadsheet would run as a formula (the first: item A"
    )
    assert (image.field, image.message[:10]) == ("image", "1 item(s) ")
