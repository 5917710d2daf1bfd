"""Templates of common shapes run as plain Python instead of through a Jinja context per call: each gives
exactly what Jinja gives (or fails where Jinja fails), checked here against Jinja itself."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import jinja2
import pytest

from feedsync.channels.templating import RenderError, Templating
from feedsync.channels.templating.environment import _renderer
from feedsync.channels.templating.errors import checked
from feedsync.model import Money

CONTEXTS: list[dict[str, Any]] = [
    {
        "title": "  Merino   Tee ",
        "description": "<p>Soft &amp; warm</p><ul><li>a</li></ul>",
        "brand": None,
        "condition": None,
        "price": Money(amount=Decimal("12.5"), currency="EUR"),
        "quantity": 0,
        "attributes": {"asin": "B0X", "color": "Navy"},
        "store": {"quantity": "3"},
        "weight": None,
        "flag": True,
    },
    {
        "title": "Hoodie",
        "description": None,
        "brand": "Northwind",
        "condition": "used",
        "price": Money(amount=Decimal("80"), currency="USD"),
        "quantity": 7,
        "attributes": {},
        "store": {},
        "weight": None,
        "flag": False,
    },
]
TEMPLATES = [
    "{{ condition or 'new' }}",
    "{{ brand or attributes.get('brand', '') }}",
    "{{ attributes.get('asin', '') }}",
    "{{ price.currency }}",
    "{{ price.nosuch }}",
    "{{ attributes['color'] }}",
    "{{ title | collapse | truncate_words(2) }}",
    "{{ (description or title) | plaintext | truncate_words(9999) }}",
    "{{ description | bullets | join(', ') }}",
    "{{ quantity ~ ' units of ' ~ title }}",
    "{{ 'yes' if flag else 'no' }}",
    "{{ not flag }}",
    "{{ flag and brand }}",
    "{{ nosuch | default('fallback') }}",
    "{{ nosuch or 'x' }}",
    "{{ weight.unit if weight else '' }}",
    "{{ store.get('quantity') or '0' }}",
    "{{ {'a': 1}['a'] }}",
    "{{ {'in_stock': 'in stock', 'out_of_stock': 'out of stock'}[availability] }}",
    "{{ attributes | variant_pairs(settings.variant_attributes) }}",
    "{{ images[:2] }}",
    "{{ images[1:] | length }}",
    "{{ title[::-1] }}",
    "{{ quantity if quantity is not none else 0 }}",
    "{{ 'low' if 0 < quantity < 5 else 'many' }}",
    "{{ availability == 'out_of_stock' or availability in ['preorder'] }}",
    "{{ price.amount.quantize(1) }}",
    "{{ title.upper() }}",
    "{{ title.nosuch() }}",
    "{{ quantity is divisibleby 7 }}",
    "{{ ([brand if brand and brand | lower not in title | lower else none, title, size] | select | join(' ')) }}",
    "{{ [color, size] | select | list }}",
    "{{ (brand, title) | join }}",
    "{{ weight.unit }}",
    "{{ price.amount.real }}",
]


def jinja_render(templating: Templating, source: str, ctx: dict[str, Any]) -> tuple[str, Any]:
    try:
        return "ok", checked(_renderer(templating.env.from_string(source)))(ctx)
    except RenderError as exc:
        return "error", type(exc.__cause__ or exc).__name__


def fast_render(templating: Templating, source: str, ctx: dict[str, Any]) -> tuple[str, Any]:
    try:
        return "ok", templating.template(source).call(ctx)
    except RenderError as exc:
        return "error", type(exc.__cause__ or exc).__name__


@pytest.mark.parametrize("source", TEMPLATES)
def test_the_direct_path_renders_what_jinja_renders(source: str) -> None:
    templating = Templating([])
    for values in CONTEXTS:
        ctx = templating.context(values)
        assert fast_render(templating, source, ctx) == jinja_render(templating, source, ctx), (source, values["title"])


def test_common_shapes_skip_jinja_and_others_fall_back() -> None:
    templating = Templating([])
    direct = [s for s in TEMPLATES if templating._direct(templating.env.parse(s)) is not None]
    assert "{{ condition or 'new' }}" in direct and "{{ title | collapse | truncate_words(2) }}" in direct
    assert "{{ nosuch | default('fallback') }}" in direct
    assert "{{ description | bullets | join(', ') }}" in direct  # join without autoescaping: plain str.join
    assert templating._direct(templating.env.parse("{{ images | join(', ', attribute='url') }}")) is None
    assert templating._direct(templating.env.parse("{{ sizes | select('odd') | list }}")) is None  # a test: Jinja
    assert templating._direct(templating.env.parse("{{ {'a': title}['a'] }}")) is None  # a dict of non-constants
    assert "{{ {'in_stock': 'in stock', 'out_of_stock': 'out of stock'}[availability] }}" in direct
    assert "{{ images[:2] }}" in direct and "{{ quantity if quantity is not none else 0 }}" in direct
    assert templating._direct(templating.env.parse("x {{ title }}")) is None  # text around it: Jinja
    assert templating._direct(templating.env.parse("{{ title | replace('a', 'b', count=1) }}")) is None


def test_expressions_keep_their_type_and_undefined_stays_undefined() -> None:
    templating = Templating([])
    ctx = templating.context(CONTEXTS[0])
    assert templating.expression("attributes.get('color')").call(ctx) == "Navy"
    assert templating.expression("quantity or 5").call(ctx) == 5
    missing = templating.expression("price.nosuch").call(ctx)
    assert isinstance(missing, jinja2.Undefined)
    with pytest.raises(jinja2.UndefinedError):
        str(missing)


def test_the_sandbox_still_guards_direct_calls() -> None:
    templating = Templating([])
    ctx = templating.context({"store": {"a": 1}, "title": "x"})
    with pytest.raises(jinja2.exceptions.SecurityError):
        templating.template("{{ title.__class__.__mro__ }}").call(ctx)
