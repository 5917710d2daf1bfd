"""A lock file beside the state database, so two pushes on the same state never overlap (cron runs that take
longer than their interval). The lock is an OS file lock: it is released when the process ends, crash or not."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from feedsync.errors import FeedsyncError, StateError


class Busy(FeedsyncError):
    """Another feedsync run holds the lock."""


@contextmanager
def run_lock(state_path: Path) -> Iterator[None]:
    path = state_path.with_name(state_path.name + ".lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:  # e.g. state_path under a file
        raise StateError(
            f"cannot create the lock file {path} (beside state_path): {exc}; this run did nothing"
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
            raise Busy(f"another feedsync run holds {path} ({holder}); this run did nothing") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} since {datetime.now(UTC).isoformat(timespec='seconds')}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
