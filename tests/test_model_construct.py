"""feedsync.model.construct makes the very object pydantic's model_construct makes, for every model the readers
build from checked values, and leaves models it cannot mirror to model_construct."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field

from feedsync.model.construct import construct
from feedsync.model.money import Money
from feedsync.model.product import Availability, DateRange, Product, SourceRef, Weight, WeightUnit

PRICE = Money.model_construct(amount=Decimal("12.50"), currency="EUR")
REF = SourceRef.model_construct(path="c.csv", row=2, columns={"id": ("SKU", 1)})
CASES: list[tuple[type[BaseModel], dict[str, Any]]] = [
    (Money, {"amount": Decimal("0.00"), "currency": "JPY"}),
    (Weight, {"value": Decimal("1.5"), "unit": WeightUnit.KG}),
    (DateRange, {"start": datetime(2026, 1, 1, tzinfo=UTC), "end": datetime(2026, 2, 1, tzinfo=UTC)}),
    (SourceRef, {"path": "c.csv", "row": 7}),
    (SourceRef, {"path": "c.csv", "row": 7, "columns": {"id": ("SKU", 1)}}),
    (Product, {"id": "a", "title": "t", "price": PRICE}),
    (Product, {"source": REF, "title": "t", "id": "a", "price": PRICE, "attributes": {"x": "y"}, "quantity": 0}),
    (
        Product,
        {
            "id": "ü",
            "title": "👕",
            "price": PRICE,
            "sale_price": PRICE,
            "availability": Availability.BACKORDER,
            "additional_image_links": ("https://a/b",),
            "variant_options": {"Tiers": "3"},
            "inventory_tracked": False,
            "weight": Weight.model_construct(value=Decimal(0), unit=WeightUnit.G),
        },
    ),
]


def _state(model: BaseModel) -> tuple[Any, ...]:
    return (
        type(model),
        list(model.__dict__.items()),
        model.model_fields_set,
        model.__pydantic_extra__,
        model.__pydantic_private__,
        model.model_dump_json(),
    )


@pytest.mark.parametrize(("cls", "values"), CASES, ids=[f"{c.__name__}-{i}" for i, (c, _) in enumerate(CASES)])
def test_same_object_as_model_construct(cls: type[BaseModel], values: dict[str, Any]) -> None:
    made = construct(cls, **values)
    expected = cls.model_construct(**values)
    assert made == expected
    assert _state(made) == _state(expected)
    assert made == cls.model_validate(values)


def test_defaults_made_by_a_factory_are_not_shared() -> None:
    first = construct(Product, id="a", title="t", price=PRICE)
    second = construct(Product, id="b", title="t", price=PRICE)
    assert first.attributes == {} and first.attributes is not second.attributes
    assert first.variant_options is not second.variant_options


def test_made_objects_stay_frozen() -> None:
    made = construct(Money, amount=Decimal(1), currency="USD")
    with pytest.raises(Exception, match="frozen"):
        made.currency = "EUR"  # type: ignore[misc]


class _Aliased(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    name: str = Field(alias="Name")
    tags: list[str] = []


@pytest.mark.parametrize("values", [{"Name": "x"}, {"name": "x", "tags": ["a"]}])
def test_a_model_it_cannot_mirror_goes_to_model_construct(values: dict[str, Any]) -> None:
    made = construct(_Aliased, **values)
    expected = _Aliased.model_construct(**values)
    assert _state(made)[:3] == _state(expected)[:3]


class _Factories(BaseModel):
    """Factories a literal makes (dict, list) and ones it cannot (a set, a function), beside plain defaults."""

    model_config = ConfigDict(frozen=True)
    name: str
    tags: list[str] = Field(default_factory=list)
    seen: set[str] = Field(default_factory=set)
    first: list[str] = Field(default_factory=lambda: ["x"])
    extra: dict[str, str] = Field(default_factory=dict)
    count: int = 0


@pytest.mark.parametrize(
    "values", [{"name": "a"}, {"name": "a", "tags": ["t"], "count": 2}, {"extra": {}, "name": "b"}]
)
def test_every_kind_of_factory_as_model_construct_makes_it(values: dict[str, Any]) -> None:
    made, again = construct(_Factories, **values), construct(_Factories, **values)
    assert _state(made) == _state(_Factories.model_construct(**values))
    for name in ("tags", "seen", "first", "extra"):
        if name not in values:
            assert getattr(made, name) is not getattr(again, name)
