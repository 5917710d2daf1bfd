"""The stitch begun ahead: once this process made its own share (the first), a thread of its own stitches the later
shares' documents into the feeds while their processes still write them (``stitch.stitch`` with an ``Ahead``), each
later document read as it grows (``Ahead.body``): the stitch is bound by the disk (a million variants: about 4 GB
read and written again), and this process would otherwise wait for the later shares with nothing to do. The first
share is cut a little shorter (``FIRST``) so that there is time for it.

Nothing is renamed into place before the run says its shares stand (``commit``: after the checks across shares and
the merge). A run that makes a share again, or is made as though not split, stops the stitch first (``abort``): what
it began in the feeds' temp files goes with them, and the first share's documents, which it extends in place, are
made whole again. A later share's document is known to be whole once its writer renamed it from its temp file, or
its process ended (``final``); until then its last bytes (as many as the feed's tail) are left for later, since the
tail is what its writer writes last."""

from __future__ import annotations

import contextvars
import errno
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from feedsync import tidy
from feedsync.direct import blocks_past_cache, open_past_cache

FIRST = 0.92
"""The bytes of records the first share holds for each byte of each other share's (``cuts.cut``): its process
then ends its own share first, by about the time the stitch takes (a million variants on this project's 2-core
machine: the shares about 62 s, the stitch about 6 s), and stitches while the later shares end. (0.89, which ends the
stitch with the last share, was tried on 2026-12-05: a million variants took 1.2-1.7 s longer, the last share
slower while the stitch read its documents as it wrote them.)"""
POLL = 0.05
"""Seconds between two looks at a later share's document that has not grown."""
READ = 1 << 22
"""Bytes read at a time."""


def _renamed(fd: int, path: Path) -> bool:
    """Whether the temp file ``fd`` was renamed ``path``: its writer settled it whole before the rename."""
    try:
        return os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


class Stopped(Exception):
    """The run stopped the stitch begun ahead (``Ahead.abort``)."""


class Ahead:
    """The stitch of ``count`` shares' documents begun in a thread (``begin``) once the first share is made."""

    def __init__(self, folder: Path, count: int, undo: Callable[[], None] = lambda: None) -> None:
        self.folder = folder
        self._undo = undo
        """What the stitch changed of the run's report (its feeds' paths), put back when it is stopped."""
        self.finals = [threading.Event() for _ in range(count)]
        self.finals[0].set()  # (this process's own share: made)
        self.drafts: list[tuple[Path, int, bytes]] = []
        """The first share's documents the stitch extends in place: (path, bytes kept, tail cut off)."""
        self._stop = threading.Event()
        self._commit = threading.Event()
        self._stitched = threading.Event()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._lock = threading.Lock()
        self._stands = False
        self._read: list[Path] = []
        """The later shares' documents read whole before the run stood (``stands``)."""

    # the run's side
    def begin(self, stitch: Callable[..., None], *args: Any) -> None:
        """``stitch(*args, ahead=self)`` in a thread of its own."""

        def run() -> None:
            try:
                stitch(*args, ahead=self)
            except BaseException as exc:  # told to the run: by ``commit``, or dropped with ``abort``
                self._error = exc
            finally:
                self._stitched.set()

        # (in a copy of this context: the feeds it replaces are removed as the command asks, ``tidy.deferred``)
        context = contextvars.copy_context()
        self._thread = threading.Thread(target=context.run, args=(run,), name="feedsync-stitch", daemon=True)
        self._thread.start()

    def final(self, index: int) -> None:
        """Share ``index``'s process ended: its documents are whole."""
        self.finals[index].set()

    def stands(self) -> None:
        """The run's shares stand (nothing is made again, no stitch begun anew): the later shares' documents are
        removed as soon as the stitch has read them whole (``tidy.remove``: a thread of its own where the command
        asks), not with the scratch folder after the run (a million variants: 4 GB, 0.8-1.4 s on this project's
        machine)."""
        with self._lock:
            self._stands = True
            read, self._read = self._read, []
        for path in read:
            tidy.remove(path)

    def stitched(self) -> None:
        """Wait until every feed is stitched and synced (the stitch waits for ``commit`` to rename them), or the
        stitch failed."""
        self._stitched.wait()

    def commit(self) -> None:
        """Let the stitch rename the feeds into place, and wait for it; what it met is raised here."""
        self._commit.set()
        self._join()
        self.drafts.clear()  # (renamed into place, or the stitch failed: the run's error, the scratch folder's)
        if self._error is not None:
            raise self._error

    def abort(self) -> None:
        """Stop the stitch (what it wrote goes; nothing is renamed) and make the first share's documents whole
        again, as the stitch found them."""
        if self._stop.is_set():
            return
        self._stop.set()
        began, self._thread = self._thread, None
        if began is None:
            return
        began.join()
        for path, keep, tail in self.drafts:
            with path.open("r+b") as draft:
                draft.truncate(keep)
                draft.seek(keep)
                draft.write(tail)
        self.drafts.clear()
        self._undo()

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    # the stitch's side
    def ready(self) -> None:
        """Called by the stitch before it renames the feeds: wait for the run's word."""
        self._stitched.set()
        while not self._commit.wait(POLL):
            self._stopped()
        self._stopped()

    def body(self, path: Path, head: bytes, tail: bytes) -> Iterator[memoryview]:
        """The items of share document ``path`` (``head`` and ``tail`` checked), read as its process writes them:
        as a temp file beside ``path`` until it is whole and renamed; its last ``len(tail)`` bytes only once the
        process ended."""
        final = self.finals[int(path.parent.name)]
        fd = self._open(path, final)
        try:
            at = len(head)
            while True:
                done = final.is_set() or _renamed(fd, path)
                size = os.fstat(fd).st_size
                if done:
                    self._check(fd, path, head, tail, size)
                stop = size - len(tail)
                if stop > at:
                    yield from blocks_past_cache(fd, at, stop, READ)
                    at = stop
                if done:
                    break
                self._stopped()
                if os.fstat(fd).st_size == size:
                    final.wait(POLL)
        finally:
            os.close(fd)
        with self._lock:  # read whole: once the run stands, its blocks are freed while the stitch goes on
            if self._stands:
                tidy.remove(path)
            else:
                self._read.append(path)

    def _open(self, path: Path, final: threading.Event) -> int:
        """The document at ``path``, or the temp file its writer writes it as until it is whole."""
        while True:
            self._stopped()
            done = final.is_set()
            for candidate in [path] if done else [*path.parent.glob(f".{path.name}.*.tmp"), path]:
                try:
                    return open_past_cache(candidate)
                except FileNotFoundError:
                    continue
            if done:
                raise OSError(errno.ENOENT, f"{path.name}: a share's document is missing")
            final.wait(POLL)

    def _check(self, fd: int, path: Path, head: bytes, tail: bytes, size: int) -> None:
        """The document followed is the one its process left at ``path``, from ``head`` to ``tail``."""
        with path.open("rb") as document:  # (its few bytes read as any file's: ``fd`` reads whole blocks only)
            if os.fstat(document.fileno()).st_ino != os.fstat(fd).st_ino:
                raise OSError(errno.ESTALE, f"{path.name}: not the document its share's process wrote")
            if size < len(head) + len(tail) or document.read(len(head)) != head:
                raise AssertionError(f"{path.name}: a share's document does not start as the feed does")
            document.seek(size - len(tail))
            if document.read() != tail:
                raise AssertionError(f"{path.name}: a share's document does not end as the feed does")

    def _stopped(self) -> None:
        if self._stop.is_set():
            raise Stopped
