"""The Amazon encoder vouches for the messages orjson writes as ``json`` does (``PlainMessage``: the writer then
takes orjson's bytes without scanning them). Hostile values in every field it writes -- texts with quotes,
backslashes, control characters, non-BMP characters, lone surrogates; numbers near the float/exponent edges, big
integers; values of other types than text where a template can make them -- and the bytes written are ``json``'s
(or fail as ``json`` fails), and the numbers are the ones the encoder wrote before its weight caches were folded
into one (a reference of that code here)."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from feedsync.channels.amazon import offers
from feedsync.channels.amazon.family import weight_in
from feedsync.channels.amazon.spec import WEIGHT_UNITS
from feedsync.channels.amazon.transform import AmazonEncoder
from feedsync.formats import json_listings
from feedsync.formats.json_listings import PlainMessage, message_bytes
from tests.channels.amazon_reference import DEFINITIONS

HOSTILE = [
    'say "hi"',
    "back\\slash\\",
    "\x00\x01\x1f\x7f tab\t new\nline\r",
    "line\u2028separator\u2029paragraph",
    "non-BMP \U0001f600 𝄞",
    "null 0.00001 2e-3 1e+16 NaN",  # the bytes the whole-message scan looks for, as text
    "\ud800 lone",  # a JSON source can carry a lone surrogate: UTF-8 cannot
    "",
]
texts = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12))
NUMBERS = [
    "0", "-0", "0.0", "12.50", "1E+2", "1.5e1", "0.0001", "0.00009", "1e-5", "-2.5e-07", "9999999999999998",
    "1e16", "1.0e16", "12345678901234567890123", "0.30000000000000004", "5e-324", "1e-400", "NaN",
]  # fmt: skip
numbers = st.one_of(
    st.sampled_from(NUMBERS),
    st.sampled_from(NUMBERS).map(Decimal),  # as a template's ``price.amount`` makes them
    st.floats(allow_infinity=False),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.decimals(allow_nan=False, allow_infinity=False, places=None).map(str),
)
UNSURE = [1e-7, -2.5e-05, float("nan"), float("inf"), 1e16, 5e-324]
"""Floats orjson writes otherwise than json (or may: the exponent's form differs between orjson releases)."""
others = st.one_of(
    st.sampled_from(UNSURE), st.floats(), st.integers(min_value=-(2**70), max_value=2**70), st.none(), st.booleans()
)
maybe_text = st.one_of(texts, texts, texts, others)  # a raw value: text, as the templates make them, or any other


@st.composite
def item_values(draw: st.DrawFn) -> dict[str, Any]:
    values: dict[str, Any] = {"sku": draw(maybe_text), "product_type": draw(st.sampled_from(["HOME", "PRODUCT"]))}
    values["item_name"] = draw(maybe_text)  # the profile always makes one (a parent's name when none is given)
    if draw(st.booleans()):
        values["parent_sku"] = draw(texts)
        values["variation_theme"] = draw(st.one_of(st.none(), texts))
    if draw(st.integers(0, 9)) == 0:
        values["asin"] = draw(texts)
    for name in ("brand", "product_description", "color", "size", "material", "pattern"):
        if draw(st.booleans()):
            values[name] = draw(maybe_text)
    if draw(st.booleans()):
        values["gtin"] = draw(texts)
    if draw(st.booleans()):
        values["bullet_point"] = draw(st.one_of(texts, st.lists(maybe_text, min_size=1, max_size=3)))
    if draw(st.booleans()):
        values["main_image"] = draw(maybe_text)
    if draw(st.booleans()):
        values["other_images"] = draw(st.one_of(texts, st.lists(maybe_text, max_size=3)))
    if draw(st.booleans()):
        values["price"] = draw(numbers)
        values["currency"] = draw(st.one_of(st.just("USD"), maybe_text))
        if draw(st.booleans()):
            values["sale_price"] = draw(numbers)
            if draw(st.booleans()):
                values["sale_start"], values["sale_end"] = "2026-11-01T00:00:00+01:00", "2026-12-01T00:00:00+01:00"
    if draw(st.booleans()):
        values["quantity"] = draw(st.one_of(st.integers(min_value=-(2**70), max_value=2**70), st.just("7")))
    if draw(st.booleans()):
        values["weight_value"] = draw(numbers)
        values["weight_unit"] = draw(st.sampled_from(sorted(WEIGHT_UNITS)))
    if draw(st.integers(0, 5)) == 0:  # a mapped attribute: its value as the template made it
        values["item_display_weight__value"] = draw(st.one_of(numbers, others))
    return values


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _outcome(make: Any, value: Any) -> Any:
    try:
        return make(value)
    except Exception as exc:  # the kind of failure is what must agree
        return type(exc)


def _old_number(text: Any) -> float | int:
    """The encoder's number of a price before (``_number_of``)."""
    value = Decimal(str(text))
    return int(value) if value == value.to_integral_value() and "." not in str(text) else float(value)


def _old_weight(value: Any, unit: str, properties: Any) -> tuple[float | int, str]:
    """The encoder's package weight before: ``weight_in``'s amount and unit, the amount's number."""
    amount, written = weight_in(value, WEIGHT_UNITS[unit], properties)
    return _old_number(amount), written


def _shown(number: Any) -> tuple[type, str]:
    return type(number), repr(number)  # 1 and 1.0 differ; NaN equals NaN


@pytest.fixture(scope="module")
def definitions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("defs")
    shutil.copy(DEFINITIONS / "HOME-us.json", folder / "home.json")  # package weights in pounds only: converted
    return folder


def _encoder(definitions: Path | None) -> AmazonEncoder:
    if definitions is None:
        return AmazonEncoder({"seller_id": "A1"})
    return AmazonEncoder({"seller_id": "A1", "marketplace": "US", "definitions": str(definitions)})


def _check_item(encoder: AmazonEncoder, values: dict[str, Any]) -> list[Any]:
    try:
        messages = encoder.encode_values(values)
    except (ArithmeticError, ValueError):
        # a number Decimal cannot read or round ("NaN" converted, 1e-400 in pounds): the reference fails alike
        if "weight_value" in values:
            properties = encoder._properties_of(str(values["product_type"]))
            with pytest.raises((ArithmeticError, ValueError)):
                for name in ("price", "sale_price"):
                    if name in values:
                        _old_number(values[name])
                _old_weight(values["weight_value"], values["weight_unit"], properties)
        return []
    for message in messages:
        assert _outcome(message_bytes, message) == _outcome(_json_bytes, message)
        if type(message) is PlainMessage:  # what it vouches for: orjson's bytes are json's, unless orjson refuses
            fast = _outcome(orjson.dumps, message)
            if not (isinstance(fast, type) and issubclass(fast, TypeError)):
                assert fast == _outcome(_json_bytes, message)
    return messages


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(item_values(), min_size=1, max_size=4), with_definitions=st.booleans())
@example(
    batch=[{"sku": "S1", "product_type": "HOME", "weight_value": "1e-5", "weight_unit": "g"}], with_definitions=False
)
@example(
    batch=[{"sku": "S1", "product_type": "HOME", "weight_value": "0.001", "weight_unit": "kg"}], with_definitions=True
)
@example(
    batch=[{"sku": "S1", "product_type": "HOME", "price": Decimal("1E-5"), "currency": "USD"}], with_definitions=False
)
def test_the_messages_of_hostile_values_are_json_s_bytes_with_the_numbers_as_before(
    batch: list[dict[str, Any]], with_definitions: bool, definitions: Path
) -> None:
    encoder = _encoder(definitions if with_definitions else None)
    for values in batch:
        messages = _check_item(encoder, values)
        if not messages or "asin" in values:
            continue
        attributes = messages[-1]["attributes"]
        if "price" in values:
            assert _shown(attributes["list_price"][0]["value"]) == _shown(_old_number(values["price"]))
        if "weight_value" in values:
            properties = encoder._properties_of(str(values["product_type"]))
            number, unit = _old_weight(values["weight_value"], values["weight_unit"], properties)
            weight = attributes["item_package_weight"][0]
            assert (_shown(weight["value"]), weight["unit"]) == (_shown(number), unit)


def test_a_catalog_s_messages_are_vouched_for_and_written_unscanned(monkeypatch: pytest.MonkeyPatch) -> None:
    """An item of texts, prices and a weight (as a catalog's): its messages are plain, and the writer writes
    them without the scan of their bytes; so does a mapped attribute's text or plain number; a tiny weight or a
    mapped attribute's tiny number (or a value of another type) makes them unsure."""
    values = {
        "sku": "S1",
        "parent_sku": "G1",
        "product_type": "SHIRT",
        "item_name": "Tee 'null' 2e-3",
        "bullet_point": ["soft", "warm"],
        "price": Decimal("19.99"),
        "currency": "USD",
        "sale_price": "17.5",
        "quantity": "3",
        "main_image": "https://shop.example.com/a.jpg",
        "other_images": ["https://shop.example.com/b.jpg"],
        "size": "M",
        "weight_value": Decimal("0.25"),
        "weight_unit": "kg",
    }
    messages = AmazonEncoder({"seller_id": "A1"}).encode_values(values)
    assert [type(m) for m in messages] == [PlainMessage, PlainMessage]
    monkeypatch.setattr(json_listings, "_unlike", None)  # called: a TypeError
    assert [message_bytes(m) for m in messages] == [_json_bytes(m) for m in messages]
    for sure in ({"item_display_weight__value": "2e-7"}, {"item_display_weight__value": 0.5, "color__x": True}):
        (message,) = AmazonEncoder({"seller_id": "A1"}).encode_values({**values, **sure, "parent_sku": None})
        assert type(message) is PlainMessage, sure
        assert message_bytes(message) == _json_bytes(message)
    unsure_values: list[dict[str, Any]] = [
        {"weight_value": "0.00001"},
        {"item_display_weight__value": 1e-7},
        {"item_display_weight__value": [0.5]},
        {"item_display_weight__value": Decimal("0.5")},
        {"main_image": 2.5e-6},
    ]
    for unsure in unsure_values:
        (message,) = AmazonEncoder({"seller_id": "A1"}).encode_values({**values, **unsure, "parent_sku": None})
        assert type(message) is dict, unsure


def test_a_vouch_for_an_unsure_number_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above catches an encoder that vouches for a number orjson writes otherwise."""
    monkeypatch.setattr(offers, "plain_number", lambda number: True)
    offers.number_of_text.cache_clear()
    try:
        (message,) = AmazonEncoder({"seller_id": "A1"}).encode_values(
            {"sku": "S1", "product_type": "HOME", "weight_value": "0.00001", "weight_unit": "g"}
        )
        assert type(message) is PlainMessage
        assert message_bytes(message) != _json_bytes(message)
    finally:
        offers.number_of_text.cache_clear()


_SURE = {
    "sku": "S1",
    "parent_sku": "G1",
    "product_type": "HOME",
    "item_name": "Tee",
    "brand": "Acme",
    "bullet_point": ["soft"],
    "price": "19.99",
    "currency": "USD",
    "sale_price": "17.5",
    "sale_start": "2026-11-01T00:00:00+01:00",
    "sale_end": "2026-12-01T00:00:00+01:00",
    "quantity": "3",
    "main_image": "https://shop.example.com/a.jpg",
    "other_images": ["https://shop.example.com/b.jpg"],
    "weight_value": "0.25",
    "weight_unit": "kg",
}


@pytest.mark.parametrize(
    "change",
    [
        {"sku": 1e-7},
        {"bullet_point": ["soft", float("nan")]},
        {"main_image": 1e-7},
        {"other_images": ["https://shop.example.com/b.jpg", float("inf")]},
        {"currency": -2.5e-05},
        {"price": "1e-5"},
        {"price": "0.00001", "sale_price": None, "sale_start": None},  # the selling price is the price
        {"price": "0.00001", "sale_start": None},  # the list price (selling at the sale price, undated)
        {"sale_price": "0.00005"},  # the discounted price (the list and selling prices plain)
        {"sale_price": "0.00005", "sale_start": None},  # the selling price, undated
        {"weight_value": "1e-5"},
        {"weight_value": Decimal("1E-7"), "weight_unit": "g"},
        {"item_display_weight__value": 1e-7},
        {"asin": "B000", "sku": float("nan")},
        {"asin": "B000", "price": "0.00002"},
        {"asin": "B000", "item_display_weight__value": 1e-7},
    ],
    ids=repr,
)
@pytest.mark.parametrize("with_definitions", [False, True])
def test_each_value_orjson_writes_otherwise_leaves_the_message_unvouched(
    change: dict[str, Any], with_definitions: bool, definitions: Path
) -> None:
    """Each place a value of the item reaches its message as it is (or as a number): a value there that orjson
    writes otherwise than json leaves the message a plain dict, written as json writes it."""
    values = {k: v for k, v in {**_SURE, **change}.items() if v is not None}
    encoder = _encoder(definitions if with_definitions else None)
    assert all(type(m) is PlainMessage for m in encoder.encode_values(_SURE))  # the item unchanged: vouched for
    messages = _encoder(definitions if with_definitions else None).encode_values(values)
    converted = with_definitions and "weight_value" in change  # HOME's pounds, to the hundredth: 0.01, plain
    assert type(messages[-1]) is (PlainMessage if converted else dict)
    assert [message_bytes(m) for m in messages] == [_json_bytes(m) for m in messages]


@pytest.mark.parametrize(
    ("value", "with_definitions", "plain"),
    [
        ("1e-7", False, True),  # a text, written as it is
        ("1e-7", True, False),  # the definition declares a number: converted to 1e-07, which orjson writes otherwise
        ("0.5", True, True),  # converted to a plain number
        ("20", True, True),  # converted to an integer
        (True, False, True),
        (None, False, True),
    ],
)
def test_a_mapped_attribute_leaves_the_message_vouched_for_only_with_a_plain_value(
    value: Any, with_definitions: bool, plain: bool, definitions: Path
) -> None:
    """A mapped attribute's value is judged as it is written (after the definition's conversion), not doubted for
    being mapped: the message stays vouched for with a text or a plain number, and its bytes are json's either way."""
    values = {**_SURE, "item_display_weight__value": value, "item_display_weight__unit": "pounds"}
    messages = _encoder(definitions if with_definitions else None).encode_values(values)
    assert messages[-1]["attributes"]["item_display_weight"][0]["value"] == (
        value if not with_definitions else float(value) if "." in value or "e" in value else int(value)
    )
    assert type(messages[-1]) is (PlainMessage if plain else dict)
    assert [message_bytes(m) for m in messages] == [_json_bytes(m) for m in messages]
