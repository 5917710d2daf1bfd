"""The generated fields function keeps a field's text for the next item whose read values are the same: what it
gives, item after item, is what it gives with the reuse off (values and failures), whatever repeats or changes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import nodes
from markupsafe import Markup

from feedsync.channels.base import to_text
from feedsync.channels.templating import Templating, codegen
from feedsync.channels.templating.purity import pure_reads
from tests.channels.test_codegen import outcome

TEMPLATES = [
    "{{ title | collapse | truncate_words(12) }}",  # product-level: reused
    "{{ title | name_variant(color, size, variant_options) }}",  # variant-level names
    "{{ (description or title) | plaintext }}",
    "{{ attributes | variant_pairs(['Logo'], variant_options) }}",  # dicts: equal only in the same order
    "{{ title ~ ' ' ~ price }}",  # a Decimal: 1.0 and 1.00 are equal and print otherwise
    "{{ (100 / count) | round }}",  # fails on 0 (and on a missing count)
    "{{ title.upper() if title else 'none' }}",  # a method call on a value
    "{{ images | join(',') }}",  # a list or tuple
    "{% for i in images %}{{ i | upper }};{% endfor %}",  # Jinja renders it
    "{{ now.year ~ title }}",  # reads now: never kept
    "{{ tag ~ '!' }}",  # Markup and str: equal and printed otherwise
    "{{ title[:3] }}",
]
EXPRESSIONS = [
    "images[:2]",  # a list value: the item's own copy
    "description | bullets(2)",
    "count * 2",
    "[title, color] | select | list",
]

TEXTS = st.sampled_from(["Merino Tee", "merino  tee", "Merino Tee ", "", "<p>A &amp; B</p><ul><li>x</li></ul>"])
COLORS = st.sampled_from(["Navy", "navy", None, "Merino"])
DICTS = st.sampled_from([{}, {"Logo": "Cat"}, {"Cut": "Long", "Fit": "Slim"}, {"Fit": "Slim", "Cut": "Long"}])
IMAGES = st.sampled_from([(), ("a", "b"), ["a", "b"], ["a", "b", "c"], ("a", 1), ("a", True), ["a", 1.0]])
CONTEXT = st.fixed_dictionaries(
    {
        "title": TEXTS,
        "description": st.one_of(st.none(), TEXTS),
        "color": COLORS,
        "size": st.sampled_from(["M", "L", None]),
        "variant_options": DICTS,
        "attributes": DICTS,
        "price": st.sampled_from([Decimal("1.0"), Decimal("1.00"), Decimal("2")]),
        "count": st.sampled_from([0, 1, 4, True, 1.0]),
        "images": IMAGES,
        "tag": st.sampled_from([Markup("<b>"), "<b>", "&lt;b&gt;"]),
    },
    optional={"now": st.none()},
)


TEMPLATING = Templating([])
COMPILED = [TEMPLATING.template(t) for t in TEMPLATES] + [TEMPLATING.expression(e) for e in EXPRESSIONS]


def _functions(templating: Templating, reuse: bool) -> list[Any]:
    compiled = COMPILED
    code = [
        codegen.FieldCode(f"f{i}", c.call, c.renders, c.simple, c.node, c.direct, c.reads)
        for i, c in enumerate(compiled)
    ]
    # one function per field (the first failure ends an item's fields) and one for them all
    made = [codegen.fields_function(templating.env, [spec], to_text, reuse=reuse)[0] for spec in code]
    return [*made, codegen.fields_function(templating.env, code, to_text, reuse=reuse)[0]]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(CONTEXT, st.booleans()), min_size=1, max_size=12))
def test_items_in_a_row_give_what_they_give_without_reuse(items: list[tuple[dict[str, Any], bool]]) -> None:
    templating = TEMPLATING
    kept, fresh = _functions(templating, True), _functions(templating, False)
    shared: dict[str, Any] = {}
    for values, same_objects in items:
        if same_objects and shared:  # the previous item's objects again (a list changed in place meanwhile)
            values = {**shared, "title": values["title"]}
            if isinstance(values["images"], list):
                values["images"].append("z")
        shared = values
        ctx = templating.context(values)
        ctx.setdefault("now", None)
        for function, reference in zip(kept, fresh, strict=True):
            made = outcome(function, ctx)
            assert made == outcome(reference, ctx)
            if made[0] == "values":  # the item's lists are its own: changing them changes no later item
                for value in made[1].values():
                    if isinstance(value, list):
                        value.append("changed")


def test_a_field_is_reused_for_the_same_values_and_evaluated_for_others() -> None:
    templating = Templating([])
    calls: list[Any] = []
    compiled = templating.template("{{ title | collapse }}")
    assert compiled.reads == ("title",)

    def counted(ctx: Any) -> Any:
        calls.append(ctx["title"])
        return compiled.call(ctx)

    spec = codegen.FieldCode("t", counted, True, None, None, False, compiled.reads)
    function = codegen.fields_function(templating.env, [spec], to_text)[0]
    for title in ["A  b", "A  b", "A" + "  b", "C", "A  b"]:
        assert function(templating.context({"title": title})) == {"t": " ".join(title.split())}
    assert calls == ["A  b", "C", "A  b"]  # equal text reused, though not the same object


@pytest.mark.parametrize(
    ("template", "first", "second"),
    [
        ("{{ images | join(',') }}", ("a", 1), ("a", True)),  # equal tuples that print otherwise
        ("{{ images | join(',') }}", ["a", 1.0], ["a", 1]),
        ("{{ none | variant_pairs([], attributes) }}", {"A": "1", "B": "2"}, {"B": "2", "A": "1"}),  # order
        ("{{ none | variant_pairs([], attributes) }}", {"A": 1}, {"A": True}),
        ("{{ images ~ '' }}", Decimal("1.0"), Decimal("1.00")),
        ("{{ images ~ '' }}", "<b>", Markup("<b>")),
    ],
)
def test_equal_values_that_print_otherwise_are_not_reused(template: str, first: Any, second: Any) -> None:
    templating = Templating([])
    compiled = templating.template(template)
    spec = codegen.FieldCode("t", compiled.call, True, None, compiled.node, compiled.direct, compiled.reads)
    function = codegen.fields_function(templating.env, [spec], to_text)[0]
    for value in (first, second):
        ctx = templating.context({"images": value, "attributes": value})
        assert function(ctx) == {"t": compiled.call(ctx).strip()}


def test_a_list_or_dict_changed_in_place_is_read_again() -> None:
    templating = Templating([])
    compiled = templating.template("{{ images | join(',') }} {{ none | variant_pairs([], attributes) }}")
    spec = codegen.FieldCode("t", compiled.call, True, None, compiled.node, compiled.direct, compiled.reads)
    function = codegen.fields_function(templating.env, [spec], to_text)[0]
    images, attributes = ["a"], {"A": "1"}
    ctx = templating.context({"images": images, "attributes": attributes})
    assert function(ctx) == {"t": "a A:1"}
    images.append("b")
    attributes["B"] = "2"
    assert function(ctx) == {"t": "a,b A:1,B:2"}


def test_a_field_seldom_reused_is_evaluated_without_keeping() -> None:
    templating = Templating([])
    compiled = templating.template("{{ title | collapse }}")
    calls: list[str] = []

    def counted(ctx: Any) -> Any:
        calls.append(ctx["title"])
        return compiled.call(ctx)

    spec = codegen.FieldCode("t", counted, True, None, None, False, compiled.reads)
    function = codegen.fields_function(templating.env, [spec], to_text)[0]
    titles = [f"T{i}" for i in range(codegen._TRIES + 5)]
    for title in titles + titles[-1:]:
        assert function(templating.context({"title": title})) == {"t": title}
    assert calls == titles + titles[-1:]  # switched off: the last title, though repeated, is evaluated again


def test_reuse_off_generates_no_keeping() -> None:
    templating = Templating([])
    compiled = templating.template("{{ title | collapse }}")
    spec = codegen.FieldCode("t", compiled.call, True, None, compiled.node, True, compiled.reads)
    assert "_kept" in codegen.fields_function(templating.env, [spec], to_text, reuse=True)[1]
    assert "_kept" not in codegen.fields_function(templating.env, [spec], to_text, reuse=False)[1]


@pytest.mark.parametrize(
    "source",
    [
        "{{ now.year }}",
        "{{ lipsum(1) }}",
        "{{ range(3) | list }}",
        "{{ [1, 2] | random }}",
        "{% macro m() %}{{ title }}{% endmacro %}{{ m() }}",
        "{% include 'x.j2' %}",
        "{% import 'x.j2' as x %}{{ title }}",
        "{% from 'x.j2' import y %}{{ title }}",
        "{% extends 'x.j2' %}",
        "{{ joiner() }}",
    ],
)
def test_templates_that_may_give_another_value_for_the_same_names_are_never_kept(source: str) -> None:
    assert pure_reads(Templating([]).env.parse(source)) is None


def test_the_names_a_template_reads_include_the_globals() -> None:
    env = Templating([], {"settings": {"a": 1}}).env
    tree = env.parse("{% set x = title %}{{ x ~ settings.a ~ brand.upper() }}{% for i in images %}{{ i }}{% endfor %}")
    assert isinstance(tree, nodes.Template)
    reads = pure_reads(tree)
    assert reads is not None and {"title", "settings", "brand", "images"} <= set(reads)


def test_simple_and_constant_fields_are_not_kept() -> None:
    templating = Templating([])
    assert templating.template("{{ title }}").reads is None
    assert templating.template("{{ title or 'x' }}").reads is None  # a look-up and a test: cheaper than keeping
    assert templating.template("active").reads is None
    assert templating.expression("title | upper").reads == ("title",)


def test_a_kept_field_that_reads_no_names_is_evaluated_once() -> None:
    templating = Templating([])
    compiled = templating.template("{{ range(3) | join(',') }}")
    calls: list[int] = []

    def counted(ctx: Any) -> Any:
        calls.append(1)
        return compiled.call(ctx)

    spec = codegen.FieldCode("t", counted, True, None, None, False, ())
    function = codegen.fields_function(templating.env, [spec], to_text)[0]
    assert [function(templating.context({"title": t})) for t in ("a", "b", "c")] == [{"t": "0,1,2"}] * 3
    assert calls == [1]  # its first text, made before any was kept, then reused


def test_a_profile_compiled_again_runs_the_same_code_in_a_scope_of_its_own() -> None:
    """The source of a fields function is compiled once a process; each channel compiled from it keeps its own
    state (what it reuses, its counts)."""
    templating = Templating([])
    made = templating.template("{{ title | collapse }}")
    specs = [codegen.FieldCode("title", made.call, True, None, made.node, made.direct, made.reads)]
    first = codegen.fields_function(templating.env, specs, to_text)[0]
    compiled = codegen._compiled.cache_info()
    second = codegen.fields_function(templating.env, specs, to_text)[0]
    assert codegen._compiled.cache_info().hits == compiled.hits + 1
    assert first.__code__ is second.__code__ and first.__globals__ is not second.__globals__
    for title in (" a  b ", " a  b ", "c"):
        assert first(templating.context({"title": title})) == {"title": title.split() and " ".join(title.split())}
    assert second(templating.context({"title": "c"})) == {"title": "c"}
    assert first.__globals__["_calls"][0] == 3 and second.__globals__["_calls"][0] == 1  # (each its own count)
