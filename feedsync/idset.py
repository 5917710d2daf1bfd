"""A set of ids in flat memory: 16 bytes a member (a 128-bit BLAKE2b digest in an open-addressing table),
where a Python set of strings costs about 140. Streaming a million-variant catalog keeps every id seen to find
duplicates; this keeps that under 50 MB. Two different ids share a digest with odds of about 1e-27 at a
million members."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

SLOT = 16
EMPTY = bytes(SLOT)


class IdSet:
    def __init__(self, capacity: int = 1 << 12) -> None:
        self._slots = 1 << max(4, (capacity - 1).bit_length())
        self._table = bytearray(self._slots * SLOT)
        self._count = 0

    def __len__(self) -> int:
        return self._count

    @staticmethod
    def _digest(key: str) -> bytes:
        digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=SLOT).digest()
        return digest if digest != EMPTY else b"\x01" + digest[1:]

    def _find(self, digest: bytes) -> tuple[int, bool]:
        """(slot index, whether the digest is there): its slot, or the empty slot it would take."""
        table, mask = self._table, self._slots - 1
        index = int.from_bytes(digest[:8], "little") & mask
        while True:
            start = index * SLOT
            found = table[start : start + SLOT]
            if found == digest:
                return index, True
            if found == EMPTY:
                return index, False
            index = (index + 1) & mask

    def __contains__(self, key: str) -> bool:
        return self._find(self._digest(key))[1]

    def add(self, key: str) -> bool:
        """Add ``key``; True when it was not there yet."""
        digest = self._digest(key)
        index, present = self._find(digest)
        if present:
            return False
        start = index * SLOT
        self._table[start : start + SLOT] = digest
        self._count += 1
        if self._count * 2 > self._slots:
            self._grow()
        return True

    def _grow(self) -> None:
        old = self._table
        self._slots *= 2
        self._table = bytearray(self._slots * SLOT)
        for start in range(0, len(old), SLOT):
            digest = bytes(old[start : start + SLOT])
            if digest != EMPTY:
                index, _ = self._find(digest)
                self._table[index * SLOT : index * SLOT + SLOT] = digest

    def _digests(self) -> Iterator[bytes]:
        table = self._table
        for start in range(0, len(table), SLOT):
            digest = bytes(table[start : start + SLOT])
            if digest != EMPTY:
                yield digest

    def isdisjoint(self, other: IdSet) -> bool:
        """Whether no id is in both sets."""
        small, large = (self, other) if len(self) <= len(other) else (other, self)
        return not any(large._find(digest)[1] for digest in small._digests())

    def update(self, other: IdSet) -> None:
        """Add every id of ``other``."""
        for digest in other._digests():
            index, present = self._find(digest)
            if not present:
                self._table[index * SLOT : index * SLOT + SLOT] = digest
                self._count += 1
                if self._count * 2 > self._slots:
                    self._grow()
