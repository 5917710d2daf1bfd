"""Atomic file writes: write a temp file beside the target, fsync, then rename over it.

A failed or interrupted write never leaves a half file where a good one was. A killed process (``kill -9``, a
power cut) cannot remove its temp file, so the writer holds an OS lock on it while it writes: the lock ends with
the process, and ``remove_leftovers`` removes only temp files that nobody holds and that are older than the run
that cleans up. A concurrent writer's temp file (a ``build`` beside a ``push``) is never removed.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from feedsync.faults import checkpoint

_TEMP = re.compile(r"^\.(?P<target>.+)\.[a-z0-9_]{8}\.tmp$")
"""The names ``atomic_write`` gives its temp files: ``.<target name>.<8 random characters>.tmp``."""


@contextlib.contextmanager
def atomic_write(target: Path) -> Iterator[BinaryIO]:
    """Yield a binary file; on a clean exit it replaces ``target`` in one rename, else it is removed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held until the file is closed or the process dies
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
            os.chmod(tmp, 0o644)
            checkpoint("atomic.written")
            os.replace(tmp, target)  # still holding the lock: nobody removes the file before it is in place
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def atomic_copy(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` atomically."""
    with source.open("rb") as src, atomic_write(target) as dst:
        shutil.copyfileobj(src, dst, 1 << 20)


def remove_leftovers(directory: Path, belongs: Callable[[str], bool], *, before: float) -> list[Path]:
    """Remove the temp files that killed ``atomic_write`` calls left in ``directory`` for targets whose name
    ``belongs``; only files last changed before ``before`` (a time stamp: the cleaning run's start) and held by
    no process. Returns the files removed."""
    removed: list[Path] = []
    with contextlib.suppress(FileNotFoundError):
        for entry in os.scandir(directory):
            found = _TEMP.match(entry.name)
            if found is None or not belongs(found["target"]) or not entry.is_file(follow_symlinks=False):
                continue
            with contextlib.suppress(OSError):
                if entry.stat(follow_symlinks=False).st_mtime >= before:
                    continue
                fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # fails while its writer is alive
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
                finally:
                    os.close(fd)
    return removed


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
