"""A platform export whose own column comes twice (a store's hand-edited export): SRC002 names the second, and each
row reads the first non-empty value of the two, as the native reader reads two columns of one field; the same in one
process and split by rows. (Before: the first column was read alone, empty or not, and nothing was told.)"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from feedsync.config import SourceConfig, load_config
from feedsync.diagnostics import Diagnostic
from feedsync.model import Product
from feedsync.sources import open_source
from feedsync.sources.inspect import inspect_source
from tests.conftest import REPO
from tests.rows_compare import build_both, write_config
from tests.sources.realdata import needs_realdata, real

CASES = [  # an export, the column doubled, the model field it feeds
    ("shopify/shopifypartners-apparel.csv", "Variant Price", "price"),
    ("woocommerce/woocommerce-sample_products-2018.csv", "Regular price", "price"),
    ("magento/magento2-sample-data-ConfigurableSampleData-products.csv", "price", "price"),
]
BIGCOMMERCE = ("bigcommerce/bulk-edit-export.csv", "Price", "price")
"""The BigCommerce reader's: a fixture of the project's (no real export here); never split by rows."""


def _source(relative: str) -> Path:
    return REPO / "tests" / "fixtures" / relative if relative.startswith("bigcommerce") else real(relative)


def _unit(relative: str) -> dict[str, object]:
    return {"weight_unit": "lb"} if relative.startswith(("magento", "bigcommerce")) else {}


def _doubled(source: Path, column: str, out: Path) -> int:
    """``source`` with ``column`` again at the end: its value moved there on every other row that has one, and an
    other value left there on the rest (the first column's is read). Returns the new column's place (1-based)."""
    with source.open(encoding="utf-8-sig", newline="") as handle:
        records = list(csv.reader(handle))
    at = next(n for n, record in enumerate(records) if column in record)  # (junk before a header: kept)
    header = records[at]
    index = header.index(column)
    doubled = [*records[:at], [*header, column]]
    for number, record in enumerate(records[at + 1 :]):
        value = record[index] if index < len(record) else ""
        record = [*record, *[""] * (len(header) - len(record))]
        if value and number % 2 == 0:
            record[index] = ""
            doubled.append([*record, value])
        else:
            doubled.append([*record, "999999" if value else ""])
    with out.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(doubled)
    return len(header) + 1


def _read(path: Path, **extra: object) -> tuple[list[Product], list[Diagnostic]]:
    config = SourceConfig.model_validate({"path": path, "currency": "USD", "base_url": "https://s.example", **extra})
    found: list[Diagnostic] = []
    return list(open_source(config).products(found.append)), found


@needs_realdata
@pytest.mark.parametrize(
    ("relative", "column", "field"), [*CASES, BIGCOMMERCE], ids=[c[0].split("/")[0] for c in [*CASES, BIGCOMMERCE]]
)
def test_a_column_given_twice_is_told_and_its_first_non_empty_value_read(
    tmp_path: Path, relative: str, column: str, field: str
) -> None:
    path = tmp_path / Path(relative).name
    place = _doubled(_source(relative), column, path)
    before, found_before = _read(_source(relative), **_unit(relative))
    after, found = _read(path, **_unit(relative))
    seen = inspect_source(SourceConfig.model_validate({"path": path, "currency": "USD", **_unit(relative)}))
    assert column not in seen.stats.unused  # (both read)
    told = [d for d in found if d.code == "SRC002"]
    assert [(d.field, d.location.column, d.location.column_name) for d in told] == [(field, place, column)]
    assert "the first non-empty value wins" in told[0].message
    assert [(p.id, str(p.price), str(p.sale_price)) for p in after] == [
        (p.id, str(p.price), str(p.sale_price)) for p in before
    ]

    def shown(findings: list[Diagnostic]) -> list[tuple[object, ...]]:
        return [(d.code, d.message, d.product_id, d.location and (d.location.row, d.location.column)) for d in findings]

    assert shown([d for d in found if d.code != "SRC002"]) == shown(found_before)


@needs_realdata
@pytest.mark.parametrize(("relative", "column", "field"), CASES, ids=[c[0].split("/")[0] for c in CASES])
def test_a_column_given_twice_is_read_alike_split_by_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, relative: str, column: str, field: str
) -> None:
    path = tmp_path / Path(relative).name
    _doubled(real(relative), column, path)
    extra = "  weight_unit: lb\n" if relative.startswith("magento") else ""
    config = load_config(write_config(tmp_path, str(path), extra=extra))
    serial, _, events = build_both(config, tmp_path, monkeypatch, jobs=3)
    assert events[-1]["split"], events
    assert [d.code for d in serial.diagnostics].count("SRC002") == 1
