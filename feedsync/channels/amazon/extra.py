"""Channel fields the Amazon encoder does not write itself, written as the attribute they name.

A field ``NAME`` sets ``NAME[0].value``; ``NAME__SUB`` sets the sub-property ``SUB`` (``list_price__currency``),
``NAME__SUB__PART`` a part of a nested one (``item_display_dimensions__length__unit``). Where the product type's
definition is known, the value is converted to the type the definition declares (integer, number, boolean),
``language_tag`` is added where the attribute has one, and a field that names no attribute of the product type
is left out (the channel tells once per product type, AMZ018); ``marketplace_id`` is always added.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

KNOWN_FIELDS = frozenset(
    {
        "sku", "parent_sku", "product_type", "asin", "item_name", "parent_name", "brand", "gtin", "bullet_point",
        "product_description", "condition", "price", "currency", "sale_price", "sale_start", "sale_end", "quantity",
        "main_image", "other_images", "color", "size", "material", "pattern", "weight_value", "weight_unit",
        "variation_theme",
    }
)  # fmt: skip
_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n"}


def mapped_keys(values: Iterable[str]) -> tuple[str, ...]:
    """The fields that are written as the attribute they name (not the encoder's own)."""
    if type(values) is not dict:
        return tuple([key for key in values if key not in KNOWN_FIELDS])
    if values.keys() <= KNOWN_FIELDS:
        return ()  # most items: the encoder's own fields only (one set comparison)
    names = tuple(values)  # a channel's items have the same fields, in the same order: answered once
    keys = _MAPPED.get(names)
    if keys is None:
        if len(_MAPPED) >= 256:
            _MAPPED.clear()
        keys = _MAPPED[names] = tuple([key for key in names if key not in KNOWN_FIELDS])
    return keys


_MAPPED: dict[tuple[str, ...], tuple[str, ...]] = {}
"""An item's field names -> the mapped ones among them."""


def mapped_texts(values: Mapping[str, Any], keys: Sequence[str]) -> tuple[str, ...] | None:
    """The values of the mapped fields ``keys`` when each is a text, else None: what a run of items that map the same
    texts has in common (a value of another type is not compared: ``True == 1``, and ``==`` of any object)."""
    texts = tuple(map(values.__getitem__, keys))  # (in C: asked of every item with a mapped field, twice)
    return texts if {*map(type, texts)} <= _TEXT_ONLY else None


_TEXT_ONLY = frozenset((str,))


def _split(key: str) -> tuple[str, list[str]]:
    name, *parts = key.split("__")
    return name, parts or ["value"]


def _items(schema: Any) -> dict[str, Any]:
    """The object schema of an attribute entry (the ``items`` of an array, or the schema itself)."""
    if not isinstance(schema, dict):
        return {}
    inner = schema.get("items") if schema.get("type") == "array" or "items" in schema else schema
    return inner if isinstance(inner, dict) else {}


def declared(properties: Mapping[str, Any], key: str) -> tuple[bool, dict[str, Any] | None]:
    """(the product type has the attribute, the schema of the part the key sets; None when it has no such part)."""
    name, parts = _split(key)
    if name not in properties:
        return False, None
    schema: dict[str, Any] = _items(properties[name])
    for part in parts:
        sub = (schema.get("properties") or {}).get(part)
        if not isinstance(sub, dict):
            return True, None
        schema = _items(sub) if sub.get("type") == "array" else sub
    return True, schema


_SHAPED = ("integer", "number", "boolean")


def _shaped(value: Any, declared: Any) -> Any:
    kind = declared.get("type") if isinstance(declared, dict) else None
    if not isinstance(value, str) or kind not in _SHAPED:
        return value
    if kind == "boolean":  # anything else (ja, oui, a typo) is left as text: the definition check reports it
        word = value.strip().lower()
        return True if word in _TRUE else False if word in _FALSE else value
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        return value  # the definition check reports the wrong type
    if not number.is_finite():  # NaN, Infinity: no JSON number (the definition check reports the text)
        return value
    if kind == "integer" and number == number.to_integral_value():
        return int(number)
    return int(number) if number == number.to_integral_value() and "." not in value else float(value)


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a field's value goes in its attribute's entry, read from the product type's definition once per
    product type and field: the nested objects (or one-entry arrays) on the way, each with whether it has a
    ``language_tag``; the part set and its declared schema (the value's type); whether the entry has a
    ``language_tag``. None for a field that names no attribute of the product type."""

    name: str
    steps: tuple[tuple[str, bool, bool], ...]  # (part, an array of one object, the object has a language_tag)
    last: str
    declared: Any
    tagged: bool
    shapes: bool  # the part is declared a number or boolean: a text value is converted (``_shaped``)


def placement(key: str, properties: Mapping[str, Any] | None) -> Placement | None:
    name, parts = _split(key)
    if properties is not None and name not in properties:
        return None  # not an attribute of this product type: left out (AMZ018 tells once per type)
    schema: dict[str, Any] = _items((properties or {}).get(name))
    steps: list[tuple[str, bool, bool]] = []
    for part in parts[:-1]:
        sub = (schema.get("properties") or {}).get(part)
        array = isinstance(sub, dict) and sub.get("type") == "array"
        schema = _items(sub) if array else sub if isinstance(sub, dict) else {}
        steps.append((part, array, "language_tag" in (schema.get("properties") or {})))
    declared = (schema.get("properties") or {}).get(parts[-1])
    tagged = "language_tag" in (_items((properties or {}).get(name)).get("properties") or {})
    kind = declared.get("type") if isinstance(declared, dict) else None
    return Placement(name, tuple(steps), parts[-1], declared, tagged, kind in _SHAPED)


def _place(attributes: dict[str, list[dict[str, Any]]], where: Placement, value: Any, market: str, tag: str) -> Any:
    """Set ``value`` at its place inside the attribute's entry, making the nested objects (or one-entry arrays);
    a nested object with a ``language_tag`` gets the marketplace's. Returns the value set (converted)."""
    top = entry = attributes.setdefault(where.name, [{}])[0]
    for part, array, tagged in where.steps:
        entry = entry.setdefault(part, [{}])[0] if array else entry.setdefault(part, {})
        if tagged:
            entry.setdefault("language_tag", tag)
    entry[where.last] = placed = _shaped(value, where.declared) if where.shapes else value
    if where.tagged:
        top.setdefault("language_tag", tag)
    top.setdefault("marketplace_id", market)
    return placed


def extra_attributes(
    values: Mapping[str, Any],
    properties: Mapping[str, Any] | None,
    marketplace_id: str,
    language_tag: str,
    placements: dict[str, Placement | None] | None = None,
    placed: list[Any] | None = None,
    keys: Sequence[str] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """The attributes the mapped fields of ``values`` set; ``placements``: where each field goes for this product
    type, kept by the caller (filled as fields are met) when it writes many items of the same product type;
    ``placed``: takes each value set, as it was set (converted to the declared type); ``keys``: the mapped fields,
    when the caller has them (``mapped_keys``)."""
    attributes: dict[str, list[dict[str, Any]]] = {}
    for key in mapped_keys(values) if keys is None else keys:
        if placements is None:
            where = placement(key, properties)
        elif key in placements:
            where = placements[key]
        else:
            where = placements[key] = placement(key, properties)
        if where is not None:
            value = _place(attributes, where, values[key], marketplace_id, language_tag)
            if placed is not None:
                placed.append(value)
    return attributes


def enum_problem(properties: Mapping[str, Any], key: str, value: Any) -> list[Any] | None:
    """The allowed values when the definition closes the part ``key`` sets to an enum and ``value`` is not one."""
    return enum_problem_in(declared(properties, key)[1], value)


def enum_problem_in(schema: dict[str, Any] | None, value: Any) -> list[Any] | None:
    """:func:`enum_problem` with the schema of the part (``declared``) read already."""
    allowed = schema.get("enum") if schema else None
    if not isinstance(allowed, list) or not isinstance(value, str):
        return None
    return None if _shaped(value, schema) in allowed else allowed


def unknown_fields(keys: Iterable[str], type_properties: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Field -> why it is refused: it names an attribute (or a part of one) of none of the product types."""
    names = sorted({name for properties in type_properties.values() for name in properties})
    types = ", ".join(sorted(type_properties))
    refused: dict[str, str] = {}
    for key in mapped_keys(keys):
        name, parts = _split(key)
        found = [declared(properties, key) for properties in type_properties.values()]
        if not any(has for has, _ in found):
            close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            refused[key] = f"{name} is not an attribute of product type {types}{hint}"
        elif all(schema is None for _, schema in found):
            subs = sorted(
                {
                    part
                    for properties in type_properties.values()
                    if name in properties
                    for part in (_items(properties[name]).get("properties") or {})
                }
            )
            refused[key] = (
                f"{name} has no part {'__'.join(parts)} in product type {types}; its parts: {', '.join(subs)} "
                f"(set one with {name}__PART)"
            )
    return refused
