"""A Shopify export's variants a column at a time against the Shopify reader: random exports (products over several
rows, image rows, options mapped and not, the forms only Python reads, rows the reader tells of), the benchmark's
export and real stores'. Where the columnar side says a variant row is exact, the reader made a Product of it with
the same values and told nothing of it; every product the reader made is a row of the columnar side's."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedsync.columnar.shopify import FIELDS, Options, attribute_names, variants
from feedsync.columnar.source import normalized
from feedsync.config import SourceConfig
from feedsync.diagnostics import Diagnostic
from feedsync.model.product import Product
from feedsync.sources import open_source
from feedsync.sources.base import normalize_context
from feedsync.sources.shopify import layout
from feedsync.sources.tabular import header_key
from tests.columnar.test_source import _same
from tests.sources.realdata import REALDATA

HEADER = [
    *("Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Status"),
    *("Option1 Name", "Option1 Value", "Option2 Name", "Option2 Value", "Option3 Name", "Option3 Value"),
    *("Variant SKU", "Variant Grams", "Variant Inventory Tracker", "Variant Inventory Qty"),
    *("Variant Inventory Policy", "Variant Price", "Variant Compare At Price", "Variant Barcode", "Image Src"),
    *("Image Position", "Variant Image", "Variant Weight Unit", "Google Shopping / Gender"),
    *("Google Shopping / Age Group", "Google Shopping / MPN", "Google Shopping / Condition"),
    *("Google Shopping / Custom Label 0", "Material (product.metafields.custom.material)"),
]
GENERATOR = Path(__file__).resolve().parents[2] / "benchmarks" / "generate.py"


def compared(path: Path, config: SourceConfig, options: Options | None = None) -> tuple[int, int]:
    """Hold the columnar variants of the export at ``path`` (their options of no variant field taken as ``options``
    says) to the reader's products; how many variant rows the columnar side found, and how many of them it made
    exact."""
    told: set[int] = set()
    # (a variant option is told of as the reader makes the variant, where the gate takes it: ``Gate.take``)
    own = {"MDL016"} if options is not None and options.columns else set()

    def emit(finding: Diagnostic) -> None:
        if finding.code not in own:
            told.add(finding.location.row if finding.location and finding.location.row else 0)

    products: dict[int, Product] = {product.source.row: product for product in open_source(config).products(emit)}
    frame = pl.read_csv(path, infer_schema=False, truncate_ragged_lines=True)
    found = layout([header_key(name) for name in frame.columns])
    made = variants(frame, found, config, options=options).variants
    names = [name for name in FIELDS if name in made.columns]
    columns, exact = normalized(names, normalize_context(config))
    rows = made.with_columns(normalized=exact, **{f"n_{name}": e for name, e in columns.items()})
    assert rows.columns[:3] == ["__record", "exact", "left_out"]
    rows_of = set()
    whole = 0
    for row in rows.iter_rows(named=True):
        number = row["__record"] + 2  # the header is row 1
        rows_of.add(number)
        if not (row["exact"] and row["normalized"]):
            continue
        whole += 1
        assert number not in told
        if row["left_out"]:  # a draft, archived or unlisted product's: counted as left out, no product
            assert number not in products
            continue
        product = products[number]
        _same(product, {name[2:]: value for name, value in row.items() if name.startswith("n_")})
        attributes = {name: row[f"attribute:{name}"] for name in attribute_names(found)}
        attributes = {name: value for name, value in attributes.items() if value is not None}
        pairs = [(row[f"__attrname{n}"], row[f"__attrvalue{n}"]) for n in range(len(found.options))]
        attributes |= {name: value for name, value in pairs if name is not None}  # (after the reader's own)
        assert product.attributes == attributes
        assert list(product.attributes) == list(attributes)
        assert product.inventory_tracked == row["inventory_tracked"]
        pairs = [(row[f"__optname{n}"], row[f"__optvalue{n}"]) for n in range(len(found.options))]
        assert list(product.variant_options.items()) == [(name, value) for name, value in pairs if name is not None]
        if options is None or not options.columns:
            assert not product.variant_options
        if options is not None:
            names = [name for name, _ in pairs if name is not None]
            assert not set(names) & options.refused and len(set(names)) == len(names)
    assert set(products) <= rows_of  # every variant the reader made is one of the columnar side's rows
    return len(rows_of), whole


def _config(path: Path, **settings: Any) -> SourceConfig:
    return SourceConfig.model_validate({"path": path, "format": "shopify", "currency": "USD", **settings})


def _mostly(good: list[str], rare: list[str], often: int = 8) -> list[str]:
    """Values to sample: each good one ``often`` times as often as each rare one (a row of many cells is whole
    often enough to be compared)."""
    return good * often + rare


_TEXT = _mostly(["", "Tee", " Tee ", "Crème", "ß"], ["a\x01b"])
OPTION_NAMES = [  # a product's three options' names: mapped to variant fields, or (rarely) not
    *(["Color", "Size", ""], ["Size", "Color", "Material"], ["Farbe", "Choose Material", ""], ["", "", ""]) * 4,
    *(["Title", "", ""], ["Color", "colour", ""], ["Choose Ring Size", "Color", ""], ["Engraving", "Style", ""]),
    *(["Style", "Style", ""], ["sku", "Size", ""], ["Engraving", "Color", "Style"], ["google:color", "", "Box"]),
]
TAKEN = [None, Options(True, frozenset({"Style"}), ("google:",)), Options(False, frozenset())]
"""How the gate takes options of no variant field: not (a row with one is the reader's), as columns (an attribute
a template asks of, ``Style``, and a channel's overrides, ``google:``, refused) or as attributes alone."""
OPTION_VALUES = ["", "Red", "Blue", "XL", "Default Title", "Синий", "🔥", "Dark Blue", "x" * 40]
PRODUCT = {
    "Title": _TEXT,
    "Body (HTML)": ["", "<p>Soft</p>", "<ul><li>a</li></ul>"],
    "Vendor": ["", "Acme", " Acme "],
    "Product Category": ["", "Apparel & Accessories > Clothing"],
    "Type": ["", "Shirts"],
    "Tags": ["", "summer, sale"],
    "Status": _mostly(["active", ""], ["draft", "archived", "Active", "bogus", "ACTİVE"], 6),
    "Google Shopping / Gender": _mostly(["", "female", "Men"], ["nope"]),
    "Google Shopping / Age Group": _mostly(["", "Adult (13+ years old)", "kids"], ["Kİds"]),
    "Google Shopping / Condition": _mostly(["", "new", "NEW", "Used"], ["mint"]),
    "Google Shopping / Custom Label 0": ["", "c0"],
    "Material (product.metafields.custom.material)": ["", "Cotton", " "],
}
VARIANT = {
    "Variant Grams": _mostly(["", "0", "906", "1.5"], ["abc", "-3"]),
    "Variant Inventory Tracker": _mostly(["shopify"], [""], 3),
    "Variant Inventory Qty": _mostly(["", "0", "5", "12"], ["-1", "1.5"]),
    "Variant Inventory Policy": ["deny", "continue", "CONTINUE", ""],
    "Variant Price": _mostly(["19.99", "20", "12.5"], ["", "1e3", "abc", "007"]),
    "Variant Compare At Price": _mostly(["", "25.00", "19.99", "5"], ["abc", "1E3"]),
    "Variant Barcode": _mostly(["", "4006381333931", "'4006381333931", "400638133393"], ["4.00638E+12", "４e5"]),
    "Variant Image": ["", "https://cdn.example.com/v.jpg"],
    "Variant Weight Unit": ["", "g", "kg", "lb", "oz", "stone", "KG"],
    "Google Shopping / MPN": ["", "MPN-1"],
}
IMAGES = _mostly(["", "https://cdn.example.com/a.jpg", "https://cdn.example.com/b.jpg"], ["https://x.com/a,b.jpg"], 30)
POSITIONS = _mostly(["", "1", "2", "10", "x"], ["١"])


@st.composite
def exports(draw: st.DrawFn) -> list[dict[str, str]]:
    """The rows of a random Shopify export: products of 1-4 variant rows and 0-2 image rows, a handle sometimes
    empty or again after another's."""
    handles = ["tee", "cap", "mug", "sock", "hat", "Ünicode", "x" * 48]
    chosen = draw(st.lists(st.sampled_from(handles), min_size=1, max_size=6, unique=True))
    if draw(st.integers(0, 9)) == 0:
        chosen.append(chosen[0])  # a handle again after another's (SRC004)
    rows: list[dict[str, str]] = []
    for handle in chosen:
        names = draw(st.sampled_from(OPTION_NAMES))
        first = {name: draw(st.sampled_from(values)) for name, values in PRODUCT.items()}
        for index in range(draw(st.integers(1, 4))):
            row = {"Handle": handle} | (first if index == 0 else {})
            row |= {name: draw(st.sampled_from(values)) for name, values in VARIANT.items()}
            row["Variant SKU"] = draw(st.sampled_from(_mostly([f"{handle}-{index}"], ["", "SKU-1", " SKU-2 "], 4)))
            for n in range(3):
                row[f"Option{n + 1} Name"] = names[n] if index == 0 else ""
                named = names[n] or draw(st.integers(0, 9)) == 0  # a value under no name, rarely
                row[f"Option{n + 1} Value"] = draw(st.sampled_from(OPTION_VALUES)) if named else ""
            row["Image Src"] = draw(st.sampled_from(IMAGES))
            row["Image Position"] = draw(st.sampled_from(POSITIONS))
            rows.append(row)
        for _ in range(draw(st.integers(0, 2))):
            rows.append({"Handle": handle, "Image Src": draw(st.sampled_from(IMAGES[1:])),
                         "Image Position": draw(st.sampled_from(POSITIONS))})  # fmt: skip
    if draw(st.integers(0, 9)) == 0:
        rows.insert(draw(st.integers(0, len(rows))), {"Title": "no handle", "Variant Price": "1"})
    return rows


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=50, deadline=None)
@given(exports(), st.booleans(), st.sampled_from(["https://shop.example.com", None]), st.sampled_from(TAKEN))
def test_exact_variants_are_the_readers_products(
    tmp_path: Path, rows: list[dict[str, str]], unpublished: bool, base_url: str | None, options: Options | None
) -> None:
    path = tmp_path / "products_export.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    compared(path, _config(path, base_url=base_url, include_unpublished=unpublished), options)


@pytest.mark.parametrize(
    ("cells", "exact"),
    [
        ({}, True),
        ({"Variant Barcode": "4.00638E+12"}, False),  # MDL010, the reader's
        ({"Variant Compare At Price": "1e3"}, False),  # Decimal's form
        ({"Variant Compare At Price": "25.00"}, True),  # a sale price: the price below it
        # two prices one float: Decimal tells them apart (the compare-at price is the higher)
        ({"Variant Price": "100000000000000.01", "Variant Compare At Price": "100000000000000.02"}, False),
        ({"Option1 Name": "Engraving", "Option1 Value": "A"}, False),  # an option of no variant field: an attribute
        ({"Option1 Name": "Farbe", "Option1 Value": "Rot"}, True),  # German for colour
        ({"Status": "bogus"}, False),  # MDL004
        ({"Variant Inventory Qty": "1.5"}, False),
        ({"Image Src": "https://cdn.example.com/a,b.jpg"}, False),  # a comma in a link: not a native cell
    ],
)
def test_each_guard_sends_the_forms_it_cannot_vouch_for_per_row(
    tmp_path: Path, cells: dict[str, str], exact: bool
) -> None:
    row = {
        "Handle": "tee",
        "Title": "Tee",
        "Status": "active",
        "Option1 Name": "Color",
        "Option1 Value": "Red",
        "Variant SKU": "SKU-1",
        "Variant Price": "19.99",
        "Variant Inventory Tracker": "shopify",
        "Variant Inventory Qty": "3",
        "Variant Barcode": "4006381333931",
        "Image Src": "https://cdn.example.com/a.jpg",
    }
    path = tmp_path / "products_export.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerow(row | cells)
    assert compared(path, _config(path)) == (1, int(exact))


@pytest.mark.parametrize(
    ("values", "options", "exact"),
    [
        (["A", "B"], None, 0),  # not taken: the reader's
        (["A", "B"], Options(True, frozenset()), 2),  # variant options (the values differ), as columns
        (["A", "B"], Options(False, frozenset()), 0),  # variant options not taken as columns
        (["A", "A"], Options(False, frozenset()), 2),  # one value: an attribute alone, no variant option
        (["A", "B"], Options(True, frozenset({"Engraving"})), 0),  # an attribute a template asks of by name
        (["A", "B"], Options(True, frozenset(), ("Eng",)), 0),  # a channel's overrides' prefix
    ],
)
def test_options_of_no_variant_field_are_taken_as_the_gate_says(
    tmp_path: Path, values: list[str], options: Options | None, exact: int
) -> None:
    path = tmp_path / "products_export.csv"
    rows = [{"Handle": "tee", "Title": "Tee", "Status": "active", "Option1 Name": "Engraving"}, {"Handle": "tee"}]
    for row, value, size in zip(rows, values, ["S", "M"], strict=True):
        row |= {"Option1 Value": value, "Option2 Name": "Size" if row.get("Title") else "", "Option2 Value": size}
        row |= {"Variant Price": "5", "Variant SKU": f"SKU-{size}"}
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    assert compared(path, _config(path), options) == (2, exact)


def test_a_product_with_a_row_of_no_handle_among_its_rows_is_the_readers(tmp_path: Path) -> None:
    path = tmp_path / "products_export.csv"
    tee = {"Handle": "tee", "Title": "Tee", "Variant Price": "5", "Option1 Name": "Size", "Option1 Value": "S"}
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows([tee, {"Title": "stray", "Variant Price": "1"}, {"Handle": "tee", "Option1 Value": "M"}])
        writer.writerows([{"Handle": "cap", "Title": "Cap", "Variant Price": "3"}, {"Handle": "tee", "Title": "T"}])
    assert compared(path, _config(path)) == (3, 1)  # the tee told of (SRC001, then SRC004): the cap alone


def test_the_benchmarks_export_is_made_whole(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("generate", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.generate(600, tmp_path, "shopify")
    path = tmp_path / "products_export.csv"
    assert compared(path, _config(path, base_url="https://shop.example.com")) == (600, 600)


@pytest.mark.skipif(not REALDATA.is_dir(), reason="../shared/realdata is absent")
def test_real_stores_exports_are_made_as_the_reader_makes_them() -> None:
    paths = sorted(path for path in REALDATA.glob("shopify/*.csv") if "orders" not in path.name)
    assert len(paths) == 10
    made = {path.name: compared(path, _config(path, base_url="https://shop.example.com")) for path in paths}
    assert made["bilalithelabel-products_export.csv"] == (130, 130)
    assert made["shopifypartners-apparel.csv"] == (22, 22)
    assert sum(whole for _, whole in made.values()) >= 400  # of 1,752 (most of the rest: options of no field)
    taken = Options(True, frozenset())
    made = {path.name: compared(path, _config(path, base_url="https://shop.example.com"), taken) for path in paths}
    assert made["rosarose-products_export_1.csv"][1] >= 1000  # of 1,477: its options of no field taken
