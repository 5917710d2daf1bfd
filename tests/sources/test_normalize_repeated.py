"""build_product parses a run of equal cells once (the variants of a product repeat most of theirs): row after row,
the products and findings are the ones parsing every cell afresh gives, and equal cells share their value."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsync.diagnostics import Diagnostic
from feedsync.model.product import Product, SourceRef
from feedsync.sources import normalize
from feedsync.sources.normalize import NormalizeContext, build_product
from feedsync.values import parse_weight

CTX = NormalizeContext(currency="EUR", base_url="https://shop.example", tz=ZoneInfo("Europe/Berlin"))

CELLS: dict[str, list[Any]] = {
    "price": ["12.50", "12.50 EUR", "12.5", "abc", "-1", "12.50 USD", 12.5],
    "sale_price": [None, "10", "10 USD", "abc", "10"],
    "sale_price_effective_date": [None, "2026-11-27/2026-12-01", "2026-12-01/2026-11-27", "nonsense"],
    "availability": [None, "in stock", "sold out", "maybe"],
    "quantity": [None, "3", "0", "x", "-2"],
    "condition": [None, "new", "used", "mint"],
    "gender": [None, "women", "female", "robot"],
    "age_group": [None, "adult", "kids", "elder"],
    "weight": [None, "900 g", "1.2 kg", "heavy"],
    "gtin": [None, "4006381333931", "'4006381333931", "978-1-98765-432-1"],
    "link": [None, "/p/1", "https://other.example/p", "javascript:alert(1)", "/p/ 1"],
    "image_link": [None, "/i/1.jpg", "ftp://x/1.jpg"],
    "additional_image_links": [
        None,
        "/a.jpg,/b.jpg",
        "/a.jpg, /b.jpg",
        "/a.jpg,javascript:x",
        ["/a.jpg", "/b.jpg"],
        "",
    ],
}
ROW = st.fixed_dictionaries({field: st.sampled_from(values) for field, values in CELLS.items()})


def _build(raw: dict[str, Any], number: int) -> tuple[Product | None, list[Diagnostic]]:
    found: list[Diagnostic] = []
    record = {"id": f"SKU-{number}", "title": "Shirt", **{k: v for k, v in raw.items() if v is not None}}
    ref = SourceRef(path="catalog.csv", row=number + 1, columns={"price": ("Price", 3)})
    return build_product(record, {}, ref, CTX, found.append), found


def _fresh(raw: dict[str, Any], number: int) -> tuple[Product | None, list[Diagnostic]]:
    normalize._parsers.cache_clear()  # new parsers: nothing kept from the rows before
    normalize._image_links.cache_clear()
    return _build(raw, number)


def _shape(made: tuple[Product | None, list[Diagnostic]]) -> tuple[Any, list[Any]]:
    product, found = made
    return (None if product is None else product.model_dump(), [repr(d) for d in found])


def _copy(value: Any) -> Any:
    """Equal text, another object (as each row of a file gives)."""
    return "".join(list(value)) if isinstance(value, str) else value


@settings(max_examples=150, deadline=None)
@given(st.lists(ROW, min_size=1, max_size=10))
def test_rows_in_a_row_give_what_parsing_each_afresh_gives(rows: list[dict[str, Any]]) -> None:
    normalize._parsers.cache_clear()
    normalize._image_links.cache_clear()
    kept = [_shape(_build({k: _copy(v) for k, v in row.items()}, n)) for n, row in enumerate(rows, start=2)]
    assert kept == [_shape(_fresh(row, n)) for n, row in enumerate(rows, start=2)]


def test_equal_cells_share_their_value_and_a_problem_is_reported_every_time() -> None:
    normalize._parsers.cache_clear()
    first, _ = _build({"price": "12.50", "condition": "new", "additional_image_links": "/a.jpg,/b.jpg"}, 2)
    second, _ = _build(
        {"price": "".join(["12.", "50"]), "condition": "new", "additional_image_links": "/a.jpg,/b.jpg"}, 3
    )
    assert first is not None and second is not None
    assert second.price is first.price  # parsed once
    assert second.additional_image_links is first.additional_image_links
    assert str(second.price) == str(first.price)
    for number in (4, 5):
        product, found = _build({"price": "abc"}, number)
        assert product is None and [d.code for d in found] == ["MDL002"]
        assert found[0].location is not None and found[0].location.row == number + 1


def test_a_cell_equal_to_one_rows_before_is_parsed_once_and_the_memory_is_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Weights and quantities repeat across a catalog, not only within a product's run of variants; the texts kept
    are at most ``_REMEMBERED`` (then forgotten together), and the values stay those of a fresh parse."""
    monkeypatch.setattr(normalize, "_REMEMBERED", 8)
    normalize._parsers.cache_clear()
    first, _ = _build({"price": "12.50", "weight": "900 g", "quantity": "3"}, 2)
    _build({"price": "13.50", "weight": "1.2 kg", "quantity": "4"}, 3)
    again, _ = _build({"price": _copy("12.50"), "weight": _copy("900 g"), "quantity": "3"}, 4)
    assert first is not None and again is not None
    assert again.weight is first.weight and again.price is first.price
    weights = dict(normalize._parsers(CTX))["weight"]
    for number in range(5, 40):
        product, _ = _build({"price": "1", "weight": f"{number}.5 kg"}, number)
        assert product is not None and product.weight == parse_weight(f"{number}.5 kg")
        assert 0 < len(weights.memo) <= 8
