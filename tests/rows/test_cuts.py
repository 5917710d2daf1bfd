"""Planning a row split (``feedsync.rows.cuts``) reads the file a chunk at a time: what it holds does not grow with
the file (the processes forked after it inherit what it holds), and a stray quote costs a window, not a share."""

from __future__ import annotations

import csv
import io
import tempfile
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from feedsync.rows import cuts
from feedsync.sources.tabular import ByteRange

HEADER = b"id,group_id,title,description,price\n"
MB = 1 << 20


def group_id(names: list[str]) -> int | None:
    """The cut's group column: a native file's ``group_id``."""
    return names.index("group_id") if "group_id" in names else None


def write(path: Path, rows: int, *, stray_at: tuple[int, ...] = ()) -> Path:
    """``rows`` records of about 2 KB (a family every 4 rows), with quoted descriptions; or with descriptions not
    quoted and a stray quote in the rows ``stray_at``."""
    text = "x" * 2000
    with path.open("wb") as handle:
        handle.write(HEADER)
        for n in range(rows):
            if stray_at:
                title, description = ('"' if n in stray_at else "") + f"Tee {n}", f"{text} {n}"
            else:
                title, description = f"Tee {n}", f'"{text} ""{n}"""'
            handle.write(f"V{n},G{n // 4},{title},{description},10.00\n".encode())
    return path


def peak(call: Callable[[], Any]) -> tuple[Any, int]:
    """What ``call`` returns, and the most bytes it held at once."""
    tracemalloc.start()
    try:
        found = call()
        return found, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_planning_holds_a_few_chunks_whatever_the_size_of_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "products.csv", 8000)  # 16 MB: a share of 8
    shares, held = peak(lambda: cuts.cut(path, ",", 2, group_of=group_id, encoding="utf-8"))
    assert [(s.first_row, s.lines_before) for s in shares] == [(2, 1), (4006, 4005)]  # a family begins
    assert held < 6 * MB, held


def test_a_value_of_many_chunks_is_counted_a_chunk_at_a_time(tmp_path: Path) -> None:
    path = write(tmp_path / "products.csv", 8000, stray_at=(10, 5000))  # rows 10 to 5000: one value of 10 MB
    shares, held = peak(lambda: cuts.cut(path, ",", 3, group_of=group_id, encoding="utf-8"))
    assert [(s.first_row, s.lines_before) for s in shares] == [(2, 1), (348, 5337)]  # one record of 4,991 lines
    assert held < 6 * MB, held


TEXTS = st.sampled_from(["Soft", 'A "quoted" word', "two\nlines", "crlf\r\nend", "comma, here", "", '""', "x" * 40])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(TEXTS, TEXTS, st.booleans()), min_size=4, max_size=40),
    st.integers(2, 4),
    st.integers(1, 9),
    st.none() | st.integers(40, 400),
)
@example(  # a stray quote between a CR and its LF where a cut is sought: no cut there (it raised csv.Error)
    rows=[("Soft", "comma, here", False), ("Soft", "x" * 40, False), ("", '""', False), ("Soft", "Soft", False)],
    parts=2,
    chunk=1,
    stray=124,
)
@example(  # a family longer than a share: the next cut's place is before the cut made (it went backwards)
    rows=[("Soft", 'A "quoted" word', i == 6) for i in range(8)],
    parts=4,
    chunk=1,
    stray=None,
)
def test_a_chunk_may_end_anywhere(rows: list[tuple[str, str, bool]], parts: int, chunk: int, stray: int | None) -> None:
    """Cut in chunks of a few bytes (ending in values, between a CR and its LF; a stray quote, now and then), the
    shares are those cut in one chunk, their rows and lines those counted in each share at once."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["id", "group_id", "title", "description"])
    for number, (title, description, new_family) in enumerate(rows):
        writer.writerow([f"V{number}", f"G{number if new_family else 0}", title, description])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "products.csv"
        data = buffer.getvalue().encode()
        path.write_bytes(data if stray is None else data[:stray] + b'"' + data[stray:])  # a stray quote
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(cuts, "CHUNK", 1 << 24)
            whole = cuts.cut(path, ",", parts, group_of=group_id, encoding="utf-8")
            patch.setattr(cuts, "CHUNK", chunk)
            patch.setattr(cuts, "_FIRST", chunk)
            assert cuts.cut(path, ",", parts, group_of=group_id, encoding="utf-8") == whole
        assert _old_shares(path, whole) == [(s.first_row, s.lines_before) for s in whole]


def _old_shares(path: Path, shares: list[ByteRange]) -> list[tuple[int, int]]:
    """Each share's first row and the lines before it, each share read at once (as the cuts were read before)."""
    data = path.read_bytes()
    found, row, lines = [], shares[0].first_row if shares else 0, shares[0].lines_before if shares else 0
    for share in shares:
        found.append((row, lines))
        piece = data[share.start : share.end]
        row, lines = row + cuts._records(piece), lines + piece.count(b"\n")
    return found
