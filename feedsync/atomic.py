"""Atomic file writes: write a temp file beside the target, fsync, then rename over it.

A failed or interrupted write never leaves a half file where a good one was.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from feedsync.errors import OutputError

_NO_ROOM = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
"""A write into the temp file that fails with one of these is this file's failure (the disk is full)."""


@contextlib.contextmanager
def atomic_write(target: Path) -> Iterator[BinaryIO]:
    """Yield a binary file; on a clean exit it replaces ``target`` in one rename, else it is removed. A file
    that cannot be written (no room, a folder that is a file, no permission) raises ``OutputError``."""
    with _writing(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    handle = os.fdopen(fd, "wb")
    try:
        try:
            yield handle
        except OSError as exc:
            if isinstance(exc, OutputError) or exc.errno not in _NO_ROOM:
                raise
            raise _unwritable(target, exc) from None
        with _writing(target):
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            handle.close()  # what is still buffered may not fit either
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


@contextlib.contextmanager
def _writing(target: Path) -> Iterator[None]:
    try:
        yield
    except OutputError:
        raise
    except OSError as exc:
        raise _unwritable(target, exc) from None


def _unwritable(target: Path, exc: OSError) -> OutputError:
    in_the_way = next((p for p in (target.parent, *target.parent.parents) if p.exists()), None)
    if in_the_way is not None and not in_the_way.is_dir():
        reason = f"{in_the_way} is a file, not a folder"
    else:
        reason = exc.strerror or str(exc)
    kept = f"the previous {target.name} stays as it was" if target.exists() else "nothing was written"
    return OutputError(f"cannot write {target}: {reason}; {kept}", exc)


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
