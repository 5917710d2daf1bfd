"""Rule regexes run on the ``regex`` engine: Python's syntax, with a time limit per value."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest

from feedsync.channels.rules import RegexTimeout, RuleSpec, compile_rules
from feedsync.channels.templating import Templating


def apply(spec: dict[str, Any], **ctx: Any) -> dict[str, Any]:
    [rule] = compile_rules([RuleSpec.model_validate(spec)], Templating([]), ZoneInfo("UTC"))
    rule.apply(ctx, None)
    return ctx


@pytest.mark.parametrize(
    "spec",
    [
        {"name": "slow", "when": [{"field": "title", "matches": "(a+)+$"}], "then": [{"set": "x", "value": "y"}]},
        {"name": "slow", "then": [{"regex_replace": "title", "pattern": "(a+)+$", "with": ""}]},
    ],
)
def test_a_catastrophic_pattern_gives_up_and_names_the_rule(spec: dict[str, Any]) -> None:
    with pytest.raises(RegexTimeout) as info:
        apply(spec, title="a" * 5000 + "!")
    assert info.value.rule == "slow" and info.value.field == "title"
    assert str(info.value).startswith(
        "rule 'slow': the regular expression '(a+)+$' took more than 0.1 s on field title"
    )


def test_the_same_pattern_on_an_ordinary_value_just_runs() -> None:
    spec = {"name": "t", "when": [{"field": "title", "matches": "(a+)+$"}], "then": [{"set": "x", "value": "y"}]}
    assert apply(spec, title="banana")["x"] == "y"


def test_python_regex_syntax_still_works() -> None:
    spec = {"then": [{"regex_replace": "title", "pattern": r"(?<=Size )(\d+)(?P<unit>cm)", "with": r"\g<1> \g<unit>"}]}
    assert apply(spec, title="Size 40cm tee")["title"] == "Size 40 cm tee"
