"""Feeds written past the page cache: the file's bytes gathered in a stage of whole disk blocks, each full stage
written by direct I/O (``O_DIRECT``) from a thread of its own while the other half of the stage fills, the last
partial block by an ordinary write when the file is settled (synced, whole, or closed).

Why: a feed is written once, and nobody in the run reads it back but the stitch of a row split. On this project's
machine, writing through the page cache cost about 0.6-0.9 s of system time a gigabyte even with the pages handed
back as they were written (``formats.gathered.written_behind``; up to 2.7 s without), against about 0.35 s by direct
I/O from pages the process keeps. A million variants write 8 GB, and the stitch reads and writes 4 GB more: side
by side, 73.8 s against 77.2 s, 12.6 s of system time against 23.8 s. The stage is a memory file's pages
(``memfd_create``), filled by the system's gathered write, so a batch's thousands of pieces go in by a few calls, and
the same pages take every stage (1 MB halves: 2 MB a file open).

Where the system has no direct I/O, or the file system refuses it (its first direct write fails with ``EINVAL``),
the file is written as any other: the bytes are the same either way.

A staged file belongs to the process that opened it: a process forked while one is open must not write, settle or
close it (its stage's memory is shared, its writing thread's write is the parent's). The row split forks its
shares before any feed is open."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import io
import mmap
import os
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from concurrent import futures
from itertools import accumulate
from pathlib import Path
from typing import BinaryIO

BLOCK = 4096
"""The alignment direct I/O asks of a write's offset, length and memory (the logical block size of the disks this
runs on; a file system with larger blocks refuses, and the file is written as any other)."""
STAGE = 1 << 20
"""Bytes of a file staged before they are written (whole blocks of them): a batch's feed is a few megabytes."""
READ = 4 << 20
"""Bytes read at a time past the page cache (``read_past_cache``)."""
_MOST = 1024
"""Pieces a gathered write takes at most (``IOV_MAX`` on Linux)."""
_DIRECT = getattr(os, "O_DIRECT", 0)
_AVAILABLE = bool(_DIRECT) and hasattr(os, "memfd_create") and hasattr(os, "pwritev")


def open_direct(fd: int, buffering: int) -> BinaryIO:
    """A binary file object writing at ``fd``'s position (a regular file open to read and write) past the page cache,
    or an ordinary buffered one where direct I/O cannot be asked for; ``buffering``: its buffer's size (the per-row
    writers' many small writes). Its bytes reach the file when it is settled (``settle``), closed, or its stage is
    full."""
    if _AVAILABLE:
        try:
            _ask_direct(fd, True)
        except OSError:
            pass
        else:
            return io.BufferedWriter(Staged(fd), buffering)  # type: ignore[return-value]
    return os.fdopen(fd, "wb", buffering=buffering)


def _ask_direct(fd: int, on: bool) -> None:
    """``fd``'s writes and reads past the page cache from now on, or not (its status flag)."""
    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    fcntl.fcntl(fd, fcntl.F_SETFL, flags | _DIRECT if on else flags & ~_DIRECT)


def staged(handle: BinaryIO) -> Staged | None:
    """The stage under ``handle``, if it is one ``open_direct`` made."""
    raw = getattr(handle, "raw", None)
    return raw if isinstance(raw, Staged) else None


def settle(handle: BinaryIO) -> None:
    """Everything written to ``handle`` in its file (before a sync, a copy into it, or when it is whole)."""
    handle.flush()
    stage = staged(handle)
    if stage is not None:
        stage.drain()


class Staged(io.RawIOBase):
    """The raw file under ``open_direct``'s file object: bytes from ``_base`` (a block's start) to the file's end
    held in the stage, whole blocks written by direct I/O as the stage fills."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd
        position = os.lseek(fd, 0, os.SEEK_CUR)
        self._base = position - position % BLOCK  # the file offset of the stage's first byte
        self._fill = position - self._base  # bytes staged (the first ones read back from the file, when begun there)
        self._read_back = self._fill  # bytes of the partial block the stage begins with, not read back yet
        self._direct = True
        self._memory: int | None = None
        self._map: mmap.mmap | None = None
        self._halves: tuple[memoryview, memoryview] | None = None
        self._half = 0
        self._pending: futures.Future[None] | None = None

    # the file object's side
    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def tell(self) -> int:
        return self._base + self._fill

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if offset == 0 and whence == os.SEEK_CUR:  # where the next byte goes: how a buffered file asks its position
            return self.tell()
        raise io.UnsupportedOperation("a staged file is written in order")

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(data).cast("B")
        size, at = len(view), 0
        while at < size:
            if self._fill == STAGE:
                self._spend()
            stage = self._stage()
            take = min(size - at, STAGE - self._fill)
            stage[self._fill : self._fill + take] = view[at : at + take]
            self._fill += take
            at += take
        return size

    def write_pieces(self, pieces: Sequence[bytes | memoryview]) -> None:
        """``pieces`` written in order: as many as the stage has room for at a time by the system's gathered write
        into it, one cut where the stage fills."""
        ends = list(accumulate(map(len, pieces)))
        at = 0  # the first piece not (wholly) staged
        while at < len(pieces):
            self._stage()
            if self._fill == STAGE:
                self._spend()
            room = STAGE - self._fill
            upto = bisect_right(ends, (ends[at - 1] if at else 0) + room, at)  # the pieces that fit whole
            for first in range(at, upto, _MOST):
                last = min(first + _MOST, upto)
                self._fill_with(pieces[first:last], ends[last - 1] - (ends[first - 1] if first else 0))
            at = upto
            if at < len(pieces):  # a piece across the stage's end: its first part, then the rest as the next stage's
                piece = memoryview(pieces[at]).cast("B")
                cut = STAGE - self._fill
                self.write(piece[:cut])
                self.write(piece[cut:])
                at += 1

    def _fill_with(self, group: Sequence[bytes | memoryview], size: int) -> None:
        """The pieces ``group`` (``size`` bytes in all, room for them in the stage) staged by one gathered write;
        what a write the system cuts short leaves is copied into the stage's mapped memory."""
        assert self._memory is not None
        written = os.pwritev(self._memory, group, self._half * STAGE + self._fill)
        if written < size:
            self._stage()[self._fill + written : self._fill + size] = memoryview(b"".join(group))[written:]
        self._fill += size

    def copy_from(self, path: Path, start: int, length: int) -> None:
        """``length`` bytes of the file at ``path`` from ``start`` written on (``read_past_cache``)."""
        for block in read_past_cache(path, start, start + length):
            self.write(block)

    def drain(self) -> None:
        """Every byte staged in the file (the partial last block by an ordinary write), the file's position at its
        end, the stage's memory let go: a file that is whole takes none."""
        if self._map is None:
            return
        self._spend()
        self._wait()
        if self._fill > self._read_back:  # the last partial block, unless it is what the file held
            self._put_plain(self._stage()[: self._fill], self._base)
        self._read_back = self._fill
        os.lseek(self._fd, self._base + self._fill, os.SEEK_SET)
        self._release()

    def close(self) -> None:
        if self.closed:
            return
        try:
            self.drain()
        finally:
            self._release()
            super().close()
            os.close(self._fd)

    # the stage: two halves of a memory file, one filled while the other is written
    def _stage(self) -> memoryview:
        if self._halves is None:
            self._memory = os.memfd_create("feedsync-stage", os.MFD_CLOEXEC)
            os.ftruncate(self._memory, 2 * STAGE)
            self._map = mmap.mmap(self._memory, 2 * STAGE)
            whole = memoryview(self._map)
            self._halves = (whole[:STAGE], whole[STAGE:])
            whole.release()
            self._half = 0
            # the partial block the file ends with, read back to be written whole
            if self._read_back and _read(self._fd, self._halves[0][:BLOCK], self._base) < self._read_back:
                raise OSError(errno.EIO, "a staged file is shorter than its position")
        return self._halves[self._half]

    def _spend(self) -> None:
        """The stage's whole blocks handed to the writing thread (once it wrote the other half's); the partial
        one moved to the other half's start, which is filled on."""
        stage = self._stage()
        whole = self._fill - self._fill % BLOCK
        if not whole:
            return
        self._wait()
        assert self._halves is not None
        other = self._halves[1 - self._half]
        rest = self._fill - whole
        other[:rest] = stage[whole : self._fill]
        self._pending = _writer().submit(self._put, stage[:whole], self._base)
        self._half = 1 - self._half
        self._base += whole
        self._fill = rest
        self._read_back = 0

    def _wait(self) -> None:
        """The writing thread's last write done (its error raised here). A wait cut short (Ctrl-C) keeps the write
        in hand: its memory and the file stay until it is over (``_release``)."""
        pending = self._pending
        if pending is not None:
            try:
                pending.result()
            finally:
                if pending.done():
                    self._pending = None

    def _put(self, view: memoryview, offset: int) -> None:
        while view:
            try:
                written = os.pwrite(self._fd, view, offset)
            except OSError as exc:
                if exc.errno != errno.EINVAL or not self._direct:
                    raise
                self._plain()  # a file system that refuses direct I/O: the same bytes, as any other file
                continue
            view = view[written:]
            offset += written

    def _put_plain(self, view: memoryview, offset: int) -> None:
        if not self._direct:
            self._put(view, offset)
            return
        _ask_direct(self._fd, False)
        try:
            self._put(view, offset)
        finally:
            _ask_direct(self._fd, True)

    def _plain(self) -> None:
        self._direct = False
        _ask_direct(self._fd, False)

    def _release(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:  # (a failure already raised: its write is over before the memory goes)
            futures.wait([pending])
        if self._halves is not None:
            for half in self._halves:
                half.release()
            self._halves = None
        if self._map is not None:
            with contextlib.suppress(BufferError):  # a view of it an error's traceback holds: gone with the view
                self._map.close()
            self._map = None
        if self._memory is not None:
            os.close(self._memory)
            self._memory = None


_WRITER: tuple[int, futures.ThreadPoolExecutor] | None = None


def _writer() -> futures.ThreadPoolExecutor:
    """This process's thread that writes the stages (a forked process starts its own: threads are not forked)."""
    global _WRITER
    if _WRITER is None or _WRITER[0] != os.getpid():
        _WRITER = (os.getpid(), futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="feedsync-direct"))
    return _WRITER[1]


def read_past_cache(path: Path, start: int, stop: int, size: int = READ) -> Iterator[memoryview]:
    """The bytes of the file at ``path`` from ``start`` to ``stop``, at most ``size`` at a time, read past the page
    cache where the system allows (a row split's later share's documents, written past it, are on the disk alone;
    reading them into the page cache cost the stitch more than the reading): views of one buffer, each good until
    the next is asked for. A file that ends before ``stop`` is an ``OSError``."""
    buffer = mmap.mmap(-1, _chunk(size))  # (before the file is opened: a buffer refused leaves no descriptor open)
    try:
        fd = open_past_cache(path)
    except OSError:
        buffer.close()
        raise
    try:
        yield from _blocks(fd, start, stop, size, buffer, path.name)
    finally:
        os.close(fd)


def open_past_cache(path: Path) -> int:
    """A descriptor of the file at ``path`` open for reading past the page cache where the system allows, else for
    ordinary reads."""
    try:
        return os.open(path, os.O_RDONLY | _DIRECT)
    except FileNotFoundError:
        raise
    except OSError:
        return os.open(path, os.O_RDONLY)


def blocks_past_cache(fd: int, start: int, stop: int, size: int = READ) -> Iterator[memoryview]:
    """``read_past_cache`` of the open file ``fd`` (``open_past_cache``'s), which it leaves open."""
    return _blocks(fd, start, stop, size, mmap.mmap(-1, _chunk(size)), f"descriptor {fd}")


def _chunk(size: int) -> int:
    return max(BLOCK, size - size % BLOCK)


def _blocks(fd: int, start: int, stop: int, size: int, buffer: mmap.mmap, name: str) -> Iterator[memoryview]:
    """The bytes of ``fd`` from ``start`` to ``stop`` read into ``buffer`` (closed after), at most ``size`` at a
    time."""
    chunk = len(buffer)
    view = memoryview(buffer)
    try:
        offset = start - start % BLOCK
        skip = start - offset
        while offset + skip < stop:
            got = _read(fd, view, offset)
            end = min(got, stop - offset)
            if end <= skip or (got < chunk and offset + got < stop):
                raise OSError(errno.EIO, f"{name}: {stop - offset - skip} bytes are missing")
            for at in range(skip, end, size):
                yield view[at : min(end, at + size)]
            offset += got
            skip = 0
    finally:
        view.release()
        with contextlib.suppress(BufferError):  # (a view the caller or an error's traceback holds)
            buffer.close()


def _read(fd: int, view: memoryview, offset: int) -> int:
    """Bytes read at ``offset`` into ``view`` until it is full or the file ends: a read of a regular file that
    gives fewer bytes than asked met its end (asking again there would be a direct read at an offset that is not a
    block's, refused). One that the file system refuses is made again as an ordinary read."""
    got = 0
    while got < len(view):
        try:
            count = os.preadv(fd, [view[got:]], offset + got)
        except OSError as exc:
            if exc.errno != errno.EINVAL:
                raise
            _ask_direct(fd, False)
            continue
        got += count
        if count < len(view) - got + count:  # (the file's end)
            break
    return got
