"""What the marketplace says of an order after the store got it: feedsync imported it, or an ops person entered it by
hand and marked it handled (``import-orders --handled``). Its status alone goes on to a store feedsync imported it
into (``importer``); the rest is kept with the stored order (the packages the marketplace holds, units cancelled,
which push-tracking reads) and told (ORD003): a change of its lines or address, units of a line cancelled since, and
for a handled order its cancellation whole, which no sink passes on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from feedsync.diagnostics import Diagnostic, Emit, Severity
from feedsync.diagnostics.codes import make
from feedsync.faults import checkpoint
from feedsync.model.order import Order, OrderLine, OrderStatus
from feedsync.orders.sinks import OrderSink
from feedsync.state import OrderRecord, State

if TYPE_CHECKING:
    from feedsync.orders.importer import ImportResult

BY_HAND = "the store order entered by hand"
"""Who holds a handled order in the store, as the findings of its later changes name it."""


@dataclass(frozen=True)
class Holder:
    """Who holds an order in the store, as the findings of the marketplace's later changes to it say: its name, since
    when the order is compared, how the store got it and what feedsync passes on to it."""

    name: str
    since: str
    got: str
    passes: str


def holder_of(handled: bool, sink: OrderSink) -> Holder:
    """Who holds an order in the store: a handled order's store order entered by hand, else ``sink``."""
    if handled:
        return Holder(
            BY_HAND, "since feedsync held it", "entered", "feedsync passes on nothing of an order marked handled"
        )
    return Holder(sink.describe(), "since its import", "imported", "feedsync passes on a change of status alone")


def by_hand(order: Order) -> Diagnostic:
    """ORD003 (an error: the store would ship it) of a handled order the marketplace cancelled: no sink has it."""
    return make(
        "ORD003",
        f"order {order.order_id} is now {order.status} on {order.marketplace}; it was marked handled (import-orders "
        f"--handled), so {BY_HAND} keeps its old status: cancel the store order by hand",
        product_id=order.order_id,
        field="status",
        value=order.status,
        severity=Severity.ERROR,
    )


def as_imported(state: State, order: Order) -> Order:
    """``order``'s news (its status, the packages the marketplace holds) on the order as it was stored: imported, its
    lines are what the store holds (with their catalog ids, by which a store's shipments name what they ship, and
    the units left out of it); handled, the marketplace's lines as feedsync held them. Kept so for push-tracking.
    Without a stored order, ``order`` as it is."""
    payload = state.order_payload(order.marketplace, order.order_id)
    if not payload:
        return order
    stored = Order.model_validate_json(payload)
    return stored.model_copy(
        update={"status": order.status, "updated_at": order.updated_at, "packages": order.packages}
    )


def keep_packages(state: State, order: Order, record: OrderRecord) -> None:
    """Keep the packages the marketplace now holds for an imported (or handled) order (confirmed in Seller Central
    while its status stayed the same, say) with its stored order: push-tracking numbers its own after them."""
    payload = state.order_payload(order.marketplace, order.order_id)
    stored = Order.model_validate_json(payload) if payload else None
    if stored is None or stored.packages == order.packages:
        return
    kept = stored.model_copy(update={"packages": order.packages})
    state.record_order(
        order.marketplace,
        order.order_id,
        status=record.status,
        state=record.state,
        sink_ref=record.sink_ref,
        message=record.message,
        payload=kept.model_dump_json(),
    )


def tell_changes(state: State, order: Order, holder: Holder, emit: Emit) -> None:
    """ORD003 naming what of an imported (or handled) order changed on the marketplace beside its status (its lines,
    its ship-to address), which no sink passes on: the store order (``holder``) keeps it as it got it. Told on
    every read of the order while it differs (a note in the state could be written by a run killed before it
    printed the finding)."""
    payload = state.order_payload(order.marketplace, order.order_id)
    found = changes(Order.model_validate_json(payload), order) if payload else []
    if not found:
        return
    emit(
        make(
            "ORD003",
            f"order {order.order_id} changed on {order.marketplace} {holder.since}: {'; '.join(found)}; "
            f"{holder.name} keeps the order as it was {holder.got} ({holder.passes}): "
            "change the store order by hand",
            product_id=order.order_id,
            field="lines" if found[0].startswith("line") else "ship_to",
        )
    )


def tell_cancelled(state: State, order: Order, holder: Holder, emit: Emit, result: ImportResult, dry_run: bool) -> None:
    """ORD003 (an error: the store would ship them) naming each line of an imported (or handled) order with units
    cancelled on the marketplace since the store got it, out of those it got: no sink passes a line's cancellation
    on. The stored order records them at once (the units move from ``quantity``, the store's units push-tracking
    confirms, to ``cancelled``: so no later run finds them again), with a note of the finding to tell in the same
    transaction (``State.untold``), forgotten by ``note_told`` once the findings are printed: a run that ends before
    tells it again, however the marketplace lists the order then. An order cancelled whole is not told so: its
    status goes to the store (a handled order's is told by ``by_hand``). A dry run writes nothing and tells each
    once (``result.cancelled_since``)."""
    if order.status in (OrderStatus.CANCELLED, OrderStatus.UNFULFILLABLE):
        return
    payload = state.order_payload(order.marketplace, order.order_id)
    if not payload:
        return
    stored = Order.model_validate_json(payload)
    now = {line.line_id: line for line in order.lines}
    known = result.cancelled_since.get((order.marketplace, order.order_id), {})
    lines: list[OrderLine] = []
    told: list[tuple[str, str, int]] = []
    for was in stored.lines:
        line = now.get(was.line_id)
        units = 0
        if line is not None and was.marketplace_sku == line.marketplace_sku:  # (else told as a change of its lines)
            before = max(was.cancelled, known.get(was.line_id, 0))
            units = max(min(line.cancelled - before, was.quantity - (before - was.cancelled)), 0)
        if units:
            told.append((was.line_id, was.marketplace_sku, units))
            known[was.line_id] = max(was.cancelled, known.get(was.line_id, 0)) + units
            emit(cancelled_finding(order.marketplace, order.order_id, was.line_id, was.marketplace_sku, units, holder))
        lines.append(was.model_copy(update={"quantity": was.quantity - units, "cancelled": was.cancelled + units}))
    if not told:
        return
    if dry_run:
        result.cancelled_since[(order.marketplace, order.order_id)] = known
        return
    noted = stored.model_copy(update={"lines": tuple(lines)}).model_dump_json()
    state.record_cancelled(order.marketplace, order.order_id, noted, told)
    checkpoint("orders.cancellation-recorded")  # the stored order has it, the finding is not out yet
    result.told += [(order.marketplace, order.order_id, line_id) for line_id, _, _ in told]


def cancelled_finding(
    marketplace: str, order_id: str, line_id: str, sku: str, units: int, holder: Holder
) -> Diagnostic:
    return make(
        "ORD003",
        f"order {order_id}: line {line_id} (SKU {sku}): {units} unit(s) cancelled on {marketplace} {holder.since}; "
        f"{holder.name} still holds them ({holder.passes}): take them off the store order by hand; told once",
        product_id=order_id,
        field="quantity",
        value=str(units),
        severity=Severity.ERROR,
    )


def changes(imported: Order, order: Order) -> list[str]:
    """How ``order`` (as the marketplace answers it now) differs from the order as it was imported: lines added
    or removed, a line's SKU or units ordered, the ship-to address's fields (only those both give: a marketplace
    that stops giving an old order's address has not changed it). Units shipped or cancelled since are no change:
    they move within the units ordered."""
    out: list[str] = []
    before = {line.line_id: line for line in imported.lines}
    after = {line.line_id: line for line in order.lines}
    if order.lines:  # (an answer without its items is no removal of them)
        for line in order.lines:
            was = before.get(line.line_id)
            if was is None:
                out.append(f"line {line.line_id} ({line.marketplace_sku}) added, {line.ordered} unit(s)")
                continue
            if was.marketplace_sku != line.marketplace_sku:
                out.append(f"line {line.line_id} is SKU {line.marketplace_sku}, was {was.marketplace_sku}")
            if was.ordered != line.ordered:
                out.append(
                    f"line {line.line_id} ({line.marketplace_sku}) has {line.ordered} unit(s), was {was.ordered}"
                )
        out += [f"line {x.line_id} ({x.marketplace_sku}) removed" for x in imported.lines if x.line_id not in after]
    if imported.ship_to is not None and order.ship_to is not None:
        moved = [
            name
            for name in type(order.ship_to).model_fields
            if getattr(imported.ship_to, name)
            and getattr(order.ship_to, name)
            and getattr(imported.ship_to, name) != getattr(order.ship_to, name)
        ]
        if moved:
            out.append(f"ship-to address ({', '.join(moved)})")
    return out
