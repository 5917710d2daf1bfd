"""Scratch folders removed off the run's path: a row split's scratch folder (at a million variants the later share's
4 GB of documents, whose blocks this project's machine frees at about 0.2 s a gigabyte: its disk is mounted with
``discard``) is removed by a thread of its own while the command prints its report, where the command asks for it
(``deferred``: it waits for the removals as it ends); anywhere else it is removed at once, as before. A run killed
before a removal ends leaves the folder to the next run's sweep (``rows.remove_scratch``)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

_LATER: ContextVar[list[threading.Thread] | None] = ContextVar("feedsync_tidy_later", default=None)


def remove(folder: Path) -> None:
    """``folder`` and all it holds removed: by a thread of its own within ``deferred``, else now. What cannot be
    removed is left (a scratch folder: the next run's sweep tries again)."""
    threads = _LATER.get()
    if threads is None:
        shutil.rmtree(folder, ignore_errors=True)
        return
    thread = threading.Thread(
        target=shutil.rmtree, args=(folder,), kwargs={"ignore_errors": True}, name="feedsync-tidy"
    )
    thread.start()
    threads.append(thread)


@contextmanager
def deferred() -> Iterator[None]:
    """Within it, the folders ``remove`` is given are removed by threads; when it ends (however), all are gone."""
    threads: list[threading.Thread] = []
    token = _LATER.set(threads)
    try:
        yield
    finally:
        _LATER.reset(token)
        for thread in threads:
            thread.join()
