"""Generated hostile catalogs built with the rows split (shares of a few rows) write what one process writes: ids,
SKUs and families repeated on either side of a cut, families whose variants are not together, values over several
lines with quotes and CRs at the cuts, blank and ragged rows, broken prices, product types without a category,
an Amazon feed split into documents of a few messages. Every split ends in the same feeds, findings and counts,
or in a fallback the run's event names."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from feedsync.config import load_config
from tests.rows_compare import build_both, write_config

COLUMNS = ["id", "group_id", "title", "description", "link", "price", "gtin", "color", "size", "sku", "product_type"]
TEXTS = st.sampled_from(["Soft", 'A "quoted" word', "two\nlines", "crlf\r\nend", "comma, here", "=1+2", " ", "é ünï"])


@st.composite
def catalogs(draw: st.DrawFn) -> tuple[str, int, int]:
    count = draw(st.integers(6, 30))
    rows = []
    group = 0
    for number in range(count):
        if draw(st.integers(0, 3)) == 0:
            group += 1
        family = f"G{draw(st.sampled_from([group] * 7 + [0]))}" if draw(st.booleans()) else ""
        rows.append(
            [
                f"V{draw(st.sampled_from([number] * 29 + [1]))}",  # now and then an id seen before
                family,
                f"Tee {number}",
                draw(TEXTS),
                f"/p/{number}",
                draw(st.sampled_from(["10.00", "12.5", "", "abc"])),
                draw(st.sampled_from(["", "4006381333931", "123"])),
                draw(st.sampled_from(["Red", "Blue", ""])),
                draw(st.sampled_from(["S", "M", ""])),
                draw(st.sampled_from([f"S{number}"] * 9 + ["S-dup"])),
                draw(st.sampled_from(["Tops", "Tops", "Nowhere > Else", ""])),
            ]
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for number, cells in enumerate(rows):
        writer.writerow(cells)
        shape = draw(st.integers(0, 12))
        if shape == 0:
            buffer.write("\n")  # a blank record
        elif shape == 1:
            buffer.write(f"V{900 + number},,Ragged,x,/p/r,1.00,,,,SR{number},Tops,extra cell\n")
    return buffer.getvalue(), draw(st.integers(2, 3)), draw(st.integers(1, 4))


SCATTERED = "".join(
    [
        ",".join(COLUMNS) + "\n",
        "V0,G1,Tee 0,Soft,/p/0,10.00,,Red,S,S0,Tops\n\n",
        *(f"V{n},,Tee {n},Soft,/p/{n},10.00,,Red,S,S{n},Tops\n\n" for n in range(1, 6)),
        "V6,G7,Tee 6,Soft,/p/6,10.00,,Red,,S6,Tops\n\n",
        "V7,,Tee 7,Soft,/p/7,10.00,,Red,S,S7,Tops\n\n",
        "V8,G0,Tee 8,Soft,/p/8,,,Red,S,S8,Tops\n\n",
        *(f"V{n},,Tee {n},Soft,/p/{n},10.00,,Red,S,S{n},Tops\n\n" for n in range(9, 12)),
        'V12,G7,Tee 12,"A ""quoted"" word",/p/12,10.00,,Red,,S12,Tops\n\n',
        'V13,,Tee 13,"A ""quoted"" word",/p/13,10.00,4006381333931,Red,S,S13,Tops\n\n',
    ]
)
"""V6 and V12 of G7 alike (MDL013, GMC012), with a share between them that compares no family (V8's is left out
for its price): the share after it must start from the family the first share held (found by hypothesis)."""


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(catalogs())
@example((SCATTERED, 3, 1))
def test_a_catalog_split_by_rows_builds_as_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: tuple[str, int, int]
) -> None:
    text, jobs, max_messages = case
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    (folder / "products.csv").write_text(text, encoding="utf-8")
    (folder / "categories.yaml").write_text("- {product_type: Tops, google_product_category: 212}\n", encoding="utf-8")
    path = write_config(folder, "products.csv", max_messages=max_messages)
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "google: {profile: google_merchant}", "google: {profile: google_merchant, category_map: categories.yaml}"
        ),
        encoding="utf-8",
    )
    _, _, events = build_both(load_config(path), folder, monkeypatch, jobs=jobs)
    assert len(events) == 1 and ("why" in events[0]) != events[0]["split"]
