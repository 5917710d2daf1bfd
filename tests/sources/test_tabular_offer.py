"""A table's line offer (``tabular.LineOffer``, the row cache's): told each line of the records with the row
number of the record it starts (0 for a further line of a record), never the header's; a line it takes is never
read, and the rows after it keep their numbers, as do the rows and lines that messages name. An offer may take
the lines after the one offered with it (each a record): they are never offered, and must be the file's."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedsync.config import SourceConfig
from feedsync.diagnostics import Diagnostic
from feedsync.errors import SourceError
from feedsync.sources.tabular import open_table

TEXT = (
    "id,title,price\n"
    "a,Tee,1\n"  # row 2
    "\n"  # row 3: blank
    'b,"Two\nlines",2\n'  # row 4, over two lines
    "c,Cap,3\r\n"  # row 5
    "d,Hat,4,extra\n"  # row 6: a cell past the header's (SRC009)
    "e,Bag,5"  # row 7, no line end
)


def _read(path: Path, take: set[int]) -> tuple[list[tuple[int, list[str]]], list[tuple[str, int]], list[str]]:
    offered: list[tuple[str, int]] = []
    found: list[Diagnostic] = []

    def offer(line: str, row: int) -> tuple[str, ...]:
        offered.append((line, row))
        return (line,) if row in take else ()

    with open_table(SourceConfig(path=path), found.append, offer=offer) as table:
        rows = list(table.rows)
    return rows, offered, [f"{d.code} {d.location.row if d.location else None}" for d in found]


def test_the_offer_is_told_each_line_and_the_lines_it_takes_are_not_read(tmp_path: Path) -> None:
    path = tmp_path / "products.csv"
    path.write_bytes(TEXT.encode())
    rows, offered, found = _read(path, set())
    assert offered == [
        ("a,Tee,1\n", 2),
        ("\n", 3),
        ('b,"Two\n', 4),
        ('lines",2\n', 0),
        ("c,Cap,3\r\n", 5),
        ("d,Hat,4,extra\n", 6),
        ("e,Bag,5", 7),
    ]
    assert [row for row, _ in rows] == [2, 4, 5, 6, 7]
    assert found == ["SRC009 6"]
    rows, offered, found = _read(path, {2, 5, 6})
    assert rows == [(4, ["b", "Two\nlines", "2"]), (7, ["e", "Bag", "5"])]  # the same numbers without those taken
    assert [row for _, row in offered] == [2, 3, 4, 0, 5, 6, 7]
    assert found == []  # a line taken is not read: the gate that took it answers for what it would report


@pytest.mark.parametrize("take", [set(), {2}, {2, 5}])
def test_a_quote_never_closed_names_its_row_and_last_line_whatever_was_taken(tmp_path: Path, take: set[int]) -> None:
    path = tmp_path / "products.csv"
    path.write_bytes((TEXT + '\nf,"never closed,6\ng,Pin,7\n').encode())
    with pytest.raises(SourceError) as raised:
        _read(path, take)
    assert f"{path}:8: a quoted field" in str(raised.value)
    assert "(line 10)" in str(raised.value)


RUN = "id,title\na,Tee\nb,Cap\nc,Hat\nd,Bag\ne,Pin\n"


def _run_read(path: Path, runs: dict[int, list[str]]) -> tuple[list[tuple[int, list[str]]], list[tuple[str, int]]]:
    offered: list[tuple[str, int]] = []

    def offer(line: str, row: int) -> list[str]:
        offered.append((line, row))
        return runs.get(row, [])

    with open_table(SourceConfig(path=path), offer=offer) as table:
        return list(table.rows), offered


def test_an_offer_takes_the_lines_after_the_offered_one_with_it(tmp_path: Path) -> None:
    path = tmp_path / "products.csv"
    path.write_bytes(RUN.encode())
    rows, offered = _run_read(path, {3: ["b,Cap\n", "c,Hat\n", "d,Bag\n"]})
    assert offered == [("a,Tee\n", 2), ("b,Cap\n", 3), ("e,Pin\n", 6)]  # the lines taken with row 3: never offered
    assert rows == [(2, ["a", "Tee"]), (6, ["e", "Pin"])]  # the row after them keeps its number


@pytest.mark.parametrize(
    "run",
    [
        ["b,Cap\n", "c,Hat\n", "x,Other\n"],  # a line the file does not have there
        ["b,Cap\n", "c,Hat\n", "d,Bag\n", "e,Pin\n", "f,More\n"],  # past the file's end
    ],
)
def test_lines_taken_that_are_not_the_files_are_an_error(tmp_path: Path, run: list[str]) -> None:
    path = tmp_path / "products.csv"
    path.write_bytes(RUN.encode())
    with pytest.raises(SourceError, match=r"products\.csv:3: the file changed while it was read"):
        _run_read(path, {3: run})
