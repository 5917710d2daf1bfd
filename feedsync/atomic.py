"""Atomic file writes: write a temp file beside the target, fsync, then rename over it.

A failed or interrupted write never leaves a half file where a good one was. A killed process (``kill -9``, a
power cut) cannot remove its temp file, so the writer holds an OS lock on it while it writes: the lock ends with
the process, and ``remove_leftovers`` removes only temp files that nobody holds and that are older than the run
that cleans up. A concurrent writer's temp file (a ``build`` beside a ``push``) is never removed.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import secrets
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from feedsync import tidy
from feedsync.direct import open_direct, settle
from feedsync.errors import OutputError
from feedsync.faults import checkpoint

_TEMP = re.compile(r"^\.(?P<target>.+)\.[a-z0-9_]{8}\.tmp$")
"""The names ``atomic_write`` gives its temp files: ``.<target name>.<8 random characters>.tmp``."""
_NO_ROOM = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
"""A write into the temp file that fails with one of these is this file's failure (the disk is full)."""


ASIDE = 1 << 20
"""Bytes from which a published file is put aside before a new one is renamed onto it (``_replace``): the blocks of a
file are freed as its last name goes, in the rename itself (on this project's machine, whose disk is mounted with
``discard``: 0.3 ms for 1 MB, 76 ms for 400 MB, about 1.5 s for a million variants' 8 GB of feeds)."""
_NAME = "abcdefghijklmnopqrstuvwxyz0123456789_"
"""The characters of a temp file's random part (``_TEMP``)."""

BUFFER = 1 << 18
"""Bytes a written file keeps before it hands them to the system: a feed's items are a few hundred bytes to a few
kilobytes each, and the default 8 KiB buffer made a ``write`` system call every few items (several microseconds
each on a real file)."""


@contextlib.contextmanager
def atomic_write(target: Path, *, durable: bool = True, direct: bool = False) -> Iterator[BinaryIO]:
    """Yield a binary file; on a clean exit it replaces ``target`` in one rename, else it is removed. A file
    that cannot be written (no room, a folder that is a file, no permission) raises ``OutputError``. Not
    ``durable``: the file is not synced to disk before the rename (a scratch file this run reads and removes).
    ``direct``: written past the page cache where the system allows (``direct.open_direct``: a feed)."""
    with _writing(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    handle = _opened(fd, direct)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held until the file is closed or the process dies
        yield from _published(handle, tmp, target, durable)
    except BaseException:
        with contextlib.suppress(OSError):
            handle.close()  # closed already, unless the lock failed
        tmp.unlink(missing_ok=True)
        raise


def _opened(fd: int, direct: bool) -> BinaryIO:
    """The file object of ``fd`` (a temp file or a draft): past the page cache when ``direct``."""
    return open_direct(fd, BUFFER) if direct else os.fdopen(fd, "wb", buffering=BUFFER)


def _published(handle: BinaryIO, written: Path, target: Path, durable: bool) -> Iterator[BinaryIO]:
    """Yield ``handle`` (the file at ``written``, beside ``target``); after it, ``written`` replaces ``target`` in
    one rename (synced first when ``durable``). A full disk is ``OutputError``; on any failure the handle is closed
    and ``target`` stays as it was."""
    try:
        try:
            yield handle
        except OSError as exc:
            if isinstance(exc, OutputError) or exc.errno not in _NO_ROOM:
                raise
            raise _unwritable(target, exc) from None
        with _writing(target):
            settle(handle)
            if durable:
                os.fsync(handle.fileno())
            os.chmod(written, 0o644)
            checkpoint("atomic.written")
            _replace(written, target)  # a temp file's lock still held: nobody removes it before it is in place
            handle.close()
    except BaseException:
        with contextlib.suppress(OSError):
            handle.close()  # what is still buffered may not fit either
        raise
    if durable:
        sync_folder(target.parent)


def _replace(written: Path, target: Path) -> None:
    """``written`` renamed onto ``target``. A file there of ``ASIDE`` bytes or more is first given a second name
    beside it (``_put_aside``), which ``tidy.remove`` removes after the rename: off the run's path where the command
    asks for it, since a rename that drops a file's last name waits while its blocks are freed."""
    aside = _put_aside(target)
    if aside is None:
        os.replace(written, target)
        return
    checkpoint("atomic.aside")  # (killed here: the file has both names; the next run's sweep removes the second)
    try:
        os.replace(written, target)
    finally:  # (the rename failed: the second name goes now, the file keeps its first)
        tidy.remove(aside)


def _put_aside(target: Path) -> Path | None:
    """A second name for the file at ``target`` (a temp file's name beside it, which ``remove_leftovers`` sweeps
    where a killed run left it), or None: no such file, a small one, or no hard links here."""
    try:
        if not stat.S_ISREG((held := os.lstat(target)).st_mode) or held.st_size < ASIDE:
            return None
    except OSError:
        return None
    for _ in range(8):
        name = "".join(secrets.choice(_NAME) for _ in range(8))
        aside = target.with_name(f".{target.name}.{name}.tmp")
        try:
            os.link(target, aside, follow_symlinks=False)
        except FileExistsError:
            continue
        except (OSError, NotImplementedError):  # (no hard links here, or none left: the rename frees the file)
            return None
        return aside
    return None


@contextlib.contextmanager
def _writing(target: Path) -> Iterator[None]:
    try:
        yield
    except OutputError:
        raise
    except OSError as exc:
        raise _unwritable(target, exc) from None


def file_in_the_way(folder: Path) -> Path | None:
    """``folder``, or the nearest of its parents that exists, when that is a file (no folder can be made there)."""
    found = next((p for p in (folder, *folder.parents) if p.exists()), None)
    return found if found is not None and not found.is_dir() else None


def _unwritable(target: Path, exc: OSError) -> OutputError:
    in_the_way = file_in_the_way(target.parent)
    reason = f"{in_the_way} is a file, not a folder" if in_the_way is not None else exc.strerror or str(exc)
    kept = f"the previous {target.name} stays as it was" if target.exists() else "nothing was written"
    return OutputError(f"cannot write {target}: {reason}; {kept}", exc)


@contextlib.contextmanager
def atomic_extend(
    draft: Path, target: Path, *, keep: int, direct: bool = False, durable: bool = True
) -> Iterator[BinaryIO]:
    """Yield ``draft`` (a file this run wrote in a private folder beside ``target``, on the same file system) cut
    to its first ``keep`` bytes and open to write more after them; on a clean exit it replaces ``target`` in one
    rename, as ``atomic_write`` does, without copying what it held. Any failure leaves ``target`` as it was (the
    draft is the private folder's to remove). ``direct``, ``durable``: as ``atomic_write``'s (not ``durable``: the
    caller syncs the file before the rename and the folder after it, as ``sync_early`` and ``sync_folder`` do)."""
    with _writing(target):
        fd = os.open(draft, os.O_RDWR if direct else os.O_WRONLY)  # (a staged file reads its last block back)
        try:
            os.ftruncate(fd, keep)
            os.lseek(fd, keep, os.SEEK_SET)  # before the buffered writer: it writes from here on
        except OSError:
            os.close(fd)
            raise
    yield from _published(_opened(fd, direct), draft, target, durable=durable)


def sync_early(handle: BinaryIO, target: Path) -> None:
    """Sync the file ``handle`` writes (flushed) for ``target`` before its rename, from another thread while this
    run goes on (the rename's own sync then finds little left to write); a failure is ``OutputError``, as there."""
    with _writing(target):
        settle(handle)
        os.fsync(handle.fileno())


def atomic_copy(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` atomically."""
    with source.open("rb") as src, atomic_write(target) as dst:
        shutil.copyfileobj(src, dst, 1 << 20)


VERSION_STAMP = r"\.\d{8}T\d{12}Z"
"""What a directory destination's ``keep: N`` appends to the name of a version it keeps
(``google.xml.20261122T063000123456Z``: the time it was published)."""


def keep_as(source: Path, target: Path) -> None:
    """``source`` kept as ``target``: a second name of the same file where the file system allows, else an atomic
    copy (some network file systems have no hard links). feedsync replaces a published file by renaming a new one
    onto it, never by writing into it, so the name kept goes on naming what was published. An existing ``target``
    raises ``FileExistsError``."""
    try:
        os.link(source, target)
    except FileExistsError:
        raise
    except OSError:
        atomic_copy(source, target)


def remove_leftovers(directory: Path, belongs: Callable[[str], bool], *, before: float) -> list[Path]:
    """Remove the temp files that killed ``atomic_write`` calls left in ``directory`` for targets whose name
    ``belongs``; only files last changed before ``before`` (a time stamp: the cleaning run's start) and held by
    no process. Returns the files removed."""
    removed: list[Path] = []
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):  # no folder: nothing to clean
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


def sync_folder(directory: Path) -> None:
    """The names renamed into ``directory`` made durable (``atomic_write`` after each rename; the stitch once after
    many renames, each of a file synced before it by ``sync_early``)."""
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
    sync_folder(target.parent)
