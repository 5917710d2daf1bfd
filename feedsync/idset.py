"""A set of ids in flat memory: 12 bytes a member in byte strings, where a Python set of strings costs about 140.
Streaming a million-variant catalog keeps every id seen to find duplicates; this keeps that near 20 MB.

Each id's BLAKE2b digest (its first 14 bytes: 112 bits) picks one of 65,536 shards with its first two bytes and
is kept there as its next 12 bytes (two different ids share them with odds of about 1e-22 at a million members).
A shard is a byte string of those 12-byte members, appended to and searched with ``bytearray.find`` (a scan in C
of about 15 members at a million ids): no table to grow, so adding an id never moves the others (open addressing
in Python tables cost more growing and probing, about 4 µs an id at 20,000 ids, than the digest). The memory in
use is 12 bytes a member, the shards' own headers (56 bytes each: most of it below a hundred thousand ids), and
one list of shards (512 KiB).

The set remembers the last id it was asked of that it holds: a catalog names a product group (or an Amazon parent)
once per variant, one variant after another, and asking again for that id costs one string comparison."""

from __future__ import annotations

from collections.abc import Iterator
from hashlib import blake2b as _blake2b
from itertools import compress

SLOT = 12
SHARDS = 1 << 16
_EMPTY = b""  # a shard no id fell into yet (shared: one object for all of them)
_INDEXES = range(SHARDS)


def _digest(key: str) -> bytes:
    """The id's BLAKE2b digest (the full digest: faster than asking for a short one); its first two bytes pick the
    shard, the next ``SLOT`` are kept."""
    return _blake2b(key.encode("utf-8", "surrogatepass")).digest()


def _holds(shard: bytes | bytearray, kept: bytes) -> bool:
    """Whether ``shard`` has the member ``kept`` (a match across two members' bytes is not one)."""
    found = shard.find(kept)
    while found > 0 and found % SLOT:
        found = shard.find(kept, found + 1)
    return found >= 0


class IdSet:
    def __init__(self) -> None:
        self._shards: list[bytes | bytearray] = [_EMPTY] * SHARDS
        self._count = 0
        self._last: str | None = None  # the last id asked of that the set holds (ids are never removed)

    def __len__(self) -> int:
        return self._count

    @property
    def nbytes(self) -> int:
        """The bytes its members take in the shards."""
        return sum(map(len, self._shards))

    def __contains__(self, key: str) -> bool:
        if key == self._last:
            return True
        digest = _digest(key)
        shard = self._shards[digest[0] << 8 | digest[1]]
        if shard and _holds(shard, digest[2 : 2 + SLOT]):
            self._last = key
            return True
        return False

    def add(self, key: str) -> bool:
        """Add ``key``; True when it was not there yet."""
        if key == self._last:
            return False
        self._last = key
        digest = _digest(key)
        index = digest[0] << 8 | digest[1]
        kept = digest[2 : 2 + SLOT]
        shard = self._shards[index]
        if shard and _holds(shard, kept):
            return False
        self._put(index, kept)
        return True

    def _put(self, index: int, kept: bytes) -> None:
        """Add a member known to be absent."""
        shard = self._shards[index]
        if shard:
            shard += kept  # type: ignore[operator]  # a bytearray: extended in place
        else:
            self._shards[index] = bytearray(kept)
        self._count += 1

    def _used(self) -> Iterator[int]:
        """The indexes of the shards that hold an id (found in C: the set operations visit only those)."""
        return compress(_INDEXES, self._shards)

    def isdisjoint(self, other: IdSet) -> bool:
        """Whether no id is in both sets."""
        shards = self._shards
        return not any(
            shards[index] and _holds(shards[index], kept) for index in other._used() for kept in other._members(index)
        )

    def update(self, other: IdSet) -> None:
        """Add every id of ``other``."""
        shards = self._shards
        for index in other._used():
            if not shards[index]:  # most shards of a small set: taken whole
                shards[index] = bytearray(other._shards[index])
                self._count += len(shards[index]) // SLOT
                continue
            for kept in other._members(index):
                if not _holds(shards[index], kept):
                    self._put(index, kept)

    def clear(self) -> None:
        """Remove every id."""
        self._shards = [_EMPTY] * SHARDS
        self._count = 0
        self._last = None

    def copy(self) -> IdSet:
        """A set of the same ids that grows on its own."""
        made = IdSet()
        shards = made._shards = list(self._shards)
        for index in self._used():
            shards[index] = bytearray(shards[index])
        made._count = self._count
        return made

    __copy__ = copy

    def _members(self, index: int) -> Iterator[bytes]:
        """The members of one shard."""
        shard = self._shards[index]
        for start in range(0, len(shard), SLOT):
            yield bytes(shard[start : start + SLOT])

    def _kept(self, other: IdSet, *, present: bool) -> IdSet:
        made, theirs = IdSet(), other._shards
        for index in self._used():
            for kept in self._members(index):
                if (bool(theirs[index]) and _holds(theirs[index], kept)) is present:
                    made._put(index, kept)
        return made

    def __or__(self, other: IdSet) -> IdSet:
        made = self.copy()
        made.update(other)
        return made

    def __and__(self, other: IdSet) -> IdSet:
        return self._kept(other, present=True)

    def __sub__(self, other: IdSet) -> IdSet:
        return self._kept(other, present=False)

    def __bool__(self) -> bool:
        return self._count > 0

    def __eq__(self, other: object) -> bool:
        """The same ids (what the row split's tests compare of a process's state)."""
        if not isinstance(other, IdSet):
            return NotImplemented
        return len(self) == len(other) and not other - self

    __hash__ = None  # type: ignore[assignment]  # changes as it grows, as a set
