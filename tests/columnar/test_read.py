"""The columnar reader's batches against Python's csv module: random catalogs (quoted fields with commas, quotes,
line breaks of both kinds, non-ASCII text, empty cells; families of several rows) read in batches of a few dozen
bytes give the csv module's records, in order, each batch's first row number that of its first record, and never
a family in two batches."""

from __future__ import annotations

import csv
import io
from itertools import pairwise
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedsync.columnar import gate as gate_module
from feedsync.columnar.gate import _frames, _texts, lines_alike, whole_families
from feedsync.columnar.read import batches, read_piece, readable
from feedsync.config import SourceConfig
from feedsync.sources import open_source
from feedsync.sources.tabular import lone_crs

_CELL = st.sampled_from(["", "Tee", "a,b", 'say "hi"', "two\nlines", "crlf\r\nend", "Crème", " ", '"', ",", "x\r"])
_ROW = st.tuples(st.sampled_from(["", "G1", "G2", "G3"]), _CELL, _CELL)


GROUP = 0
"""The group id's place in the header ``_write`` writes (without SKUs)."""


def _write(path: Path, rows: list[tuple[str, str, str]], *, skus: bool = False) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["id", "price", "group_id", "title", "description"] if skus else ["group_id", "title", "description"]
        )
        for index, row in enumerate(rows):
            writer.writerow([f"S{index}", "1", *row] if skus else row)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_ROW, max_size=40), st.integers(1, 120))
def test_batches_hold_the_csv_modules_records(tmp_path: Path, rows: list[tuple[str, str, str]], chunk: int) -> None:
    path = tmp_path / "products.csv"
    _write(path, rows)
    with path.open(encoding="utf-8", newline="") as handle:
        expected = list(csv.reader(handle))[1:]
    got: list[list[str | None]] = []
    groups_seen: dict[str, int] = {}
    for number, (row, frame) in enumerate(batches(path, chunk)):
        assert row == len(got) + 2  # the header is row 1
        for record in frame.rows():
            got.append(list(record))
        for group in frame["group_id"].drop_nulls().unique().to_list():
            assert group not in groups_seen or _apart(rows, group)
            groups_seen[group] = number
    assert got == [[cell or None for cell in record] for record in expected]


def _apart(rows: list[tuple[str, str, str]], group: str) -> bool:
    """Whether the rows of ``group`` do not all follow one another (a scattered family may be in two batches)."""
    places = [index for index, row in enumerate(rows) if row[0] == group]
    return places != list(range(places[0], places[0] + len(places)))


def test_a_family_is_never_cut(tmp_path: Path) -> None:
    path = tmp_path / "products.csv"
    _write(path, [("G1", "Tee", "d")] * 30 + [("G2", "Tee", "d")] * 30 + [("", "Tee", "d")] + [("G3", "T", "d")] * 3)
    made = [(row, frame["group_id"].to_list()) for row, frame in batches(path, 40)]
    assert made == [(2, ["G1"] * 30), (32, ["G2"] * 30 + [None]), (63, ["G3"] * 3)]


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_ROW, max_size=40), st.integers(1, 120))
def test_the_gate_s_pieces_end_where_a_family_does(
    tmp_path: Path, rows: list[tuple[str, str, str]], chunk: int
) -> None:
    """The gate's pieces for a survey (``_frames`` with the group id's column) hold the file's records, each once, in
    order; a piece whose records are each a line ends where a family does (the rows of the group its last row has go
    to the next piece, with the rows of no group among and after them), unless the piece is one family of
    ``_CARRIED`` pieces or more."""
    path = tmp_path / "products.csv"
    _write(path, rows)
    whole = path.read_bytes().split(b"\n", 1)[1]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gate_module, "CHUNK", chunk)
        made = list(_frames(path, None, GROUP))
    assert b"".join(data for data, _ in made) == whole
    for (data, frame), (_, following) in pairwise(made):
        if frame is None or following is None:
            continue
        lines = data.count(b"\n") == frame.height
        named, next_named = frame["group_id"].drop_nulls(), following["group_id"].drop_nulls()
        if lines and named.len() and next_named.len() and len(data) < gate_module._CARRIED * chunk:
            assert next_named[0] != named[-1], (data, frame, following)


@given(st.lists(st.sampled_from(["A", "B", "C", "D", None]), min_size=1, max_size=30), st.integers(0, 30))
def test_whole_families_cuts_where_no_family_has_rows_on_both_sides(groups: list[str | None], tail: int) -> None:
    """The fewest rows at the end, at least ``tail``, after which no family has a row before (all where no such cut
    is): the rows of no group belong to none."""
    tail = min(tail, len(groups))
    got = whole_families(pl.Series(groups, dtype=pl.String), tail)

    def clean(cut: int) -> bool:
        return not {g for g in groups[:cut] if g} & {g for g in groups[cut:] if g}

    assert tail <= got <= len(groups)
    if not tail:
        assert got == 0
    elif got < len(groups):
        assert clean(len(groups) - got)
        assert not any(clean(cut) for cut in range(len(groups) - got + 1, len(groups) - tail + 1))
    else:
        assert not any(clean(cut) for cut in range(1, len(groups) - tail + 1))


def test_a_family_that_comes_again_within_the_next_piece_goes_to_it_whole(tmp_path: Path) -> None:
    """A family whose rows come again after another family's in the next piece: the piece ends before it (read a
    piece ahead), and it is whole in the next; one that comes again farther is in two pieces."""
    path = tmp_path / "products.csv"
    rows = [*[("G1", "Tee", "d")] * 8, ("G2", "Tee", "d"), *[("G3", "Mug", "d")] * 5, ("G2", "Tee", "d")]
    _write(path, [*rows, *[("G4", "T", "d")] * 5])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gate_module, "CHUNK", 120)  # twelve records a piece
        made = [frame["group_id"].to_list() for _, frame in _frames(path, None, GROUP)]
    assert made == [["G1"] * 8, ["G2", *["G3"] * 5, "G2"], ["G4"] * 5]
    _write(path, [*rows[:14], *[("G5", "Mug", "d")] * 24, ("G2", "Tee", "d")])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gate_module, "CHUNK", 120)
        made = [frame["group_id"].to_list() for _, frame in _frames(path, None, GROUP)]
    assert sum("G2" in piece for piece in made) == 2


def test_families_spread_over_the_catalog_leave_the_pieces_their_size(tmp_path: Path) -> None:
    """Where no cut in a piece leaves its families whole (variants listed by size, the families' rows all over the
    file), the piece ends where its last family does, as before: its share's survey meets a family again and the
    share is surveyed whole, rather than pieces carried on and grown to ``_CARRIED`` pieces."""
    path = tmp_path / "products.csv"
    _write(path, [(f"G{index % 3}", "Tee", "d") for index in range(60)])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gate_module, "CHUNK", 40)  # four records a piece
        made = [(len(data), frame.height) for data, frame in _frames(path, None, GROUP)]
    assert len(made) >= 10 and all(size <= 2 * 40 for size, _ in made), made


def test_a_family_goes_whole_to_the_next_piece(tmp_path: Path) -> None:
    path = tmp_path / "products.csv"
    rows = [("G1", "Tee", "d")] * 3 + [("G2", "Tee", "d")] * 2 + [("", "Mug", "d")] + [(" G2", "Tee", "d")] * 2
    _write(path, [*rows, ("", "Mug", "d"), ("G3", "T", "d"), ("G3", "T", "d")])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gate_module, "CHUNK", 40)  # about four records a piece
        made = [frame["group_id"].to_list() for _, frame in _frames(path, None, GROUP)]
    # a row of no group among a family's is the family's; " G2" is read G2
    assert made == [["G1"] * 3, ["G2", "G2", None, " G2", " G2"], [None, "G3", "G3"]]


def test_row_numbers_are_the_per_row_readers(tmp_path: Path) -> None:
    path = tmp_path / "products.csv"
    rows = [("G1", "Tee", "two\nlines"), ("G1", "Tee ,x", 'say "hi"'), ("", "Mug", "crlf\r\nend"), ("G2", "Cup", "")]
    _write(path, rows, skus=True)
    config = SourceConfig.model_validate({"path": path, "currency": "USD"})
    per_row = {product.id: product.source.row for product in open_source(config).products(lambda d: None)}
    columnar = {}
    for row, frame in batches(path, 10):
        columnar |= {sku: row + at for at, sku in enumerate(frame["id"].to_list())}
    assert columnar == per_row and len(per_row) == 4


def test_only_files_read_alike_are_readable(tmp_path: Path) -> None:
    cases = {
        "plain.csv": b"id,title\nA,B\n",
        "bom.csv": b"\xef\xbb\xbfid,title\nA,B\n",
        "tabs.tsv": b"id\ttitle\nA\tB\n",
        "cp1252.csv": "id,tïtle\n".encode("cp1252"),
        "quoted.csv": b'"id","title"\nA,B\n',
        "pipes.csv": b"id|title|note, x\nA|B|\n",  # pipes, as the reader reads it (a comma in a name)
        "commas.csv": b"id,title,a|b\nA,B,C\n",  # commas the most, but a pipe the reader might have read
    }
    found = {}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        found[name] = readable(tmp_path / name)
    assert found == {
        "plain.csv": True,
        "bom.csv": False,
        "tabs.tsv": False,
        "cp1252.csv": False,
        "quoted.csv": False,
        "pipes.csv": False,
        "commas.csv": False,
    }
    assert pl.read_csv(tmp_path / "plain.csv").height == 1


@given(
    st.lists(_ROW, min_size=1, max_size=12),
    st.sampled_from(["\n", "\r\n"]),
    st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    st.booleans(),
)
def test_a_piece_whose_rows_are_each_a_line_is_told_without_its_texts(
    rows: list[tuple[str, str, str]], end: str, quoting: int, ended: bool
) -> None:
    """``lines_alike`` (the survey's check that every record is a line the reader is offered) says what the gate's
    texts say: every row has one."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=end, quoting=quoting).writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    if not ended:
        data = data.removesuffix(end.encode())
    try:
        frame = read_piece(b"group_id,title,description\n", data)
    except pl.exceptions.PolarsError:
        return
    texts = _texts(data, frame, lone_crs(data))[0]
    assert lines_alike(data, frame) == (texts is not None and all(text is not None for text in texts))


@given(st.lists(st.sampled_from([b"a", b",", b'"', b"\r", b"\n", b"\r\n"]), max_size=40).map(b"".join))
def test_a_lone_cr_is_found_as_a_search_for_crlf_finds_it(data: bytes) -> None:
    """A CR that no line feed follows: one search counts what counting the piece's CRs and CRLFs says."""
    assert lone_crs(data) == data.count(b"\r") - data.count(b"\r\n")
