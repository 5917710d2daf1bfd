"""Property tests of every reader: whatever the bytes, ``products(emit)`` ends in products, findings or a
FeedsyncError, never another exception; for well-formed files with hostile values every row is a product or is
named (by its row) in a finding. CI-sized and derandomized, so a run is stable."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from feedsync.config import SourceConfig
from feedsync.diagnostics import Diagnostic
from feedsync.errors import FeedsyncError
from feedsync.model import Product
from feedsync.sources import open_source
from tests.hostile.catalogs import WRITERS, file_name, good, goods, rows_of

FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

PRICES = ["20.00", "NaN", "Infinity", "-Infinity", "1e400", "-0", "9" * 40, "0", "12,50", "USD 5", "5 XXX", ""]
DATES = ["", "0000-01-01", "0001-01-01", "9999-12-31", "10000-01-01", "2030-01-01 0:00:00", "1" + "0" * 30]
DATES += ["2023/07/13", "Jul 8, 2023", "08.07.2023", "1700000000", "9999999999999", "garbage"]


def _text(xml: bool) -> st.SearchStrategy[str]:
    """One-line text; for XML only characters XML can carry."""
    excluded = ("Cs", "Cc") if xml else ("Cs",)
    return st.text(
        st.characters(exclude_categories=excluded, exclude_characters="\n\r\x85\u2028\u2029\ufffe\uffff"), max_size=20
    )


@st.composite
def hostile_products(draw: st.DrawFn, fmt: str) -> list[dict[str, str]]:
    text = _text(fmt == "google_xml")
    count = draw(st.integers(1, 4))
    products = []
    for n in range(1, count + 1):
        values = {
            "id": draw(st.sampled_from([f"SKU-{n}"]) | text),
            "title": draw(st.sampled_from([f"Tee {n}"]) | text),
            "description": draw(text),
            "price": draw(st.sampled_from(PRICES) | text | st.integers(-(10**20), 10**20).map(str)),
            "sale_price": draw(st.sampled_from(PRICES)),
            "sale_from": draw(st.sampled_from(DATES)),
            "sale_to": draw(st.sampled_from(DATES) | text),
            "window": draw(st.sampled_from(["", "2020-01-01/2030-01-01", "0001-01-01/9999-12-31T23:59:59-05:00"])),
            "quantity": draw(st.sampled_from(["5", "-3", "NaN", "1.5", "9" * 30]) | text),
            "brand": draw(text),
        }
        products.append(good(n, **values))
    return products


def read(fmt: str, data: bytes, directory: Path) -> tuple[list[Product], list[Diagnostic], bool]:
    """(products, findings, refused): the reader's whole output; any exception but a FeedsyncError fails."""
    path = directory / file_name(fmt)
    path.write_bytes(data)
    config = SourceConfig.model_validate(
        {"path": path, "format": fmt, "currency": "USD", "base_url": "https://shop.example.com"}
    )
    found: list[Diagnostic] = []
    products: list[Product] = []
    try:
        products.extend(open_source(config).products(found.append))
    except FeedsyncError:
        return products, found, True
    return products, found, False


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_hostile_values_in_well_formed_files_lose_no_row(fmt: str, workdir: Path) -> None:
    @FUZZ
    @given(hostile_products(fmt))
    def check(products: list[dict[str, str]]) -> None:
        data = WRITERS[fmt](products).encode()
        read_products, found, refused = read(fmt, data, workdir)
        assert not refused, [d.message for d in found]
        rows = set(rows_of(fmt, len(products)))
        named = {d.location.row for d in found if d.location is not None}
        made = {p.source.row for p in read_products if p.source is not None}
        assert made <= rows
        assert rows <= made | named, (rows - made - named, [d.message for d in found])

    check()


TOKENS = [b'"', b"\n", b"\r", b"\x00", b"<", b"[", b"{", b",", b"\t", b"[" * 3000, b'"\\ud800"', b"9" * 5000]
TOKENS += [b"\xff\xfe", b"<!DOCTYPE x [<!ENTITY a 'aa'>]>", b"&a;", b"]", b"}"]


@st.composite
def damaged(draw: st.DrawFn, fmt: str) -> bytes:
    """A clean catalog with a few bytes inserted, deleted or overwritten, or bytes from scratch."""
    if draw(st.integers(0, 4)) == 0:
        return draw(st.binary(max_size=600))
    data = bytearray(WRITERS[fmt](goods(3)).encode())
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        junk = draw(st.binary(min_size=1, max_size=4) | st.sampled_from(TOKENS))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        if action == "insert":
            data[at:at] = junk
        elif action == "delete":
            del data[at : at + len(junk)]
        else:
            data[at : at + len(junk)] = junk
    return bytes(data)


@pytest.mark.parametrize("fmt", [*WRITERS, "auto"])
def test_damaged_bytes_end_in_findings_or_a_source_error(fmt: str, workdir: Path) -> None:
    @FUZZ
    @given(damaged("csv" if fmt == "auto" else fmt))
    @example(b"[" * 5000 + b"\n")
    @example(b'[{"id": "A", "title": "T\\ud800", "price": 1e999, "quantity": ' + b"9" * 5000 + b"}]")
    def check(data: bytes) -> None:
        products, found, _ = read(fmt, data, workdir)
        for product in products:  # whatever was read can be written: no broken characters left in it
            product.model_dump_json()
        for finding in found:
            f"{finding.message} {finding.value or ''}".encode()

    check()


TITLES = ["Tee", 'Tee, "navy"', 'Tee "big" one', "a,b,c", "tab\there", 'end quote"']


@st.composite
def stray_quote(draw: st.DrawFn, fmt: str) -> tuple[bytes, int]:
    """A catalog (titles with quotes and delimiters, quoted as they must be) with one more ``"`` somewhere in one
    data row, and the number of products."""
    count = draw(st.integers(2, 5))
    products = [good(n, title=draw(st.sampled_from(TITLES))) for n in range(1, count + 1)]
    lines = WRITERS[fmt](products).split("\n")
    index = draw(st.integers(1, count))
    at = draw(st.integers(0, len(lines[index])))
    lines[index] = lines[index][:at] + '"' + lines[index][at:]
    return "\n".join(lines).encode(), count


SPAN = re.compile(r"lines (\d+)-(\d+)")


@pytest.mark.parametrize("fmt", [f for f in WRITERS if f not in ("json", "jsonl", "google_xml")])
def test_a_stray_quote_loses_no_row_unnamed(fmt: str, workdir: Path) -> None:
    """Every product is read (by its id, or from its row), or its row is named, or inside the lines an unclosed
    quote took in (SRC010), or the file is refused."""

    @FUZZ
    @given(stray_quote(fmt))
    def check(case: tuple[bytes, int]) -> None:
        data, count = case
        products, found, refused = read(fmt, data, workdir)
        if refused:
            return
        ids = {p.id.casefold() for p in products}
        named = {d.location.row for d in found if d.location is not None}
        named |= {p.source.row for p in products if p.source is not None}
        for d in found:
            if d.code == "SRC010" and (span := SPAN.search(d.message)):
                named.update(range(int(span[1]), int(span[2]) + 1))
        lost = [n for n, row in enumerate(rows_of(fmt, count), start=1) if f"sku-{n}" not in ids and row not in named]
        assert not lost, (lost, [(d.code, d.message, d.location) for d in found], data.decode())

    check()
