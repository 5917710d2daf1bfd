"""The ids a channel writes, each once (MDL021): the channel keys its items on the id (Google's, Meta's and
Pinterest's ``id``, Amazon's ``sku``), so two items written with one are one item to it. Source ids are unique
(MDL008); a profile's id field can still make one id of two (``{{ group_id }}``, ``{{ sku | lower }}``, a cut, a
per-product override column). Amazon's parent SKUs, written once per family, are keyed with the SKUs: a parent
SKU another item has as its SKU (or its own) is one listing to Amazon too.

Ids are compared as written: Google's, Meta's and Amazon's ids are case-sensitive (Google's Merchant Center help,
answer/6324405, only warns that ids apart in letter case are one to Ads filters).

The sets live on the compiled channel (``CompiledChannel.written_ids``, ``written_parents``), so that a row split
checks them across its shares as it checks the channels' other sets (``rows.share.crossing``). Every engine asks
``clash`` of an item it would keep and ``keep`` once it keeps it: the per-row sink, the columnar gate, the row cache's
replay."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from feedsync.diagnostics import Diagnostic, Location
from feedsync.diagnostics.codes import make
from feedsync.idset import IdSet, digest

PARENT = "parent_sku"
"""The attribute a clash of a parent id is told of (Amazon's: the only channel that writes parents)."""
_last: tuple[str, bytes] = ("", digest(""))
"""The last id hashed and its digest: the channels of a run mostly write a product's own id, each its own copy of
it (Google's id, Meta's id, Amazon's SKU), hashed once for them all."""


class WrittenIds:
    """The ids of a channel's kept items (``attribute``) and the parents they wrote (``parent_of``: an item's
    parent id, or None), in ``ids``; the parents alone in ``parents``."""

    __slots__ = ("_parent", "_pending", "attribute", "ids", "parent_of", "parents")

    def __init__(
        self,
        attribute: str,
        parent_of: Callable[[Mapping[str, Any]], str | None] | None,
        ids: IdSet,
        parents: IdSet,
    ) -> None:
        self.attribute, self.parent_of, self.ids, self.parents = attribute, parent_of, ids, parents
        self._pending: tuple[str, tuple[int, bytes]] | None = None
        self._parent: str | None = None

    def clash(self, written: str, parent: str | None = None, hashed: bytes | None = None) -> str | None:
        """The attribute whose id an earlier kept item (or parent) has, of an item to write with the id ``written``
        and the parent ``parent`` (its family's, written with the first of its items kept); None: no clash, and
        ``keep`` adds them once the item is kept. One set search an item (two for a family's first). ``hashed``:
        ``idset.digest(written)``, when the caller has it."""
        if hashed is None:
            global _last
            if written == _last[0]:
                hashed = _last[1]
            else:
                hashed = digest(written)
                _last = (written, hashed)
        vacancy = self.ids.vacancy(written, hashed)
        if vacancy is None:
            return self.attribute
        new = None
        if parent is not None and parent not in self.parents:  # (a family's variants: the set's last answer)
            if parent == written or parent in self.ids:
                return PARENT
            new = parent
        self._pending, self._parent = (written, vacancy), new
        return None

    def forget(self) -> None:
        """The next item kept is not keyed (it has no text id): ``keep`` adds nothing."""
        self._pending = None

    def keep(self) -> None:
        """The item ``clash`` was last asked of is kept: its ids are written (none: it was not keyed)."""
        pending = self._pending
        if pending is None:
            return
        self._pending = None
        self.ids.fill(*pending)
        parent = self._parent
        if parent is not None:
            self.parents.add(parent)
            self.ids.add(parent)

    def item_clash(self, values: Mapping[str, Any]) -> tuple[str, str] | None:
        """``clash`` of an item's ``values`` (the attribute and its value, or None); an item without a text id is
        not keyed (its channel's checks tell it lacks one)."""
        written = values.get(self.attribute)
        if type(written) is not str:
            self._pending = None
            return None
        parent = self.parent_of(values) if self.parent_of is not None else None
        clashed = self.clash(written, parent)
        if clashed is None:
            return None
        return clashed, written if clashed == self.attribute else parent  # type: ignore[return-value]

    def finding(
        self, attribute: str, written: str, channel: str, product_id: str, location: Location | None
    ) -> Diagnostic:
        """MDL021 of the item of ``product_id`` (at ``location``) whose ``attribute`` ``written`` an earlier kept
        item of the channel has (as its id, or as its parent's)."""
        parent = written in self.parents
        if attribute == self.attribute:
            earlier = f"the {PARENT} of an earlier family" if parent else f"the {self.attribute} of an earlier item"
            said = f"{attribute} {written!r} is {earlier} in this channel's feed too"
        else:  # the parent its family would write: a kept item's sku (an earlier item's, or its own)
            said = (
                f"{attribute} {written!r}, the parent its family would write, is the {self.attribute} of an item in "
                "this channel's feed too (an earlier item's, or this item's own)"
            )
        fields = f"{self.attribute} and {PARENT} fields" if parent or attribute != self.attribute else "id field"
        message = (
            f"{said}, and the channel keeps one listing per {self.attribute}: the item of id {product_id!r} is left "
            f"out. Make the channel's {fields} give each its own (where the source gives a variant no SKU, its id is "
            "made of its product's handle and option values: give it a SKU in the source)"
        )
        return make(
            "MDL021", message, channel=channel, product_id=product_id, field=attribute, value=written[:200],
            location=location,
        )  # fmt: skip


def written_ids(
    attribute: str | None,
    parent_of: Callable[[Mapping[str, Any]], str | None] | None,
    ids: IdSet,
    parents: IdSet,
) -> WrittenIds | None:
    """The check of a channel that keys its items on ``attribute`` (None: a channel whose items share ids)."""
    return WrittenIds(attribute, parent_of, ids, parents) if attribute is not None else None
