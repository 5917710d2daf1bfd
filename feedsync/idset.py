"""A set of ids in flat memory: 12 bytes a member in open-addressing tables, where a Python set of strings costs
about 140. Streaming a million-variant catalog keeps every id seen to find duplicates; this keeps that near 20 MB.

Each id's BLAKE2b digest (its first 13 bytes: 104 bits) picks one of 256 tables with its first byte and is kept
there as its other 12 bytes (two different ids share them with odds of about 1e-19 at a million members).
The tables grow one at a time, each by half its size when three quarters full, so growing never holds a second
copy of the whole set, and the memory in use stays between 16 and 24 bytes a member once the set is large
(doubling would give 16 to 32: a quarter more at most sizes, and memory that grows in steps as every table doubles
at about the same time).

The set remembers the last id it was asked of that it holds: a catalog names a product group (or an Amazon parent)
once per variant, one variant after another, and asking again for that id costs one string comparison."""

from __future__ import annotations

from collections.abc import Iterator
from hashlib import blake2b as _blake2b

SLOT = 12
EMPTY = bytes(SLOT)
SHARDS = 256
_MIN_SLOTS = 16
_NOT_EMPTY = b"\x01"


def _digest(key: str) -> bytes:
    """13 bytes of the id's BLAKE2b digest (the full digest: faster than asking for a short one)."""
    return _blake2b(key.encode("utf-8", "surrogatepass")).digest()[: SLOT + 1]


class _Table:
    __slots__ = ("count", "slots", "table")

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self.table = bytearray(slots * SLOT)
        self.count = 0

    def find(self, key: bytes) -> tuple[int, bool]:
        """(slot index, whether ``key`` is there): its slot, or the empty slot it would take."""
        table, slots = self.table, self.slots
        index = int.from_bytes(key[:8], "little") % slots
        while True:
            start = index * SLOT
            if table.startswith(key, start):  # no slice made
                return index, True
            if table.startswith(EMPTY, start):
                return index, False
            index += 1
            if index == slots:
                index = 0

    def __iter__(self) -> Iterator[bytes]:
        """The digests it holds."""
        table = self.table
        for start in range(0, len(table), SLOT):
            key = bytes(table[start : start + SLOT])
            if key != EMPTY:
                yield key

    def put(self, index: int, key: bytes) -> None:
        start = index * SLOT
        self.table[start : start + SLOT] = key
        self.count += 1
        if self.count * 4 > self.slots * 3:
            self._grow()

    def _grow(self) -> None:
        old = list(self)
        self.slots += self.slots // 2
        self.table = bytearray(self.slots * SLOT)
        for key in old:
            index, _ = self.find(key)
            self.table[index * SLOT : index * SLOT + SLOT] = key


class IdSet:
    def __init__(self, capacity: int = 1 << 12) -> None:
        per_table = _MIN_SLOTS
        while per_table * 3 < capacity // SHARDS * 4:
            per_table += per_table // 2
        self._tables = [_Table(per_table) for _ in range(SHARDS)]
        self._count = 0
        self._last: str | None = None  # the last id asked of that the set holds (ids are never removed)

    def __len__(self) -> int:
        return self._count

    @property
    def nbytes(self) -> int:
        """The bytes its tables take."""
        return sum(len(t.table) for t in self._tables)

    def __contains__(self, key: str) -> bool:
        if key == self._last:
            return True
        digest = _digest(key)
        kept = digest[1:]
        if self._tables[digest[0]].find(kept if kept != EMPTY else _NOT_EMPTY + kept[1:])[1]:
            self._last = key
            return True
        return False

    def add(self, key: str) -> bool:
        """Add ``key``; True when it was not there yet."""
        if key == self._last:
            return False
        self._last = key
        digest = _digest(key)
        kept = digest[1:]
        if kept == EMPTY:
            kept = _NOT_EMPTY + kept[1:]
        table = self._tables[digest[0]]
        data, slots = table.table, table.slots
        index = int.from_bytes(kept[:8], "little") % slots
        while True:  # Table.find, inline: this runs once per variant
            start = index * SLOT
            if data.startswith(kept, start):
                return False
            if data.startswith(EMPTY, start):
                break
            index += 1
            if index == slots:
                index = 0
        table.put(index, kept)
        self._count += 1
        return True

    def isdisjoint(self, other: IdSet) -> bool:
        """Whether no id is in both sets."""
        return not any(
            mine.find(kept)[1] for theirs, mine in zip(other._tables, self._tables, strict=True) for kept in theirs
        )

    def update(self, other: IdSet) -> None:
        """Add every id of ``other``."""
        for theirs, mine in zip(other._tables, self._tables, strict=True):
            for kept in theirs:
                index, present = mine.find(kept)
                if not present:
                    mine.put(index, kept)
                    self._count += 1

    def clear(self) -> None:
        """Remove every id (the tables start small again)."""
        self._tables = [_Table(_MIN_SLOTS) for _ in range(SHARDS)]
        self._count = 0
        self._last = None

    def copy(self) -> IdSet:
        """A set of the same ids that grows on its own."""
        made = IdSet(0)
        made.update(self)
        return made

    __copy__ = copy

    def _kept(self, other: IdSet, *, present: bool) -> IdSet:
        made = IdSet(0)
        for mine, theirs, into in zip(self._tables, other._tables, made._tables, strict=True):
            for kept in mine:
                if theirs.find(kept)[1] is present:
                    into.put(into.find(kept)[0], kept)
                    made._count += 1
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
