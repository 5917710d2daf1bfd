"""The neutral plan of a field's template (``templating.plan``), what the columnar engine compiles: every field
of the built-in profiles is planned, and a plan says what its template says: evaluated node by node (with Jinja's
meaning of each shape, below), it gives each field's value on every product of the demo catalog as the template
does."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from feedsync.channels.profile import compile_channels
from feedsync.channels.templating import Templating
from feedsync.channels.templating import plan as p
from feedsync.channels.templating.filters import (
    bullets,
    collapse,
    name_variant,
    plaintext,
    truncate_words,
    variant_pairs,
)
from feedsync.config import load_config
from feedsync.sources import open_source
from tests.conftest import DEMO, REPO, write_config

_FILTERS: dict[str, Any] = {
    "plaintext": plaintext,
    "collapse": collapse,
    "truncate_words": truncate_words,
    "name_variant": name_variant,
    "bullets": bullets,
    "variant_pairs": variant_pairs,
    # Jinja's own, as Jinja means them
    "select": lambda value: [x for x in value if x],
    "join": lambda value, sep="": sep.join(str(x) for x in value),
    "lower": lambda value: str(value).lower(),
}
_COMPARE = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "lt": lambda a, b: a < b,
    "in": lambda a, b: a in b,
    "notin": lambda a, b: a not in b,
}


def evaluate(node: p.Node, ctx: Mapping[str, Any]) -> Any:
    if isinstance(node, p.Var):
        return ctx.get(node.name)
    if isinstance(node, p.Const):
        return node.value
    if isinstance(node, p.Attr):
        inner = evaluate(node.node, ctx)
        return inner.get(node.name) if isinstance(inner, Mapping) else getattr(inner, node.name)
    if isinstance(node, p.Method):
        return getattr(evaluate(node.node, ctx), node.name)(*node.args)
    if isinstance(node, p.Filter):
        args = [evaluate(arg, ctx) for arg in node.args]
        kwargs = {key: evaluate(value, ctx) for key, value in node.kwargs}
        return _FILTERS[node.name](evaluate(node.node, ctx), *args, **kwargs)
    if isinstance(node, p.Or):
        return evaluate(node.left, ctx) or evaluate(node.right, ctx)
    if isinstance(node, p.And):
        return evaluate(node.left, ctx) and evaluate(node.right, ctx)
    if isinstance(node, p.Not):
        return not evaluate(node.node, ctx)
    if isinstance(node, p.Cond):
        if evaluate(node.test, ctx):
            return evaluate(node.then, ctx)
        return None if node.otherwise is None else evaluate(node.otherwise, ctx)
    if isinstance(node, p.Compare):
        return _COMPARE[node.op](evaluate(node.left, ctx), evaluate(node.right, ctx))
    if isinstance(node, p.Test):
        assert node.name == "none"
        return evaluate(node.node, ctx) is None
    if isinstance(node, p.Lookup):
        return dict(node.table)[evaluate(node.key, ctx)]
    if isinstance(node, p.Slice):
        return evaluate(node.node, ctx)[: node.stop]
    assert isinstance(node, p.Items)
    return [evaluate(item, ctx) for item in node.items]


def _profiles_config(tmp_path: Path) -> Path:
    """A config with a channel of each built-in profile that stands alone, over the demo catalog."""
    channels = "".join(
        f"  {profile}:\n    profile: {profile}\n    category_map: {DEMO / 'categories.yaml'}\n"
        for profile in ("google_merchant", "facebook", "pinterest", "amazon")
    )
    channels += "    settings: {seller_id: A2PLAN0000001}\n"  # the last channel's, amazon needs one
    text = f"source:\n  path: {DEMO / 'products.csv'}\n  currency: USD\n  base_url: https://shop.example.com\n"
    return write_config(tmp_path, text + f"channels:\n{channels}")


def test_every_field_of_the_built_in_profiles_is_planned(tmp_path: Path) -> None:
    assert {path.stem for path in (REPO / "channel_profiles").glob("*.yaml")} >= {"google_merchant", "pinterest"}
    channels = compile_channels(load_config(_profiles_config(tmp_path)))
    unplanned = {(c.name, f.name) for c in channels for f in c.fields if p.plan(f.compiled) is None}
    assert not unplanned
    assert {c.name for c in channels} == {"google_merchant", "facebook", "amazon", "pinterest"}


@pytest.mark.parametrize("config_path", [DEMO / "feedsync.yaml", None], ids=["demo", "built-in"])
def test_a_plan_gives_what_its_template_gives_on_every_demo_product(tmp_path: Path, config_path: Path | None) -> None:
    config = load_config(config_path or _profiles_config(tmp_path))
    products = list(open_source(config.source).products(lambda d: None))
    assert len(products) > 50
    compared = 0
    for channel in compile_channels(config):
        if channel.name == "google_local":  # its fields read the store's stock, joined per store
            continue
        plans = {f.name: (p.plan(f.compiled), f.compiled) for f in channel.fields}
        for product in products:
            ctx = channel.view(product, None, lambda d: None)
            if ctx is None:
                continue
            for name, (made, compiled) in plans.items():
                assert made is not None, (channel.name, name)
                value = evaluate(made.node, ctx)
                if made.renders:
                    value = "" if value is None else str(value)
                assert value == compiled.call(ctx), (channel.name, name, product.id)
                compared += 1
    assert compared > 5000


_CTX = {"xs": ["a", "b", "c"], "t": "Blue Tee", "c": "blue", "n": 3, "none": None, "empty": "", "d": {"k": "v"}}


@pytest.mark.parametrize(
    ("source", "renders"),
    [
        ("{{ xs[:2] }}", True),
        ("xs[:2]", False),
        ("{{ c in t | lower }}", True),
        ("{{ t | lower not in c }}", True),
        ("{{ n > 2 }}", True),
        ("{{ 2 < n }}", True),
        ("{{ empty or c }}", True),
        ("{{ c and empty }}", True),
        ("{{ 'x' if none else 'y' }}", True),
        ("{{ 'x' if n }}", True),
        ("{{ none is none }}", True),
        ("{{ not empty }}", True),
        ("{{ d.get('k', 'z') }}", True),
        ("{{ {'blue': 'B', 'red': 'R'}[c] }}", True),
        ("{{ [c, none, t] | select | join('/') }}", True),
        ("{{ t | name_variant(c, 'L', separator=' ') }}", True),
    ],
)
def test_a_plan_gives_what_its_template_gives_for_each_shape(source: str, renders: bool) -> None:
    templating = Templating([])
    compiled = templating.template(source) if renders else templating.expression(source)
    made = p.plan(compiled)
    assert made is not None and made.renders is renders
    ctx = templating.context(_CTX)
    value = evaluate(made.node, ctx)
    if renders:
        value = "" if value is None else str(value)
    assert value == compiled.call(ctx)


def test_shapes_not_planned_keep_the_per_row_engine() -> None:
    templating = Templating([])
    for source in ("{% if c %}x{% endif %}", "{{ c }} and {{ t }}", "{{ xs[1:] }}", "{{ c ~ t }}"):
        assert p.plan(templating.template(source)) is None, source
