"""Marketplace orders, normalized: one ``Order`` with its lines, whatever the marketplace."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from feedsync.model.money import Money


class FulfilledBy(StrEnum):
    MERCHANT = "merchant"
    MARKETPLACE = "marketplace"  # e.g. Amazon FBA: recorded, but the store does not ship it


class OrderStatus(StrEnum):
    PENDING = "pending"
    UNSHIPPED = "unshipped"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"
    UNFULFILLABLE = "unfulfillable"  # cannot be shipped (Amazon: digital or multi-channel orders)


class Address(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str | None = None
    company: str | None = None
    lines: tuple[str, ...] = ()
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country_code: str | None = None
    phone: str | None = None

    def store_fields(self, names: tuple[str, ...]) -> dict[str, str]:
        """The address in a store's own field names, given in this order: first name, last name, company, address
        line 1, address line 2, city, region, postal code, country code, phone. The name is split at its last
        space; street lines past the second join the second."""
        first, _, last = (self.name or "").strip().rpartition(" ")
        if not first:
            first, last = last, ""
        values = (
            first,
            last,
            self.company or "",
            self.lines[0] if self.lines else "",
            ", ".join(x for x in self.lines[1:] if x),
            self.city or "",
            self.region or "",
            self.postal_code or "",
            self.country_code or "",
            self.phone or "",
        )
        return dict(zip(names, values, strict=True))


class Charge(BaseModel):
    """Something else the buyer paid for with a line (Amazon's proceeds: gift wrap, a cash-on-delivery fee, other
    charges), and the tax on it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["gift_wrap", "cod_fee", "other"]
    amount: Money
    tax: Money | None = None


CHARGE_TITLES = {"gift_wrap": "Gift wrap", "cod_fee": "Cash on delivery fee", "other": "Other charges"}
"""How a store order names each kind of charge."""


class OrderLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    line_id: str = Field(min_length=1)
    """The marketplace's own id of the line (Amazon: orderItemId), used when confirming shipments."""
    marketplace_sku: str = Field(min_length=1)
    catalog_id: str | None = None
    """The catalog product this line is, once mapped (an order is imported only when every line is)."""
    title: str | None = None
    quantity: int = Field(ge=0)
    """The units still to fulfil (the marketplace's open quantity when it was read; what the store was given once
    imported). The units ordered are ``quantity + shipped + cancelled``."""
    shipped: int = Field(default=0, ge=0)
    """Units the marketplace had shipped when the order was read (imported: shipped before the import and so not
    in the store order)."""
    cancelled: int = Field(default=0, ge=0)
    """Units cancelled on the marketplace when the order was read (never in the store order)."""
    unit_price: Money | None = None
    tax: Money | None = None
    """The tax on the item (on all of the line where the marketplace does not tell its parts apart)."""
    shipping: Money | None = None
    shipping_tax: Money | None = None
    charges: tuple[Charge, ...] = ()
    discount: Money | None = None
    """What was taken off the line (marketplaces write it signed either way; kept positive, None when zero)."""

    @property
    def ordered(self) -> int:
        """The units the buyer ordered."""
        return self.quantity + self.shipped + self.cancelled

    @field_validator("discount")
    @classmethod
    def _taken_off(cls, value: Money | None) -> Money | None:
        if value is None or not value.amount:
            return None
        return value if value.amount > 0 else value.model_copy(update={"amount": -value.amount})


class HeldPackage(BaseModel):
    """A package the marketplace holds for an order (Amazon's ``packages``: confirmed in Seller Central, by
    another tool, or by feedsync), as the order was last read."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reference: str
    tracking_number: str | None = None
    items: tuple[tuple[str, int], ...] = ()
    """(order item id, quantity) of what it ships."""


class Order(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    marketplace: str
    order_id: str = Field(min_length=1)
    marketplace_id: str | None = None
    status: OrderStatus
    purchased_at: datetime
    updated_at: datetime | None = None
    currency: str | None = None
    fulfilled_by: FulfilledBy = FulfilledBy.MERCHANT
    lines: tuple[OrderLine, ...]
    ship_to: Address | None = None
    buyer_name: str | None = None
    buyer_email: str | None = None
    ship_service_level: str | None = None
    packages: tuple[HeldPackage, ...] = ()
    """The packages the marketplace holds for it when it was read (none from an order report)."""


class UnreadableOrder(BaseModel):
    """An order a marketplace answered that cannot be believed or read (a date in year 1, 10^30 units): only its
    id is kept, so the importer can hold it, report it and read it again on the next run."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    marketplace: str
    order_id: str
    """Empty when even the id is missing (then it can be reported, not held)."""
    reason: str
    field: str | None = None
    value: str | None = None
    """The field and value at fault, where one is (an amount its currency cannot pay)."""


def charges(order: Order) -> dict[str, tuple[Decimal, Decimal]]:
    """The order's charges beside its items and shipping, by kind: (amount, tax) over its lines, in its order."""
    found: dict[str, tuple[Decimal, Decimal]] = {}
    for line in order.lines:
        for charge in line.charges:
            amount, tax = found.get(charge.kind, (Decimal(0), Decimal(0)))
            found[charge.kind] = (amount + charge.amount.amount, tax + (charge.tax.amount if charge.tax else 0))
    return found
