"""A UTF-8 file scanned whole for control and broken characters (SRC011) while its encoding is checked: a clean file's
rows are not asked again one by one. Hostile files: the bad character in a late row (past the first piece the scan
reads), at a piece boundary, inside a quoted value over several lines; a share of a row split scans its own bytes.
Each is read as the reference reader (``build_product`` for every row) reads it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from feedsync.config import SourceConfig
from feedsync.diagnostics import Diagnostic
from feedsync.errors import SourceError
from feedsync.sources import tabular
from feedsync.sources.native import DelimitedSource
from feedsync.sources.normalize import is_clean
from feedsync.sources.tabular import READ_RANGE, ByteRange, scan_encoding

PROPERTY = settings(
    max_examples=200, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)
CHARS = st.sampled_from(
    ["a", ",", "\n", "\r", "\t", "é", "€", "😀", "\uf000", "\ufffe", "\uffff", "\x00", "\x1f", "\x7f"]
)


class Reference(DelimitedSource):
    """Every row through the reference reader (a format with a ``prepare`` hook is read so)."""

    def prepare(self, raw: Any, attributes: Any, ref: Any, emit: Any) -> bool:
        return True


def _read(source: DelimitedSource) -> tuple[list[Any], list[Any]]:
    found: list[Diagnostic] = []
    products = [(p.__dict__, sorted(p.model_fields_set)) for p in source.products(found.append)]
    return products, [(d.code, d.field, d.value, d.location) for d in found]


def _same_as_reference(path: Path) -> list[Any]:
    config = SourceConfig(path=path, currency="EUR")
    made = _read(DelimitedSource(config))
    assert made == _read(Reference(config))
    return made[1]


@PROPERTY
@given(st.lists(CHARS, max_size=40).map("".join), st.integers(1, 9))
@example("ab\ufffe", 3)
@example("ab\ufffe", 4)
@example("é\x01", 1)
def test_the_scan_in_pieces_is_is_clean_of_the_whole_text(text: str, piece: int) -> None:
    """Pieces of a few bytes: boundaries inside characters (cut UTF-8 sequences carried to the next piece)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cat.csv"
        path.write_bytes(text.encode("utf-8"))
        kept = tabular._DECODE_CHUNK
        tabular._DECODE_CHUNK = piece
        try:
            try:
                encoding, clean = scan_encoding(path, None, None)
            except SourceError:  # mostly control bytes: refused as binary, before any row
                return
            share = ByteRange(path, 0, path.stat().st_size, 2, 1, "utf-8")
            assert clean is is_clean(text) is tabular._range_clean(share)
            assert encoding == "utf-8"
        finally:
            tabular._DECODE_CHUNK = kept


def _catalog(path: Path, rows: int, late: str) -> None:
    lines = ["id,title,price,note"] + [f"SKU-{n},Tee {n},12.50,plain text é {n}" for n in range(rows)]
    lines.append(late)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize(
    "late",
    [
        "LATE,Tee\x01,12.50,x",  # a control in a mapped value, past the first 64 KiB
        "LATE,Tee,12.50,x\ufffe",  # a non-character in an attribute
        'LATE,"Tee\nover\x0b lines",12.50,x',  # in a quoted value over lines
        "LATE,Tee,12.50,\x7f",
    ],
)
def test_a_bad_character_in_a_late_row_is_still_found(tmp_path: Path, late: str) -> None:
    path = tmp_path / "cat.csv"
    _catalog(path, 5000, late)
    assert path.stat().st_size > 2 * tabular._DECODE_CHUNK
    findings = _same_as_reference(path)
    assert [(code, location.row) for code, _, _, location in findings] == [("SRC011", 5002)]


def test_a_bad_character_cut_by_a_piece_boundary(tmp_path: Path) -> None:
    """U+FFFE's first byte the last of the scan's first piece, its other two the first of the next."""
    path = tmp_path / "cat.csv"
    text = "id,title,price,note\n" + "".join(f"SKU-{n},Tee,12.50,plain\n" for n in range(2600))
    pad = tabular._DECODE_CHUNK - 1 - len(text.encode("utf-8")) - len("SKU-X,Tee,12.50,")
    assert pad > 0
    path.write_text(text + f"SKU-X,Tee,12.50,{'p' * pad}\ufffe\nSKU-Y,Tee,12.50,x\n", encoding="utf-8")
    assert path.read_bytes().find(b"\xef\xbf\xbe") == tabular._DECODE_CHUNK - 1
    assert scan_encoding(path, None, None) == ("utf-8", False)
    findings = _same_as_reference(path)
    assert [(code, location.row) for code, _, _, location in findings] == [("SRC011", 2602)]


def test_a_clean_file_has_no_finding(tmp_path: Path) -> None:
    path = tmp_path / "cat.csv"
    _catalog(path, 3000, "LATE,Tee,12.50,x\uf000")
    assert scan_encoding(path, None, None) == ("utf-8", True)
    assert _same_as_reference(path) == []


def test_a_share_of_a_row_split_scans_its_own_bytes(tmp_path: Path) -> None:
    path = tmp_path / "cat.csv"
    _catalog(path, 100, "LATE,Tee\x02,12.50,x")
    data = path.read_bytes()
    start = data.index(b"\n") + 1
    token = READ_RANGE.set(ByteRange(path, start, len(data), 2, 1, "utf-8"))
    try:
        findings = _same_as_reference(path)
    finally:
        READ_RANGE.reset(token)
    assert [(code, location.row) for code, _, _, location in findings] == [("SRC011", 102)]


def _file(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "cat.csv"
    path.write_bytes(data)
    return path


ROWS = "".join(f"SKU-{n},Tee {n},12.50,é {n}\r\n" for n in range(3000))


@pytest.mark.parametrize(
    ("data", "clean", "codes"),
    [
        (("\ufeffid,title,price,note\n" + ROWS).encode(), True, []),  # a BOM (EF BB BF): clean
        (("id,title,price,note\r" + ROWS.replace("\r\n", "\r") + "X,T\x03,1,x\r").encode(), False, ["SRC011"]),
        (
            ("id,title,price,note\n" + ROWS + "X,T\x03\n" + "Y,T,1,a,b,c\n").encode(),
            False,
            ["MDL001", "SRC009", "SRC011"],
        ),
        # not UTF-8 (a cp1252 byte cut by the scan's first piece): read as cp1252, each row asked
        (
            b"id,title,price,note\n" + b"A,T,1," + b"x" * (65536 - 27) + b"\xe9\x01\nB,T,1,x\n",
            False,
            ["SRC003", "SRC011"],
        ),
        (
            ("id,title,price,note\n" + ROWS).encode("cp1252", "replace") + b"Z,\x80\x02,1,x\n",
            False,
            ["SRC003", "SRC011"],
        ),
    ],
    ids=["bom", "cr-only", "ragged", "cp1252-at-boundary", "cp1252-control"],
)
def test_hostile_files_read_as_the_reference_reads_them(
    tmp_path: Path, data: bytes, clean: bool, codes: list[str]
) -> None:
    path = _file(tmp_path, data)
    assert scan_encoding(path, None, None)[1] is clean
    assert sorted({code for code, *_ in _same_as_reference(path)}) == sorted(codes)
