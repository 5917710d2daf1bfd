"""The shortcuts of a channel's per-item path give what the plain code gives: the kept text of a price, a date range
or a weight (``printed``), ``to_text``'s common types first, ``name_variant`` folding only what it adds, a dict's
item read without a failed attribute look-up, the printable-ASCII test of ids, and the reuse of a field's text for
reads that are whole numbers, nested lists and dicts, or the channel's settings."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from pathlib import Path
from types import BuiltinMethodType, MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import Undefined
from markupsafe import Markup

from feedsync.channels import base
from feedsync.channels.base import printed, to_text
from feedsync.channels.compiled import CompiledChannel
from feedsync.channels.templating import Templating, codegen, collapse, name_variant
from feedsync.channels.templating.evaluator import attribute_getter
from feedsync.diagnostics import Diagnostic
from feedsync.ids import fit_ascii_id, fit_id, printable_ascii
from feedsync.model.money import Money
from feedsync.model.product import Availability, DateRange, Product, SourceRef, Weight, WeightUnit
from tests.channels.test_codegen import outcome

# --- printed: str of the model's frozen values, kept per object ---

AMOUNTS = st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, allow_infinity=False, places=4)
MONEY = st.builds(
    lambda amount, currency: Money.model_construct(amount=amount, currency=currency),
    AMOUNTS | st.sampled_from([Decimal("-0"), Decimal("0.005"), Decimal("1E+3")]),
    st.sampled_from(["USD", "JPY", "KWD", "EUR"]),
)
ZONES = st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)), ZoneInfo("Europe/Berlin")])
MOMENTS = st.builds(
    lambda day, zone: day.replace(tzinfo=zone),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9998, 12, 30)),
    ZONES,
)
RANGES = st.builds(
    lambda start, hours: DateRange(start=start, end=start + timedelta(hours=hours)), MOMENTS, st.integers(1, 10**5)
)
WEIGHTS = st.builds(Weight, value=st.decimals(min_value=0, max_value=10**6, places=3), unit=st.sampled_from(WeightUnit))
VALUES = (
    MONEY | RANGES | WEIGHTS | st.decimals(allow_nan=False) | st.sampled_from([Markup("<b>"), Availability.PREORDER])
)


@settings(max_examples=150, deadline=None)
@given(st.lists(VALUES, min_size=1, max_size=20), st.randoms(use_true_random=False))
def test_printed_is_str_of_the_object(values: list[Any], random: Any) -> None:
    for value in values + random.sample(values, len(values)):  # each object again, kept or not
        assert printed(value) == str(value)
        assert type(printed(value)) is str


def test_printed_keeps_each_object_and_empties_its_table_when_full() -> None:
    first = Money.model_construct(amount=Decimal("1.005"), currency="USD")
    assert printed(first) == "1.01 USD"
    made = [Money.model_construct(amount=Decimal(i), currency="JPY") for i in range(base._PRINTED_SIZE + 3)]
    assert [printed(m) for m in made] == [f"{i} JPY" for i in range(len(made))]
    assert len(base._PRINTED) <= base._PRINTED_SIZE
    assert printed(first) == "1.01 USD"  # emptied meanwhile: made again


# --- to_text: the common types first ---


class _Colour(Enum):
    RED = " red "


def _old_to_text(value: Any) -> Any:
    """``to_text`` as it was: one isinstance after the other."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (list, tuple)):
        items = [t for t in (_old_to_text(v) for v in value) if isinstance(t, str)]
        return items or None
    return str(value).strip() or None


ATOMS = (
    st.none()
    | st.text(alphabet=" \t\nab\u00a0é")
    | st.booleans()
    | st.integers()
    | st.decimals(allow_nan=False)
    | st.floats(allow_nan=False)
    | st.sampled_from([Markup(" <b> "), Markup(""), _Colour.RED, Availability.IN_STOCK])
    | MONEY
    | WEIGHTS
)
NESTED = st.recursive(ATOMS, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner), max_leaves=12)


@settings(max_examples=200, deadline=None)
@given(NESTED)
def test_to_text_gives_what_it_gave(value: Any) -> None:
    assert to_text(value) == _old_to_text(value)
    made = to_text(value)
    assert type(made) is type(_old_to_text(value))


# --- name_variant: the folded title grows by the folded values ---


def _old_name_variant(title: Any, *values: Any, separator: str = " - ") -> str:
    text = collapse(title)
    words = text.casefold()
    for value_given in values:
        if type(value_given) is not str and isinstance(value_given, Mapping):
            parts: Iterable[Any] = [str(v) for v in value_given.values()]
        else:
            parts = (value_given,) if value_given else ()
        for part in parts:
            value = collapse(part)
            if not value:
                continue
            folded = value.casefold()
            if folded not in words or not re.search(rf"(?<!\w){re.escape(folded)}(?!\w)", words):
                text = f"{text}{separator}{value}"
                words = text.casefold()
    return text


FOLDING = st.text(alphabet="aAsSßẞİıiIΣσςﬁ ΐ-Ǆǅ𐐀 .", max_size=12)
VARIANT_VALUES = FOLDING | st.none() | st.integers(0, 20) | st.dictionaries(FOLDING, FOLDING, max_size=3)


@settings(max_examples=200, deadline=None)
@given(FOLDING, st.lists(VARIANT_VALUES, max_size=4), st.sampled_from([" - ", " ", "ẞ", "/Σ/"]), st.booleans())
def test_name_variant_gives_what_it_gave(title: str, values: list[Any], separator: str, proxy: bool) -> None:
    values = [MappingProxyType(v) if proxy and isinstance(v, dict) else v for v in values]
    assert name_variant(title, *values, separator=separator) == _old_name_variant(title, *values, separator=separator)


@given(FOLDING, FOLDING)
def test_casefold_maps_each_character_alone(a: str, b: str) -> None:
    assert (a + b).casefold() == a.casefold() + b.casefold()


# --- a dict's attribute: its item, as the sandbox gives it ---

NAMES = st.sampled_from(["x", "items", "get", "keys", "copy", "pop", "update", "__class__", "_private", "mro", "0"])


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(NAMES, st.integers() | st.text(max_size=3), max_size=4), NAMES, st.booleans())
def test_an_attribute_of_a_dict_is_what_the_sandbox_gives(data: dict[str, Any], name: str, subclass: bool) -> None:
    env = Templating([]).env
    obj = type("Sub", (dict,), {})(data) if subclass else data
    made, expected = attribute_getter(env, name)(obj), env.getattr(obj, name)
    assert type(made) is type(expected)
    if isinstance(expected, Undefined):
        assert (made._undefined_name, made._undefined_obj) == (expected._undefined_name, expected._undefined_obj)
    else:
        assert made == expected


# --- ids: printable ASCII without the pattern for most ---


def _old_fitted(values: dict[str, Any], limits: Mapping[str, int], ascii_ids: bool) -> dict[str, Any]:
    out = dict(values)
    for attr, limit in limits.items():
        value = values.get(attr)
        if not isinstance(value, str):
            continue
        if len(value) <= limit and (not ascii_ids or printable_ascii(value)):
            continue
        out[attr] = fit_ascii_id(value, limit) if ascii_ids else fit_id(value, limit)
    return out


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="ab -~\n\x7f\t\u00e9\u0660\u2028", max_size=60), st.text(alphabet="ab\n", max_size=3))
def test_ids_are_fitted_as_they_were(sku: str, parent: str) -> None:
    from feedsync.channels.base import channel_spec

    for name in ("amazon", "google"):
        spec = channel_spec(name)
        channel = CompiledChannel(name, spec, "", None, {}, [], [], [], None)  # type: ignore[arg-type]
        product = Product(id="p", title="t", price=Money(amount=1, currency="USD"), source=SourceRef(path="x", row=2))
        given = {"sku": sku, "parent_sku": parent, "id": sku, "item_group_id": parent}
        values: dict[str, Any] = dict(given)
        found: list[Diagnostic] = []
        expected = _old_fitted(values, spec.id_limits, spec.ascii_ids)
        channel._fit_ids(product, values, found.append)
        assert values == expected
        assert [d.field for d in found] == [a for a in spec.id_limits if expected[a] != given[a]]


# --- reuse of a field's text: whole numbers, nested lists and dicts, the settings ---

TEMPLATES = [
    "{{ data.a ~ '|' ~ count }}",
    "{{ data | variant_pairs(settings.names, options) }}",
    "{{ settings.names | join(',') ~ (flag | string) }}",
    "{{ (box[0] if box else 'none') ~ count }}",
]
NESTED_DATA = st.recursive(
    st.none() | st.booleans() | st.integers(0, 2) | st.sampled_from(["1", "a", Markup("a")]) | st.just(Decimal("1.0")),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["a", "b"]), inner, max_size=2),
    max_leaves=6,
)
ITEM = st.fixed_dictionaries(
    {
        "data": st.dictionaries(st.sampled_from(["a", "b"]), NESTED_DATA, max_size=2),
        "count": st.sampled_from([0, 1, True, False, 1.0, None]),
        "flag": st.sampled_from([0, False, None, 1]),
        "options": st.sampled_from([{}, {"Fit": "Slim"}, {"Fit": 1}, {"Fit": True}]),
        "box": st.sampled_from([(), ([1],), ([True],), (("1",),), ("x", 2)]),
    }
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(ITEM, st.integers(0, 3), st.booleans()), min_size=1, max_size=12))
def test_reuse_gives_what_evaluating_gives(items: list[tuple[dict[str, Any], int, bool]]) -> None:
    shared_settings = {"names": ["a", "b"]}
    templating = Templating([], {"settings": shared_settings})
    compiled = [templating.template(t) for t in TEMPLATES]
    code = [
        codegen.FieldCode(f"f{i}", c.call, c.renders, c.simple, c.node, c.direct, c.reads)
        for i, c in enumerate(compiled)
    ]
    functions = {
        reuse: [codegen.fields_function(templating.env, [spec], to_text, reuse=reuse)[0] for spec in code]
        for reuse in (True, False)
    }
    previous: dict[str, Any] | None = None
    for values, change, shadow in items:
        if previous is not None and change == 1:  # the same objects again, a nested list changed in place
            values = previous
            for nested in values["data"].values():
                if isinstance(nested, list):
                    nested.append(1)
                elif isinstance(nested, dict):
                    nested["b"] = [nested.get("b")]
            for element in values["box"]:
                if isinstance(element, list):
                    element.append(2)
        ctx = templating.context(values)
        if shadow:  # data that names settings itself: an equal copy, or another list
            ctx["settings"] = {"names": ["a", "b"]} if change == 2 else {"names": ["b"]}
        for kept, fresh in zip(functions[True], functions[False], strict=True):
            assert outcome(kept, ctx) == outcome(fresh, ctx)
        previous = values
    assert shared_settings == {"names": ["a", "b"]}


def test_whole_numbers_and_the_settings_are_reused() -> None:
    templating = Templating([], {"settings": {"names": ["Logo"]}})
    compiled = templating.template("{{ attributes | variant_pairs(settings.names, options) ~ count }}")
    calls: list[Any] = []

    def counted(ctx: Any) -> Any:
        calls.append(ctx["count"])
        return compiled.call(ctx)

    spec = codegen.FieldCode("t", counted, True, None, None, False, compiled.reads)
    function = codegen.fields_function(templating.env, [spec], to_text)[0]
    for count in [3, 3, 3, True, 1, 1]:
        ctx = templating.context({"attributes": {"Logo": "Cat"}, "options": {}, "count": count})
        assert function(ctx) == {"t": f"Logo:Cat{count}"}
    assert calls == [3, True, 1]  # fresh dicts each item, equal: reused; True and 1 print otherwise


# --- override columns: found once for each list of columns ---

COLUMNS = st.sampled_from(["amazon_asin", "amazon_amazon_product_type", "amazon_product_type", "amazon_color", "note"])
ATTRIBUTES = st.lists(st.tuples(COLUMNS, st.sampled_from(["", "B00X", "SHIRT", "Navy"])), max_size=5).map(dict)


_AMAZON: list[CompiledChannel] = []


def _amazon() -> CompiledChannel:
    if not _AMAZON:
        from feedsync.channels.profile import compile_channels
        from tests.conftest import HEADER, make_config, row

        with tempfile.TemporaryDirectory() as folder:
            amazon = "  amazon:\n    profile: amazon\n    settings: {seller_id: A2TEST}\n"
            _AMAZON.append(
                compile_channels(make_config(Path(folder), HEADER + row(), channel_extra=amazon), ["amazon"])[0]
            )
    return _AMAZON[0]


@settings(max_examples=100, deadline=None)
@given(st.lists(ATTRIBUTES, min_size=1, max_size=8))
def test_override_columns_remembered_give_what_found_afresh_gives(rows: list[dict[str, str]]) -> None:
    channel = _amazon()
    product = Product(id="p", title="t", price=Money(amount=1, currency="USD"), source=SourceRef(path="x", row=2))
    for attributes in rows:
        item = product.model_copy(update={"attributes": attributes})
        found: list[Diagnostic] = []
        expected: list[Diagnostic] = []
        made = channel.view(item, None, found.append)  # with the columns of the rows before remembered
        channel._overrides.clear()
        wanted = channel.view(item, None, expected.append)
        assert made == wanted and found == expected
        assert made is None or made["asin"] == (attributes.get("amazon_asin") or None)


# --- the view's data: the product's fields copied, then the globals and variables no field names ---

PRODUCTS = st.builds(
    lambda title, brand, quantity, availability, attributes: Product(
        id="p",
        title=title,
        brand=brand,
        quantity=quantity,
        availability=availability,
        price=Money(amount=Decimal("1.50"), currency="USD"),
        attributes=attributes,
        source=SourceRef(path="x", row=2),
    ),
    st.text(alphabet="ab ", min_size=1, max_size=5).filter(str.strip),
    st.none() | st.text(alphabet="xy", max_size=3),
    st.none() | st.integers(0, 9),
    st.sampled_from(Availability),
    st.dictionaries(st.sampled_from(["note", "brand", "range"]), st.text(alphabet="z", max_size=2), max_size=2),
)
EXTRAS = st.dictionaries(st.sampled_from(["stores", "title", "settings", "now"]), st.integers(0, 3), max_size=3)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(PRODUCTS, EXTRAS), min_size=1, max_size=4), st.sampled_from(["brand", "title", "extra"]))
def test_the_view_holds_what_the_globals_updated_by_the_product_hold(
    products: list[tuple[Product, dict[str, Any]]], shadowed: str
) -> None:
    channel = _amazon()
    kept = (channel.globals, channel._base, channel.rules, channel.category_map, channel.price, channel.inventory)
    # Globals and variables named as product fields (the product's value wins) and not; no rules
    channel.globals = {**kept[0], shadowed: "global", "zz_global": ["g"]}
    channel._base = None
    channel.rules, channel.category_map, channel.price, channel.inventory = [], None, None, None
    try:
        for product, extras in products:
            ctx = channel.view(product, extras, lambda d: None)
            wanted = {**channel.globals, **dict.fromkeys(channel.variables), **product.__dict__, "now": channel.now}
            assert ctx == {**wanted, **extras}
            assert ctx is not None and ctx["zz_global"] is channel.globals["zz_global"]
    finally:
        channel.globals, channel._base, channel.rules, channel.category_map, channel.price, channel.inventory = kept


# --- a method of a plain built-in value: the sandbox asked once per type ---

METHOD_NAMES = st.sampled_from(
    ["isoformat", "upper", "format", "format_map", "get", "keys", "append", "pop", "real", "__class__", "mro", "nope"]
)
PLAIN_VALUES = (
    st.text(alphabet="ab{}", max_size=4)
    | st.integers(-5, 5)
    | st.booleans()
    | st.floats(allow_nan=True)
    | st.decimals(allow_nan=False, places=2)
    | MOMENTS
    | st.dates()
    | st.dictionaries(st.sampled_from(["a", "get"]), st.integers(0, 3), max_size=2)
    | st.lists(st.integers(0, 3), max_size=2)
    | st.tuples(st.integers(0, 3))
    | st.sampled_from([Markup("<b>{}</b>"), Availability.PREORDER, MappingProxyType({"a": 1})])
)


def _method_outcome(get: Any) -> tuple[Any, ...]:
    """What getting the method gives, and what calling it without arguments gives (a value or an error)."""
    try:
        method = get()
    except Exception as exc:  # the sandbox's refusal
        return ("refused", type(exc), str(exc))
    try:
        called: Any = ("called", method())
    except Exception as exc:
        called = ("failed", type(exc), str(exc))
    if isinstance(method, BuiltinMethodType):
        return ("method", type(method.__self__), method.__self__, method.__name__, called)
    return (type(method).__name__, getattr(method, "__qualname__", None) if callable(method) else method, called)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(PLAIN_VALUES, METHOD_NAMES), min_size=1, max_size=12))
def test_a_method_got_once_per_type_is_what_the_sandbox_gives(calls: list[tuple[Any, str]]) -> None:
    from feedsync.channels.templating.evaluator import method_getter, safe_method

    env = Templating([]).env
    getters = {name: method_getter(env, name) for name in {name for _, name in calls}}
    for value, name in calls + calls:  # each type again, its answer kept
        made = _method_outcome(lambda value=value, name=name: getters[name](value))
        wanted = _method_outcome(lambda value=value, name=name: safe_method(env, value, name))
        assert repr(made) == repr(wanted)


# --- a weight's text ---


@settings(max_examples=100, deadline=None)
@given(WEIGHTS)
def test_a_weight_prints_its_value_and_its_unit(weight: Weight) -> None:
    assert str(weight) == f"{format(weight.value, 'f')} {weight.unit.value}"


# --- a decimal's text: str where it writes no exponent ---


@settings(max_examples=400, deadline=None)
@given(
    st.decimals()
    | st.decimals(places=0, allow_nan=False, allow_infinity=False).map(lambda d: d.scaleb(5))
    | st.decimals(places=12)
    | st.sampled_from([Decimal("1E+3"), Decimal("-0E-10"), Decimal("0E+2"), Decimal("1E-7"), Decimal("sNaN")])
)
def test_a_decimal_prints_as_format_f_prints_it(value: Decimal) -> None:
    assert base.to_text(value) == format(value, "f")


@settings(max_examples=200, deadline=None)
@given(
    st.builds(
        Weight,
        value=st.decimals(min_value=0, allow_infinity=False, allow_nan=False) | st.just(Decimal("1E+3")),
        unit=st.sampled_from(WeightUnit),
    )
)
def test_a_weight_printed_directly_is_its_str(weight: Weight) -> None:
    assert printed(weight) == str(weight)
    assert id(weight) not in base._PRINTED  # made directly, never kept
