"""Scratch folders and files removed off the run's path: a row split's scratch folder (at a million variants the
later share's 4 GB of documents, whose blocks this project's machine frees at about 0.2 s a gigabyte: its disk is
mounted with ``discard``), and the previous feeds a run's new ones replaced (``atomic``: put aside before the rename,
about 8 GB at a million variants), are removed by a thread of their own while the command prints its report, where
the command asks for it (``deferred``: it waits for the removals as it ends); anywhere else at once, as before. A run
killed before a removal ends leaves them to the next run's sweeps (``rows.remove_scratch``,
``atomic.remove_leftovers``)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from pathlib import Path

_LATER: ContextVar[list[threading.Thread] | None] = ContextVar("feedsync_tidy_later", default=None)


def remove(path: Path) -> None:
    """``path`` removed (a folder with all it holds, or a file): by a thread of its own within ``deferred``, else
    now. What cannot be removed is left (the next run's sweep tries again)."""
    threads = _LATER.get()
    if threads is None:
        _removed(path)
        return
    thread = threading.Thread(target=_removed, args=(path,), name="feedsync-tidy")
    try:
        thread.start()
    except RuntimeError:  # (no thread to be had: removed now, as outside ``deferred``)
        _removed(path)
        return
    threads.append(thread)


def _removed(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with suppress(OSError):
            path.unlink()


@contextmanager
def deferred() -> Iterator[None]:
    """Within it, what ``remove`` is given is removed by threads (also where it is asked of a thread started in a copy
    of this context); when it ends (however), all are gone."""
    threads: list[threading.Thread] = []
    token = _LATER.set(threads)
    try:
        yield
    finally:
        _LATER.reset(token)
        for thread in threads:
            thread.join()
