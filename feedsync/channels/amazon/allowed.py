"""What a product type definition allows a message to carry: the encoder's own attributes cut to it.

The encoder writes a fixed set of attributes (size, material, pattern, images, ``purchasable_offer.audience``, ...).
A definition may lack some of them (PRODUCT has no ``size``) or close an entry to the parts it declares
(``additionalProperties: false`` without ``audience``). With a definition, :class:`Allowed` removes what it does
not declare, compiled once per definition: an attribute the definition lacks, a part of an entry a closed entry
lacks (at any depth). Without a definition nothing is cut.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Cut = Callable[[Any], None]
"""Removes, in place, the parts of a value its schema does not allow."""


def _cut(schema: Any) -> Cut | None:
    """The cut for values of ``schema``; None when nothing under it can be cut."""
    if not isinstance(schema, dict):
        return None
    items = schema.get("items")
    if isinstance(items, dict):
        each = _cut(items)
        if each is None:
            return None

        def cut_list(value: Any) -> None:
            if isinstance(value, list):
                for entry in value:
                    each(entry)

        return cut_list
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return None
    closed = schema.get("additionalProperties") is False and not schema.get("patternProperties")
    subs = {name: cut for name, sub in properties.items() if (cut := _cut(sub)) is not None}
    if not closed and not subs:
        return None
    declared = frozenset(properties)

    def cut_object(value: Any) -> None:
        if not isinstance(value, dict):
            return
        if closed and not declared.issuperset(value):  # most entries: nothing to cut (one set comparison)
            for key in [k for k in value if k not in declared]:
                del value[key]
        for name, cut in subs.items():
            if name in value:
                cut(value[name])

    return cut_object


class Allowed:
    """The attributes of one definition and the cut of each (compiled once)."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        properties: Mapping[str, Any] = schema.get("properties") or {}
        self.names = frozenset(properties)
        self.closed = schema.get("additionalProperties") is False
        self._cuts = {name: cut for name, sub in properties.items() if (cut := _cut(sub)) is not None}

    def cut(self, attributes: dict[str, Any]) -> list[str]:
        """Removes from a message's attributes what the definition does not allow; returns the attributes it lacks
        (removed whole; only when the definition closes the message to the attributes it declares)."""
        lacking = [name for name in attributes if name not in self.names] if self.closed else []
        for name in lacking:
            del attributes[name]
        cuts = self._cuts
        for name, value in attributes.items():
            cut = cuts.get(name)
            if cut is not None:
                cut(value)
        return lacking
