from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsync.formats.spreadsheet import FormulaTally, formula_like


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


class Text(str):
    """A str subclass (as a template's markup)."""


def reference_tally(rows: list[dict[str, Any]]) -> tuple[dict[str, int], dict[str, tuple[str, str]]]:
    """Per column, the items whose text (a list's first entry) is formula-like, and the first of them, value by
    value: the tally as it was."""
    counts: dict[str, int] = {}
    first: dict[str, tuple[str, str]] = {}
    for number, values in enumerate(rows):
        for column, value in values.items():
            cell = value if isinstance(value, str) else (value[0] if value else "")
            if isinstance(cell, str) and formula_like(cell):
                counts[column] = counts.get(column, 0) + 1
                first.setdefault(column, (str(number), cell))
    return counts, first


STARTS = ["=", "+", "-", "@", "\t", "\r", "-5", "+3.5", "=1+1", "'=", " =", "a", "", "é", "\x00"]
cells = st.one_of(st.sampled_from(STARTS), st.builds(str.__add__, st.sampled_from(STARTS), st.text(max_size=4)))
values = st.one_of(
    cells,
    cells.map(Text),
    st.lists(st.one_of(cells, st.dictionaries(cells, cells, max_size=2)), max_size=3),
    st.tuples(cells),
)
rows = st.lists(st.dictionaries(st.sampled_from(["title", "brand", "image", "price"]), values, max_size=4), max_size=6)


@settings(max_examples=200, deadline=None)
@given(rows)
def test_the_tally_counts_as_value_by_value_did(items: list[dict[str, Any]]) -> None:
    tally = FormulaTally()
    for number, values in enumerate(items):
        tally.add(str(number), values)
    assert (tally.counts, {c: (i, v) for c, (i, v, _) in tally.first.items()}) == reference_tally(items)


def test_a_list_whose_first_entry_is_formula_like_is_counted() -> None:
    tally = FormulaTally()
    tally.add("A", {"title": "Tee", "image": ["=HYPERLINK(1)", "b"], "brand": "Acme"})
    tally.add("B", {"title": "Tee", "image": ["b", "=x"], "brand": "Acme"})
    assert tally.counts == {"image": 1}
