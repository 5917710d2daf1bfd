"""Mapped Amazon fields placed from a placement read once per product type and field: the same attributes as
walking the definition for every item did, for every attribute and part of the real definitions; the message
checks' answers (AMZ017 enums) from the declared parts read once are the same as read each time."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from feedsync.channels.amazon.allowed import Allowed
from feedsync.channels.amazon.extra import (
    _items,
    _shaped,
    _split,
    declared,
    enum_problem,
    extra_attributes,
    mapped_keys,
)
from tests.channels.amazon_reference import DEFINITIONS, SHARED_FILES, load


def _reference_place(
    entry: dict[str, Any], name: str, parts: list[str], properties: Mapping[str, Any], value: Any, tag: str
) -> None:
    """The placement as it was: the definition walked for each value."""
    schema: dict[str, Any] = _items((properties or {}).get(name))
    for part in parts[:-1]:
        sub = (schema.get("properties") or {}).get(part)
        if isinstance(sub, dict) and sub.get("type") == "array":
            entry = entry.setdefault(part, [{}])[0]
            schema = _items(sub)
        else:
            entry = entry.setdefault(part, {})
            schema = sub if isinstance(sub, dict) else {}
        if "language_tag" in (schema.get("properties") or {}):
            entry.setdefault("language_tag", tag)
    entry[parts[-1]] = _shaped(value, (schema.get("properties") or {}).get(parts[-1]))


def _reference(values: Mapping[str, Any], properties: Mapping[str, Any] | None) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    for key in mapped_keys(values):
        name, parts = _split(key)
        if properties is not None and name not in properties:
            continue
        entry = attributes.setdefault(name, [{}])[0]
        _reference_place(entry, name, parts, properties or {}, values[key], "de_DE")
        if "language_tag" in (_items((properties or {}).get(name)).get("properties") or {}):
            entry.setdefault("language_tag", "de_DE")
        entry.setdefault("marketplace_id", "M1")
    return attributes


def _keys(name: str, schema: Any, depth: int = 0) -> Iterator[str]:
    """Every field key that names a part of an attribute (to three levels), and one part it lacks."""
    entry = _items(schema)
    parts = entry.get("properties") or {}
    yield name
    yield f"{name}__no_such_part"
    for part, sub in parts.items():
        yield f"{name}__{part}"
        if depth < 1 and isinstance(sub, dict):
            yield from (f"{name}__{key.split('__', 1)[1]}" for key in _keys(part, sub, depth + 1) if "__" in key)


VALUES = ("10", "5.5", "true", "no", "CN", "", "1e3")


@pytest.mark.parametrize("name", SHARED_FILES)
def test_placements_read_once_place_every_field_as_walking_the_definition_did(name: str) -> None:
    properties = json.loads((DEFINITIONS / name).read_text(encoding="utf-8"))["properties"]
    keys = [key for attribute, schema in properties.items() for key in _keys(attribute, schema)]
    keys += ["not_an_attribute", "not_an_attribute__value"]
    placements: dict[str, Any] = {}
    for properties_or_none in (properties, None):
        placements = {}
        for round_number, value in enumerate(VALUES):
            values = {key: value for key in keys}
            expected = _reference(values, properties_or_none)
            assert extra_attributes(values, properties_or_none, "M1", "de_DE") == expected
            # the same placements for every item (filled by the first)
            assert extra_attributes(values, properties_or_none, "M1", "de_DE", placements) == expected
            assert len(placements) == len(mapped_keys(values)), round_number
            # and the key order the feed is written in
            assert json.dumps(extra_attributes(values, properties_or_none, "M1", "de_DE", placements)) == json.dumps(
                expected
            )


@pytest.mark.parametrize("name", SHARED_FILES)
def test_the_enum_answer_from_the_declared_part_is_the_answer_read_each_time(name: str) -> None:
    properties = load(DEFINITIONS / name)["properties"]
    keys = [key for attribute, schema in properties.items() for key in _keys(attribute, schema)]
    refused = 0
    for key in keys:
        schema = declared(properties, key)[1]
        enum = schema.get("enum") if schema else None
        for value in ("not_in_any_enum", *(enum or [])[:2]):
            expected = enum_problem(properties, key, value)
            has_enum = bool(schema) and isinstance(enum, list)
            assert expected is None or has_enum  # the checker skips parts without an enum list
            refused += expected is not None
    assert refused > 10  # the real definitions close many parts to an enum


@pytest.mark.parametrize("name", SHARED_FILES)
def test_a_closed_entry_with_only_declared_keys_is_left_as_it_is_and_others_are_cut(name: str) -> None:
    schema = json.loads((DEFINITIONS / name).read_text(encoding="utf-8"))
    allowed = Allowed(schema)
    attributes = {
        "item_name": [{"value": "A", "language_tag": "en_US", "marketplace_id": "M"}],
        "purchasable_offer": [
            {"marketplace_id": "M", "currency": "USD", "audience": "ALL", "surprise": 1, "our_price": [{"x": 1}]}
        ],
    }
    before = json.loads(json.dumps(attributes))
    allowed.cut(attributes)
    assert attributes["item_name"] == before["item_name"]  # every key declared: nothing cut
    offer_schema = _items(schema["properties"]["purchasable_offer"])
    assert "surprise" not in attributes["purchasable_offer"][0]
    if offer_schema.get("additionalProperties") is False:
        kept = set(before["purchasable_offer"][0]) & set(offer_schema.get("properties") or {})
        assert set(attributes["purchasable_offer"][0]) == kept


def test_a_number_that_is_not_finite_stays_a_text() -> None:
    """NaN and Infinity are no JSON number: the text is written as it is (the definition check reports its type),
    where converting it failed with a traceback."""
    for text in ("NaN", "sNaN", "Infinity", "-Infinity", " inf "):
        for kind in ("integer", "number"):
            assert _shaped(text, {"type": kind}) == text
    assert _shaped("2", {"type": "integer"}) == 2 and _shaped("2.5", {"type": "number"}) == 2.5
