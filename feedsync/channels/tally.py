"""Findings a channel tells once per attribute and value with the number of items, instead of once per item (a
feed of 10,000 items with one unknown category value gets one warning, not 10,000)."""

from __future__ import annotations

from dataclasses import dataclass, field

from feedsync.diagnostics import Diagnostic, Location
from feedsync.diagnostics.codes import make


@dataclass
class Tally:
    counts: dict[tuple[str, str, str], int] = field(default_factory=dict)
    first: dict[tuple[str, str, str], tuple[str, str, Location | None]] = field(default_factory=dict)
    """(code, attribute, value) -> (message, first item id, its source position)."""

    def add(self, code: str, attribute: str, value: str, message: str, item_id: str, location: Location | None) -> None:
        key = (code, attribute, value)
        self.counts[key] = self.counts.get(key, 0) + 1
        self.first.setdefault(key, (message, item_id, location))

    def findings(self, channel: str) -> list[Diagnostic]:
        """One diagnostic per (code, attribute, value), saying how many items and which came first; then empty."""
        found = []
        for key, count in self.counts.items():
            code, attribute, value = key
            message, item_id, location = self.first[key]
            found.append(
                make(
                    code,
                    f"{message} ({count} item(s); the first: {item_id})",
                    channel=channel,
                    product_id=item_id,
                    field=attribute or None,
                    value=value[:200],
                    location=location,
                )
            )
        self.counts.clear()
        self.first.clear()
        return found
