"""The generated verdict (schema_codegen) is the closures' verdict (schema_check), on every shared definition and
requirement set, and on small schemas built at random from every keyword."""

from __future__ import annotations

import copy
import random
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsync.channels.amazon.definitions import OFFER_ATTRIBUTES, derive
from feedsync.channels.amazon.schema_check import compile_schema
from feedsync.channels.amazon.schema_codegen import _deep_guard
from tests.channels.amazon_reference import DEFINITIONS, SHARED_FILES, load
from tests.channels.test_amazon_schema_check import complete, mutate

ODD_VALUES = [True, 1, 1.0, Decimal("1.00"), 0.1, -1, "", "ü" * 300, None, [], {}, [[1]], {"value": None}]


def closure_verdict(compiled: Any, instance: Any) -> bool:
    return compiled._check(instance, (), None)


def oddly(message: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A value of another type somewhere inside the message (a whole attribute, an entry, or an entry's field)."""
    odd = copy.deepcopy(message)
    name = rng.choice(sorted(odd))
    entries = odd[name]
    if isinstance(entries, list) and entries and isinstance(entries[0], dict) and entries[0] and rng.random() < 0.7:
        field = rng.choice(sorted(entries[0]))
        entries[0][field] = copy.deepcopy(rng.choice(ODD_VALUES))
    elif isinstance(entries, list) and entries:
        entries[0] = copy.deepcopy(rng.choice(ODD_VALUES))
    else:
        odd[name] = copy.deepcopy(rng.choice(ODD_VALUES))
    return odd


def requirement_schemas(root: dict[str, Any]) -> dict[str, Any]:
    """A definition's schema for each requirement set, as feedsync derives them from the LISTING one."""
    return {
        "LISTING": root,
        "LISTING_PRODUCT_ONLY": derive(root, lambda n: n not in OFFER_ATTRIBUTES),
        "LISTING_OFFER_ONLY": derive(root, lambda n: n in OFFER_ATTRIBUTES),
    }


@pytest.mark.parametrize("name", SHARED_FILES)
def test_generated_verdicts_are_the_closures_on_every_definition_and_requirement_set(name: str) -> None:
    root = load(DEFINITIONS / name)
    schemas = requirement_schemas(root)
    rng = random.Random(name)
    bases = [complete(root, rng, optional=rng.randrange(0, 20)) for _ in range(3)]
    for requirements, schema in schemas.items():
        compiled = compile_schema(schema)
        assert compiled.source.startswith("def "), "generated, not the closures' fallback"
        verdicts = []
        for base in bases:
            for message in [base, *(mutate(base, rng) for _ in range(15)), *(oddly(base, rng) for _ in range(15))]:
                verdict = compiled.valid(message)
                assert verdict == closure_verdict(compiled, message), (requirements, message)
                verdicts.append(verdict)
        assert any(verdicts) and not all(verdicts), requirements
        for odd in (None, "text", [], [{}], 3):  # not even an object
            assert compiled.valid(odd) == closure_verdict(compiled, odd)


def closure_failures(compiled: Any, instance: Any) -> list[Any]:
    """The failures the closures list of ``instance`` without the generated verdicts' help."""
    passes, rules = dict(compiled._compiler.passes), dict(compiled._compiler.rules)
    compiled._compiler.passes.clear()
    compiled._compiler.rules.clear()
    try:
        out: list[Any] = []
        compiled._check(instance, (), out)
        return out
    finally:
        compiled._compiler.passes.update(passes)
        compiled._compiler.rules.update(rules)


@pytest.mark.parametrize("name", SHARED_FILES)
def test_failures_listed_with_the_generated_verdicts_are_the_closures_own(name: str) -> None:
    """A listing of failures skips the attributes the generated verdict passes: the same failures, in order."""
    root = load(DEFINITIONS / name)
    rng = random.Random(f"failures {name}")
    bases = [complete(root, rng, optional=rng.randrange(0, 20)) for _ in range(3)]
    for requirements, schema in requirement_schemas(root).items():
        compiled = compile_schema(schema)
        assert len(compiled._compiler.passes) > 10, requirements  # the attributes' own functions
        listed = 0
        for base in bases:
            for message in [base, *(mutate(base, rng) for _ in range(15)), *(oddly(base, rng) for _ in range(15))]:
                found = compiled.failures(message)
                assert found == ([] if compiled.valid(message) else closure_failures(compiled, message))
                listed += len(found)
        assert listed, requirements
        assert len(compiled._compiler.rules) > 10, requirements  # the rules' own, made at the first refusal


def test_an_if_else_chain_on_one_attribute_runs_only_when_the_object_has_it() -> None:
    home = load(DEFINITIONS / "HOME-us.json")
    league = next(r for r in home["allOf"] if r.get("if", {}).get("required") == ["league_name"])
    assert _deep_guard(league) == {"league_name"}
    chain = {"if": {"required": ["a"]}, "then": {"required": ["b"]}, "else": {"if": {"required": ["c"]}}}
    assert _deep_guard({**chain, "else": {**chain["else"], "then": {"required": ["d"]}}}) == {"a", "c"}
    assert _deep_guard({**chain, "else": {"required": ["d"]}}) is None  # its else fails an object without a
    schema = {"type": "object", "allOf": [{**chain, "else": {"if": {"required": ["c"]}, "then": {"required": ["d"]}}}]}
    compiled = compile_schema(schema)
    for instance, verdict in [({}, True), ({"a": 1}, False), ({"a": 1, "b": 1}, True), ({"c": 1}, False)]:
        assert compiled.valid(instance) is verdict and closure_verdict(compiled, instance) is verdict


def test_failures_are_listed_only_for_what_the_generated_check_refuses() -> None:
    schema = {"type": "object", "required": ["a"], "properties": {"a": {"type": "string", "maxLength": 2}}}
    compiled = compile_schema(schema)
    assert compiled.failures({"a": "ok"}) == []
    assert [(f.where, f.rule) for f in compiled.failures({"a": "long"})] == [("a", "at most 2 characters")]
    assert [f.missing for f in compiled.failures({})] == ["a"]


def test_entries_sharing_a_selector_combination() -> None:
    schema = {
        "type": "array",
        "maxUniqueItems": 1,
        "minUniqueItems": 1,
        "selectors": ["marketplace_id", "language_tag"],
        "items": {"type": "object"},
    }
    compiled = compile_schema(schema)
    pair = {"marketplace_id": "A", "language_tag": "en_US", "value": "x"}
    cases = [
        ([pair, {**pair, "value": "y"}], False),
        ([pair, {**pair, "language_tag": "de_DE"}], True),
        ([{"marketplace_id": 1}, {"marketplace_id": True}], True),  # 1 and true are two values
        ([{"marketplace_id": 1}, {"marketplace_id": Decimal("1.0")}], False),  # one number, written twice
        ([{}, {"language_tag": None}], True),  # absent is not null
        ([{}, {}], False),
    ]
    for instance, verdict in cases:
        assert compiled.valid(instance) is verdict, instance
        assert closure_verdict(compiled, instance) is verdict, instance


# Random small schemas and instances --------------------------------------------------------------------------

NAMES = ["a", "b", "value"]
scalars = st.sampled_from([None, True, False, 0, 1, 2, -1, 1.0, 0.5, 2.5, Decimal("1"), Decimal("0.10"), "", "a"])
scalars |= st.sampled_from(["ab", "ü", "üü", "abc", "b", "value"])
scalars |= st.sampled_from(["2026-11-27", "2026-11-27T05:00:00Z", "2026-11-27T05:00:00", "6/30/17"])  # format
scalars |= st.sampled_from(["https://a/b", "https://a/b c"])
instances = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(NAMES), inner, max_size=3),
    max_leaves=8,
)
leaf_keywords = st.one_of(
    st.builds(lambda t: {"type": t}, st.sampled_from(["string", "integer", "number", "boolean", "null", "object"])),
    st.builds(lambda t: {"type": t}, st.sampled_from(["array", ["string", "null"], ["integer", "string"]])),
    st.builds(lambda v: {"enum": v}, st.lists(scalars, min_size=1, max_size=3)),
    st.builds(lambda v: {"const": v}, scalars),
    st.builds(
        lambda k, n: {k: n}, st.sampled_from(["minLength", "maxLength", "minItems", "maxItems"]), st.integers(0, 3)
    ),
    st.builds(lambda k, n: {k: n}, st.sampled_from(["minUtf8ByteLength", "maxUtf8ByteLength"]), st.integers(0, 4)),
    st.builds(lambda p: {"pattern": p}, st.sampled_from(["^a", "b$", "ü"])),
    st.builds(lambda f: {"format": f}, st.sampled_from(["date", "date-time", "uri", "email"])),
    st.builds(
        lambda k, n: {k: n},
        st.sampled_from(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]),
        st.sampled_from([0, 1, Decimal("0.5")]),
    ),
    st.builds(lambda n: {"multipleOf": n}, st.sampled_from([1, Decimal("0.5"), Decimal("0.01")])),
    st.builds(lambda r: {"required": r}, st.lists(st.sampled_from(NAMES), min_size=1, max_size=2, unique=True)),
    st.builds(
        lambda k, n, s: {k: n, "selectors": s},
        st.sampled_from(["maxUniqueItems", "minUniqueItems"]),
        st.integers(1, 2),
        st.lists(st.sampled_from(NAMES), max_size=2, unique=True),
    ),
)


def _merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for part in parts:
        merged.update(part)
    if "selectors" in merged and not any(k in merged for k in ("maxUniqueItems", "minUniqueItems")):
        del merged["selectors"]
    return merged


def _composites(inner: Any) -> Any:
    keyword = st.one_of(
        st.builds(lambda p: {"properties": p}, st.dictionaries(st.sampled_from(NAMES), inner, max_size=3)),
        st.builds(
            lambda p: {"properties": p, "additionalProperties": False},
            st.dictionaries(st.sampled_from(NAMES), inner, max_size=2),
        ),
        st.builds(lambda s: {"items": s}, inner),
        st.builds(lambda s: {"contains": s}, inner),
        st.builds(lambda s: {"not": s}, inner),
        st.builds(
            lambda k, s: {k: s}, st.sampled_from(["allOf", "anyOf", "oneOf"]), st.lists(inner, min_size=1, max_size=3)
        ),
        st.builds(lambda c, t: {"if": c, "then": t}, inner, inner),
        st.builds(lambda c, t, e: {"if": c, "then": t, "else": e}, inner, inner, inner),
        leaf_keywords,
    )
    return st.lists(keyword, min_size=1, max_size=3).map(_merge)


schemas = st.recursive(
    st.lists(leaf_keywords, min_size=1, max_size=2).map(_merge) | st.booleans(), _composites, max_leaves=6
)
rules = st.one_of(
    st.builds(
        lambda n, s, t: {"if": {"required": [n], "properties": {n: s}}, "then": t},
        st.sampled_from(NAMES),
        schemas,
        schemas,
    ),
    st.builds(
        lambda n, t, e: {"if": {"required": [n]}, "then": t, "else": {"if": {"required": ["b"]}, "then": e}},
        st.sampled_from(NAMES),
        schemas,
        schemas,
    ),
    st.builds(lambda p: {"properties": p}, st.dictionaries(st.sampled_from(NAMES), schemas, max_size=2)),
    schemas,
)
entry_lists = st.builds(  # an attribute as Amazon declares one: an array of objects (or a reference to one)
    lambda s, ref: {"$ref": "#/$defs/entries"} if ref else {"type": "array", "items": {"type": "object", **s}},
    st.sampled_from([{}, {"required": ["value"]}, {"properties": {"value": {"type": "string"}}}]),
    st.booleans(),
)
objects = st.builds(
    lambda p, r: {
        "$defs": {"entries": {"type": "array", "items": {"type": "object"}}},
        "type": "object",
        "properties": p,
        "allOf": r,
    },
    st.dictionaries(st.sampled_from(NAMES), entry_lists | schemas, max_size=3),
    st.lists(rules, min_size=1, max_size=6),
)
attribute_values = st.lists(st.dictionaries(st.sampled_from(NAMES), scalars, max_size=2), max_size=2) | instances


@settings(max_examples=400, deadline=None)
@given(schemas, st.lists(instances, min_size=1, max_size=6))
def test_random_schemas_get_the_closures_verdict(schema: Any, values: list[Any]) -> None:
    compiled = compile_schema(schema)
    assert compiled.source
    for value in values:
        assert compiled.valid(value) == closure_verdict(compiled, value), (schema, value)


@settings(max_examples=200, deadline=None)
@given(objects, st.lists(st.dictionaries(st.sampled_from(NAMES), attribute_values, max_size=3), min_size=1, max_size=6))
def test_random_rule_sets_on_objects_get_the_closures_verdict(schema: Any, values: list[Any]) -> None:
    compiled = compile_schema(schema)
    assert compiled.source
    for value in values:
        assert compiled.valid(value) == closure_verdict(compiled, value), (schema, value)


def test_a_schema_past_what_python_compiles_is_answered_by_the_closures(monkeypatch: pytest.MonkeyPatch) -> None:
    from feedsync.channels.amazon import schema_codegen

    def refuse(schema: Any, compiler: Any, label: str = "") -> Any:
        raise SyntaxError("too many statically nested blocks")

    monkeypatch.setattr(schema_codegen, "generate", refuse)
    compiled = compile_schema({"type": "object", "required": ["a"]})
    assert compiled.source == "" and compiled.valid({"a": 1}) and not compiled.valid({})
    assert [f.missing for f in compiled.failures({})] == ["a"]


def test_rules_past_what_python_compiles_are_listed_by_the_closures(monkeypatch: pytest.MonkeyPatch) -> None:
    from feedsync.channels.amazon import schema_codegen

    def refuse(schema: Any, compiler: Any, label: str = "") -> Any:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(schema_codegen, "rule_verdicts", refuse)
    rules = [{"if": {"required": [f"a{n}"]}, "then": {"required": [f"b{n}"]}} for n in range(6)]
    properties = {f"p{n}": {"type": "string"} for n in range(12)}  # many: each its own generated verdict
    compiled = compile_schema({"type": "object", "properties": properties, "allOf": rules})
    assert compiled._compiler.passes  # (the rules' verdicts are asked for at the first refusal)
    assert [f.missing for f in compiled.failures({"a1": 1, "a4": 2, "p0": "x"})] == ["b1", "b4"]
    assert not compiled._compiler.rules


@pytest.mark.parametrize("required_first", [True, False])
def test_required_then_properties_in_either_order(required_first: bool) -> None:
    """An attribute is read without a presence test only where the required statement before it has run."""
    parts = [("required", ["a"]), ("properties", {"a": {"type": "string"}, "b": {"type": "integer"}})]
    schema = dict([("type", "object"), *(parts if required_first else parts[::-1]), ("additionalProperties", False)])
    compiled = compile_schema(schema)
    for instance, verdict in [({}, False), ({"b": 1}, False), ({"a": "x"}, True), ({"a": 1}, False), ([], False)]:
        assert compiled.valid(instance) is verdict, instance
        assert closure_verdict(compiled, instance) is verdict, instance
    assert ("\n    x1 = v['a']\n" in compiled.source) is required_first  # not under "if 'a' in v:"


def test_rules_rely_only_on_the_shapes_the_message_properties_guarantee() -> None:
    """After the message's properties passed, a rule reads an attribute declared as an array of objects without
    testing its type again; an attribute declared otherwise is tested as before."""
    schema = {
        "$defs": {"entries": {"type": "array", "items": {"type": "object"}}},
        "type": "object",
        "properties": {
            "a": {"type": "array", "items": {"type": "object"}},
            "b": {"type": "array"},
            "c": {"type": "string"},
            "d": {"$ref": "#/$defs/entries"},
            "z": {},
        },
        "additionalProperties": False,
        "allOf": [
            {
                "if": {"required": ["a"], "properties": {"a": {"contains": {"required": ["value"]}}}},
                "then": {"required": ["z"]},
            },
            {"properties": {"b": {"contains": {"required": ["value"]}}}},
            {"properties": {"c": {"maxItems": 0}}},
            {"properties": {"d": {"items": {"required": ["value"]}}}},
        ],
    }
    compiled = compile_schema(schema)
    cases = [
        ({"a": [{"value": 1}]}, False),
        ({"a": [{"value": 1}], "z": 1}, True),
        ({"a": [{}]}, True),
        ({"a": [1]}, False),  # its own property refuses it first
        ({"b": ["x"]}, True),  # a string entry has no required attributes
        ({"b": []}, False),
        ({"c": "abc"}, True),  # maxItems says nothing of a string
        ({"d": [{"value": 1}]}, True),
        ({"d": [{}]}, False),
    ]
    for instance, verdict in cases:
        assert compiled.valid(instance) is verdict, instance
        assert closure_verdict(compiled, instance) is verdict, instance


def test_an_attribute_s_entries_that_passed_are_not_checked_again_while_they_are_the_same_object() -> None:
    """The messages of a catalog share entries (made once, never changed): the generated verdict keeps the entries
    that passed last per attribute and does not check the same object again. An equal object is checked (False and
    0 are equal, and a number is not a boolean), and entries that fail are never kept."""
    root = load(DEFINITIONS / "HOME-us.json")
    compiled = compile_schema(root)
    table = next(
        t for n, t in compiled.valid.__globals__.items() if n.startswith("_t") and isinstance(t, dict) and "brand" in t
    )
    calls: list[Any] = []
    brand = table["brand"]
    table["brand"] = lambda value: calls.append(value) or brand(value)
    base = complete(root, random.Random(7), optional=0)
    base["batteries_required"] = [{"value": False, "marketplace_id": "ATVPDKIKX0DER"}]
    assert compiled.valid(base) and closure_verdict(compiled, base)
    assert compiled.valid({**base}) and len(calls) == 1  # the same entries: not checked again
    again = {**base, "brand": copy.deepcopy(base["brand"])}
    assert compiled.valid(again) and len(calls) == 2  # equal entries, another object: checked
    number = {**base, "batteries_required": [{"value": 0, "marketplace_id": "ATVPDKIKX0DER"}]}
    assert number["batteries_required"] == base["batteries_required"]
    assert not compiled.valid(number) and not closure_verdict(compiled, number)
    assert len(calls) == 3  # its brand is base's again: not the last that passed (again's), so checked
    failing = {**base, "brand": [{**base["brand"][0], "value": 5}]}
    assert not compiled.valid(failing) and not compiled.valid(failing)  # a failure is not kept
    assert len(calls) == 5
