"""The normalized catalog record: one sellable variant (``Product``) and the value types it uses."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from feedsync.model.money import Money


class Availability(StrEnum):
    IN_STOCK = "in_stock"
    OUT_OF_STOCK = "out_of_stock"
    PREORDER = "preorder"
    BACKORDER = "backorder"


class Condition(StrEnum):
    NEW = "new"
    REFURBISHED = "refurbished"
    USED = "used"


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"
    UNISEX = "unisex"


class AgeGroup(StrEnum):
    NEWBORN = "newborn"
    INFANT = "infant"
    TODDLER = "toddler"
    KIDS = "kids"
    ADULT = "adult"


class WeightUnit(StrEnum):
    G = "g"
    KG = "kg"
    LB = "lb"
    OZ = "oz"


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError("datetime must carry a time zone offset")
    return value


def format_datetime(value: datetime) -> str:
    """ISO 8601 with an explicit offset, as the channels' feed specs write it: ``2026-11-27T00:00:00+0100``."""
    return f"{value.year:04d}" + value.strftime("-%m-%dT%H:%M:%S%z")  # %Y does not pad years before 1000


class DateRange(BaseModel):
    """A time interval with time zones, e.g. a sale's effective dates. ``str()`` is the ISO 8601 interval."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    start: datetime
    end: datetime

    _check_start = field_validator("start")(_aware)
    _check_end = field_validator("end")(_aware)

    @model_validator(mode="after")
    def _ordered(self) -> DateRange:
        if self.end <= self.start:
            raise ValueError("the end of a date range must come after its start")
        return self

    def __str__(self) -> str:
        return f"{format_datetime(self.start)}/{format_datetime(self.end)}"


class Weight(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    value: Decimal = Field(ge=0)
    unit: WeightUnit

    def __str__(self) -> str:
        return f"{self.value:f} {self.unit._value_}"  # the member's value, without the enum's property


class SourceRef(BaseModel):
    """Where a product came from: the file and the 1-based row (header = row 1; JSON: line of the object)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    path: str
    row: int
    columns: dict[str, tuple[str, int | None]] = Field(default_factory=dict, repr=False)
    """Model field -> (source column name, 1-based column number or None), for pointing at a field's origin."""


class FeedAttribute(BaseModel):
    """An attribute of a channel feed read as the source that the model has no field for (Google's shipping, tax,
    product_detail, certification, ...), kept to be written back as it was: its text, or its sub-attributes in
    their order (shipping: country, service, price). A repeated attribute is one FeedAttribute per occurrence."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    name: str
    value: str = ""
    parts: tuple[tuple[str, str], ...] = ()


class Product(BaseModel):
    """One sellable variant: the unit every channel lists. Variants of one product share ``group_id``."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    id: str = Field(min_length=1)
    group_id: str | None = None
    title: str = Field(min_length=1)
    description: str | None = None
    link: str | None = None
    image_link: str | None = None
    additional_image_links: tuple[str, ...] = ()
    price: Money
    sale_price: Money | None = None
    sale_price_effective_date: DateRange | None = None
    availability: Availability = Availability.IN_STOCK
    quantity: int | None = None
    brand: str | None = None
    gtin: str | None = None
    mpn: str | None = None
    condition: Condition | None = None
    product_type: str | None = None
    google_product_category: str | None = None
    color: str | None = None
    size: str | None = None
    gender: Gender | None = None
    age_group: AgeGroup | None = None
    material: str | None = None
    pattern: str | None = None
    weight: Weight | None = None
    custom_label_0: str | None = None
    custom_label_1: str | None = None
    custom_label_2: str | None = None
    custom_label_3: str | None = None
    custom_label_4: str | None = None
    attributes: dict[str, str] = Field(default_factory=dict)
    feed_attributes: tuple[FeedAttribute, ...] = ()
    """Attributes of a source channel feed the model does not name, in source order (see FeedAttribute)."""
    variant_options: dict[str, str] = Field(default_factory=dict)
    """Options that tell this variant apart from the others of its group but map to no variant field
    (``{"Tiers": "3"}``): channels name them in titles and variant attributes."""
    inventory_tracked: bool | None = None
    """False when the source says the platform does not track this variant's stock (a Shopify variant with no
    inventory tracker): its quantity means nothing and it is always sellable. None: not said."""
    source: SourceRef | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Product:
        if self.sale_price is not None and self.sale_price.currency != self.price.currency:
            raise ValueError("sale_price must be in the same currency as price")
        if self.sale_price_effective_date is not None and self.sale_price is None:
            raise ValueError("sale_price_effective_date given without a sale_price")
        return self


# The model's own field names, in declaration order: the canonical columns of the native source format.
PRODUCT_FIELDS: tuple[str, ...] = tuple(
    name
    for name in Product.model_fields
    if name not in ("source", "feed_attributes", "variant_options", "inventory_tracked")
)
