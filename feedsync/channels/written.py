"""The ids a channel writes, each once: the channel keys its items on the id, so two items written with one are one
to it (MDL021). Source ids are unique (MDL008); a profile's id field can still make one id of two (``{{ sku | lower
}}``, a per-product override), and Google reads ids apart only in letter case as one (answer/6324405)."""

from __future__ import annotations

from dataclasses import dataclass

from feedsync.diagnostics import Diagnostic, Location
from feedsync.diagnostics.codes import make
from feedsync.idset import IdSet, digest


@dataclass(frozen=True, slots=True)
class WrittenIds:
    """The ids of a channel's kept items (``ids``: ``CompiledChannel.written_ids``, which a row split's shares
    check across them), as the channel tells them apart: ``fold``, ids apart only in letter case are one."""

    attribute: str
    fold: bool
    ids: IdSet

    def key(self, written: str) -> str:
        return written.lower() if self.fold else written

    def vacancy(self, written: str) -> tuple[str, tuple[int, bytes]] | None:
        """Where the id ``written`` is to be added once its item is kept (``fill``), or None when an earlier kept
        item has it: one set search an item."""
        key = self.key(written)
        vacancy = self.ids.vacancy(key, digest(key))
        return (key, vacancy) if vacancy is not None else None

    def fill(self, made: tuple[str, tuple[int, bytes]]) -> None:
        self.ids.fill(*made)

    def finding(self, written: str, channel: str, product_id: str, location: Location | None) -> Diagnostic:
        """MDL021 of the item of ``product_id`` (at ``location``) written with an id an earlier kept item has."""
        same = "(ignoring letter case: Google reads 'abc123' and 'ABC123' as one product) " if self.fold else ""
        message = (
            f"{self.attribute} {written!r} is {same}the {self.attribute} of an earlier item in this channel's feed "
            f"too, and the channel keeps one item per {self.attribute}: the item of {product_id!r} is left out. Make "
            f"the channel's {self.attribute} field give each variant its own"
        )
        return make(
            "MDL021", message, channel=channel, product_id=product_id, field=self.attribute, value=written,
            location=location,
        )  # fmt: skip


def written_ids(attribute: str | None, fold: bool, ids: IdSet) -> WrittenIds | None:
    """The check of a channel that keys its items on ``attribute`` (None: a channel whose items share ids)."""
    return WrittenIds(attribute, fold, ids) if attribute is not None else None
