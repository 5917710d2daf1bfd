"""A channel's fields as ONE generated function: it gives exactly the values (and the failures) of the per-field
path (one ``Compiled.call`` per field), checked here on the demo, on every shared real catalog and on templates
that fail in every way a template can."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from feedsync.channels.base import to_text
from feedsync.channels.compiled import CompiledChannel, CompiledField
from feedsync.channels.profile import compile_channels
from feedsync.channels.templating import FieldFailed, Templating, filters
from feedsync.config import load_config
from feedsync.sources import quiet_read
from feedsync.supplements import join, load_supplements
from tests.channels.test_templating_direct import CONTEXTS, TEMPLATES
from tests.channels.test_templating_errors import TEMPLATE_FAULTS
from tests.conftest import DEMO, SHARED, write_config
from tests.sources.realdata import names_no_catalog_column

REALDATA = SHARED / "realdata"
CATALOGS = sorted(
    path
    for folder in ("shopify", "woocommerce", "magento", "bigcommerce", "prestashop", "google_feeds", "meta", "shopware")
    for path in (REALDATA / folder).glob("*")
    if path.suffix in {".csv", ".xml", ".tsv", ".json"}
    and not any(bad in path.name for bad in ("orders_export", "tracking_carrier", "google_category_to_attribute"))
    and not names_no_catalog_column(path)  # (refused: tests/test_accounting.py)
)
NO_PRODUCTS = {"firebear-product_all_types.csv"}
"""Catalogs of which no product reaches the channels (disabled products alone)."""
THREE_CHANNELS = """source:
  path: {path}
  currency: USD
  base_url: https://shop.example.com
channels:
  google: {{profile: google_merchant}}
  facebook: {{profile: facebook}}
  amazon: {{profile: amazon, settings: {{seller_id: A2CODEGEN000}}}}
"""
MORE_TEMPLATES = [
    "{{ title | name_variant(color, size, none, separator=' / ') }}",  # keyword arguments: Jinja's path, inlined
    "{{ title | truncate_words(n=3) }}",
    "{{ images | join(', ', attribute='url') }}",  # join by attribute: Jinja's own join, not inlined
    "active",  # text alone
    "",
    "x {{ title }}",  # text around: Jinja
    "{% for s in sizes %}{{ s }} {% endfor %}",
    "{{ title }}",
    "{{ nosuch }}",
    "{{ title" + " | lower" * 60 + " }}",  # nested deeper than the generated code goes: the per-field call
    "{{ big | truncate_words(limit=999999999) }}",  # Jinja's length limit on what it prints, kept inline
    "{{ title | truncate_words(99) if title else '-' }}",
    "{{ 'a' * 3 }}",
]
EXPRESSIONS = [
    "title",
    "nosuch",
    "quantity or 5",
    "price.amount",
    "images[:2]",
    "[title, brand] | select | list",
    "flag",
]


def outcome(call: Any, ctx: dict[str, Any]) -> tuple[Any, ...]:
    try:
        return ("values", call(ctx))
    except FieldFailed as failed:
        error = failed.error
        return ("failed", failed.index, type(error).__name__, str(error), type(error.__cause__).__name__)


def reference_of(fields: list[CompiledField]) -> CompiledChannel:
    """A channel holding only ``fields``: its ``values_by_field`` is the per-field path."""
    return CompiledChannel("t", None, "", None, {}, fields, [], [], None)  # type: ignore[arg-type]


def one_field_channels(templating: Templating, sources: list[str], kind: str) -> list[CompiledChannel]:
    made = []
    for source in sources:
        compiled = templating.template(source) if kind == "template" else templating.expression(source)
        channel = reference_of([CompiledField("before", templating.template("{{ '' }}"), None)])
        channel.fields.append(CompiledField("f", compiled, None))
        channel.field_values = templating.fields_function([(f.name, f.compiled) for f in channel.fields], to_text)
        made.append(channel)
    return made


def test_templates_of_every_shape_give_the_per_field_values_and_failures() -> None:
    templating = Templating([])
    channels = one_field_channels(templating, TEMPLATES + MORE_TEMPLATES + TEMPLATE_FAULTS, "template")
    channels += one_field_channels(templating, EXPRESSIONS, "expression")
    extra = {"images": [{"url": "a"}, {"url": "b"}], "sizes": ["S", "M"], "availability": "in_stock", "color": "Red"}
    extra["big"] = "word " * 210_000  # over the limit of a rendered text
    contexts = [templating.context(c) for c in CONTEXTS] + [templating.context({**c, **extra}) for c in CONTEXTS]
    failed = 0
    for channel in channels:
        assert channel.field_values is not None
        for ctx in contexts:
            made = outcome(channel.field_values, ctx)
            assert made == outcome(channel.values_by_field, ctx), channel.fields[1].compiled
            failed += made[0] == "failed"
    assert failed > 40  # the failures were compared too, not only values
    big = len(TEMPLATES) + MORE_TEMPLATES.index("{{ big | truncate_words(limit=999999999) }}")
    too_long = outcome(channels[big].field_values, contexts[-1])
    assert too_long[:3] == ("failed", 1, "LimitExceeded")


def test_a_bug_in_a_feedsync_filter_propagates_from_the_generated_function(monkeypatch: pytest.MonkeyPatch) -> None:
    def bug(value: str) -> str:
        raise TypeError("a bug in feedsync's plaintext")

    monkeypatch.setattr(filters, "_plaintext", bug)
    templating = Templating([])
    (channel,) = one_field_channels(templating, ["{{ description | plaintext }}"], "template")
    assert channel.field_values is not None
    with pytest.raises(TypeError, match="a bug in feedsync's plaintext"):
        channel.field_values(templating.context(CONTEXTS[0]))


def test_fields_of_the_built_in_profiles_run_inline() -> None:
    """The generated function calls no field's ``Compiled.call`` for the demo's three channels: every field is
    inline Python (a template Jinja would render is one expression or text alone)."""
    config = load_config(DEMO / "feedsync.yaml")
    for channel in compile_channels(config):
        source = channel.field_values.__code__  # type: ignore[union-attr]
        calls = [f for f in channel.fields if f.compiled.call in channel.field_values.__globals__.values()]  # type: ignore[union-attr]
        assert source.co_name == "values"
        assert [f.name for f in calls if f.compiled.simple is None] == [], channel.name


def compare_catalog(config_path: Path) -> int:
    config = load_config(config_path)
    channels = compile_channels(config)
    supplements = load_supplements(config.supplements, lambda d: None)
    compared = 0
    for product in quiet_read(config.source):
        joined, extras = join(product, supplements, config.source.currency, lambda d: None)
        if joined is None:
            continue
        for channel in channels:
            ctx = channel.view(joined, extras, lambda d: None)
            if ctx is None:
                continue
            elements = [None] if channel.expand is None else list(ctx.get(channel.expand[0]) or ())
            for element in elements:
                if channel.expand is not None:
                    ctx[channel.expand[1]] = element
                assert outcome(channel.field_values, ctx) == outcome(channel.values_by_field, ctx), (
                    channel.name,
                    product.id,
                )
                compared += 1
    return compared


def test_the_demo_gives_the_per_field_values() -> None:
    assert compare_catalog(DEMO / "feedsync.yaml") > 30


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda p: p.name)
def test_every_real_catalog_gives_the_per_field_values(tmp_path: Path, catalog: Path) -> None:
    config = write_config(tmp_path, THREE_CHANNELS.format(path=catalog))
    compared = compare_catalog(config)
    assert compared == 0 if catalog.name in NO_PRODUCTS else compared >= 3


def test_no_fields_give_no_values() -> None:
    templating = Templating([])
    assert templating.fields_function([], to_text)(templating.context({})) == {}
