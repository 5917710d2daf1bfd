"""Many pieces of bytes written to a file in order by the system's gathered write (``writev``), without a text
joined of them first: a batch of a feed is megabytes in thousands of pieces, and joining them copied every byte
once more into memory the process had not touched yet."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Sequence
from typing import BinaryIO

from feedsync.direct import staged

Piece = bytes | memoryview

_MOST = 1024
"""Pieces a gathered write takes at most (``IOV_MAX`` on Linux and the BSDs)."""


def write_gathered(handle: BinaryIO, pieces: Sequence[Piece]) -> None:
    """``pieces`` written to ``handle`` in order, after what it holds in its buffer. A file without a descriptor
    (one in memory) or a system without ``writev`` takes them joined."""
    try:
        fd = handle.fileno()
    except (AttributeError, io.UnsupportedOperation):
        fd = None
    if fd is None or not hasattr(os, "writev"):
        handle.write(b"".join(pieces))
        return
    handle.flush()
    stage = staged(handle)
    if stage is not None:  # past the page cache: into its stage
        stage.write_pieces(pieces)
        return
    total = 0
    for at in range(0, len(pieces), _MOST):
        group = pieces[at : at + _MOST]
        size = sum(map(len, group))
        written = os.writev(fd, group)
        if written < size:  # cut short (a signal, a full disk): the rest written on
            _write_rest(fd, group, written)
        total += size
    written_behind(fd, total)


def _write_rest(fd: int, group: Sequence[Piece], written: int) -> None:
    """What a gathered write of ``group`` left after its first ``written`` bytes, written one write at a time
    (a write that cannot go on raises, as ``write`` does)."""
    rest = memoryview(b"".join(group))[written:]
    while rest:
        rest = rest[os.write(fd, rest) :]


WINDOW = 32 << 20
"""Bytes of a file written between two hand-overs to the disk (``written_behind``)."""
_ADVISE = getattr(os, "posix_fadvise", None)  # (not on every system: then the page cache keeps what it keeps)


def written_behind(fd: int, size: int) -> None:
    """A file not written past the page cache (``feedsync.direct``: a system or file system without direct I/O), after
    ``size`` bytes were written to ``fd`` (up to its position): each time the file grows past a multiple
    of ``WINDOW``, the windows just written whole are handed to the disk (their writeback begun, without waiting)
    and the one handed over at the last crossing, written back since, leaves the page cache. A feed of gigabytes
    then takes the same few windows of memory again and again instead of new pages for all of it, which on this
    project's machine cost ten times as much to write into once a few gigabytes were waiting for the disk (a
    million variants: 18 s of system time against 28 s). What stays cached, and when a page is written, is the
    system's business: the file's bytes are the same."""
    if _ADVISE is None or size <= 0:
        return
    try:
        end = os.lseek(fd, 0, os.SEEK_CUR)
    except OSError:  # not a file one can seek in (a pipe): nothing cached to hand over
        return
    window, before = end // WINDOW, (end - size) // WINDOW
    if window == before:
        return
    start = max(before - 1, 0) * WINDOW  # from the window handed over at the last crossing
    with contextlib.suppress(OSError):
        _ADVISE(fd, start, window * WINDOW - start, os.POSIX_FADV_DONTNEED)  # clean pages go, dirty ones are written
