"""``push-tracking``: shipments -> Amazon shipment confirmations, each package confirmed once.

A package is one shipment row: its ``packageReferenceId`` is a positive number as a string, unique within the
order (1, 2, ... in the order feedsync first sees the packages; a failed package keeps its number for the
retry). Items not named mean the whole order. Online: ``POST /orders/v0/orders/{orderId}/shipmentConfirmation``
(Orders v0, still current; 204 on success; rate 2/s, burst 10). Offline: Amazon's shipping confirmation flat
file (``POST_FLAT_FILE_FULFILLMENT_DATA`` columns) to upload in Seller Central. Facts: research notes
amazon.md §4.1-4.3, checked against ``ordersV0.json`` (ConfirmShipmentRequest / PackageDetail).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import httpx

from feedsync.atomic import atomic_write
from feedsync.config import AmazonOrdersApi
from feedsync.destinations.amazon_feeds import LwaToken, sp_api_client
from feedsync.destinations.http import RateLimiter, Requester, make_client
from feedsync.diagnostics import Emit
from feedsync.diagnostics.codes import make
from feedsync.errors import RemoteError
from feedsync.model.order import FulfilledBy, Order
from feedsync.orders.carriers import Carriers
from feedsync.orders.shipments import Shipment
from feedsync.state import State

FLAT_FILE_COLUMNS = (
    "order-id",
    "order-item-id",
    "quantity",
    "ship-date",
    "carrier-code",
    "carrier-name",
    "tracking-number",
    "ship-method",
)
CONFIRMED, FAILED = "confirmed", "failed"


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


@dataclass
class TrackingResult:
    planned: list[Package] = field(default_factory=list)
    confirmed: list[Package] = field(default_factory=list)
    failed: list[tuple[Package, str]] = field(default_factory=list)
    already: int = 0
    note: str | None = None


def plan_packages(
    shipments: list[Shipment], *, state: State, marketplace: str, carriers: Carriers, emit: Emit
) -> tuple[list[Package], int]:
    """(packages still to confirm, how many were confirmed before)."""
    packages: list[Package] = []
    already = 0
    next_ref: dict[str, int] = {}
    for shipment in shipments:
        known = state.shipment(marketplace, shipment.order_id, shipment.tracking_number)
        if known is not None and known[1] == CONFIRMED:
            already += 1
            continue
        payload = state.order_payload(marketplace, shipment.order_id)
        order = Order.model_validate_json(payload) if payload else None
        items, problem = _items(shipment, order)
        if problem:
            emit(
                make(
                    "ORD005",
                    f"order {shipment.order_id}, tracking {shipment.tracking_number}: {problem}",
                    product_id=shipment.order_id,
                    field="items" if order is not None else "order_id",
                    value=shipment.order_id if order is None else None,
                    location=shipment.location,
                )
            )
            continue
        if known is not None:
            ref = known[0]
        else:
            number = next_ref.get(shipment.order_id) or state.package_count(marketplace, shipment.order_id) + 1
            next_ref[shipment.order_id] = number + 1
            ref = str(number)
        code, name = carriers.code(shipment.carrier)
        packages.append(
            Package(
                order_id=shipment.order_id,
                package_ref=ref,
                carrier_code=code,
                carrier_name=name,
                tracking_number=shipment.tracking_number,
                ship_date=shipment.ship_date.isoformat().replace("+00:00", "Z"),
                shipping_method=shipment.shipping_method,
                items=items,
            )
        )
    return packages, already


def _items(shipment: Shipment, order: Order | None) -> tuple[tuple[tuple[str, int], ...], str | None]:
    if order is None:
        if shipment.items and all(ident.isdigit() for ident, _ in shipment.items):
            return shipment.items, None  # order item ids given: confirmable without the order
        return (), "feedsync did not import this order; name its order item ids and quantities in items"
    if order.fulfilled_by == FulfilledBy.MARKETPLACE:
        return (), "the marketplace fulfils this order itself; it takes no shipment confirmation"
    if not shipment.items:
        return tuple((line.line_id, line.quantity) for line in order.lines), None
    out = []
    for ident, quantity in shipment.items:
        line = next((x for x in order.lines if ident in (x.line_id, x.marketplace_sku)), None)
        if line is None:
            return (), f"item {ident!r} is neither an order item id nor a SKU of this order"
        if quantity > line.quantity:
            return (), f"item {ident!r}: {quantity} shipped but {line.quantity} ordered"
        out.append((line.line_id, quantity))
    return tuple(out), None


class Confirmer(Protocol):
    batched: bool
    """True when ``confirm`` only stages and ``finish`` makes the confirmations real (then they are recorded)."""

    def confirm(self, package: Package) -> None:
        """Confirm one package; RemoteError when the marketplace refused it."""
        ...

    def finish(self) -> str | None:
        """Complete the run (write the upload file); what to tell the user, if anything."""
        ...


class AmazonConfirmations:
    batched = False

    def __init__(self, config: AmazonOrdersApi, *, client: httpx.Client | None = None) -> None:
        self.config = config
        self.client = client or sp_api_client(config)
        self._requester: Requester | None = None

    def requester(self) -> Requester:
        if self._requester is None:
            auth = LwaToken(self.config, make_client())
            limits = {"confirmShipment": RateLimiter(rate=2, burst=10)}
            self._requester = Requester(self.client, auth=auth, limits=limits)
        return self._requester

    def confirm(self, package: Package) -> None:
        self.requester().request(
            "POST",
            f"/orders/v0/orders/{package.order_id}/shipmentConfirmation",
            operation="confirmShipment",
            json={"marketplaceId": self.config.marketplace_id, "packageDetail": package.detail()},
        )

    def finish(self) -> str | None:
        return None


class FlatFileConfirmations:
    """Amazon's shipping confirmation file (tab-separated), one per run so an earlier one not yet uploaded is
    never overwritten, written atomically. A package counts as confirmed once its file is written."""

    batched = True

    def __init__(self, directory: Path, *, now: datetime | None = None) -> None:
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
        self.path = directory / f"amazon-shipping-confirmation-{stamp}.txt"
        self.rows: list[tuple[str, ...]] = []

    def confirm(self, package: Package) -> None:
        for item, quantity in package.items:
            self.rows.append(
                (
                    package.order_id,
                    item,
                    str(quantity),
                    package.ship_date,
                    package.carrier_code,
                    package.carrier_name or "",
                    package.tracking_number,
                    package.shipping_method or "",
                )
            )

    def finish(self) -> str | None:
        if not self.rows:
            return None
        text = io.StringIO()
        writer = csv.writer(text, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar="\\")
        writer.writerow(FLAT_FILE_COLUMNS)
        writer.writerows(self.rows)
        with atomic_write(self.path) as handle:
            handle.write(text.getvalue().encode("utf-8"))
        return f"upload {self.path} in Seller Central (Orders > Upload order related files > Shipping confirmation)"


def push_tracking(
    packages: list[Package], *, confirmer: Confirmer, state: State, marketplace: str, emit: Emit
) -> TrackingResult:
    """Confirm each package; the state records it confirmed (or failed, to retry next run) as soon as the
    marketplace answered (for the flat file: once the file is written)."""
    result = TrackingResult(planned=list(packages))
    for package in packages:
        try:
            confirmer.confirm(package)
        except RemoteError as exc:
            result.failed.append((package, str(exc)))
            state.record_shipment(
                marketplace,
                package.order_id,
                package.tracking_number,
                package_ref=package.package_ref,
                state=FAILED,
                message=str(exc),
            )
            emit(
                make(
                    "ORD006",
                    f"order {package.order_id}, package {package.package_ref}: {exc}",
                    product_id=package.order_id,
                    field="tracking_number",
                    value=package.tracking_number,
                )
            )
            continue
        result.confirmed.append(package)
        if not confirmer.batched:
            _record(state, marketplace, package)
    result.note = confirmer.finish()
    if confirmer.batched:
        for package in result.confirmed:
            _record(state, marketplace, package)
    return result


def _record(state: State, marketplace: str, package: Package) -> None:
    state.record_shipment(
        marketplace, package.order_id, package.tracking_number, package_ref=package.package_ref, state=CONFIRMED
    )
