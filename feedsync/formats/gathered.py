"""Many pieces of bytes written to a file in order by the system's gathered write (``writev``), without a text
joined of them first: a batch of a feed is megabytes in thousands of pieces, and joining them copied every byte
once more into memory the process had not touched yet."""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from typing import BinaryIO

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
    for at in range(0, len(pieces), _MOST):
        group = pieces[at : at + _MOST]
        written = os.writev(fd, group)
        if written < sum(map(len, group)):  # cut short (a signal, a full disk): the rest written on
            _write_rest(fd, group, written)


def _write_rest(fd: int, group: Sequence[Piece], written: int) -> None:
    """What a gathered write of ``group`` left after its first ``written`` bytes, written one write at a time
    (a write that cannot go on raises, as ``write`` does)."""
    rest = memoryview(b"".join(group))[written:]
    while rest:
        rest = rest[os.write(fd, rest) :]
