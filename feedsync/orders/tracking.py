"""``push-tracking``: shipments -> Amazon shipment confirmations, each package confirmed exactly once.

A package is one (order, tracking number) of the shipments (rows repeating one are merged: see
``shipments.merge_duplicates``): its ``packageReferenceId`` is a positive number as a string, unique within the
order (1, 2, ... in the order feedsync first sees the packages; a package keeps its number for every retry).
Items not named mean the whole order. Online: ``POST /orders/v0/orders/{orderId}/shipmentConfirmation``
(Orders v0, still current; 204 on success; rate 2/s, burst 10). Offline: Amazon's shipping confirmation flat
file (``POST_FLAT_FILE_FULFILLMENT_DATA`` columns) to upload in Seller Central. Facts: research notes
amazon.md §4.1-4.3, checked against ``ordersV0.json`` (ConfirmShipmentRequest / PackageDetail).

Crashes: the state records a package before the confirmation leaves and its outcome after, so a rerun knows
what a killed run left. Upload file: the run records its packages ``pending`` in its file (one transaction),
creates the file (never over another), then records them ``confirmed``; a rerun confirms the pending packages
its file holds and writes the others again (same references) into its own file. Every package ends in exactly
one file, as long as files stay in the folder until the run after a crash (a file moved away before that run
is written again). API: a package is recorded ``sending`` before its POST and confirmed or failed after; a rerun
sends a package left ``sending`` again with the same ``packageReferenceId``. Amazon publishes no idempotency key
for confirmShipment: a package whose first POST arrived is then confirmed again (Amazon documents the call as
also editing a shipped package's details, or may answer that the order is already shipped, reported as ORD006).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

import httpx

from feedsync.config import AmazonOrdersApi
from feedsync.destinations.amazon_feeds import LwaToken, sp_api_client
from feedsync.destinations.http import RateLimiter, Requester, make_client, path_segment
from feedsync.diagnostics import Diagnostic, Emit
from feedsync.diagnostics.codes import make
from feedsync.errors import AuthError, RemoteError
from feedsync.faults import checkpoint
from feedsync.model.order import FulfilledBy, HeldPackage, Order, OrderLine
from feedsync.orders.carriers import Carriers
from feedsync.orders.confirmation_file import FlatFileConfirmations, clean, packages_in
from feedsync.orders.importer import HELD
from feedsync.orders.package import CONFIRMED, FAILED, PENDING, SENDING, Package
from feedsync.orders.shipments import Shipment, merge_duplicates
from feedsync.secrets import clip, mask
from feedsync.state import State


@dataclass
class TrackingResult:
    planned: list[Package] = field(default_factory=list)
    confirmed: list[Package] = field(default_factory=list)
    failed: list[tuple[Package, str]] = field(default_factory=list)
    already: int = 0
    settled: int = 0
    """Packages an interrupted run wrote into its upload file, found there and recorded confirmed by this run."""
    note: str | None = None


@dataclass
class Interrupted:
    """What killed runs left: packages found confirmed now, and packages to send again with their reference."""

    confirmed: list[Package] = field(default_factory=list)
    resend: list[Package] = field(default_factory=list)


def settle(state: State, marketplace: str, folder: Path | None, *, dry_run: bool = False) -> Interrupted:
    """A package left ``pending`` whose upload file is in ``folder`` and holds it is confirmed (recorded so unless
    ``dry_run``); one whose file is missing or lacks it, or one left ``sending`` to the API, is to be sent again.
    The state names a file without its folder, so moving the project with its state keeps this working."""
    found = Interrupted()
    files: dict[str, set[tuple[str, str]]] = {}
    confirmed_in: dict[str, list[Package]] = {}
    for status, batch, detail in state.unsettled_shipments(marketplace, (PENDING, SENDING)):
        package = Package.from_json(detail)
        if status == PENDING and batch is not None and folder is not None:
            if batch not in files:
                files[batch] = packages_in(folder / batch)
            if (clean(package.order_id), clean(package.tracking_number)) in files[batch]:
                found.confirmed.append(package)
                confirmed_in.setdefault(batch, []).append(package)
                continue
        found.resend.append(package)
    if confirmed_in and not dry_run:
        for batch, packages in confirmed_in.items():
            state.record_shipments(marketplace, _rows(packages), state=CONFIRMED, batch=batch)
        checkpoint("tracking.settled")
    return found


def plan_packages(
    shipments: list[Shipment],
    *,
    state: State,
    marketplace: str,
    carriers: Carriers,
    emit: Emit,
    interrupted: Interrupted | None = None,
    dry_run: bool = False,
) -> tuple[list[Package], int]:
    """(packages still to confirm, how many were confirmed before). The packages a killed run left to send again
    (``interrupted``) are planned from the shipments when they list them, else as the state kept them. A package
    whose tracking number the marketplace holds for its order is confirmed (recorded so unless ``dry_run``), never
    sent again: one whose confirmation failed and that was then confirmed in Seller Central, or one a killed run
    sent."""
    packages: list[Package] = []
    already = 0
    next_ref: dict[str, int] = {}
    confirmed_now = {package.key for package in interrupted.confirmed} if interrupted else set()
    resend = {package.key: package for package in interrupted.resend} if interrupted else {}
    shipped: dict[str, dict[str, dict[str, int]]] = {}  # order id -> tracking number -> its items, run or state
    shares: dict[tuple[str, tuple[str, ...]], dict[str, tuple[tuple[tuple[str, int], ...], str | None]]] = {}
    for shipment in merge_duplicates(shipments, emit):
        key = (shipment.order_id, shipment.tracking_number)
        known = state.shipment(marketplace, *key)
        if known is not None and (known[1] == CONFIRMED or key in confirmed_now):
            already += 1
            continue
        record = state.order(marketplace, shipment.order_id)
        if record is not None and record.state == HELD:  # confirmed first, it would reach the store as unshipped
            why = record.message or "held"
            emit(_unconfirmable(shipment, None, HELD_ORDER.format(why=why)))
            continue
        payload = state.order_payload(marketplace, shipment.order_id) if record is not None else None
        order = Order.model_validate_json(payload) if payload else None
        if shipment.order_id not in shipped:
            shipped[shipment.order_id] = _shipped(state, marketplace, shipment.order_id)
        others = shipped[shipment.order_id]
        held = {p.tracking_number: p for p in order.packages if p.tracking_number} if order is not None else {}
        if shipment.tracking_number in held:
            already += 1  # the marketplace holds this package already (confirmed in Seller Central, say)
            if known is not None and not dry_run:
                state.record_shipments(marketplace, [(*key, known[0], None)], state=CONFIRMED)
            resend.pop(key, None)
            continue
        if shipment.group:
            if (shipment.order_id, shipment.group) not in shares:
                settled = {
                    tracking
                    for tracking in shipment.group
                    if tracking in held
                    or (shipment.order_id, tracking) in confirmed_now
                    or (state.shipment(marketplace, shipment.order_id, tracking) or ("", ""))[1] == CONFIRMED
                }
                open_ones = [tracking for tracking in shipment.group if tracking not in settled]
                shares[(shipment.order_id, shipment.group)] = _shares(
                    shipment, order, _before(order, others, held, set(open_ones)), open_ones
                )
            items, problem = shares[(shipment.order_id, shipment.group)][shipment.tracking_number]
        else:
            items, problem = _items(shipment, order, _before(order, others, held, {shipment.tracking_number}))
        if problem:
            emit(_unconfirmable(shipment, order, problem))
            continue
        if known is not None:
            ref = known[0]
        else:
            number = next_ref.get(shipment.order_id) or _first_free(state, marketplace, shipment.order_id, order)
            next_ref[shipment.order_id] = number + 1
            ref = str(number)
        packages.append(_package(shipment, ref, items, carriers))
        others[shipment.tracking_number] = dict(items)
        resend.pop(key, None)
    return packages + list(resend.values()), already


def _package(shipment: Shipment, ref: str, items: tuple[tuple[str, int], ...], carriers: Carriers) -> Package:
    code, name = carriers.code(shipment.carrier)
    return Package(
        order_id=shipment.order_id,
        package_ref=ref,
        carrier_code=code,
        carrier_name=name,
        tracking_number=shipment.tracking_number,
        ship_date=shipment.ship_date.isoformat().replace("+00:00", "Z"),
        shipping_method=shipment.shipping_method,
        items=items,
    )


def _shipped(state: State, marketplace: str, order_id: str) -> dict[str, dict[str, int]]:
    """The items of the order's packages confirmed, or that an interrupted run may have confirmed, by tracking
    number (a failed package's are not: it is this run's to send again)."""
    return {
        tracking: dict(Package.from_json(detail).items)
        for tracking, detail in state.package_details(marketplace, order_id, (CONFIRMED, PENDING, SENDING))
    }


def _first_free(state: State, marketplace: str, order_id: str, order: Order | None) -> int:
    """The first package reference after feedsync's own and the marketplace's (a reference it holds would edit
    that package)."""
    taken = [int(p.reference) for p in order.packages if p.reference.isdigit()] if order is not None else []
    return max(state.package_count(marketplace, order_id), *taken, 0) + 1


def _before(
    order: Order | None, others: dict[str, dict[str, int]], held: dict[str, HeldPackage], but: set[str]
) -> dict[str, int]:
    """What the order's packages other than those tracked by ``but`` ship of each item: feedsync's (confirmed,
    or maybe confirmed by an interrupted run, or planned by this run) and the marketplace's since the import."""
    return _summed(
        [sent for tracking, sent in others.items() if tracking not in but]
        + [
            _since_import(
                order, [dict(p.items) for tracking, p in held.items() if tracking not in others and tracking not in but]
            )
        ]
    )


def _shares(
    shipment: Shipment, order: Order | None, before: dict[str, int], trackings: list[str]
) -> dict[str, tuple[tuple[tuple[str, int], ...], str | None]]:
    """(items, or why none) of each of ``trackings``: the packages of one store shipment not yet confirmed, which
    share its items out (the whole order's where it names none) as Seller Central's "Add a package" does, each
    package the next units in turn, as many to each as can be (the first ones one more where they do not divide).
    Amazon takes a package with its items only: a package left without a unit is not confirmed."""
    items, problem = _items(replace(shipment, group=()), order, before)
    if problem:
        return dict.fromkeys(trackings, ((), problem))
    units = [item for item, quantity in items for _ in range(quantity)]
    base, extra = divmod(len(units), len(trackings))
    out: dict[str, tuple[tuple[tuple[str, int], ...], str | None]] = {}
    start = 0
    for index, tracking in enumerate(trackings):
        size = base + (1 if index < extra else 0)
        share: dict[str, int] = {}
        for item in units[start : start + size]:
            share[item] = share.get(item, 0) + 1
        start += size
        why = (
            f"the store's shipment has {len(trackings)} tracking numbers for {len(units)} unit(s) left to confirm; "
            "Amazon confirms a package with at least one unit in it, so this one is not sent"
        )
        out[tracking] = (tuple(share.items()), None) if share else ((), why)
    return out


def _since_import(order: Order | None, held: list[dict[str, int]]) -> dict[str, int]:
    """What the marketplace's ``held`` packages ship of each item beyond the units it had shipped before the
    order's import (a line's ``shipped``: those units are not the store's, its ``quantity`` leaves them out)."""
    total = _summed(held)
    for line in order.lines if order is not None else ():
        if line.shipped and line.line_id in total:
            total[line.line_id] = max(total[line.line_id] - line.shipped, 0)
    return total


def _summed(packages: list[dict[str, int]]) -> dict[str, int]:
    """Each order item's quantity over ``packages`` (order item id -> quantity each)."""
    total: dict[str, int] = {}
    for items in packages:
        for item, quantity in items.items():
            total[item] = total.get(item, 0) + quantity
    return total


def awaiting_shipment(state: State, marketplace: str) -> list[str]:
    """The imported orders not shipped in full: by the marketplace's last word (unshipped, partly shipped) and by
    the packages confirmed since (or that an interrupted run may have confirmed), which the marketplace tells only
    on a later import."""
    waiting = []
    for order_id, _ref, payload in state.open_orders(marketplace):
        order = Order.model_validate_json(payload)
        shipped = _summed(list(_shipped(state, marketplace, order_id).values()))
        if any(line.quantity > shipped.get(line.line_id, 0) for line in order.lines):
            waiting.append(order_id)
    return waiting


HELD_ORDER = (
    "feedsync holds this order, it is not in the store ({why}); fix what holds it and import it (import-orders), "
    "then confirm its shipment: confirmed first, the store would get it later as unshipped (entered in the store by "
    "hand: mark it with import-orders --handled ORDER_ID)"
)


def _unconfirmable(shipment: Shipment, order: Order | None, problem: str) -> Diagnostic:
    """ORD005: why ``shipment`` is not confirmed (of ``order``'s items, or of the order itself where None)."""
    return make(
        "ORD005",
        f"order {shipment.order_id}, tracking {shipment.tracking_number}: {problem}",
        product_id=shipment.order_id,
        field="items" if order is not None else "order_id",
        value=shipment.order_id if order is None else None,
        location=shipment.location,
    )


def _items(
    shipment: Shipment, order: Order | None, before: dict[str, int] | None = None
) -> tuple[tuple[tuple[str, int], ...], str | None]:
    """(order item id, quantity) pairs of the package, or why there are none; an item named twice (by order
    item id and by SKU) counts once with both quantities. ``before``: what the order's other packages shipped of
    each item (this run's before it, and earlier runs'): no package ships more of an item than the order has
    left of it, and a package of the whole order (no items named) ships what is left."""
    if order is None:
        if shipment.items and all(ident.isascii() and ident.isdigit() for ident, _ in shipment.items):
            return shipment.items, None  # order item ids given: confirmable without the order
        return (), "feedsync did not import this order; name its order item ids and quantities in items"
    if order.fulfilled_by == FulfilledBy.MARKETPLACE:
        return (), "the marketplace fulfils this order itself; it takes no shipment confirmation"
    before = before or {}
    if not shipment.items:
        left = tuple((line.line_id, line.quantity - before.get(line.line_id, 0)) for line in order.lines)
        left = tuple((item, quantity) for item, quantity in left if quantity > 0)
        if not left:
            return (), "the order's other packages shipped all of it already; name the items this package holds"
        return left, None
    out: dict[str, int] = {}
    for ident, quantity in shipment.items:
        # an order item id names its line; a SKU (else a catalog id: a store's shipment) every line of it, as an
        # order may list one SKU twice (at two prices, one unit gift-wrapped), each filled in turn with what it has left
        lines = _lines(order, ident)
        if not lines:
            return (), f"item {ident!r} is neither an order item id nor a SKU of this order"
        rest = quantity
        for line in lines:
            room = line.quantity - before.get(line.line_id, 0) - out.get(line.line_id, 0)
            take = rest if line is lines[-1] else min(rest, max(room, 0))
            if take:
                out[line.line_id] = out.get(line.line_id, 0) + take
                rest -= take
        if any(out.get(x.line_id, 0) + before.get(x.line_id, 0) > x.quantity for x in lines):
            shipped = sum(out.get(x.line_id, 0) for x in lines)
            earlier = sum(before.get(x.line_id, 0) for x in lines)
            ordered = sum(x.quantity for x in lines)
            also = f" (and {earlier} in the order's other packages)" if earlier else ""
            return (), f"item {ident!r}: {shipped} shipped{also} but {ordered} ordered"
    return tuple(out.items()), None


def _lines(order: Order, ident: str) -> list[OrderLine]:
    """The order's lines an item of a shipment names: its order item id, else its SKU, else its catalog id."""
    for named in (
        lambda x: x.line_id == ident,
        lambda x: x.marketplace_sku == ident,
        lambda x: x.catalog_id == ident,
    ):
        lines = [line for line in order.lines if named(line)]
        if lines:
            return lines
    return []


class Confirmer(Protocol):
    def ready(self) -> None:
        """Read what confirming needs (its credentials) before any package is recorded as sending: a ConfigError
        here leaves no package looking as though an interrupted run had sent it."""
        ...

    def confirm(self, package: Package) -> None:
        """Confirm one package; RemoteError when the marketplace refused it."""
        ...


class AmazonConfirmations:
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

    def ready(self) -> None:
        self.requester()  # (Login with Amazon's credentials read)

    def confirm(self, package: Package) -> None:
        """``confirmShipment`` answers 204 with no body; a 2xx whose body holds ``errors`` (a proxy's or a gateway's
        answer) is a RemoteError, so the package is not recorded as confirmed."""
        segment = path_segment(package.order_id)
        if segment is None:
            raise RemoteError(f"order id {package.order_id!r} names no order: it cannot be confirmed")
        response = self.requester().request(
            "POST",
            f"/orders/v0/orders/{segment}/shipmentConfirmation",
            operation="confirmShipment",
            json={"marketplaceId": self.config.marketplace_id, "packageDetail": package.detail()},
        )
        if response.status_code == 204 or not response.content.strip():
            return
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and not body.get("errors"):
            return
        answer = clip(response.text, 200)
        raise RemoteError(
            mask(f"confirmShipment: HTTP {response.status_code} with a body that is no confirmation: {answer!r}")
        )


def push_tracking(
    packages: list[Package],
    *,
    confirmer: Confirmer | FlatFileConfirmations,
    state: State,
    marketplace: str,
    emit: Emit,
) -> TrackingResult:
    """Confirm each package: into the run's upload file (all at once), or one by one through the API."""
    if isinstance(confirmer, FlatFileConfirmations):
        return _into_file(packages, confirmer, state, marketplace)
    return _one_by_one(packages, confirmer, state, marketplace, emit)


def _into_file(
    packages: list[Package], upload: FlatFileConfirmations, state: State, marketplace: str
) -> TrackingResult:
    """Pending in the file (recorded), the file created, confirmed (recorded). A file that cannot be written is
    a RemoteError; its packages stay pending without a file, so the next run writes them again."""
    result = TrackingResult(planned=list(packages))
    if not packages:
        return result
    for package in packages:
        upload.confirm(package)
    rows = _rows(packages)
    state.record_shipments(marketplace, rows, state=PENDING, batch=upload.path.name)
    checkpoint("tracking.pending-recorded")
    try:
        result.note = upload.write(before_publish=lambda: checkpoint("tracking.file-staged"))
    except RemoteError as exc:
        raise RemoteError(f"{exc}; its {len(packages)} package(s) are written on the next run") from None
    checkpoint("tracking.file-written")
    state.record_shipments(marketplace, rows, state=CONFIRMED, batch=upload.path.name)
    result.confirmed = list(packages)
    return result


def _one_by_one(
    packages: list[Package], confirmer: Confirmer, state: State, marketplace: str, emit: Emit
) -> TrackingResult:
    """Each package: recorded ``sending``, POSTed, recorded confirmed (or failed, to retry next run)."""
    result = TrackingResult(planned=list(packages))
    if packages:
        confirmer.ready()
    for package in packages:
        known = state.shipment(marketplace, *package.key)
        resent = known is not None and known[1] == SENDING
        state.record_shipments(marketplace, _rows([package]), state=SENDING)
        try:
            confirmer.confirm(package)
        except AuthError as exc:  # not this package's fault: every later one would fail the same way
            state.record_shipments(marketplace, _rows([package]), state=FAILED, message=str(exc))
            raise RemoteError(f"{exc}; no package was confirmed from here on, they are sent on the next run") from None
        except RemoteError as exc:
            message = (
                f"{exc} (sent again after an interrupted run, which may have confirmed it)" if resent else str(exc)
            )
            result.failed.append((package, message))
            state.record_shipments(marketplace, _rows([package]), state=FAILED, message=message)
            emit(
                make(
                    "ORD006",
                    f"order {package.order_id}, package {package.package_ref}: {message}",
                    product_id=package.order_id,
                    field="tracking_number",
                    value=package.tracking_number,
                )
            )
            continue
        state.record_shipments(marketplace, _rows([package]), state=CONFIRMED)
        result.confirmed.append(package)
    return result


def _rows(packages: list[Package]) -> list[tuple[str, str, str, str | None]]:
    return [(p.order_id, p.tracking_number, p.package_ref, p.to_json()) for p in packages]
