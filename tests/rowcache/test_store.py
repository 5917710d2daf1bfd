"""The row cache file: one line per row, kept as bytes and written back as they were (only a replayed row's row
number and start change), sealed by a digest of all before its last line."""

from __future__ import annotations

from pathlib import Path

from feedsync.diagnostics import Diagnostic
from feedsync.rowcache import store

LINES = [
    store.line("a" * 32, 2, 0, b'[null,["x"],[]]'),
    store.line("b" * 32, 3, -1, '[null,["é\\n\u2028"],[]]'.encode()),
]


def test_lines_are_read_back_as_written(tmp_path: Path) -> None:
    path = tmp_path / "rowcache" / "facebook-0.rows"
    found: list[Diagnostic] = []
    store.save(path, "fp", ["feed", 1], LINES)
    assert store.load(path, "facebook", found.append) == ("fp", {"a" * 32: LINES[0], "b" * 32: LINES[1]}, ["feed", 1])
    assert found == []
    assert store.parse(LINES[1]) == (3, -1, '[null,["é\\n\u2028"],[]]'.encode(), [None, ["é\n\u2028"], []])


def test_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "facebook-0.rows"
    store.save(path, "fp", [], [])
    assert store.load(path, "facebook", lambda d: None) == ("fp", {}, [])


def test_a_file_changed_after_it_was_written_is_not_used(tmp_path: Path) -> None:
    path = tmp_path / "facebook-0.rows"
    store.save(path, "fp", [], LINES)
    data = path.read_bytes()
    for damaged in (data.replace(b" 2 0 ", b" 2 1 "), data.replace(b"\n", b"\n\n", 1), data[:-1], data + b"x"):
        path.write_bytes(damaged)
        found: list[Diagnostic] = []
        assert store.load(path, "facebook", found.append) == ("", {}, [])
        assert [d.code for d in found] == ["DST009"]


def test_an_entry_with_more_after_it_is_not_one() -> None:
    for line in (store.line("a" * 32, 2, 0, b"[1] [2]"), b"a" * 32 + b" 2 x []", b"a" * 32):
        try:
            store.parse(line)
        except ValueError:
            continue
        raise AssertionError(line)


def test_the_cache_of_the_earlier_format_is_removed(tmp_path: Path) -> None:
    path = tmp_path / "facebook-0.rows"
    earlier = path.with_suffix(".json")
    earlier.write_text('{"format": "feedsync-rowcache 1"}', encoding="utf-8")
    store.save(path, "fp", [], LINES)
    assert path.exists() and not earlier.exists()
