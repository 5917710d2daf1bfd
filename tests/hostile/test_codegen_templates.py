"""Templates written to break the generated fields function: what Jinja takes and Python source does not, text
that must survive being written into Python source, the sandbox's refusals, very many fields. Each gives what the
per-field path gives, and through the CLI a template's fault stays a finding (never the internal error)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from feedsync.channels.compiled import CompiledField
from feedsync.channels.templating import Templating
from feedsync.cli.app import app
from tests.channels.test_codegen import one_field_channels, outcome, reference_of
from tests.conftest import HEADER, make_config, row

runner = CliRunner()

HOSTILE = [
    "{{ title | truncate_words(class=3) }}",  # a Python keyword as a keyword argument: Jinja takes it
    "{{ title | name_variant(color, lambda='x') }}",
    "{{ 'it\\'s' ~ \"a \\\"quote\\\"\" ~ '\\\\' ~ '\\n' ~ '\\x00' }}",
    "{{ '\\ud800' if title else '' }}",  # a lone surrogate in a constant
    "{{ title ~ '}}' ~ \"''' \\\"\\\"\\\" \" }}",
    "{{ title.__class__ }}",
    "{{ title.__class__.__mro__ }}",
    "{{ title.format(1) }}",
    "{{ attributes.update({}) }}",
    "{{ attributes.__setitem__('a', 1) }}",
    "{{ 99999999999999999999999999999999999999 ~ title }}",
    "{{ title[:999999999999999999999] }}",
    "{{ ctx }}",
    "{{ values }}",
    "{{ f }}",
    "{{ raw }}",
    "{{ _g0 }}",
    "{{ __builtins__ }}",
    "{{ title" + " | lower" * 39 + " }}",  # nested as deep as the generated code goes
    "{{ title" + " | lower" * 41 + " }}",
    "\\ {{ '\\\\' }} \\",  # text around: Jinja renders it
]
CONTEXTS: list[dict[str, Any]] = [
    {"title": "Merino Tee", "color": "Navy", "attributes": {"a": "1"}},
    {"title": "", "color": None, "attributes": {}},
    {"color": "Navy"},
]


def test_hostile_templates_give_the_per_field_values_and_failures() -> None:
    templating = Templating([])
    compared = 0
    for channel in one_field_channels(templating, HOSTILE, "template"):
        for values in CONTEXTS:
            ctx = templating.context(values)
            assert outcome(channel.field_values, ctx) == outcome(channel.values_by_field, ctx), channel.fields[1]
            compared += 1
    assert compared == len(HOSTILE) * len(CONTEXTS)


def test_eight_hundred_fields_compile_into_one_function() -> None:
    templating = Templating([])
    fields = [
        CompiledField(f"f{i}", templating.template(f"{{{{ title ~ '{i}' if {i} is odd else size }}}}"), None)
        for i in range(800)
    ]
    channel = reference_of(fields)
    channel.field_values = templating.fields_function([(f.name, f.compiled) for f in fields], lambda v: v)
    ctx = templating.context({"title": "T", "size": "M"})
    made = outcome(channel.field_values, ctx)
    assert made == outcome(channel.values_by_field, ctx)
    assert made[1]["f1"] == "T1" and made[1]["f798"] == "M"  # type: ignore[index]
    called = set(map(id, channel.field_values.__globals__.values()))  # type: ignore[union-attr]
    assert not [f.name for f in fields if id(f.compiled.call) in called]  # every field inline


@pytest.mark.parametrize(
    ("template", "said"),
    [
        ("{{ title | truncate_words(class=3) }}", "unexpected keyword argument 'class'"),
        ("{{ title.__class__.__mro__ }}", "access to attribute '__class__' of 'str' object is unsafe"),
        ("{{ nosuch_column }}", None),  # refused when the profile compiles: exit 2
    ],
)
def test_through_the_cli_a_hostile_template_is_a_finding_or_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, template: str, said: str | None
) -> None:
    monkeypatch.chdir(tmp_path)
    fields = f"    fields:\n      custom_label_0: '{template}'\n"
    make_config(tmp_path, HEADER + row("P1") + row("P2"), channel_extra=fields)
    result = runner.invoke(app, ["validate", "--format", "concise"])
    assert result.exit_code != 70, result.output
    if said is None:
        assert result.exit_code == 2
        return
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stdout.splitlines() if "CFG001 field custom_label_0" in line]
    assert len(lines) == 2 and all(said in line for line in lines), result.stdout
