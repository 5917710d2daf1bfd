"""Atomic file writes: write a temp file beside the target, fsync, then rename over it.

A failed or interrupted write never leaves a half file where a good one was.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO


@contextlib.contextmanager
def atomic_write(target: Path) -> Iterator[BinaryIO]:
    """Yield a binary file; on a clean exit it replaces ``target`` in one rename, else it is removed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def atomic_copy(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` atomically."""
    with source.open("rb") as src, atomic_write(target) as dst:
        shutil.copyfileobj(src, dst, 1 << 20)


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def create_new(target: Path, data: bytes, *, before_publish: Callable[[], None] | None = None) -> None:
    """Write ``data`` to ``target`` atomically and never over an existing file: the temp file is linked to its
    name, which fails (``FileExistsError``) when the name is taken. ``before_publish`` runs once the data is on
    disk under the temp name (a crash test's checkpoint)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        if before_publish is not None:
            before_publish()
        os.link(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(target.parent)
