"""The reader compiled per header (feedsync.sources.rowreader) against its reference, ``build_product`` on the row's
record: over hostile headers (fields missing, mapped twice, unknown columns) and hostile cells (blanks, padding,
controls, broken characters, every edge of the value rules, runs of equal cells), the same products (values, their
types, field order, fields set) and the same findings in the same order."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from feedsync.config import SourceConfig
from feedsync.diagnostics import Diagnostic
from feedsync.model.product import Product
from feedsync.sources import native, normalize, rowreader
from feedsync.sources.base import _FIELD_SET
from feedsync.sources.native import DelimitedSource
from feedsync.sources.normalize import NormalizeContext
from feedsync.sources.rowreader import compile_reader, reference_reader
from tests.sources.test_normalize_construct import EDGES
from tests.sources.test_normalize_repeated import CELLS

FIELDS = sorted(_FIELD_SET)
RULED = ["id", "title", "price", "sale_price", "sale_price_effective_date", "availability", "quantity"]
"""Fields that rules read together: drawn more often."""
PROPERTY = settings(
    max_examples=150, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)

# Cells that try the rules: the edges of each field, the runs of the repeat test, and what any cell may hold.
HOSTILE = ["", " ", "\t", "x", " x ", "a\x00b", "\x0bpadded\x0c", "\ud800", "\ufffe", "é\uffff", "a\nb", "\x7f", "0"]
POOL: dict[str, list[str]] = {
    field: [value for value in [*EDGES.get(field, []), *CELLS.get(field, [])] if type(value) is str] + HOSTILE
    for field in FIELDS
}
PADS = st.sampled_from(["", "", " ", "\t "])  # a rule that reads the cell as written sees its padding
TEXT = st.text(st.characters(exclude_categories=[]), max_size=12)  # controls too (surrogates: in HOSTILE)


GOOD: dict[str, list[str]] = {
    "id": ["SKU-1", "SKU-2"],
    "title": ["Shirt", "Tee"],
    "price": ["12.50", "12.50 EUR", "9 USD", "12.505", "12.500", "1500.5 JPY"],  # MDL019: more decimals
    "sale_price": ["10", "10 USD", "8 EUR", "9.999 EUR"],
    "sale_price_effective_date": ["2026-11-27/2026-12-01"],
    "availability": ["in stock", "sold out"],
    "quantity": ["3", "0", "12"],
    "condition": ["new", "Used"],
    "gender": ["women", "male"],
    "age_group": ["adult"],
    "weight": ["900 g", "1.2 kg"],
    "gtin": ["4006381333931"],
    "link": ["/p/1", "https://x.example/p"],
    "image_link": ["/i/1.jpg"],
    "additional_image_links": ["/a.jpg,/b.jpg", "/a.jpg"],
}


def _cells(target: str | None) -> st.SearchStrategy[str]:
    """Mostly values that make a product (so the rules between fields run), else hostile ones."""
    good = st.sampled_from(GOOD.get(target or "", ["Red", "Cotton 100%"]))
    hostile = st.sampled_from(POOL.get(target or "", HOSTILE)) | TEXT
    value = st.sampled_from([good] * 4 + [hostile]).flatmap(lambda kind: kind)
    return st.tuples(PADS, value, PADS).map("".join)


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[str | None], list[list[str]]]:
    """A header (each column's field, or None: an attribute) and rows whose cells come from small pools, so
    runs of equal cells happen."""
    drawn = draw(st.lists(st.sampled_from(FIELDS) | st.sampled_from(RULED) | st.none(), max_size=12))
    required = draw(st.sampled_from([["id", "title", "price"]] * 4 + [["id", "price"], ["title"], []]))
    targets: list[str | None] = draw(st.permutations([*required, *drawn])) or [None]
    names = [f"{target or 'extra'}_{index}" for index, target in enumerate(targets)]
    pools = [draw(st.lists(_cells(target), min_size=1, max_size=3)) for target in targets]
    rows = [[draw(st.sampled_from(pool)) for pool in pools] for _ in range(draw(st.integers(1, 6)))]
    return names, targets, rows


CONTEXTS = st.builds(
    NormalizeContext,
    currency=st.sampled_from(["EUR", None]),
    base_url=st.sampled_from(["https://shop.example", None]),
    tz=st.sampled_from([ZoneInfo("UTC"), ZoneInfo("Europe/Berlin")]),
)


def _fresh() -> None:
    """No cell parsed before: each reader starts with empty repeat memories (they outlive a reader)."""
    normalize._parsers.cache_clear()
    normalize._image_links.cache_clear()


def _read(make: Any, names: list[str], targets: list[str | None], rows: list[list[str]], ctx: Any) -> list[Any]:
    _fresh()
    columns: dict[str, tuple[str, int | None]] = {}
    for index, target in enumerate(targets):
        if target is not None and target not in columns:
            columns[target] = (names[index], index + 1)
    read = make("cat.csv", names, targets, columns, ctx)
    made: list[Any] = []
    for row, cells in enumerate(rows, start=2):
        found: list[Diagnostic] = []
        product = read(row, list(cells), found.append)
        made.append((_shape(product), found))
    return made


def _shape(product: Product | None) -> Any:
    """Everything of a product that could differ: values with their types, in order, and the fields set."""
    if product is None:
        return None
    values = [(name, type(value), value) for name, value in product.__dict__.items()]
    return values, sorted(product.model_fields_set), product.source


EUR = NormalizeContext(currency="EUR", base_url=None, tz=ZoneInfo("UTC"))
SALE = ["id", "title", "price", "sale_price", "sale_price_effective_date", None]
SALE_NAMES = ["id", "title", "price", "sale_price", "sale_price_effective_date", "note"]


@PROPERTY
@given(tables(), CONTEXTS, st.sampled_from([rowreader._INLINE_ATTRIBUTES, 0]))
@example(
    (SALE_NAMES, SALE, [["A", "T", "5", " 4 USD\t", "", "x"], ["B", "T", "5", "", " 2026-01-01/2026-02-01 ", ""]]),
    EUR,
    0,
)
def test_compiled_reader_is_build_product(table: Any, ctx: NormalizeContext, inline: int) -> None:
    """``inline`` 0: the attributes taken by the loop of wide exports."""
    names, targets, rows = table
    kept = rowreader._INLINE_ATTRIBUTES
    rowreader._INLINE_ATTRIBUTES = inline
    try:
        compiled = _read(compile_reader, names, targets, rows, ctx)
    finally:
        rowreader._INLINE_ATTRIBUTES = kept
    assert compiled == _read(reference_reader, names, targets, rows, ctx)


def test_the_file_reader_compiles_and_formats_that_adjust_rows_keep_build_product(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The native CSV reader goes through the compiled reader; a format with its own ``prepare`` (Meta's) through
    the record and build_product, so its hook still sees every row."""
    compiled: list[list[str]] = []

    def compiling(path: str, names: list[str], *args: Any, **kwargs: Any) -> Any:
        compiled.append(names)
        return compile_reader(path, names, *args, **kwargs)

    monkeypatch.setattr(native, "compile_reader", compiling)
    path = tmp_path / "cat.csv"
    path.write_text("id,title,price,colour\nA,Shirt,5 EUR,red\nB,,x,blue\n", encoding="utf-8")
    config = SourceConfig(path=path, currency="EUR")
    source = DelimitedSource(config)
    found: list[Diagnostic] = []
    products = list(source.products(found.append))
    assert [(p.id, p.attributes, p.source.row) for p in products] == [("A", {"colour": "red"}, 2)]
    assert [(d.code, d.field, d.location.row if d.location else None) for d in found] == [
        ("MDL001", "title", 3),
        ("MDL002", "price", 3),
    ]
    assert compiled == [["id", "title", "price", "colour"]]

    seen: list[tuple[str, ...]] = []

    class Adjusting(DelimitedSource):
        def prepare(self, raw: dict[str, Any], attributes: dict[str, str], ref: Any, emit: Any) -> bool:
            seen.append(tuple(raw))
            return raw.get("id") != "A"

    assert list(Adjusting(config).products(found.append)) == []
    assert seen == [("id", "title", "price"), ("id", "price")]
    assert len(compiled) == 1
