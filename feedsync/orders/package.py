"""One package of a shipment confirmation: what Amazon's ``packageDetail`` and the upload file's rows carry."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

CONFIRMED, FAILED, PENDING, SENDING = "confirmed", "failed", "pending", "sending"
"""A package's states in the state database: confirmed; failed (sent again next run); pending in an upload file
(settled next run: confirmed if the file holds it, else written again); sending (its request may have gone out)."""


@dataclass(frozen=True, slots=True)
class Package:
    order_id: str
    package_ref: str
    carrier_code: str
    carrier_name: str | None
    tracking_number: str
    ship_date: str
    shipping_method: str | None
    items: tuple[tuple[str, int], ...]
    """(order item id, quantity)."""

    @property
    def key(self) -> tuple[str, str]:
        """(order id, tracking number): how the state knows the package."""
        return self.order_id, self.tracking_number

    def detail(self) -> dict[str, Any]:
        """The ``packageDetail`` of a confirmShipment request."""
        detail: dict[str, Any] = {
            "packageReferenceId": self.package_ref,
            "carrierCode": self.carrier_code,
            "trackingNumber": self.tracking_number,
            "shipDate": self.ship_date,
            "orderItems": [{"orderItemId": item, "quantity": quantity} for item, quantity in self.items],
        }
        if self.carrier_name:
            detail["carrierName"] = self.carrier_name
        if self.shipping_method:
            detail["shippingMethod"] = self.shipping_method
        return detail

    def to_json(self) -> str:
        """The package as the state keeps it, to send it again unchanged after a crash."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Package:
        data = json.loads(text)
        data["items"] = tuple((str(item), int(quantity)) for item, quantity in data["items"])
        return cls(**data)
