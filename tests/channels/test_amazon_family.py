"""The helpers that fit feedsync's facts to a product type definition: theme names, weight units, conditions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from feedsync.channels.amazon.family import choose_theme, condition_in, theme_attribute, weight_in
from tests.channels.amazon_reference import DEFINITIONS, load

HOME_US = load(DEFINITIONS / "HOME-us.json")["properties"]
HOME_DE = load(DEFINITIONS / "HOME-de.json")["properties"]


@pytest.mark.parametrize(
    ("token", "attribute"),
    [("COLOR_NAME", "color"), ("SIZE_NAME", "size"), ("MATERIAL_TYPE", "material"), ("ITEM_SHAPE", "item_shape")],
)
def test_a_theme_part_names_the_attribute(token: str, attribute: str) -> None:
    assert theme_attribute(token, HOME_US) == attribute


def test_the_theme_is_an_allowed_one_naming_exactly_the_axes() -> None:
    assert choose_theme(["size", "color"], HOME_US) == "COLOR/SIZE"  # the first allowed, whatever the order
    assert choose_theme(["pattern"], HOME_US) == "PATTERN"
    assert choose_theme(["material", "pattern"], HOME_US) is None  # HOME allows no MATERIAL/PATTERN theme
    assert choose_theme(["size", "color"], None) == "SIZE/COLOR"  # no definition: as before


@pytest.mark.parametrize(
    ("value", "unit", "properties", "expected"),
    [
        ("900", "grams", HOME_US, (Decimal("1.98"), "pounds")),
        ("1.2", "kilograms", HOME_US, (Decimal("2.65"), "pounds")),
        ("16", "ounces", HOME_US, (Decimal("1.00"), "pounds")),
        ("1", "grams", HOME_US, (Decimal("0.01"), "pounds")),  # never rounded to nothing
        ("900", "grams", HOME_DE, (Decimal("900"), "grams")),  # allowed there: as it is
        ("2", "pounds", None, (Decimal("2"), "pounds")),  # no definition: as it is
    ],
)
def test_weight_in_a_unit_the_definition_allows(value: str, unit: str, properties: object, expected: object) -> None:
    assert weight_in(value, unit, properties) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("mapped", "condition", "expected"),
    [
        ("new_new", "new", "new_new"),
        ("used_good", "used", "used_good"),
        ("new_new", "used_like_new", "used_like_new"),  # Amazon's own value in the source is kept
        ("refurbished_refurbished", "refurbished", "refurbished_refurbished"),
    ],
)
def test_condition_in_the_definition_enum(mapped: str, condition: str, expected: str) -> None:
    assert condition_in(mapped, condition, HOME_US) == expected
