"""Hostile definitions for the generated check: attribute names that would be code if pasted into source, nesting
deeper than the generator inlines, a definition that refers to itself, and one nested deeper than Python
recurses. The generated verdict stays the closures'; a definition that cannot be checked is a config error."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from feedsync.channels.amazon.schema_check import compile_schema
from feedsync.cli.app import app
from tests.channels.test_amazon_definitions import catalog

runner = CliRunner(env={"COLUMNS": "200"})

NAMES = [
    "'); __import__('os')._exit(9) #",
    'a"b',
    "line\nbreak",
    "back\\slash",
    "{v}",
    "ü",
    "",
    "v",
    "e1",
    "return False",
]


def verdicts_agree(schema: dict[str, Any], instances: list[Any]) -> list[bool]:
    compiled = compile_schema(schema)
    assert compiled.source, "the generated check compiles"
    found = [compiled.valid(i) for i in instances]
    assert found == [compiled._check(i, (), None) for i in instances]
    return found


@pytest.mark.parametrize("many", [False, True])
def test_attribute_names_are_data_not_code(many: bool) -> None:
    names = NAMES + ([f"pad{n}" for n in range(10)] if many else [])  # a dict of checks above 8 properties
    entry = {"type": "array", "items": {"type": "object", "required": ["value"], "properties": {"value": {}}}}
    schema = {
        "type": "object",
        "required": [NAMES[0]],
        "properties": {
            name: {
                **entry,
                "maxUniqueItems": 1,
                "selectors": [NAMES[1], NAMES[2]],
                "items": {
                    "type": "object",
                    "required": [NAMES[3]],
                    "properties": {NAMES[3]: {"enum": [NAMES[4]]}, NAMES[2]: {"type": "string"}},
                },
            }
            for name in names
        },
        "additionalProperties": False,
        "allOf": [
            {
                "if": {"required": [a], "properties": {a: {"contains": {"required": [NAMES[3]]}}}},
                "then": {"required": [b]},
            }
            for a, b in itertools.pairwise(NAMES)
        ]
        * 2,
    }
    good = {NAMES[3]: NAMES[4], NAMES[2]: "x"}
    every = {name: [good] for name in names}  # each rule's condition holds, and what it requires is there
    instances = [
        {NAMES[0]: [good], NAMES[1]: [good]},  # the rule on NAMES[1] wants NAMES[2]
        {**every, NAMES[0]: [good, {**good, NAMES[1]: 1}]},  # two selector combinations
        {**every, NAMES[0]: [good, dict(good)]},  # two entries, one combination
        {**every, NAMES[5]: [{NAMES[3]: "{v}x"}]},  # not the enum's value
        {NAMES[0]: []},  # no entry: no rule's condition holds
        {**every, "unknown": [good]},
        every,
    ]
    found = verdicts_agree(schema, instances)
    assert found == [False, True, False, False, True, False, True]


def test_nesting_deeper_than_inlined_and_a_definition_referring_to_itself() -> None:
    deep: Any = {"type": "string"}
    for level in range(30):
        deep = (
            {"type": "array", "items": {"type": "object", "properties": {f"k{level}": deep}}}
            if level % 2
            else {"not": {"not": deep}}
        )
    chain: Any = {"required": ["z"]}
    for level in range(120):
        chain = {"if": {"required": [f"a{level}"]}, "then": {"required": [f"b{level}"]}, "else": chain}
    tree = {
        "$defs": {
            "node": {
                "type": "object",
                "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}, "n": {"type": "integer"}},
            }
        },
        "$ref": "#/$defs/node",
    }

    def grown(depth: int, leaf: Any) -> Any:
        node: Any = {"n": leaf}
        for _ in range(depth):
            node = {"kids": [node, {"n": 1}], "n": 2}
        return node

    assert verdicts_agree(tree, [grown(40, 3), grown(40, "3"), grown(40, True), {"kids": "x"}]) == [
        True,
        False,
        False,
        False,
    ]
    assert verdicts_agree({"type": "object", "allOf": [chain]}, [{}, {"z": 1}, {"a7": 1}, {"a7": 1, "b7": 1}]) == [
        False,
        True,
        False,
        True,
    ]
    values: list[Any] = ["x", 1, [], [[]], {"k0": 1}]
    verdicts_agree(deep, values)


def test_a_definition_nested_deeper_than_python_recurses_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = catalog(tmp_path, "DE")
    document = json.loads((tmp_path / "defs" / "first.json").read_text(encoding="utf-8"))
    nested: Any = {"required": ["brand"]}
    for _ in range(200):
        nested = {"not": {"not": nested}}
    document["allOf"].append(nested)
    (tmp_path / "defs" / "first.json").write_text(json.dumps(document), encoding="utf-8")
    result = runner.invoke(app, ["validate", "-c", str(config)])
    assert result.exit_code == 2, result.output
    assert "cannot be checked" in result.output and "nested too deeply" in result.output
