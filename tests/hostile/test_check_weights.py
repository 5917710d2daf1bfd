"""The Amazon encoder writes a package weight without asking ``weight_in`` each time (its entries kept by weight
text and unit, and product type with a definition): the number and unit it writes are ``weight_in``'s, of the same
type (``15`` and ``15.0`` are different bytes), on hostile weight texts and definitions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from feedsync.channels.amazon.family import weight_in
from feedsync.channels.amazon.offers import number
from feedsync.channels.amazon.spec import WEIGHT_UNITS
from feedsync.channels.amazon.transform import AmazonEncoder


def _properties(units: list[str] | None) -> dict[str, Any] | None:
    if units is None:
        return None
    return {"item_package_weight": {"items": {"properties": {"unit": {"enum": units}}}}}


_TEXT = st.one_of(
    st.from_regex(r"\A ?-?[0-9]{0,5}(\.[0-9]{0,4})?([eE][-+]?[0-9]{1,2})? ?\Z"),
    st.sampled_from(["906", "1.5e1", "15.0", "0.005", "1E+3", " 12 ", "-0", "0.00", "7.", ".5", "100000.004"]),
)
_VALUE = st.one_of(_TEXT, st.integers(-10, 10_000), st.decimals(allow_nan=False, allow_infinity=False, places=3))
_UNITS = st.one_of(st.none(), st.lists(st.sampled_from([*WEIGHT_UNITS.values(), "stones", "GRAMS"]), max_size=3))


def _written(number: Any) -> tuple[type, str]:
    return type(number), repr(number)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(_VALUE, st.sampled_from(sorted(WEIGHT_UNITS)), _UNITS, st.sampled_from("AB")), max_size=8))
def test_a_weight_is_written_as_weight_in_gives_it(weights: list[tuple[Any, str, list[str] | None, str]]) -> None:
    encoder = AmazonEncoder({"seller_id": "A1"})
    definitions: dict[str, dict[str, Any] | None] = {}
    for value, unit, units, product_type in weights:
        properties = definitions.setdefault(product_type, _properties(units))  # a product type's definition is one
        try:
            amount, expected_unit = weight_in(value, WEIGHT_UNITS[unit], properties)
        except ArithmeticError:  # not a number: the encoder refuses it as weight_in does
            continue
        assert _weight(encoder, value, unit, properties, product_type) == (_written(number(amount)[0]), expected_unit)


def _weight(encoder: AmazonEncoder, value: Any, unit: str, properties: Any, product_type: str) -> tuple[Any, str]:
    """The number (its type and repr) and unit of the package weight the encoder writes."""
    (entry,), _ = encoder._weight(value, unit, properties, product_type)
    return _written(entry["value"]), entry["unit"]


def test_an_exponent_is_the_amount_it_names() -> None:
    encoder = AmazonEncoder({"seller_id": "A1"})
    assert _weight(encoder, "1.5e1", "g", None, "LAMP") == ((int, "15"), "grams")
    assert _weight(encoder, "15.0", "g", None, "LAMP") == ((float, "15.0"), "grams")
    assert _weight(encoder, Decimal("2.50"), "g", None, "LAMP") == ((float, "2.5"), "grams")
    kilos = _properties(["kilograms"])
    assert _weight(encoder, "1500", "g", kilos, "VASE") == ((float, "1.5"), "kilograms")
