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
