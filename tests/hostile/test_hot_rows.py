"""The delimited writer's rows, the formula tally and the category map's remembered lookups give what the earlier
code gave (kept here as the reference) for hostile values: formula-like starts, empty values and lists, groups,
NUL, CR/LF, unicode, and product types in every spelling."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from feedsync.channels.categories import load_category_map
from feedsync.diagnostics.diagnostic import locate
from feedsync.formats.delimited import DelimitedWriter
from feedsync.formats.spreadsheet import FormulaTally, formula_like
from feedsync.model.product import SourceRef

COLUMNS = ["id", "title", "image", "shipping", "price"]
_TEXTS = st.sampled_from(
    ["", " ", "=1+1", "+cmd", "-5", "-2+3", "@x", "\t=x", "\r=x", "\n", "a\r\nb", 'q"q', "a,b", "\x00", "é", "Tee"]
)
_CELLS = st.one_of(
    _TEXTS,
    st.text(max_size=6),
    st.lists(_TEXTS, max_size=3),
    st.lists(st.dictionaries(st.sampled_from(["country", "price"]), _TEXTS, max_size=2), max_size=2),
)
_ROWS = st.lists(st.dictionaries(st.sampled_from([*COLUMNS, "other"]), _CELLS, max_size=6), max_size=4)


def _reference_rows(rows: list[dict[str, Any]], separator: str) -> bytes:
    """The rows as the writer wrote them before: one ``_cell`` call per column."""

    def cell(value: Any) -> str:
        if isinstance(value, str):
            return value
        return separator.join(v if isinstance(v, str) else ":".join(v.get(k, "") for k in ()) for v in value)

    text = io.StringIO(newline="")
    writer = csv.writer(text, delimiter=",", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    for values in rows:
        writer.writerow([cell(values.get(name, "")) for name in COLUMNS])
    return text.getvalue().encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(_ROWS)
def test_delimited_rows_as_before(rows: list[dict[str, Any]]) -> None:
    handle = io.BytesIO()
    with DelimitedWriter(handle, columns=COLUMNS, delimiter=",", list_separator="|") as writer:
        for values in rows:
            writer.write(values)
    assert handle.getvalue() == _reference_rows(rows, "|")


class _ReferenceTally(FormulaTally):
    """The tally as it was: ``formula_like`` asked of every value."""

    def add(
        self,
        item_id: str,
        values: Mapping[str, Any],
        source: SourceRef | None = None,
        origins: Mapping[str, str] | None = None,
    ) -> None:
        for column, value in values.items():
            cell = value if isinstance(value, str) else (value[0] if value else "")
            if isinstance(cell, str) and formula_like(cell):
                self.counts[column] = self.counts.get(column, 0) + 1
                if column not in self.first:
                    self.first[column] = (item_id, cell, locate(source, (origins or {}).get(column)))


@settings(max_examples=300, deadline=None)
@given(_ROWS)
def test_formula_tally_as_before(rows: list[dict[str, Any]]) -> None:
    fast, reference = FormulaTally(), _ReferenceTally()
    source = SourceRef.model_construct(path="p.csv", row=2, columns={"title": ("Name", 3)})
    for number, values in enumerate(rows):
        fast.add(f"SKU-{number}", values, source, {"title": "title"})
        reference.add(f"SKU-{number}", values, source, {"title": "title"})
    assert fast.findings("meta") == reference.findings("meta")
    assert (fast.counts, fast.first) == (reference.counts, reference.first)


_PATHS = st.lists(
    st.sampled_from(["Men", "men", " MEN ", "Tops", "tops ", "T-Shirts", "Ünï", ">", " ", ""]), max_size=4
)


@settings(max_examples=200, deadline=None)
@given(product_types=st.lists(_PATHS.map(" > ".join), max_size=8))
def test_category_lookups_remembered_as_looked_up(product_types: list[str], tmp_path_factory: Any) -> None:
    """A map answers a product type it has seen (any spelling) as it answered the first time, and as a fresh map."""
    path = Path(tmp_path_factory.mktemp("map")) / "categories.yaml"
    path.write_text(
        "- {product_type: Men, amazon_product_type: SHIRT}\n"
        "- {product_type: Men > Tops, google_product_category: '212'}\n"
        "- {product_type: ünï > T-Shirts, amazon_product_type: TSHIRT}\n",
        encoding="utf-8",
    )
    remembering = load_category_map(path)
    for product_type in product_types * 2:
        assert remembering.lookup(product_type) == load_category_map(path).lookup(product_type)
