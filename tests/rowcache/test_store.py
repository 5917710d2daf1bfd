"""The row cache file: one line per row, kept as bytes and written back as they were (only a replayed row's row
number and start change), sealed by a digest of all before its last line."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

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
    assert store.entry(LINES[1].split(b" ", 3)[3]) == [None, ["é\n\u2028"], []]  # as the cache reads a line


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
    for body in (b"[1] [2]", b"j[1] [2]"):
        try:
            store.entry(body)
        except ValueError:
            continue
        raise AssertionError(body)


def test_the_cache_of_the_earlier_format_is_removed(tmp_path: Path) -> None:
    path = tmp_path / "facebook-0.rows"
    earlier = path.with_suffix(".json")
    earlier.write_text('{"format": "feedsync-rowcache 1"}', encoding="utf-8")
    store.save(path, "fp", [], LINES)
    assert path.exists() and not earlier.exists()


_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=[]), max_size=8),  # lone surrogates too (orjson refuses them)
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=12,
)


@given(_VALUES)
@example([2**64, -(2**63) - 1, 2**63 - 1, 10**18, 123456789012345678901234567890])
@example(["9" * 19, 1.0000000000000002, -0.0, 5e-324])
def test_an_entry_is_read_exactly_as_the_json_module_reads_it(value: object) -> None:
    """An entry read with orjson is the one json reads, types included (an integer past 64 bits is not read as a
    float: its line is marked and read with json)."""
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
    reference = json.loads(body.decode("utf-8", "surrogatepass"))
    assert repr(store.entry(store.marked(body))) == repr(reference)


def test_a_long_integer_is_why_a_line_is_marked() -> None:
    body = json.dumps([2**64]).encode()
    assert store.marked(body) == b"j" + body
    assert store.entry(b"j" + body) == [2**64]
    assert store.marked(b'[1,"x",123456789012345678]') == b'[1,"x",123456789012345678]'  # 18 digits: below 2**63
