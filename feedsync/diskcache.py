"""What a run works out from public data alone, kept on disk for the next run: the code Python compiles from the
checks generated from an Amazon product type definition (``code``), and the texts worked out from the libraries'
own tables (``text``: the characters Polars and Python lower otherwise).

Why: Python compiles the generated check of one of Amazon's real definitions (a HOME definition: about 230 KB of
source) in 55-65 ms, and a run with a definition compiles three (its requirement sets' and the schema without its
required names), in every process of a row split. Read from here, the code takes well under a millisecond.

Where: ``$FEEDSYNC_CACHE_DIR`` (empty: nothing is kept), else ``$XDG_CACHE_HOME/feedsync``, else
``~/.cache/feedsync``; a path that is not absolute keeps nothing. An entry is named by a digest of what it was made
from (for code: the source, its name, the interpreter's bytecode version and optimization level; for a text: the
versions it depends on and the code of the module that makes it), so a changed definition, source, Python or
feedsync never reads an older one; it holds a digest of its own bytes, so a torn or altered file is made again.

What is read here is run (code), so it is read only from a folder that the user running feedsync owns and that no
one else may write, and only from a regular file that user owns (not a link, nor a pipe), of at most ``LARGEST``
bytes: as Python's own ``__pycache__``, what the user's own account can write it trusts. Nothing here is a secret
(public schemas, library tables), and a folder that cannot be read or written costs the run only the time to make
the entry again. At most ``KEPT`` entries are kept; the least recently used go first. Only files named as this
module names them are ever removed."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import marshal
import os
import re
import stat
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import CodeType
from typing import TypeVar

_T = TypeVar("_T")

ENVIRONMENT = "FEEDSYNC_CACHE_DIR"
"""The folder of the entries (an empty value: none is kept)."""
KEPT = 64
"""Entries kept at most (about 100-400 KB each for a definition's checks)."""
LARGEST = 16 << 20
"""Bytes of an entry at most: a larger file is not read."""
LEFT = 3600
"""Seconds after which the file of a write cut short is removed (a write takes well under a second)."""
_DIGEST = 20
"""Bytes of the digest that heads an entry (of the rest of its bytes)."""
_ENTRY = re.compile(r"^[0-9a-f]{40}\.kept$")
"""The names of entries (a digest of what each was made from)."""
_TEMPORARY = (".feedsync-", ".tmp")
"""The prefix and suffix of the files entries are written into before they are renamed."""


def folder() -> Path | None:
    """The folder of the entries, or None when none is kept (switched off, or no absolute path: an unset home)."""
    named = os.environ.get(ENVIRONMENT)
    try:
        if named is not None:
            where = Path(named).expanduser() if named else None
        else:
            base = os.environ.get("XDG_CACHE_HOME") or ""
            if not os.path.isabs(base):  # (as the XDG specification says: a relative one is ignored)
                base = os.path.join(os.path.expanduser("~"), ".cache")
            where = Path(base) / "feedsync"
    except RuntimeError:  # (``~`` with no home to expand it to)
        return None
    return where if where is not None and where.is_absolute() else None


def code(source: str, filename: str) -> CodeType:
    """``compile(source, filename, "exec")`` (the ``__future__`` features of no caller), read from the entry of this
    source when one was kept."""
    key = _key(
        b"code",
        importlib.util.MAGIC_NUMBER,
        str(sys.flags.optimize).encode(),
        filename.encode("utf-8", "surrogatepass"),
        source.encode("utf-8", "surrogatepass"),
    )
    return _kept(key, _code, lambda: compile(source, filename, "exec", dont_inherit=True), marshal.dumps)


def text(parts: tuple[str, ...], make: Callable[[], str]) -> str:
    """``make()``, read from the entry of ``parts`` (what the text depends on: the libraries' versions) and of the
    code of ``make``'s module, when one was kept; made each time where that code cannot be read."""
    try:
        module = sys.modules[make.__module__].__file__
        made_by = Path(module).read_bytes() if module else None
    except (KeyError, OSError):
        made_by = None
    if made_by is None:
        return make()
    key = _key(b"text", hashlib.blake2b(made_by).digest(), *(part.encode("utf-8", "surrogatepass") for part in parts))
    return _kept(key, _text, make, lambda made: made.encode("utf-8"))


def _kept(key: str, load: Callable[[bytes], _T | None], make: Callable[[], _T], dump: Callable[[_T], bytes]) -> _T:
    """What the entry ``key`` holds (``load``: None where its bytes are not one), else ``make()``, kept."""
    found = _read(key)
    loaded = load(found) if found is not None else None
    if loaded is not None:
        return loaded
    made = make()
    _write(key, dump(made))
    return made


def _code(data: bytes) -> CodeType | None:
    try:
        loaded = marshal.loads(data)
    except (ValueError, EOFError, TypeError):
        return None
    return loaded if isinstance(loaded, CodeType) else None


def _text(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _key(*parts: bytes) -> str:
    digest = hashlib.blake2b(digest_size=20)
    for part in parts:  # (each part's length first: two lists of parts never give the same bytes)
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()


def _trusted(where: Path) -> bool:
    """Whether ``where`` is a folder of this user's that no one else may write (else it is neither read nor
    written)."""
    try:
        found = os.stat(where)
    except OSError:
        return False
    return stat.S_ISDIR(found.st_mode) and found.st_uid == os.geteuid() and not found.st_mode & 0o022


def _read(key: str) -> bytes | None:
    """The bytes of the entry ``key`` when it is whole (its digest holds) and trusted, else None."""
    where = folder()
    if where is None or not _trusted(where):
        return None
    path = where / f"{key}.kept"
    try:
        with os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC), "rb") as handle:
            found = os.fstat(handle.fileno())
            if not stat.S_ISREG(found.st_mode) or found.st_uid != os.geteuid() or found.st_size > LARGEST:
                return None
            data = handle.read(LARGEST + 1)
    except OSError:
        return None
    body = data[_DIGEST:]
    if len(data) < _DIGEST or hashlib.blake2b(body, digest_size=_DIGEST).digest() != data[:_DIGEST]:
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # (used: the last to go)
    return body


def _write(key: str, body: bytes) -> None:
    """Keep ``body`` as the entry ``key`` (written whole under another name, then renamed), forgetting the least
    recently used past ``KEPT``; a folder that cannot be written, or is not trusted, keeps nothing."""
    where = folder()
    if where is None:
        return
    with contextlib.suppress(OSError):
        where.mkdir(mode=0o700, parents=True, exist_ok=True)  # (the user's alone, as their other caches)
        if not _trusted(where):
            return
        fd, temporary = tempfile.mkstemp(prefix=_TEMPORARY[0], suffix=_TEMPORARY[1], dir=where)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(hashlib.blake2b(body, digest_size=_DIGEST).digest())
                handle.write(body)
            os.replace(temporary, where / f"{key}.kept")
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        _forget(where)


def _forget(where: Path) -> None:
    """Remove the least recently used entries past ``KEPT``, and the files of writes cut short (a process killed
    while it wrote) over an hour old; no other file."""
    entries = []
    with os.scandir(where) as found:
        for item in found:
            with contextlib.suppress(OSError):
                if _ENTRY.match(item.name):
                    entries.append((item.stat(follow_symlinks=False).st_mtime_ns, item.path))
                elif _cut_short(item):
                    os.unlink(item.path)
    entries.sort()
    for _, path in entries[: max(0, len(entries) - KEPT)]:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _cut_short(item: os.DirEntry[str]) -> bool:
    """Whether ``item`` is the file of a write cut short over ``LEFT`` seconds ago."""
    name = item.name
    if not (name.startswith(_TEMPORARY[0]) and name.endswith(_TEMPORARY[1])):
        return False
    return time.time() - item.stat(follow_symlinks=False).st_mtime > LEFT
