"""A record of one line is replayed by its raw line's key, before the csv reader reads it; a record over several
lines (a quoted line break) by its cells. Lines whose bytes change but read the same, line ends, blank lines, rows
with cells past the header's and a last line without its line end: the cached push equals a cold one (row numbers
in findings included), and only the rows whose bytes changed are computed."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedsync.rowcache.cache import _line_key
from tests.rowcache.shop import assert_same, cold_and_warm, prepare, push

ROWS = 88


def _lines(shop: Path) -> list[str]:
    return (shop / "products.csv").read_bytes().decode("utf-8").splitlines(keepends=True)


def _write(shop: Path, lines: list[str]) -> None:
    (shop / "products.csv").write_bytes("".join(lines).encode("utf-8"))


def _quote_a_cell(line: str) -> str:
    """The line with its first cell quoted: other bytes, the same cells."""
    first, rest = line.split(",", 1)
    return f'"{first}",{rest}'


def _line_break(line: str) -> str:
    """The line with a quoted line break in its title (the third cell): a record over two lines."""
    cells = line.split(",", 3)
    cells[2] = f'"{cells[2]}\nsecond line"'
    return ",".join(cells)


def _hostile(shop: Path) -> None:
    """Blank lines between rows, a CRLF line end, a record over two lines, a row with an extra cell (SRC009), a
    title quoted with text after its quote (SRC017) and a last line without its line end."""
    lines = _lines(shop)
    lines[5] = _line_break(lines[5])
    lines[9] = lines[9].replace("\n", "\r\n")
    lines[20] = lines[20].rstrip("\n") + ",extra\n"
    cells = lines[25].split(",", 3)
    lines[25] = ",".join([*cells[:2], '"Quoted" then text', cells[3]])
    lines[-1] = lines[-1].rstrip("\n")
    lines.insert(30, "\n")
    lines.insert(12, ",,,\n")
    _write(shop, lines)


def _push_twice(shop: Path, recorded: object) -> None:
    """Cached and cold pushes equal; a push after it with nothing changed replays every row."""
    cold, warm = cold_and_warm(shop, recorded)  # type: ignore[arg-type]
    assert_same(cold, warm)
    again = push(shop, recorded)  # type: ignore[arg-type]
    assert (again.replayed, again.computed) == (ROWS, 0)
    assert (again.feeds, again.findings, again.counts) == (warm.feeds, warm.findings, warm.counts)


def test_lines_that_read_the_same_are_computed_once_and_row_numbers_stay_right(
    demo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = demo_copy
    recorded = prepare(shop, monkeypatch)
    _hostile(shop)
    first = push(shop, recorded)
    assert any("SRC017" in finding for finding in first.findings)
    _push_twice(shop, recorded)
    lines = _lines(shop)
    lines[3] = _quote_a_cell(lines[3])  # other bytes, the same cells: computed (by its line, it is another row)
    lines[40] = lines[40].replace("\n", "\r\n")
    _write(shop, lines)
    cold, warm = cold_and_warm(shop, recorded)
    assert_same(cold, warm)
    assert (warm.replayed, warm.computed) == (ROWS - 2, 2)
    lines.insert(2, "\n\n")  # every row after moves down two rows: replayed with its findings' rows moved
    del lines[50]
    _write(shop, lines)
    cold, warm = cold_and_warm(shop, recorded)
    assert_same(cold, warm)
    assert (warm.replayed, warm.computed) == (ROWS - 1, 0)


def test_a_record_over_several_lines_is_replayed_by_its_cells(demo_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its first line alone is no record: were it kept by that line, the lines after it would be read as rows of
    their own. A line that was a row, now inside a quoted value of the record before it, is not taken as a row."""
    shop = demo_copy
    recorded = prepare(shop, monkeypatch)
    lines = _lines(shop)
    lines[7] = _line_break(lines[7])
    lines[8] = _line_break(lines[8])  # two records over several lines side by side
    _write(shop, lines)
    push(shop, recorded)
    _push_twice(shop, recorded)
    lines = _lines(shop)
    assert lines[8].startswith("second line")
    lines[8] = "another " + lines[8]  # the first record's second line changed: computed; the next one replayed
    _write(shop, lines)
    cold, warm = cold_and_warm(shop, recorded)
    assert_same(cold, warm)
    assert (warm.replayed, warm.computed) == (ROWS - 1, 1)
    taken_in = lines[20].split(",", 1)[0]
    lines.insert(20, 'OPEN-1,G,"a title that runs on\n')  # its quote takes in the row after it (left out: SRC010)
    lines.insert(22, 'closed here",x\n')
    _write(shop, lines)
    cold, warm = cold_and_warm(shop, recorded)
    assert_same(cold, warm)
    assert (warm.replayed, warm.computed) == (ROWS - 1, 0)
    assert warm.plans[0][3] == [taken_in]  # its item is deleted, not replayed
    assert any("SRC010" in finding for finding in warm.findings)


def test_lines_of_the_same_bytes_in_latin_1_and_utf_8_have_two_keys() -> None:
    assert "Ā".encode() == "\xc4\x80".encode("latin-1")
    assert _line_key("Ā\n") != _line_key("\xc4\x80\n")
    assert _line_key("a,b\n") != _line_key("a,b\r\n")


def test_a_row_with_characters_past_latin_1_is_replayed(demo_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shop = demo_copy
    recorded = prepare(shop, monkeypatch)
    lines = _lines(shop)
    lines[3] = lines[3].replace("Merino", "Merino — €", 1)
    _write(shop, lines)
    push(shop, recorded)
    _push_twice(shop, recorded)
