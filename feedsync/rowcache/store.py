"""The row cache files: one per channel and destination, beside the state database, written atomically (a kill
while writing leaves the previous file or none). A file that cannot be read, is cut short or is not a row cache
is reported (DST009) and not used.

A file is a line of JSON (format, fingerprint, the identity of the feed its entries point into), then one line per
row, ``KEY ROW START BODY`` (the row's key: the digest of its raw line, or of its cells for a record over several
lines; its row number, where its items start in that feed or -1, and its entry as JSON with the items' offsets from
START, marked when orjson may not read it exactly: ``marked``), then ``end COUNT DIGEST`` (a digest of all before
it: a file damaged anywhere is not used, not even in part; of two lines with one key the later is read). An entry's
line is kept as bytes until its row is replayed, and a replayed row's line is written again as it was, or with only
its row and start changed: loading and saving never decode or encode the entries as a whole."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from feedsync.atomic import atomic_write
from feedsync.diagnostics import Emit, Location
from feedsync.diagnostics.codes import make
from feedsync.faults import checkpoint
from feedsync.jsonread import long_digits, quick
from feedsync.rowcache.fingerprint import FORMAT

Entries = dict[str, bytes]
"""A row's line (without its line end) by the row's key."""
KEY_LENGTH = 32
_DECODE = json.JSONDecoder().raw_decode
_CHUNK = 4096
"""Lines written with one call."""


def cache_path(state_dir: Path, channel: str, destination: str) -> Path:
    """Where ``channel``'s row cache for ``destination`` lives."""
    where = hashlib.sha256(destination.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return state_dir / "rowcache" / f"{channel}-{where}.rows"


def line(key: str, row: int, start: int, body: bytes) -> bytes:
    """A row's line: ``body`` is its entry as JSON (no line break: JSON escapes them in texts), or (``marked``)
    that JSON marked as holding a run of 19 digits or more (a number orjson may not read exactly)."""
    return b"%s %d %d %s" % (key.encode("ascii"), row, start, body)


def marked(body: bytes) -> bytes:
    """``body`` (an entry's JSON) as a line holds it: marked ``j`` when it has a run of 19 digits or more, which
    may be an integer past 64 bits (orjson reads those as floats: ``entry`` reads a marked body with json)."""
    return b"j" + body if long_digits(body) else body


def entry(body: bytes) -> Any:
    """A line's entry (``body``: its JSON): read with orjson, unless ``marked`` marked it as one that may hold a
    number orjson would not read exactly (an integer past 64 bits), or orjson refuses it (a lone surrogate, which
    the entries keep as written): then with the json module (nothing after the entry)."""
    if body[:1] != b"j":
        try:
            return quick(body)
        except ValueError:
            pass
    return _json(body.removeprefix(b"j"))


def _json(body: bytes) -> Any:
    text = body.decode("utf-8", "surrogatepass")
    entry, end = _DECODE(text)  # the decoder itself: json.loads would first guess the bytes' encoding
    if end != len(text):
        raise ValueError("more after the entry")
    return entry


def load(path: Path, channel: str, emit: Emit) -> tuple[str, Entries, list[Any]]:
    """(fingerprint, entries, the identity of the feed file the entries point into) of the cache at ``path``;
    ("", {}, []) when there is none or it is unusable."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return "", {}, []
    except OSError as exc:
        return _unusable(path, channel, emit, exc.strerror or str(exc))
    cut = data.rfind(b"\n", 0, len(data) - 1) + 1  # where the last line starts
    lines = data[:cut].split(b"\n")
    try:
        head = json.loads(lines[0])
    except (ValueError, RecursionError) as exc:
        return _unusable(path, channel, emit, f"not JSON ({str(exc)[:80]})")
    if not (isinstance(head, dict) and head.get("format") == FORMAT):
        return _unusable(path, channel, emit, "not a feedsync row cache of this version")
    found, feed = head.get("fingerprint"), head.get("feed")
    if not isinstance(found, str) or not isinstance(feed, list):
        return _unusable(path, channel, emit, "its fingerprint or feed is missing")
    if data[cut:] != seal(memoryview(data)[:cut], len(lines) - 2):
        return _unusable(path, channel, emit, "cut short or changed since it was written")
    del data
    return found, {entry[:KEY_LENGTH].decode("latin-1"): entry for entry in lines[1:-1]}, feed


def feed_identity(path: Path) -> list[Any]:
    """What tells the feed file at ``path`` apart from any other (written anew by each run: a new inode)."""
    try:
        stat = path.stat()
    except OSError:
        return []
    return [str(path), stat.st_ino, stat.st_size, stat.st_mtime_ns]


def save(path: Path, fingerprint: str, feed: list[Any], entries: Iterable[bytes]) -> None:
    """Replace the cache at ``path`` (atomically); ``feed``: the identity of the feed file its entries point into."""
    head = json.dumps({"format": FORMAT, "fingerprint": fingerprint, "feed": feed}).encode() + b"\n"
    lines = list(entries)
    digest = hashlib.blake2b(head, digest_size=16)
    with atomic_write(path) as handle:
        handle.write(head)
        checkpoint("rowcache.half-written")  # the temp file holds part of the cache; the old one is in place
        for start in range(0, len(lines), _CHUNK):
            chunk = b"\n".join(lines[start : start + _CHUNK]) + b"\n"
            digest.update(chunk)
            handle.write(chunk)
        handle.write(_end(len(lines), digest.hexdigest()))
    checkpoint("rowcache.written")
    path.with_suffix(".json").unlink(missing_ok=True)  # the cache of feedsync-rowcache 1, not read any more


def seal(before: bytes | memoryview, count: int) -> bytes:
    """The last line of a cache whose lines before it (its head and ``count`` rows) are ``before``."""
    return _end(count, hashlib.blake2b(before, digest_size=16).hexdigest())


def _end(count: int, digest: str) -> bytes:
    """The last line of a cache of ``count`` rows whose lines before it have ``digest``."""
    return b"end %d %s\n" % (count, digest.encode())


def _unusable(path: Path, channel: str, emit: Emit, why: str) -> tuple[str, Entries, list[Any]]:
    text = f"{channel}: the row cache {path.name} is not usable ({why}); every row is computed again"
    emit(make("DST009", text, channel=channel, location=Location(str(path))))
    return "", {}, []
