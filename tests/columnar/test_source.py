"""The columnar normalization of a native catalog against the per-row reader: random rows (valid cells, the forms
only the per-row parsers know, and cells with problems), written as CSV and read by both. Where the columnar side
says a row is exact, the per-row reader made a Product of it with the same values; on the demo catalog nearly every
row is exact."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedsync.columnar.source import TEXTS, normalized
from feedsync.config import SourceConfig
from feedsync.diagnostics import Diagnostic
from feedsync.model.product import Product
from feedsync.sources import open_source
from feedsync.sources.base import normalize_context
from tests.conftest import DEMO

_TEXT = ["Tee", " Tee ", "", "  ", "a\x1cb", "\xa0x\xa0", "Crème", "x\x01", "A > B", "ß", "\t"]
CHOICES: dict[str, list[str]] = {
    "id": ["SKU-1", "SKU-2", " SKU-3 ", "", "S\x7f"],
    "title": _TEXT,
    "price": [
        *("32.73", "0.5", "186.00", " 19.99 ", "007", "1e3", "12,50", "12.00 USD", "-1", "", ".5", "USD 12.00"),
        *("12.00usd", "EUR12", "12.00 EUR", "12 eur", "USD 12 USD", "12.00\xa0USD", "12 SE\u212a", "12 sek"),
        *("12 USD.", "US 12", "12 USDX", "1e3 USD", "12 SEK", "19.999", "19.9900", "0.001 USD", "0.00"),
    ],
    "sale_price": [
        "",
        "",
        "10",
        "9.990",
        "abc",
        "1234567890123456",
        "10 USD",
        "eur 9.5",
        "10 Sek",
        "10 SE\u212a",
        "9.9951",
    ],
    "sale_price_effective_date": [
        "",
        "",
        "2026-11-27T00:00:00-05:00/2026-12-01T23:59:59-05:00",
        "2026-12-01T00:00:00+00:00/2026-11-01T00:00:00+00:00",
        "2026-13-01T00:00:00+00:00/2026-12-01T00:00:00+00:00",
        "2026-11-27/2026-12-01",
        "2026-11-27T00:00:60+00:00/2026-12-01T00:00:00+00:00",
        "0001-01-01T00:00:00+05:00/2026-12-01T00:00:00+00:00",
        "2026-11-27T00:00:00+01:00",
    ],
    "availability": ["", "in stock", "In-Stock", "sold out", "soldout", "bogus", "AVAILABLE", "pre order"],
    "quantity": ["", "0", "13", "1.0", "-2", "9999999999", " 5 "],
    "condition": ["", "new", "NEW", "Used", "mint"],
    "gender": ["", "female", "Men", "unisex", "nope"],
    "age_group": ["", "adult", "Kids", "teen"],
    "weight": ["", "906 g", "1.5kg", "2 lbs", "10 stone", "1.2.3 g", "0.50 oz", "01 g", "5\xa0g"],
    "gtin": ["", "4006381333931", "'4006381333931", "400-638-133 3931", "²³", "abc", "'", "12 ab"],
    "link": ["/p/1", "//x.com/p", "https://x.com/a", "http://", "ftp://x/y", "/a b", "rel/path", "/x://y"],
    "image_link": ["/i/1.jpg", "HTTPS://X.COM/I.JPG", ""],
    "additional_image_links": ["", "/a.jpg,/b.jpg", " /a.jpg , ,https://x.com/y.jpg", "/a.jpg,ftp://x"],
    **{name: _TEXT for name in TEXTS if name not in ("id", "title")},
}
_CELLS = {name: st.sampled_from(values) for name, values in CHOICES.items()}
COLUMNS = list(_CELLS)
rows = st.fixed_dictionaries(_CELLS)


def _per_row(path: Path, currency: str | None, base_url: str | None) -> tuple[dict[int, Product], set[int], Any]:
    """The per-row reader's products by row, the rows it told a finding of, and its context."""
    config = SourceConfig.model_validate({"path": path, "currency": currency, "base_url": base_url})
    told: set[int] = set()

    def emit(finding: Diagnostic) -> None:
        told.add(finding.location.row if finding.location and finding.location.row else 0)

    products = {product.source.row: product for product in open_source(config).products(emit)}
    return products, told, normalize_context(config)


def _columnar(path: Path, ctx: Any) -> list[dict[str, Any]]:
    frame = pl.read_csv(path, infer_schema=False)
    out, exact = normalized(frame.columns, ctx)
    return frame.select(exact=exact, **out).to_dicts()


def _same(product: Product, row: dict[str, Any]) -> None:
    for name in TEXTS:
        assert getattr(product, name) == row[name], name
    assert str(product.price.amount) == row["price"] and product.price.currency == row["currency"]
    sale = product.sale_price
    assert (str(sale.amount) if sale else None) == row["sale_price"]
    dates = product.sale_price_effective_date
    assert (dates.start.isoformat() if dates else None) == row["sale_start"]
    assert (dates.end.isoformat() if dates else None) == row["sale_end"]
    for name in ("availability", "condition", "gender", "age_group"):
        value = getattr(product, name)
        assert (value.value if value is not None else None) == row[name], name
    assert product.quantity == row["quantity"]
    weight = product.weight
    assert (str(weight.value) if weight else None) == row["weight"]
    assert (weight.unit.value if weight else None) == row["weight_unit"]
    assert product.gtin == row["gtin"]
    assert product.link == row["link"] and product.image_link == row["image_link"]
    assert list(product.additional_image_links) == row["additional_image_links"]


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60)
@given(
    st.lists(rows, min_size=1, max_size=30),
    st.sampled_from(["USD", "eur", "sek", None]),
    st.sampled_from(["https://shop.example.com", None]),
)
def test_exact_rows_are_normalized_as_the_row_reader_does(
    tmp_path: Path, batch: list[dict[str, str]], currency: str | None, base_url: str | None
) -> None:
    path = tmp_path / "products.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow(COLUMNS)
        writer.writerows([row[name] for name in COLUMNS] for row in batch)
    products, told, ctx = _per_row(path, currency, base_url)
    assert 0 not in told  # nothing said of the file as a whole
    for index, row in enumerate(_columnar(path, ctx)):
        if row["exact"]:
            assert index + 2 not in told  # the header is row 1
            _same(products[index + 2], row)


BASELINE = {
    **{name: "Tee" for name in TEXTS},
    "id": "SKU-1",
    "price": "32.73",
    "sale_price": "",
    "sale_price_effective_date": "",
    "availability": "",
    "quantity": "3",
    "condition": "new",
    "gender": "female",
    "age_group": "adult",
    "weight": "906 g",
    "gtin": "4006381333931",
    "link": "/p/1",
    "image_link": "/i/1.jpg",
    "additional_image_links": "/a.jpg,/b.jpg",
}


@pytest.mark.parametrize(
    ("cells", "exact"),
    [
        ({}, True),
        ({"price": "007"}, False),  # Decimal prints 7
        ({"price": "0.50"}, True),
        ({"price": "12.00 USD"}, True),  # the run's currency, as the native profile writes a price
        ({"price": "USD 12.00"}, True),
        ({"price": "12.00usd"}, True),
        ({"price": "12.00\u2003USD"}, True),  # Python's whitespace between
        ({"sale_price": "10 USD", "price": "12 usd"}, True),
        ({"price": "12.00 EUR"}, False),  # another currency: per row
        ({"price": "USD 12.00 USD"}, False),  # two currencies (MDL002)
        ({"price": "12.00 US"}, False),
        ({"price": "007 USD"}, False),
        ({"price": "19.999"}, False),  # more decimals than USD has: rounded, told per row (MDL019)
        ({"price": "19.9900 USD"}, True),  # more, all zeros: the same price
        ({"sale_price": "9.001"}, False),
        ({"sale_price": "0.004"}, False),
        ({"sale_price": "0.00"}, True),
        ({"title": "a\x01b"}, False),  # a control character: cleaned and told per row
        ({"description": "x\x7f"}, False),
        ({"link": "//cdn.example.com/p"}, False),  # urljoin's
        ({"link": "rel/path"}, False),
        ({"link": "HTTPS://X.COM/P"}, True),
        (
            {"sale_price": "10", "sale_price_effective_date": "2026-11-27T00:00:00-05:00/2026-12-01T23:59:59-05:00"},
            True,
        ),
        (
            {"sale_price": "10", "sale_price_effective_date": "2026-11-27T00:00:60+00:00/2026-12-01T00:00:00+00:00"},
            False,
        ),
        ({"sale_price": "10", "sale_price_effective_date": "2026-11-27/2026-12-01"}, False),  # bare dates
        ({"sale_price_effective_date": "2026-11-27T00:00:00+00:00/2026-12-01T00:00:00+00:00"}, False),  # no sale
        ({"gtin": "'400-638-133 3931"}, True),
        ({"gtin": "²³"}, False),  # digits to Python's isdigit
        ({"gtin": "ab cd"}, True),
        ({"availability": "Sold-Out"}, True),
        ({"availability": "", "quantity": ""}, True),  # in stock: the model's default
        ({"availability": "", "quantity": "0"}, True),  # out of stock, from the quantity
        ({"weight": "01 g"}, False),
        ({"weight": "2 LBS"}, True),
        ({"quantity": "1.0"}, False),
    ],
)
def test_each_guard_sends_the_forms_it_cannot_vouch_for_per_row(
    tmp_path: Path, cells: dict[str, str], exact: bool
) -> None:
    path = tmp_path / "products.csv"
    row = BASELINE | cells
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerow([row[name] for name in COLUMNS])
    products, told, ctx = _per_row(path, "USD", "https://shop.example.com")
    [made] = _columnar(path, ctx)
    assert made["exact"] is exact
    if exact:
        assert not told
        _same(products[2], made)


def test_the_demo_catalog_is_normalized_alike_nearly_all_exactly() -> None:
    config = SourceConfig.model_validate(
        {"path": DEMO / "products.csv", "currency": "USD", "base_url": "https://shop.example.com"}
    )
    products = {product.source.row: product for product in open_source(config).products(lambda d: None)}
    made = _columnar(DEMO / "products.csv", normalize_context(config))
    exact = [index for index, row in enumerate(made) if row["exact"]]
    assert len(exact) >= len(made) * 9 // 10, len(exact)
    for index in exact:
        _same(products[index + 2], made[index])


def test_a_price_s_currency_is_read_by_its_own_letters_alone(tmp_path: Path) -> None:
    """``12 SEK`` in a run in SEK is read a column at a time; ``12 SE`` with a Kelvin sign, which Rust's
    case-insensitive matching takes for a ``K``, is not a currency to the per-row parser (MDL002): per row."""
    path = tmp_path / "products.csv"
    prices = ["12 sek", "SEK 12.50", "12 SE\u212a", "\u212aSEK 1", "12"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows([(BASELINE | {"price": price})[name] for name in COLUMNS] for price in prices)
    products, told, ctx = _per_row(path, "sek", "https://shop.example.com")
    made = _columnar(path, ctx)
    assert [row["exact"] for row in made] == [True, True, False, False, True]
    assert told == {4, 5}  # the two the parser refuses
    for index in (0, 1, 4):
        _same(products[index + 2], made[index])
