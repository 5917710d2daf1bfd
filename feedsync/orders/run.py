"""The ``import-orders`` job: config -> order source -> importer -> sink, with the state."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import httpx

from feedsync import yamlpos
from feedsync.atomic import file_in_the_way
from feedsync.config import Config, OrdersConfig
from feedsync.diagnostics import Emit
from feedsync.diagnostics.codes import make
from feedsync.errors import ConfigError, RemoteError
from feedsync.events import event
from feedsync.faults import checkpoint
from feedsync.model.order import Order
from feedsync.orders.amazon_orders import AmazonOrders
from feedsync.orders.carriers import Carriers
from feedsync.orders.confirmation_file import FlatFileConfirmations, remove_leftovers
from feedsync.orders.importer import (
    CREATING,
    HANDLED,
    HELD,
    IMPORTED,
    RECORDED,
    SKIPPED,
    ImportResult,
    import_orders,
)
from feedsync.orders.mapping import SkuMap
from feedsync.orders.report_file import read_order_report
from feedsync.orders.shipments import Shipment, read_shipments
from feedsync.orders.sinks import OrderSink, ShipmentSource, open_sink
from feedsync.orders.tracking import (
    AmazonConfirmations,
    Confirmer,
    TrackingResult,
    plan_packages,
    push_tracking,
    settle,
)
from feedsync.state import State


def orders_channel(config: Config) -> str | None:
    """The channel whose published SKUs are the marketplace's listings: orders.channel, else the one channel
    using the amazon profile."""
    assert config.orders is not None
    if config.orders.channel is not None:
        if config.orders.channel not in config.channels:
            raise ConfigError(f"orders.channel {config.orders.channel!r} is not a channel of this config")
        return config.orders.channel
    amazon = [name for name, channel in config.channels.items() if channel.profile == "amazon"]
    return amazon[0] if len(amazon) == 1 else None


def _orders(config: Config) -> OrdersConfig:
    if config.orders is None:
        raise ConfigError("this config has no orders: section (orders: {sink: {type: directory, path: ...}})")
    return config.orders


def run_import(
    config: Config,
    state: State,
    emit: Emit,
    *,
    from_file: Path | None,
    dry_run: bool,
    since: datetime | None = None,
    client: httpx.Client | None = None,
) -> ImportResult:
    """Orders from ``from_file`` (an order report), else from the SP-API (``orders.api``) since the stored
    cursor (or ``since``); the cursor moves only after every order was handled, and never in a dry run."""
    orders = _orders(config)
    api: AmazonOrders | None = None
    source: Iterable[Order]
    if from_file is not None:
        source = read_order_report(from_file, emit)
    elif orders.api is not None:
        api = AmazonOrders(orders.api, state, client=client)
        source = api.orders(since)
    else:
        raise ConfigError(
            "no orders to read: pass an Amazon order report with --from-file, or set orders.api for the SP-API"
        )
    skus = SkuMap(state, orders_channel(config), orders.sku_map)
    result = import_orders(
        source,
        state=state,
        sink=open_sink(orders.sink),
        skus=skus,
        emit=emit,
        marketplace=orders.marketplace,
        dry_run=dry_run,
        refresh=api.order if api is not None else None,
    )
    checkpoint("orders.handled")  # every order is in the store and the state; the cursor has not moved
    if api is not None and not dry_run:
        api.commit()
    event(
        "import",
        dry_run=dry_run,
        imported=len(result.imported),
        recovered=len(result.recovered),
        updated=len(result.updated),
        held=len(result.held),
        marketplace_fulfilled=len(result.recorded),
        unchanged=result.unchanged,
        pending=result.pending,
        skipped=result.skipped,
    )
    return result


_NOT_HELD = {
    IMPORTED: "imported into the store",
    RECORDED: "fulfilled by the marketplace, not sent to the store",
    SKIPPED: "cancelled before its import, or nothing of it left to ship",
    HANDLED: "marked handled before",
}
"""What an order that is not held is, as ``mark_handled`` tells it (by its state)."""


def mark_handled(config: Config, state: State, order_ids: Sequence[str], *, dry_run: bool) -> list[tuple[str, str]]:
    """The held orders ``order_ids`` (or orders sent to the store without an answer, ``creating``) marked handled (an
    ops person entered each in the store by hand, or settled it otherwise): never imported, no longer retried,
    their shipments still confirmed from a shipments file. (order id, why it was held) of each; all or none: an id
    that is neither is a ConfigError naming what it is, and nothing is marked."""
    orders = _orders(config)
    ids = dict.fromkeys(order_id.strip() for order_id in order_ids)
    records = {order_id: state.order(orders.marketplace, order_id) for order_id in ids}
    wrong = [
        f"{order_id!r} ({'never seen' if record is None else _NOT_HELD.get(record.state, record.state)})"
        for order_id, record in records.items()
        if record is None or record.state not in (HELD, CREATING)
    ]
    if wrong:
        raise ConfigError(
            f"--handled takes held orders only (and orders sent to the store without an answer); not held: "
            f"{', '.join(wrong)} (`feedsync status` lists them); nothing was marked"
        )
    held = [
        (order_id, record.message or ("held" if record.state == HELD else "sent, the store never answered"))
        for order_id, record in records.items()
        if record is not None
    ]
    if not dry_run:
        note = f"handled outside feedsync (import-orders --handled, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC)"
        left = state.mark_handled(orders.marketplace, list(records), note)
        if left:  # (another run changed them since they were read: the lock keeps this from happening)
            raise ConfigError(f"--handled: {', '.join(left)} is no longer held; nothing was marked")
        event("handled", orders=len(held))
    return held


def store_shipments(config: Config, state: State, emit: Emit, *, sink: OrderSink | None = None) -> list[Shipment]:
    """The shipments the store recorded for the imported orders not yet shipped in full (for sinks that can say:
    WooCommerce with Shipment Tracking, Shopify fulfillments). An order whose store cannot be read is reported
    (ORD008) and asked again next run."""
    orders = _orders(config)
    sink = sink or open_sink(orders.sink)
    if not isinstance(sink, ShipmentSource):
        raise ConfigError(
            f"the {orders.sink.type} sink cannot report shipments; pass a shipments file with --shipments"
        )
    found: list[Shipment] = []
    for order_id, ref, payload in state.open_orders(orders.marketplace):
        order = Order.model_validate_json(payload)
        try:
            found.extend(sink.shipments(order, ref))
        except RemoteError as exc:
            emit(make("ORD008", f"order {order_id} ({ref}): {exc}", product_id=order_id, field="shipments"))
    return found


def run_tracking(
    config: Config,
    state: State,
    emit: Emit,
    *,
    shipments: Path | None,
    dry_run: bool,
    sink: OrderSink | None = None,
) -> TrackingResult:
    """Plan a package per shipment (from the ``shipments`` file, else from the store); confirm them (unless
    ``dry_run``) through the SP-API when ``orders.api`` is set, else into an upload file in
    ``orders.confirmations_dir``. What a killed run left is settled first (``tracking.settle``)."""
    orders = _orders(config)
    confirmer: Confirmer | FlatFileConfirmations
    if orders.api is not None:
        confirmer = AmazonConfirmations(orders.api)
    elif orders.confirmations_dir is not None:
        in_the_way = file_in_the_way(orders.confirmations_dir)
        if in_the_way is not None:
            file_name, node = config.position(["orders", "confirmations_dir"])
            line, column = yamlpos.locate(node, []) or (None, None)
            raise ConfigError(
                f"orders.confirmations_dir: {in_the_way} is a file, not a folder; point confirmations_dir at a "
                "folder for the upload files (or move the file away)",
                path=file_name,
                line=line,
                column=column,
            )
        confirmer = FlatFileConfirmations(orders.confirmations_dir)
    else:
        raise ConfigError(
            "push-tracking needs orders.api (SP-API access) or orders.confirmations_dir (a folder for upload files)"
        )
    interrupted = settle(state, orders.marketplace, orders.confirmations_dir, dry_run=dry_run)
    packages, already = plan_packages(
        read_shipments(shipments, emit) if shipments is not None else store_shipments(config, state, emit, sink=sink),
        state=state,
        marketplace=orders.marketplace,
        carriers=Carriers(orders.carriers),
        emit=emit,
        interrupted=interrupted,
        dry_run=dry_run,
    )
    if dry_run:
        return TrackingResult(planned=packages, already=already, settled=len(interrupted.confirmed))
    if isinstance(confirmer, FlatFileConfirmations):
        remove_leftovers(confirmer.path.parent)
    result = push_tracking(packages, confirmer=confirmer, state=state, marketplace=orders.marketplace, emit=emit)
    result.already, result.settled = already, len(interrupted.confirmed)
    event("tracking", confirmed=len(result.confirmed), failed=len(result.failed), already=already)
    return result
