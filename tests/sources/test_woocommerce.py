from __future__ import annotations

from pathlib import Path

from feedsync.config import SourceConfig
from feedsync.diagnostics import Diagnostic
from feedsync.model import Product
from feedsync.sources import open_source
from feedsync.sources.woocommerce import unescape_description

HEADER = (
    "ID,Type,SKU,Name,Published,Description,Sale price,Regular price,Categories,Images,Parent,"
    "In stock?,Stock,Backorders allowed?,Weight (kg),Attribute 1 name,Attribute 1 value(s)\n"
)


def read(tmp_path: Path, body: str, **extra: object) -> tuple[list[Product], list[Diagnostic]]:
    path = tmp_path / "wc-product-export.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    config = SourceConfig.model_validate({"path": path, "currency": "EUR", "base_url": "https://s.example", **extra})
    found: list[Diagnostic] = []
    return list(open_source(config).products(found.append)), found


def test_children_before_their_parent_and_parents_by_id(tmp_path: Path) -> None:
    products, found = read(
        tmp_path,
        (
            '11,variation,,Tee - Red,1,,,"19,50",,,id:10,1,3,0,,Color,Red\n'
            '12,variation,TEE-BLUE,Tee - Blue,1,,,"19,50",,,id:10,1,0,notify,,Color,Blue\n'
            '10,variable,,Tee,1,Line one\\nLine two,,,"Clothing, Clothing > Tees","https://s.example/a.jpg, '
            'https://s.example/b.jpg",,1,,0,"0,3",Color,"Red, Blue"\n'
        ),
    )
    assert found == []
    red, blue = products
    assert (red.id, red.group_id, red.title, red.color) == ("wc-11", "wc-10", "Tee", "Red")
    assert str(red.price) == "19.50 EUR"  # the store writes a decimal comma
    assert red.description == "Line one\nLine two"
    assert red.product_type == "Clothing > Tees"
    assert (red.image_link, red.additional_image_links) == ("https://s.example/a.jpg", ("https://s.example/b.jpg",))
    assert str(red.weight) == "0.3 kg"
    assert (blue.id, blue.quantity, blue.availability.value) == ("TEE-BLUE", 0, "backorder")
    assert red.link == "https://s.example/?p=10"


def test_orphan_variation_and_unpublished_products(tmp_path: Path) -> None:
    products, found = read(
        tmp_path,
        (
            "1,simple,A,Alpha,1,,,5,,,,1,,,,,\n"
            "2,variation,B,Beta,1,,,5,,,GONE,1,,,,,\n"
            "3,simple,C,Gamma,-1,,,5,,,,1,,,,,\n"
            "4,simple,D,Delta,1,,,5,,,,0,,,,,\n"
        ),
    )
    assert [(p.id, p.availability.value) for p in products] == [("A", "in_stock"), ("D", "out_of_stock")]
    assert [(d.code, d.location.row, d.location.column_name, d.value) for d in found if d.code == "SRC007"] == [
        ("SRC007", 3, "Parent", "GONE")
    ]
    assert [d.code for d in found] == ["SRC007", "SRC005"]


def test_dot_decimals_with_a_thousands_comma_are_not_taken_for_decimal_commas(tmp_path: Path) -> None:
    products, found = read(tmp_path, '1,simple,A,Alpha,1,,,12.50,,,,1,,,,,\n2,simple,B,Beta,1,,,"1,250",,,,1,,,,,\n')
    assert str(products[0].price) == "12.50 EUR"
    assert [d.code for d in found] == ["MDL002"]  # "1,250" is ambiguous in a dot-decimal file: reported


def test_bad_sale_dates_are_reported_at_their_cell(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(
        "Type,SKU,Name,Regular price,Sale price,Date sale price starts,Date sale price ends\n"
        "simple,A,Alpha,10,8,someday,\nsimple,B,Beta,10,8,2026-12-01,2026-11-01\n"
        "simple,C,Gamma,10,8,,2026-11-01\n",
        encoding="utf-8",
    )
    found: list[Diagnostic] = []
    products = list(open_source(SourceConfig(path=path, currency="EUR")).products(found.append))
    assert [(d.code, d.location.row, d.location.column_name) for d in found] == [
        ("MDL005", 2, "Date sale price starts"),
        ("MDL005", 3, "Date sale price ends"),
    ]
    [gamma] = products
    assert str(gamma.sale_price_effective_date).startswith("2000-01-01T00:00:00+0000/2026-11-01T23:59:59")


def test_unescape_description() -> None:
    assert unescape_description("a\\nb\\\\nc") == "a\nb\\nc"
