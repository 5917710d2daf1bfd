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
    return _compile(schema)[0]


def _compile(schema: Any) -> tuple[Cut | None, frozenset[str] | None]:
    """The cut for values of ``schema``, and the keys it declares when it is a closed object with nothing to cut
    below it (the common entry: a list of them is cut without a call per entry)."""
    if not isinstance(schema, dict):
        return None, None
    items = schema.get("items")
    if isinstance(items, dict):
        each, flat = _compile(items)
        if each is None:
            return None, None
        if flat is not None:
            return _flat_list(flat), None
        return _each(each), None
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return None, None
    closed = schema.get("additionalProperties") is False and not schema.get("patternProperties")
    subs = {name: cut for name, sub in properties.items() if (cut := _cut(sub)) is not None}
    if not closed and not subs:
        return None, None
    declared = frozenset(properties)
    if not subs:
        return _flat(declared), declared

    def cut_object(value: Any) -> None:
        if not isinstance(value, dict):
            return
        if closed and not declared.issuperset(value):  # most entries: nothing to cut (one set comparison)
            for key in [k for k in value if k not in declared]:
                del value[key]
        for name, cut in subs.items():
            if name in value:
                cut(value[name])

    return cut_object, None


def _compile_entries(schema: Any) -> tuple[Cut | None, frozenset[str] | None]:
    """The cut for values of ``schema``, and the keys of its entries when it is a list of closed objects with nothing
    to cut below them (``_compile``'s flat list; else None)."""
    items = schema.get("items") if isinstance(schema, dict) else None
    if isinstance(items, dict):
        each, keys = _compile(items)
        if each is not None and keys is not None:
            return _flat_list(keys), keys
    return _cut(schema), None


def _each(each: Cut) -> Cut:
    def cut_list(value: Any) -> None:
        if isinstance(value, list):
            for entry in value:
                each(entry)

    return cut_list


def _flat(declared: frozenset[str]) -> Cut:
    """A closed object with nothing to cut below it: the keys it does not declare."""

    def cut_object(value: Any) -> None:
        if isinstance(value, dict) and not declared.issuperset(value):
            for key in [k for k in value if k not in declared]:
                del value[key]

    return cut_object


def _flat_list(declared: frozenset[str]) -> Cut:
    """A list of closed objects with nothing to cut below them."""

    def cut_list(value: Any) -> None:
        if isinstance(value, list):
            for entry in value:
                if isinstance(entry, dict) and not declared.issuperset(entry):
                    for key in [k for k in entry if k not in declared]:
                        del entry[key]

    return cut_list


class Allowed:
    """The attributes of one definition and the cut of each (compiled once)."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        properties: Mapping[str, Any] = schema.get("properties") or {}
        self.names = frozenset(properties)
        self.closed = schema.get("additionalProperties") is False
        compiled = {name: _compile_entries(sub) for name, sub in properties.items()}
        self._cuts = {name: cut for name, (cut, _) in compiled.items() if cut is not None}
        # attribute -> the keys its entries may have, where its cut is that of a list of closed entries with nothing
        # to cut below them (most attributes): a one-entry list within them is looked at without a call
        self._flat = {name: keys for name, (_, keys) in compiled.items() if keys is not None}
        self._last: dict[str, Any] = {}  # attribute -> the entries cut last: the same object again is cut already

    def cut(self, attributes: dict[str, Any]) -> list[str]:
        """Removes from a message's attributes what the definition does not allow; returns the attributes it lacks
        (removed whole; only when the definition closes the message to the attributes it declares). Entries shared
        by messages (made once, never changed after) are cut once: the object cut last is not cut again."""
        lacking = []
        if self.closed and not self.names.issuperset(attributes):  # most messages: one set comparison
            lacking = [name for name in attributes if name not in self.names]
            for name in lacking:
                del attributes[name]
        cuts, last, flat = self._cuts, self._last, self._flat
        for name, value in attributes.items():
            if last.get(name) is value:  # shared entries, cut already (most of a message's)
                continue
            cut = cuts.get(name)
            if cut is None:
                continue
            last[name] = value
            keys = flat.get(name)
            if keys is not None and type(value) is list and len(value) == 1:
                entry = value[0]
                if type(entry) is dict and keys.issuperset(entry):
                    continue  # one entry, nothing of it to cut (an item's own name, identifier, image)
            cut(value)
        return lacking
