"""A later share's items copied into the feed: by the kernel where it can, else (a file system that cannot copy
between files, or stops part way) through this process, block by block, to the same bytes."""

from __future__ import annotations

import errno
import importlib
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

stitch = importlib.import_module("feedsync.rows.stitch")  # the module, not the function the package exports

HEAD, TAIL = b"<rss><channel>", b"</channel></rss>\n"
KERNEL = os.copy_file_range  # the real one, whatever an example patched


# each byte told from its neighbours (a byte copied from the wrong place shows), whatever the drawn bytes are
bodies = st.binary(max_size=5000).map(lambda raw: bytes((b + i) % 256 for i, b in enumerate(raw)))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=40, deadline=None)
@given(body=bodies, block=st.integers(1, 700), part=st.floats(0, 1))
def test_the_items_are_copied_whole_whatever_the_kernel_copies(
    body: bytes, block: int, part: float, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kernel copies ``part`` of the bytes at most, then says it cannot (EXDEV): the rest goes through blocks."""
    kernel = int(len(body) * part)
    share = tmp_path / "share.xml"
    share.write_bytes(HEAD + body + TAIL)
    copied = 0

    def partly(src: int, dst: int, count: int, offset_src: int | None = None) -> int:
        nonlocal copied
        if copied >= kernel:
            raise OSError(errno.EXDEV, "cross-device")
        done = KERNEL(src, dst, min(count, kernel - copied, 97), offset_src)
        copied += done
        return done

    monkeypatch.setattr(stitch, "_BLOCK", block)
    monkeypatch.setattr(stitch.os, "copy_file_range", partly)
    target = tmp_path / "feed.xml"
    with target.open("wb") as handle:
        handle.write(b"first share's items;")
        stitch._copy_body(share, handle, HEAD, len(TAIL))
        handle.write(b";after")
    assert target.read_bytes() == b"first share's items;" + body + b";after"


def test_a_copy_that_fails_otherwise_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    share = tmp_path / "share.xml"
    share.write_bytes(HEAD + b"<item/>" + TAIL)

    def broken(*args: object) -> int:
        raise OSError(errno.EIO, "input/output error")

    monkeypatch.setattr(stitch.os, "copy_file_range", broken)
    with (tmp_path / "feed.xml").open("wb") as handle, pytest.raises(OSError, match="input/output"):
        stitch._copy_body(share, handle, HEAD, len(TAIL))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=30, deadline=None)
@given(body=bodies, window=st.integers(1, 900))
def test_the_kernel_copies_a_window_at_a_time_each_handed_to_the_disk(
    body: bytes, window: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kernel's copy goes a window at a time (``gathered.WINDOW``), each told to ``written_behind`` as it ends;
    the feed holds the same bytes."""
    share = tmp_path / "share.xml"
    share.write_bytes(HEAD + body + TAIL)
    counts: list[int] = []
    told: list[int] = []

    def copy(src: int, dst: int, count: int, offset_src: int | None = None) -> int:
        counts.append(count)
        return KERNEL(src, dst, count, offset_src)

    monkeypatch.setattr(stitch, "WINDOW", window)
    monkeypatch.setattr(stitch.os, "copy_file_range", copy)
    monkeypatch.setattr(stitch, "written_behind", lambda fd, size: told.append(size))
    target = tmp_path / "feed.xml"
    with target.open("wb") as handle:
        handle.write(b"first;")
        stitch._copy_body(share, handle, HEAD, len(TAIL))
    assert target.read_bytes() == b"first;" + body
    assert all(count <= window for count in counts)
    assert sum(told) == len(body) and len(told) == len(counts)
