"""The row cache files: one per channel and destination, beside the state database, written atomically (a kill
while writing leaves the previous file or none). A file that cannot be read, is cut short or is not a row cache
is reported (DST009) and not used."""

from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from feedsync.atomic import atomic_write
from feedsync.diagnostics import Emit, Location
from feedsync.diagnostics.codes import make
from feedsync.faults import checkpoint
from feedsync.rowcache.fingerprint import FORMAT

Entries = dict[str, list[Any]]


def cache_path(state_dir: Path, channel: str, destination: str) -> Path:
    """Where ``channel``'s row cache for ``destination`` lives."""
    where = hashlib.sha256(destination.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return state_dir / "rowcache" / f"{channel}-{where}.json"


def load(path: Path, channel: str, emit: Emit) -> tuple[str, Entries, list[Any]]:
    """(fingerprint, entries, the identity of the feed file the entries point into) of the cache at ``path``;
    ("", {}, []) when there is none or it is unusable."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return "", {}, []
    except OSError as exc:
        return _unusable(path, channel, emit, exc.strerror or str(exc))
    try:
        with _no_collection():
            document = json.loads(data)
    except (ValueError, RecursionError) as exc:
        return _unusable(path, channel, emit, f"not JSON ({str(exc)[:80]})")
    if not (isinstance(document, dict) and document.get("format") == FORMAT):
        return _unusable(path, channel, emit, "not a feedsync row cache of this version")
    found, entries, feed = document.get("fingerprint"), document.get("entries"), document.get("feed")
    if not isinstance(found, str) or not isinstance(entries, dict) or not isinstance(feed, list):
        return _unusable(path, channel, emit, "its fingerprint, feed or entries are missing")
    return found, entries, feed


def feed_identity(path: Path) -> list[Any]:
    """What tells the feed file at ``path`` apart from any other (written anew by each run: a new inode)."""
    try:
        stat = path.stat()
    except OSError:
        return []
    return [str(path), stat.st_ino, stat.st_size, stat.st_mtime_ns]


def save(path: Path, fingerprint: str, feed: list[Any], entries: Entries) -> None:
    """Replace the cache at ``path`` (atomically); ``feed``: the identity of the feed file its entries point into."""
    head = json.dumps({"format": FORMAT, "fingerprint": fingerprint, "feed": feed})[:-1].encode()
    with _no_collection():
        body = json.dumps(entries, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
    with atomic_write(path) as handle:
        handle.write(head + b',"entries":')
        checkpoint("rowcache.half-written")  # the temp file holds part of the cache; the old one is in place
        handle.write(body + b"}")
    checkpoint("rowcache.written")


@contextmanager
def _no_collection() -> Iterator[None]:
    """Without the cycle collector: a cache is hundreds of thousands of small lists and no cycle, and the collector
    would walk every object of the run for each few hundred of them (ten times the parse itself)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _unusable(path: Path, channel: str, emit: Emit, why: str) -> tuple[str, Entries, list[Any]]:
    text = f"{channel}: the row cache {path.name} is not usable ({why}); every row is computed again"
    emit(make("DST009", text, channel=channel, location=Location(str(path))))
    return "", {}, []
