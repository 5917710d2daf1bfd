"""The capturing writer copies replayed rows' bytes from the earlier feed a run at a time: consecutive rows that
were consecutive there too are one write, and a computed row's item is written after the run before it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from feedsync.errors import OutputError
from feedsync.rowcache import capture
from feedsync.rowcache.capture import CaptureWriter


class _Inner:
    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def write(self, values: Mapping[str, Any]) -> None:
        raise AssertionError("the capturing writer renders, then writes the rendered text")

    def render(self, values: Mapping[str, Any]) -> str:
        return f"<{values['id']}>"

    def write_rendered(self, text: str) -> int:
        self.writes.append(text.encode())
        return len(text)

    def write_bytes(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def position(self) -> int:
        return 0


EARLIER = b"aaaabbbccccccdd"


def test_consecutive_rows_are_one_write_and_a_gap_starts_another() -> None:
    inner = _Inner()
    writer = CaptureWriter(inner, at=100)
    assert writer.copy(EARLIER, 0, 4) == 100
    assert writer.copy(EARLIER, 4, 3) == 104
    assert inner.writes == []  # nothing written while the run may go on
    assert writer.copy(EARLIER, 13, 2) == 107  # not where the run ends: the run is written, another begins
    assert inner.writes == [b"aaaabbb"]
    writer.flush()
    assert inner.writes == [b"aaaabbb", b"dd"]
    writer.flush()
    assert inner.writes == [b"aaaabbb", b"dd"]


def test_a_computed_row_is_written_after_the_run_before_it() -> None:
    inner = _Inner()
    writer = CaptureWriter(inner, at=0)
    writer.copy(EARLIER, 0, 4)
    writer.write({"id": "x"})
    assert writer.copy(EARLIER, 4, 3) == 7
    writer.flush()
    assert inner.writes == [b"aaaa", b"<x>", b"bbb"]
    assert writer.spans == [(4, 3)]


def test_a_run_from_another_feed_is_another_run() -> None:
    inner = _Inner()
    writer = CaptureWriter(inner, at=0)
    other = b"zzzzzzzz"
    writer.copy(EARLIER, 0, 4)
    writer.copy(other, 4, 2)
    writer.flush()
    assert inner.writes == [b"aaaa", b"zz"]


def test_a_long_run_is_written_a_piece_at_a_time(monkeypatch: Any) -> None:
    monkeypatch.setattr(capture, "_PIECE", 4)
    inner = _Inner()
    writer = CaptureWriter(inner, at=0)
    for start in range(0, len(EARLIER), 3):
        writer.copy(EARLIER, start, min(3, len(EARLIER) - start))
    writer.flush()
    assert inner.writes == [b"aaaa", b"bbbc", b"cccc", b"cdd"]


def test_the_earlier_feed_is_read_where_asked_and_stays_the_file_it_opened(tmp_path: Path) -> None:
    path = tmp_path / "feed.csv"
    path.write_bytes(EARLIER)
    feed = capture.EarlierFeed(path.open("rb"))
    assert len(feed) == len(EARLIER)
    for start, end in [(0, 4), (4, 7), (13, 15), (0, 15), (14, 99), (7, 7)]:
        assert feed[start:end] == EARLIER[start:end]
    replacement = tmp_path / "new.csv"
    replacement.write_bytes(b"z" * 40)
    replacement.replace(path)  # the next run's feed renamed into place: what is read stays the earlier file
    assert feed[0:15] == EARLIER
    feed.close()


@pytest.mark.parametrize("advice", ["refused", "absent"])
def test_an_earlier_feed_is_read_alike_where_the_system_refuses_to_read_ahead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, advice: str
) -> None:
    # the advice to read the whole feed ahead is a hint: a file system that refuses it (or a system without it)
    # reads the same bytes
    def refuse(*_: object) -> None:
        raise OSError(22, "Invalid argument")

    if advice == "refused":
        monkeypatch.setattr(capture.os, "posix_fadvise", refuse)
    else:
        monkeypatch.delattr(capture.os, "posix_fadvise", raising=False)
    path = tmp_path / "feed.csv"
    path.write_bytes(EARLIER)
    feed = capture.EarlierFeed(path.open("rb"))
    assert feed[0:15] == EARLIER and feed[4:7] == EARLIER[4:7]
    feed.close()


def test_an_earlier_feed_cut_short_while_copied_is_an_error_not_a_short_copy(tmp_path: Path) -> None:
    path = tmp_path / "feed.csv"
    path.write_bytes(EARLIER)
    feed = capture.EarlierFeed(path.open("rb"))
    with path.open("r+b") as handle:
        handle.truncate(6)
    with pytest.raises(OutputError, match=r"cut short.*not replaced"):
        feed[4:10]
    feed.close()
