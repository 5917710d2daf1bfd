from __future__ import annotations

import pytest

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
