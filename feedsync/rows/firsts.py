"""The SKUs a later share of a row split reads before any other of its products has them (``FirstSkus``): where a
share before it read one too, one process would have told there that it is shared (MDL012). The merge puts those
findings in the share's findings where that process told them (``FirstSkus.told``), instead of the share being made
again from the state of the shares before it only to tell them."""

from __future__ import annotations

import marshal
from array import array

from feedsync.diagnostics.diagnostic import finding_fields, located
from feedsync.diagnostics.findings import Fields
from feedsync.idset import SLOT, IdSet
from feedsync.stream import shared_sku


class FirstSkus:
    """Per SKU a share read first: its digest (``idset.digest``'s first ``SLOT`` bytes), how many findings the share
    had told before it, and what the finding names (marshalled; the file by its number in ``_paths``), in flat
    memory: about 60 bytes a SKU."""

    __slots__ = ("_at", "_ends", "_kept", "_named", "_paths")

    def __init__(self) -> None:
        self._kept = bytearray()
        self._at = array("Q")
        self._named = bytearray()
        self._ends = array("Q")
        self._paths: dict[str | None, int] = {}

    def note(
        self, hashed: bytes, position: int, sku: str, product_id: str | None, path: str | None, row: int | None
    ) -> None:
        """A SKU read first, by the product ``product_id`` at ``path``'s ``row``, after ``position`` findings."""
        self._kept += hashed[:SLOT]
        self._at.append(position)
        number = self._paths.setdefault(path, len(self._paths))
        self._named += marshal.dumps((sku, product_id, number, row))
        self._ends.append(len(self._named))

    def told(self, earlier: IdSet) -> list[tuple[int, str | None, Fields]]:
        """The findings one process would have told of the SKUs the shares before read too (``earlier``: their
        SKUs), each with the number of the share's findings told before it and its product, in order."""
        found: list[tuple[int, str | None, Fields]] = []
        kept, named, ends, paths = self._kept, self._named, self._ends, list(self._paths)
        for index, position in enumerate(self._at):
            if earlier.has_digest(kept[index * SLOT : (index + 1) * SLOT]):
                start = ends[index - 1] if index else 0
                sku, product_id, number, row = marshal.loads(named[start : ends[index]])
                path = paths[number]  # (None: a product of no source position)
                finding = shared_sku(sku, product_id, located(path, row, {}, None) if path is not None else None)
                found.append((position, product_id, finding_fields(finding)))  # (fields: flat until the merge)
        return found
