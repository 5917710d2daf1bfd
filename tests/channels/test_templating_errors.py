"""Errors by kind: what a template or rule does wrong on a product is a finding; a bug in feedsync's own code
(a filter, the rules' code) propagates instead of becoming one CFG001/CFG006 per product."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from feedsync.channels import rules as rules_module
from feedsync.channels.profile import compile_channels
from feedsync.channels.templating import RenderError, Templating, filters
from feedsync.diagnostics import Diagnostic
from feedsync.model import Money, Product
from feedsync.model.product import SourceRef
from tests.conftest import HEADER, apply_one, make_config, row

DATA: dict[str, Any] = {"title": "Merino Tee", "description": "<p>Soft</p>", "sizes": ["S", "M"], "attributes": {}}

TEMPLATE_FAULTS = [
    "{{ 1 / 0 }}",
    "{{ title + 1 }}",
    "{{ sizes[9] }}",
    "{{ title.split(1) }}",
    "{{ nosuch }}",
    "{{ title | truncate_words }}",  # a filter called with too few arguments
    "{{ title | truncate_words('x') }}",  # a feedsync filter given an argument of the wrong type
    "{{ description | bullets('x') }}",
    "{{ attributes | variant_pairs(3) }}",
    "{{ title | name_variant(nosuch) }}",
]


def _call(source: str, *, jinja: bool) -> Any:
    templating = Templating([])
    # text after the expression makes Jinja render it; alone, the direct evaluator does
    return templating.template(source + ("{{ '' }}" if jinja else "")).call(templating.context(DATA))


@pytest.mark.parametrize("jinja", [False, True], ids=["direct", "jinja"])
@pytest.mark.parametrize("source", TEMPLATE_FAULTS)
def test_what_a_template_does_wrong_is_a_render_error(source: str, jinja: bool) -> None:
    with pytest.raises(RenderError):
        _call(source, jinja=jinja)


def _bug(value: str) -> str:
    raise TypeError("a bug in feedsync's plaintext")


@pytest.mark.parametrize("jinja", [False, True], ids=["direct", "jinja"])
def test_a_bug_in_a_feedsync_filter_propagates_as_itself(monkeypatch: pytest.MonkeyPatch, jinja: bool) -> None:
    monkeypatch.setattr(filters, "_plaintext", _bug)
    with pytest.raises(TypeError, match="a bug in feedsync's plaintext") as caught:
        _call("{{ description | plaintext }}", jinja=jinja)
    assert not isinstance(caught.value, RenderError)


def _product(**values: object) -> Product:
    base: dict[str, object] = {
        "id": "A1",
        "title": "Tee",
        "description": "<p>Soft</p>",
        "price": Money(amount=Decimal("20"), currency="USD"),
        "link": "https://s.example/a",
        "image_link": "https://s.example/a.jpg",
        "source": SourceRef.model_construct(path="p.csv", row=7, columns={"description": ("description", 4)}),
    }
    base.update(values)
    return Product.model_validate(base)


BULLETS = "    fields:\n      custom_label_0: \"{{ description | bullets('x') }}\"\n"


def test_a_template_error_is_still_cfg001_at_the_product_s_position(tmp_path: Path) -> None:
    config = make_config(tmp_path, HEADER + row(), channel_extra=BULLETS)
    [channel] = compile_channels(config)
    found: list[Diagnostic] = []
    assert apply_one(channel, _product(), found.append) is None
    [diagnostic] = found
    assert (diagnostic.code, diagnostic.field) == ("CFG001", "custom_label_0")
    assert diagnostic.message == "field custom_label_0: bullets: limit must be a whole number, not 'x'"
    assert (diagnostic.location.path, diagnostic.location.row, diagnostic.location.column) == ("p.csv", 7, 4)


def test_a_bug_in_a_filter_is_not_a_finding_per_product(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    [channel] = compile_channels(make_config(tmp_path, HEADER + row()))  # google: description | plaintext
    monkeypatch.setattr(filters, "_plaintext", _bug)
    found: list[Diagnostic] = []
    with pytest.raises(TypeError, match="a bug in feedsync's plaintext"):
        apply_one(channel, _product(), found.append)
    assert found == []


RULE = (
    "    rules:\n      - name: season\n        when: [{field: attributes.season, equals: fall}]\n"
    "        then: [{set: custom_label_1, value: autumn}]\n"
)


def test_a_bug_in_the_rules_code_propagates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    [channel] = compile_channels(make_config(tmp_path, HEADER + row(), channel_extra=RULE))

    def broken(value: object) -> str:
        raise AttributeError("a bug in the rules' _text")

    monkeypatch.setattr(rules_module, "_text", broken)
    found: list[Diagnostic] = []
    with pytest.raises(AttributeError, match="a bug in the rules"):
        apply_one(channel, _product(attributes={"season": "fall"}), found.append)
    assert found == []


@pytest.mark.parametrize(
    ("extra", "attributes"),
    [
        ("    price: {min_margin_percent: 10}\n", {"cost": "about five"}),  # a cost that is no number
        ("    rules:\n      - {when: [{field: attributes.n, gt: 5}], then: [{exclude: true}]}\n", {"n": "NaN"}),
        ("    price: {markup_percent: 1e40}\n", {}),  # a price too large to round
    ],
    ids=["cost", "nan", "markup"],
)
def test_decimal_arithmetic_a_rule_does_on_the_product_s_values_is_cfg006(
    tmp_path: Path, extra: str, attributes: dict[str, str]
) -> None:
    [channel] = compile_channels(make_config(tmp_path, HEADER + row(), channel_extra=extra))
    found: list[Diagnostic] = []
    assert apply_one(channel, _product(attributes=attributes), found.append) is None
    assert [d.code for d in found] == ["CFG006"], found
