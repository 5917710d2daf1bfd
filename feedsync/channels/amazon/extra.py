"""Channel fields the Amazon encoder does not write itself, written as the attribute they name.

A field ``NAME`` sets ``NAME[0].value``; ``NAME__SUB`` sets the sub-property ``SUB`` (``list_price__currency``).
Where the product type's definition is known, the value is converted to the type the definition declares
(integer, number, boolean) and ``language_tag`` is added where the attribute has one; ``marketplace_id`` is
always added. (A stop-gap until attributes are shaped fully by the definition.)
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

KNOWN_FIELDS = frozenset(
    {
        "sku", "parent_sku", "product_type", "asin", "item_name", "parent_name", "brand", "gtin", "bullet_point",
        "product_description", "condition", "price", "currency", "sale_price", "sale_start", "sale_end", "quantity",
        "main_image", "other_images", "color", "size", "material", "pattern", "weight_value", "weight_unit",
    }
)  # fmt: skip
_TRUE = {"true", "yes", "1", "y"}


def _shaped(value: Any, declared: Any) -> Any:
    kind = declared.get("type") if isinstance(declared, dict) else None
    if not isinstance(value, str) or kind not in ("integer", "number", "boolean"):
        return value
    if kind == "boolean":
        return value.strip().lower() in _TRUE
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        return value  # the definition check reports the wrong type
    if kind == "integer" and number == number.to_integral_value():
        return int(number)
    return int(number) if number == number.to_integral_value() and "." not in value else float(value)


def extra_attributes(
    values: Mapping[str, Any], properties: Mapping[str, Any] | None, marketplace_id: str, language_tag: str
) -> dict[str, list[dict[str, Any]]]:
    attributes: dict[str, list[dict[str, Any]]] = {}
    for key, value in values.items():
        if key in KNOWN_FIELDS:
            continue
        name, _, sub = key.partition("__")
        sub = sub or "value"
        item_schema = ((properties or {}).get(name) or {}).get("items") or {}
        declared = (item_schema.get("properties") or {}) if isinstance(item_schema, dict) else {}
        entry = attributes.setdefault(name, [{}])[0]
        entry[sub] = _shaped(value, declared.get(sub))
        if "language_tag" in declared:
            entry.setdefault("language_tag", language_tag)
        entry.setdefault("marketplace_id", marketplace_id)
    return attributes
