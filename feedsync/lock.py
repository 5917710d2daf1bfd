"""A lock file beside the state database, so two pushes on the same state never overlap (cron runs that take
longer than their interval). The lock is an OS file lock: it is released when the process ends, crash or not;
so a run recorded as running while nobody holds the lock was killed (``held``)."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from feedsync.errors import FeedsyncError, StateError

_PROBE_GRACE = 1.0
"""Seconds ``run_lock`` waits for a ``held`` probe (a moment's shared lock) to let go before it gives up."""


class Busy(FeedsyncError):
    """Another feedsync run holds the lock."""


def _path(state_path: Path) -> Path:
    return state_path.with_name(state_path.name + ".lock")


@contextmanager
def run_lock(state_path: Path) -> Iterator[None]:
    path = _path(state_path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:  # e.g. state_path under a file
        raise StateError(
            f"cannot create the lock file {path} (beside state_path): {exc}; this run did nothing"
        ) from None
    try:
        if not _acquire(fd):
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
            raise Busy(f"another feedsync run holds {path} ({holder}); this run did nothing")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} since {datetime.now(UTC).isoformat(timespec='seconds')}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _acquire(fd: int) -> bool:
    """Take the lock; a ``held`` probe holds it for a moment only, so a busy lock is tried again briefly."""
    deadline = time.monotonic() + _PROBE_GRACE
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)


def held(state_path: Path) -> bool:
    """Whether a live process holds the run lock of ``state_path`` (read-only: takes it for a moment at most)."""
    try:
        fd = os.open(_path(state_path), os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
