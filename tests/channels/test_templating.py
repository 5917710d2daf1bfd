from __future__ import annotations

from pathlib import Path

import pytest

from feedsync.channels.templating import TemplateProblem, Templating, plaintext
from feedsync.config import SourceConfig
from feedsync.model.product import PRODUCT_FIELDS
from feedsync.sources import open_source
from tests.conftest import DEMO


def test_the_lookup_fast_path_gives_exactly_what_jinja_renders() -> None:
    templating = Templating([])
    source = open_source(SourceConfig(path=DEMO / "products.csv", currency="USD", base_url="https://s.example"))
    products = list(source.products(lambda d: None))
    assert len(products) == 88
    for name in PRODUCT_FIELDS:
        fast = templating.template("{{ " + name + " }}")
        slow = templating.template("{{ " + name + " }}{{ '' }}")
        assert fast.simple == name and slow.simple is None
        for product in products:
            assert fast.call(product.__dict__) == slow.call(product.__dict__), (name, product.id)


def test_expressions_keep_types_and_report_their_variables() -> None:
    templating = Templating([])
    compiled = templating.expression("[link] + additional_image_links[:1] | list")
    assert compiled.variables == {"additional_image_links", "link"}
    assert compiled.call({"additional_image_links": ("a", "b"), "link": "c"}) == ["c", "a"]
    assert templating.expression("quantity").call({"quantity": 3}) == 3


@pytest.mark.parametrize(
    ("name", "value"), [("true", True), ("false", False), ("none", None), ("True", True), ("False", False)]
)
def test_a_lone_jinja_constant_is_its_value_not_a_variable(name: str, value: object) -> None:
    """``{value: "false"}`` (an Amazon boolean attribute) and a filter ``"true"`` are Jinja's constants: the lone-name
    fast path took them for a variable of that name, and every item failed (CFG001 'false')."""
    templating = Templating([])
    assert templating.expression(name).call({}) is value
    assert templating.expression(f" {name} ").call({}) is value
    assert templating.template("{{ " + name + " }}").call({}) == ("" if value is None else str(value))
    assert templating.expression("true_value").simple == "true_value"  # a name that only begins like one


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Soft <strong>merino</strong></p><ul><li>150 g/m²</li><li>Flat</li></ul>", "Soft merino 150 g/m² Flat"),
        ("Tom &amp; Jerry&nbsp;&gt; 5", "Tom & Jerry\u00a0> 5".replace("\u00a0", " ")),
        ("line<br>break\n\n  spaced", "line break spaced"),
        # an inline element leaves no space where its tag was; a block or a line break one
        ("<p>Light <strong>merino</strong>, tee</p><p>Two</p>", "Light merino, tee Two"),
        ("un<B>believ</B>able H<sub>2</sub>O <a href='/x'>here</a>.", "unbelievable H2O here."),
        ("<span class=x>5</span>% off<br/>now<bx>ok", "5% off now ok"),
        (None, ""),
    ],
)
def test_plaintext_filter(html: str | None, text: str) -> None:
    assert plaintext(html) == text


def test_template_files_are_found_in_search_order(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (second / "t.j2").write_text("second {{ title }}", encoding="utf-8")
    templating = Templating([first, second])
    assert templating.template_file("t.j2").call({"title": "x"}) == "second x"
    (first / "t.j2").write_text("first {{ title }}", encoding="utf-8")
    assert Templating([first, second]).template_file("t.j2").call({"title": "x"}) == "first x"
    with pytest.raises(TemplateProblem, match="not found"):
        templating.template_file("missing.j2")
