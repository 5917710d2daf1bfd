"""The fast paths of a channel's fields give what the plain code gives: the table of collapsed texts (seeded with
what ``plaintext`` and ``collapse`` make), ``lower`` on text, ``select | join`` in one call, constant texts and
slices made once, and a template's value printed by ``str`` for every type ``printed`` leaves to ``str``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import StrictUndefined, UndefinedError
from jinja2.filters import do_lower
from markupsafe import Markup

from feedsync.channels import bounds
from feedsync.channels.base import PRINTED_BY, printed, to_text
from feedsync.channels.templating import Templating, filters
from feedsync.channels.templating.evaluator import _join, _lower, _select, select_join
from feedsync.model.product import Availability, Condition, Gender
from tests.channels.test_apply_shortcuts import MONEY, RANGES, WEIGHTS, _Colour
from tests.channels.test_codegen import CONTEXTS, one_field_channels, outcome, reference_of

# --- collapse: one table of collapsed texts, seeded by plaintext ---

SPACES = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2028\u2029\u202f\u3000\u200b"
HOSTILE = st.text(alphabet=SPACES + "ab<>/&;pli#x", max_size=40)


def _reference_collapse(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split())


def _agrees(texts: list[str]) -> bool:
    """Each text through ``plaintext``, ``collapse`` and ``truncate_words`` (in an order that seeds the table before
    it is read) gives what the table-free code gives."""
    for text in texts:
        plain = filters.plaintext(text)
        if plain != _reference_collapse(filters.html.unescape(filters._strip_tags(text))):
            return False
        for value in (text, plain, f" {text} ", Markup(text)):
            if filters.collapse(value) != _reference_collapse(value):
                return False
            made = filters.truncate_words(value, 7)
            full = _reference_collapse(value)
            if len(full) <= 7 and made != full:
                return False
    return True


@settings(max_examples=300, deadline=None)
@given(st.lists(HOSTILE, max_size=6))
def test_the_table_of_collapsed_texts_gives_the_collapsed_text(texts: list[str]) -> None:
    assert _agrees(texts)
    assert type(filters.collapse(Markup(" a "))) is str


@given(HOSTILE)
def test_collapsing_collapsed_text_gives_it_again(text: str) -> None:
    """What keeping each collapsed text for itself relies on."""
    once = filters._collapsed(text)
    assert filters._collapsed(once) == once


def test_a_table_keyed_on_too_little_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The property above fails for a table keyed on a text's first characters: such a mistake would be caught."""

    class Prefixed(dict[str, str]):
        def get(self, key: str, default: Any = None) -> Any:
            return super().get(key[:4], default)

        def __setitem__(self, key: str, value: str) -> None:
            super().__setitem__(key[:4], value)

    texts = ["abcd x", "abcd  y"]
    monkeypatch.setattr(filters, "_COLLAPSED", Prefixed())
    assert not _agrees(texts)
    monkeypatch.setattr(filters, "_COLLAPSED", {})
    assert _agrees(texts)


def test_the_table_is_emptied_when_full(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(filters, "_COLLAPSED", {})
    texts = [f" t  {i} " for i in range(filters._COLLAPSED_SIZE + 10)]
    assert [filters.collapse(t) for t in texts] == [f"t {i}" for i in range(len(texts))]
    assert len(filters._COLLAPSED) <= filters._COLLAPSED_SIZE
    assert filters.collapse(texts[0]) == "t 0"


# --- lower: str.lower of text, Jinja's own for anything else ---

LOWERED = (
    st.text(alphabet="AbİẞΣ ", max_size=6)
    | st.sampled_from([Markup("<B>A</B>"), Availability.IN_STOCK, _Colour.RED, None, 3, Decimal("1E+2")])
    | st.builds(lambda: StrictUndefined(name="x"))
)


@given(LOWERED)
def test_lower_is_jinjas_lower(value: Any) -> None:
    def run(function: Any) -> Any:
        try:
            made = function(value)
        except UndefinedError as exc:
            return ("failed", str(exc))
        return (type(made), made)

    assert run(_lower) == run(do_lower)


# --- select | join: one call ---

ELEMENTS = (
    st.none()
    | st.text(alphabet="a <", max_size=3)
    | st.integers(-1, 2)
    | st.booleans()
    | st.sampled_from([Markup("<b>"), Markup(""), Decimal("0"), Decimal("0.0"), Availability.PREORDER])
)
JOINED = st.lists(ELEMENTS, max_size=6) | st.tuples(ELEMENTS, ELEMENTS) | st.integers() | st.text(max_size=2)


def _outcome(function: Any, *args: Any) -> Any:
    try:
        made = function(*args)
    except TypeError as exc:
        return ("failed", str(exc))
    return (type(made), made)


@settings(max_examples=300, deadline=None)
@given(JOINED, st.sampled_from(["", " ", ", ", "<&>"]))
def test_select_join_is_join_of_select(value: Any, separator: str) -> None:
    assert _outcome(select_join, value, separator) == _outcome(lambda v, s: _join(_select(v), s), value, separator)


def test_a_select_join_keeping_falsy_elements_is_caught() -> None:
    def careless(value: Any, separator: str) -> str:
        return separator.join([str(item) for item in value])

    value = ["a", None, 0, "b"]
    assert _outcome(careless, value, " ") != _outcome(lambda v, s: _join(_select(v), s), value, " ")
    assert _outcome(select_join, value, " ") == _outcome(lambda v, s: _join(_select(v), s), value, " ")


FUSED = [
    "{{ [brand, title] | select | join(' ') }}",
    "{{ [brand, title, quantity, flag] | select | join }}",
    "{{ [brand, title] | select | join('') | upper }}",
    "{{ quantity | select | join('-') }}",  # not iterable: the same failure
    "{{ nosuch | select | join(' ') }}",
    "{{ [brand, title] | select | join(brand) }}",  # a separator that is no constant: not fused
    "{{ [brand, title] | select | join(3) }}",  # a separator that is no text: not fused
    "{{ [brand, title] | select('none') | join(' ') }}",  # select with a test: Jinja's
]
CONSTANTS = ["  active  ", "{{ ' x ' }}", "{{ '' }}", "{{ '" + "x" * (bounds.MAX_LENGTH + 1) + "' }}", "{{ 7 }}"]
SLICES = ["{{ attributes.tags[:1] }}", "{{ attributes.tags[1:'a'] }}", "{{ title[::-1] }}", "{{ title[1:none] }}"]


def _contexts(templating: Templating) -> list[dict[str, Any]]:
    extra = {"attributes": {"tags": ["a", "b"]}}
    return [templating.context(c) for c in CONTEXTS] + [templating.context({**c, **extra}) for c in CONTEXTS]


def test_fused_and_constant_fields_give_the_per_field_values_and_failures() -> None:
    templating = Templating([])
    channels = one_field_channels(templating, FUSED + CONSTANTS + SLICES, "template")
    expressions = ["' y '", "attributes.tags[:1]", "[title, none] | select | join(',')"]
    channels += one_field_channels(templating, expressions, "expression")
    failed = 0
    for channel in channels:
        assert channel.field_values is not None
        for ctx in _contexts(templating):
            made = outcome(channel.field_values, ctx)
            assert made == outcome(channel.values_by_field, ctx), channel.fields[1].compiled
            failed += made[0] == "failed"
    assert failed >= 4 * 2  # not iterable, undefined, the over-long constant, a slice of text by text


def test_the_fast_paths_are_taken() -> None:
    from feedsync.channels.templating import codegen

    templating = Templating([])
    fields = [(f"f{i}", templating.template(text)) for i, text in enumerate((FUSED[0], CONSTANTS[0], SLICES[0]))]
    code = [codegen.FieldCode(name, c.call, c.renders, c.simple, c.node, c.direct, c.reads) for name, c in fields]
    _, source, inline = codegen.fields_function(templating.env, code, to_text)
    assert inline == 3
    assert "_g" in source and "'active'" in source and "select" not in source and "slice(" not in source
    scope = templating.fields_function(fields, to_text).__globals__
    assert select_join in scope.values()
    assert slice(None, 1, None) in scope.values()


# --- printed by str: every type printed leaves to str ---

PRINTABLE = (
    st.none()
    | st.text(alphabet=" ab", max_size=3)
    | st.integers()
    | st.booleans()
    | st.decimals(allow_nan=False)
    | st.floats(allow_nan=False)
    | st.sampled_from([Markup(" <b> "), Availability.IN_STOCK, Condition.NEW, Gender.FEMALE, _Colour.RED])
    | MONEY
    | RANGES
    | WEIGHTS
)
PRINTING = ["{{ x }}", "{{ x or 'none' }}", "{{ x if flag else x }}", "{{ x ~ '' }}"]


def _printing_channels(templating: Templating) -> list[Any]:
    made = []
    for source in PRINTING:
        channel = reference_of([])
        channel.fields.append(one_field_channels(templating, [source], "template")[0].fields[1])
        channel.field_values = templating.fields_function(
            [(f.name, f.compiled) for f in channel.fields], to_text, printed, printed_types=PRINTED_BY
        )
        made.append(channel)
    return made


_PRINTING_CHANNELS: list[tuple[Templating, list[Any]]] = []


@settings(max_examples=200, deadline=None)
@given(PRINTABLE, st.booleans())
def test_a_value_printed_by_str_is_what_printed_gives(value: Any, flag: bool) -> None:
    if not _PRINTING_CHANNELS:  # compiled once for all examples
        templating = Templating([])
        _PRINTING_CHANNELS.append((templating, _printing_channels(templating)))
    templating, channels = _PRINTING_CHANNELS[0]
    ctx = templating.context({"x": value, "flag": flag})
    for channel in channels:
        assert outcome(channel.field_values, ctx) == outcome(channel.values_by_field, ctx)
        made = channel.field_values(ctx).get("f")
        assert made is None or type(made) is type(channel.values_by_field(ctx)["f"])
