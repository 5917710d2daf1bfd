"""Pieces written by one gathered write: the file holds them in order, whatever the write takes at a time."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedsync.formats import gathered
from feedsync.formats.gathered import write_gathered

WRITEV = os.writev  # the real one, whatever an example patched
pieces = st.lists(st.binary(max_size=40).map(lambda b: b if len(b) % 2 else memoryview(b)), max_size=3000)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60, deadline=None)
@given(parts=pieces, before=st.binary(max_size=30), short=st.integers(0, 50))
def test_the_file_holds_the_pieces_in_order_after_what_was_buffered(
    parts: list[bytes | memoryview], before: bytes, short: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A gathered write the system cuts short (``short`` bytes fewer, as a signal can) is written on."""

    def cut(fd: int, group: list[bytes | memoryview]) -> int:
        whole = b"".join(group)
        return WRITEV(fd, [whole[: max(0, len(whole) - short)]])

    monkeypatch.setattr(gathered.os, "writev", cut)
    path = tmp_path / "out.bin"
    with path.open("wb") as handle:
        handle.write(before)  # still in the file's buffer
        write_gathered(handle, parts)
        handle.write(b"after")
    assert path.read_bytes() == before + b"".join(parts) + b"after"


def test_a_file_in_memory_takes_the_pieces_joined() -> None:
    handle = io.BytesIO(b"x")
    handle.seek(1)
    write_gathered(handle, [b"ab", memoryview(b"cd"), b""])
    assert handle.getvalue() == b"xabcd"


writes = st.lists(st.lists(st.binary(min_size=1, max_size=60), min_size=1, max_size=8), min_size=1, max_size=40)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60, deadline=None)
@given(batches=writes, window=st.integers(16, 200))
def test_each_window_is_handed_to_the_disk_then_let_go_and_the_bytes_stay(
    batches: list[list[bytes]], window: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Written in batches of pieces: each whole window is advised (its writeback begun) once it is written, and
    again once the next one is whole too (by then written back: let go); no advice reaches past what is written
    or into a window not yet whole; the file holds the bytes, advised or not."""
    advised: list[tuple[int, int, int]] = []  # (offset, length, the file's size then)
    real = gathered._ADVISE
    path = tmp_path / "feed.bin"

    def advise(fd: int, offset: int, length: int, advice: int) -> None:
        assert advice == os.POSIX_FADV_DONTNEED
        advised.append((offset, length, os.fstat(fd).st_size))
        if real is not None:
            real(fd, offset, length, advice)

    monkeypatch.setattr(gathered, "WINDOW", window)
    monkeypatch.setattr(gathered, "_ADVISE", advise)
    with path.open("wb") as handle:
        for batch in batches:
            write_gathered(handle, batch)
    data = b"".join(b"".join(batch) for batch in batches)
    assert path.read_bytes() == data
    for offset, length, size in advised:
        assert offset % window == 0 and length % window == 0 and length > 0 and offset + length <= size
    whole = len(data) // window
    for k in range(whole):
        covering = [size for offset, length, size in advised if offset <= k * window < offset + length]
        assert covering, f"window {k} never handed over"
        if k + 1 < whole:
            assert max(covering) >= (k + 2) * window, f"window {k} not let go once the next was written"


def test_a_file_one_cannot_seek_in_is_written_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gathered, "WINDOW", 4)
    read, write = os.pipe()
    with os.fdopen(write, "wb") as handle:
        write_gathered(handle, [b"abcdef", b"ghij"])
    with os.fdopen(read, "rb") as source:
        assert source.read() == b"abcdefghij"
