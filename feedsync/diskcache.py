"""What a run works out from public data alone, kept on disk for the next run: the code Python compiles from the
checks generated from an Amazon product type definition (``code``), and the texts worked out from the libraries'
own tables (``text``: the characters Polars and Python lower otherwise).

Why: Python compiles the generated check of one of Amazon's real definitions (a HOME definition: about 230 KB of
source) in 55-65 ms, and a run with a definition compiles three (its requirement sets' and the schema without its
required names), in every process of a row split. Read from here, the code takes well under a millisecond.

Where: ``$FEEDSYNC_CACHE_DIR`` (empty: nothing is kept), else ``$XDG_CACHE_HOME/feedsync``, else
``~/.cache/feedsync``. An entry is named by a digest of what it was made from and of the interpreter's bytecode
version, so a changed definition, source or Python never reads an older one; it holds a digest of its own bytes,
so a torn or altered file is made again. Nothing here is a secret (public schemas, library tables), and a folder
that cannot be read or written costs the run only the time to make the entry again. At most ``KEPT`` entries are
kept; the least recently used go first."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import marshal
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import CodeType

ENVIRONMENT = "FEEDSYNC_CACHE_DIR"
"""The folder of the entries (an empty value: none is kept)."""
KEPT = 64
"""Entries kept at most (about 100-400 KB each for a definition's checks)."""
LEFT = 3600
"""Seconds after which the file of a write cut short is removed (a write takes well under a second)."""
_DIGEST = 20
"""Bytes of the digest that heads an entry (of the rest of its bytes)."""


def folder() -> Path | None:
    """The folder of the entries, or None when none is kept."""
    named = os.environ.get(ENVIRONMENT)
    if named is not None:
        return Path(named).expanduser() if named else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "feedsync"


def code(source: str, filename: str) -> CodeType:
    """``compile(source, filename, "exec")``, read from the entry of this source when one was kept."""
    key = _key(b"code", importlib.util.MAGIC_NUMBER, filename.encode(), source.encode("utf-8", "surrogatepass"))
    found = _read(key)
    if found is not None:
        with contextlib.suppress(ValueError, EOFError, TypeError):
            loaded = marshal.loads(found)
            if isinstance(loaded, CodeType):
                return loaded
    compiled = compile(source, filename, "exec")
    _write(key, marshal.dumps(compiled))
    return compiled


def text(parts: tuple[str, ...], make: Callable[[], str]) -> str:
    """``make()``, read from the entry of ``parts`` (what the text depends on: the libraries' versions) when one was
    kept."""
    key = _key(b"text", *(part.encode("utf-8", "surrogatepass") for part in parts))
    found = _read(key)
    if found is not None:
        with contextlib.suppress(UnicodeDecodeError):
            return found.decode("utf-8")
    made = make()
    _write(key, made.encode("utf-8"))
    return made


def _key(*parts: bytes) -> str:
    digest = hashlib.blake2b(digest_size=20)
    for part in parts:  # (each part's length first: two lists of parts never give the same bytes)
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()


def _read(key: str) -> bytes | None:
    """The bytes of the entry ``key`` when it is whole (its digest holds), else None."""
    where = folder()
    if where is None:
        return None
    path = where / f"{key}.kept"
    try:
        data = path.read_bytes()
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
    recently used past ``KEPT``; a folder that cannot be written keeps nothing."""
    where = folder()
    if where is None:
        return
    with contextlib.suppress(OSError):
        where.mkdir(mode=0o700, parents=True, exist_ok=True)  # (the user's alone, as their other caches)
        fd, temporary = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=where)
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
    while it wrote) over an hour old."""
    entries = []
    for path in where.glob("*.kept"):
        with contextlib.suppress(OSError):
            entries.append((path.stat().st_mtime_ns, path))
    for path in where.glob(".*.tmp"):
        with contextlib.suppress(OSError):
            if time.time() - path.stat().st_mtime > LEFT:
                path.unlink()
    entries.sort()
    for _, path in entries[: max(0, len(entries) - KEPT)]:
        with contextlib.suppress(OSError):
            path.unlink()
