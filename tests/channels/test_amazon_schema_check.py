"""The compiled definition check gives the verdicts (valid or not, and the failing paths) of the reference
jsonschema validation, on every shared definition, for built messages and mutations of them."""

from __future__ import annotations

import copy
import random
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from feedsync.channels.amazon import schema_check
from feedsync.channels.amazon.schema_check import compile_schema, is_number, number, shared_schema
from tests.channels.amazon_reference import DEFINITIONS, SHARED_FILES, error_paths, load, reference


def _resolve(schema: Any, root: dict[str, Any]) -> Any:
    while isinstance(schema, dict) and "$ref" in schema:
        schema = root["$defs"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


FORMATTED = {"date": "2026-11-27", "date-time": "2026-11-27T05:00:00Z", "uri": "https://shop.example.com/p/1.jpg"}
"""A value of each asserted format; dated attributes (sale schedules, offer dates) are synthesized with one."""
BROKEN = ["2026-11-27T05:00:00", "2026-13-01", "6/30/17", "", "https://shop.example.com/a b.jpg", "/p/1.jpg"]
DATED = ("discounted_price", "schedule", "start_at", "end_at")  # optional objects that hold formatted values


def _formatted(schema: dict[str, Any], rng: random.Random) -> str | None:
    names = [schema.get("format")] + [a.get("format") for a in schema.get("oneOf", []) if isinstance(a, dict)]
    names = [n for n in names if n in FORMATTED]
    return FORMATTED[rng.choice(names)] if names else None


def synth(schema: Any, root: dict[str, Any], rng: random.Random) -> Any:
    """A plausible value for a schema (not always valid: the reference decides)."""
    schema = _resolve(schema, root)
    if not isinstance(schema, dict):
        return "x"
    formatted = _formatted(schema, rng)
    if formatted is not None:
        return formatted
    if "enum" in schema:
        return rng.choice(schema["enum"])
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        value = {n: synth(props.get(n, {}), root, rng) for n in schema.get("required", [])}
        for n in ("marketplace_id", "language_tag", *DATED):
            if n in props:
                value[n] = synth(props[n], root, rng)
        return value
    if kind == "array":
        return [synth(schema.get("items", {}), root, rng)]
    if kind == "string":
        return "x" * max(1, min(int(schema.get("minLength", 1)), int(schema.get("maxLength", 10))))
    if kind in ("number", "integer"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        return int(low) + 1 if kind == "integer" else Decimal(low) + Decimal("1.25")
    if kind == "boolean":
        return False
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return synth(schema[key][-1], root, rng)
    return "x"


def complete(root: dict[str, Any], rng: random.Random, optional: int) -> dict[str, Any]:
    """Required attributes (and those the reference says are required) plus a few optional ones."""
    props = root["properties"]
    message = {n: synth(props[n], root, rng) for n in root.get("required", [])}
    for name in rng.sample(sorted(props), optional):
        message[name] = synth(props[name], root, rng)
    validator = reference(root)
    for _ in range(8):
        errors = list(validator.iter_errors(message))
        if not errors:
            break
        for error in errors:
            if error.validator == "required" and not error.path:
                name = error.message.split("'")[1]
                if name in props:
                    message[name] = synth(props[name], root, rng)
            elif error.validator == "required" and len(error.path) == 2:
                attr, index = error.path
                name = error.message.split("'")[1]
                item = _resolve(props[attr].get("items", {}), root)
                message[attr][index][name] = synth(item.get("properties", {}).get(name, {}), root, rng)
            elif error.path and error.path[0] in message and error.path[0] not in root.get("required", []):
                del message[error.path[0]]
    return message


def mutate(message: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    mutated = copy.deepcopy(message)
    name = rng.choice(sorted(mutated))
    entries = mutated[name]
    kind = rng.randrange(9)
    first = entries[0] if isinstance(entries, list) and entries and isinstance(entries[0], dict) else None
    formatted = list(_formatted_places(mutated))
    if kind == 8 and formatted:  # a date or URI another format, or malformed
        holder, key = rng.choice(formatted)
        holder[key] = rng.choice([*FORMATTED.values(), *BROKEN])
    elif kind == 0:
        del mutated[name]
    elif kind == 1 and first is not None:
        entries.append(copy.deepcopy(first))  # a duplicate marketplace/language pair
    elif kind == 2 and first is not None and "value" in first:
        first["value"] = "ü" * rng.choice((10, 300, 2000))  # long in UTF-8 bytes, or a wrong type
    elif kind == 3 and first is not None and "value" in first:
        first["value"] = rng.choice((77.99, 0.1, 3, -1, True, 12.345, Decimal("77.99")))
    elif kind == 4 and first is not None:
        first["value"] = "not-in-any-enum"
    elif kind == 5:
        mutated[name] = "not an array"
    elif kind == 6 and first is not None:
        first["unexpected"] = 1
    else:
        mutated[name] = []
    return mutated


def _formatted_places(value: Any) -> Any:
    """(container, key) of every value written in an asserted format."""
    pairs = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in pairs:
        if isinstance(item, str) and item in FORMATTED.values():
            yield value, key
        else:
            yield from _formatted_places(item)


@pytest.mark.parametrize("name", SHARED_FILES)
def test_compiled_check_agrees_with_jsonschema(name: str) -> None:
    root = load(DEFINITIONS / name)
    compiled = compile_schema(root)
    validator = reference(root)
    rng = random.Random(name)
    valid = invalid = 0
    formatted = Counter[bool]()  # verdicts on messages with a date or URI in them
    for round_ in range(12):
        base = complete(root, rng, optional=rng.randrange(0, 12))
        for message in [base] + [mutate(base, rng) for _ in range(20)]:
            expected = error_paths(validator, message)
            failures = compiled.failures(message)
            got = Counter(f.path for f in failures)
            assert got == expected, (round_, message)
            assert compiled.valid(message) == (not expected)
            valid += not expected
            invalid += bool(expected)
            formatted[not expected] += any(_formatted_places(message))
    assert valid >= 5 and invalid >= 100, (valid, invalid)
    assert formatted[True] >= 5 and formatted[False] >= 5, formatted


@pytest.mark.parametrize("name", SHARED_FILES)
def test_failures_of_a_message_lacking_only_what_the_top_requires_are_the_walk_s(name: str) -> None:
    """A message that passes but for names the definition's top requires lists them without the closures' walk:
    the same failures, in the same order, as the walk lists (and the walk of every other refused message). The
    messages: whole ones with required attributes taken away (one, several, all), and mutated ones, for each
    requirement set."""
    from feedsync.channels.amazon.definitions import OFFER_ATTRIBUTES, derive

    root = load(DEFINITIONS / name)
    rng = random.Random(name)
    shortcuts = 0
    for schema in (
        root,
        derive(root, lambda n: n not in OFFER_ATTRIBUTES),
        derive(root, lambda n: n in OFFER_ATTRIBUTES),
    ):
        compiled = compile_schema(schema)
        required = list(schema.get("required", []))
        for _ in range(6):
            base = complete(root, rng, optional=rng.randrange(0, 12))
            lacking = [
                {k: v for k, v in base.items() if k not in rng.sample(required, min(n, len(required)))}
                for n in (1, 2, 4)
            ]
            lacking.append({k: v for k, v in base.items() if k not in required})
            for message in [*lacking, *(mutate(base, rng) for _ in range(10))]:
                walked: list[schema_check.Failure] = []
                if not compiled.valid(message):
                    compiled._check(message, (), walked)
                assert compiled.failures(message) == walked, message
                shortcuts += bool(walked) and compiled._without_required(message) is not None
    assert shortcuts >= 30, shortcuts


def test_decimals_not_floats() -> None:
    schema = {"type": "number", "multipleOf": 0.01}
    assert compile_schema(schema).valid(77.99)
    assert not compile_schema(schema).valid(77.995)


def test_amazon_keywords() -> None:
    schema = {
        "type": "array",
        "maxUniqueItems": 1,
        "selectors": ["marketplace_id", "language_tag"],
        "items": {"type": "object", "properties": {"value": {"type": "string", "maxUtf8ByteLength": 4}}},
    }
    check = compile_schema(schema)
    assert check.valid([{"value": "abcd", "marketplace_id": "A", "language_tag": "de_DE"}])
    assert not check.valid([{"value": "äöü", "marketplace_id": "A", "language_tag": "de_DE"}])  # 6 bytes
    pair = {"value": "a", "marketplace_id": "A", "language_tag": "de_DE"}
    assert not check.valid([pair, dict(pair)])
    assert check.valid([pair, {**pair, "language_tag": "en_GB"}])


def test_rules_that_cannot_fail_an_object_are_skipped_with_the_same_verdicts() -> None:
    """An allOf rule guarded by attributes (an if/then whose condition requires one, a properties rule) runs only
    for objects having one of them; every combination of present attributes gets the reference's verdict."""
    from itertools import product as combinations

    from feedsync.channels.amazon.schema_check import _false_without, _guard

    home = load(DEFINITIONS / "HOME-us.json")
    league = next(r for r in home["allOf"] if r.get("if", {}).get("required") == ["league_name"])
    assert "else" in league and _guard(league) is None  # its else can fail an object without league_name
    guarded = [r for r in home["allOf"] if _guard(r) is not None]
    assert len(guarded) > len(home["allOf"]) // 2
    dg_hz = next(r for r in guarded if r.get("if", {}).get("required") == ["supplier_declared_dg_hz_regulation"])
    assert _guard(dg_hz) == {"supplier_declared_dg_hz_regulation"}
    assert _guard({"properties": {"a": {}, "b": {}}}) == {"a", "b"}
    assert _guard({"if": {"required": ["a"]}, "then": {"required": ["b"]}, "else": {"required": ["c"]}}) is None
    assert _false_without({"anyOf": [{"required": ["a"]}, {"allOf": [{"not": {}}, {"required": ["b"]}]}]}) == {
        "a",
        "b",
    }
    assert _false_without({"anyOf": [{"required": ["a"]}, {"not": {"required": ["b"]}}]}) is None
    rules = [{"if": {"required": [f"x{n}"]}, "then": {"required": [f"y{n}"]}} for n in range(4)]
    rules += [
        {
            "if": {"anyOf": [{"required": ["x0"]}, {"required": ["x1"]}]},
            "then": {"properties": {"y2": {"type": "string"}}},
        },
        {"if": {"not": {"required": ["x3"]}}, "then": {"required": ["y0"]}},  # unguarded: runs for every object
        {"properties": {"x2": {"type": "string"}}},
    ]
    schema = {"allOf": rules}
    compiled, validator = compile_schema(schema), reference(schema)
    for present in combinations((False, True), repeat=8):
        names = [f"x{n}" for n in range(4)] + [f"y{n}" for n in range(4)]
        instance = {name: 1 for name, here in zip(names, present, strict=True) if here}
        expected = error_paths(validator, instance)
        assert compiled.valid(instance) == (not expected), instance
        assert __import__("collections").Counter(f.path for f in compiled.failures(instance)) == expected


@pytest.mark.parametrize(
    ("keyword", "limit", "text"),
    [
        ("maxUtf8ByteLength", 8, "üüüü"),  # 4 characters, 8 bytes: at the limit
        ("maxUtf8ByteLength", 8, "üüüüa"),  # 9 bytes
        ("maxUtf8ByteLength", 8, "aaaaaaaa"),
        ("minUtf8ByteLength", 3, "ü"),  # 1 character, 2 bytes
        ("minUtf8ByteLength", 3, "üa"),
        ("minLength", 0, ""),  # cannot fail: not checked
    ],
)
def test_byte_lengths_measured_only_when_the_characters_do_not_settle_them(keyword: str, limit: int, text: str) -> None:
    schema = {"type": "string", keyword: limit}
    assert compile_schema(schema).valid(text) == reference(schema).is_valid(text)


def test_numbers_read_once_keep_the_decimal_each_float_prints() -> None:
    """A float's Decimal is made once per value: equal numbers that print differently keep their own."""
    for value, text in [(1, "1"), (1.0, "1.0"), (0.0, "0.0"), (-0.0, "-0.0"), (77.99, "77.99"), (1e16, "1E+16")]:
        assert str(number(value)) == text
        assert str(number(value)) == text  # the second time, from the cache
    assert [is_number(v) for v in (1, 1.5, Decimal("2"), True, "1", None)] == [True, True, True, False, False, False]


def test_a_definition_loaded_again_shares_its_compiled_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """An equal schema (another object: the definition loaded again) gets the check compiled before, once however
    many threads ask at once; a schema that differs by a number's type or a key's order is compiled anew."""
    import threading

    made: list[Any] = []
    compile_original = schema_check.compile_schema

    def counted(schema: Any) -> Any:
        made.append(schema)
        return compile_original(schema)

    monkeypatch.setattr(schema_check, "_COMPILED", type(schema_check._COMPILED)())
    monkeypatch.setattr(schema_check, "compile_schema", counted)
    schema = {"type": "object", "required": ["a"], "properties": {"a": {"type": "number", "maximum": Decimal("2.5")}}}
    got: list[Any] = []
    threads = [threading.Thread(target=lambda: got.append(shared_schema(copy.deepcopy(schema)))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 1 and len({id(check) for check in got}) == 1
    assert got[0].valid({"a": 2}) and not got[0].valid({"a": 3}) and not got[0].valid({})
    assert shared_schema(copy.deepcopy(schema)) is got[0] and len(made) == 1
    as_text = copy.deepcopy(schema)
    as_text["properties"]["a"]["maximum"] = "2.5"  # (not a number: another schema)
    reordered = {"properties": schema["properties"], "type": "object", "required": ["a"]}
    assert shared_schema(as_text) is not got[0] and shared_schema(reordered) is not got[0] and len(made) == 3
    for n in range(schema_check._KEPT + 1):  # the least recently asked goes first
        shared_schema({"type": "object", "required": [f"b{n}"]})
    assert shared_schema(copy.deepcopy(schema)) is not got[0]
