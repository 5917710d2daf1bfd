"""``feedsync status``: what an operator asks first, from the state alone (no network): per channel the last
push and the items waiting to be sent again; orders held back and shipments not yet confirmed."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from feedsync.config import Config
from feedsync.lock import held
from feedsync.orders.package import PENDING, SENDING, Package
from feedsync.orders.tracking import awaiting_shipment
from feedsync.state import INTERRUPTED, INTERRUPTED_MESSAGE, Run, State


@dataclass
class ChannelStatus:
    channel: str
    last_push: str | None = None
    """When (UTC, ISO 8601) the last push started."""
    items: int | None = None
    outcome: str | None = None
    message: str | None = None
    pending_retry: int = 0


@dataclass
class Status:
    channels: list[ChannelStatus] = field(default_factory=list)
    held_orders: list[dict[str, str | None]] = field(default_factory=list)
    unanswered_orders: list[dict[str, str | None]] = field(default_factory=list)
    """Orders sent to the store by a run that never learnt whether they arrived, or that the store refused when sent
    again (``reason``; None: no answer): the next import-orders sends them again. None while a run holds the lock
    (its orders may be in flight)."""
    open_orders: int = 0
    """Imported orders not yet shipped in full."""
    failed_shipments: list[dict[str, str | None]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def needs_attention(self) -> bool:
        failed = any(c.outcome in ("failed", "refused", INTERRUPTED) for c in self.channels)
        waiting = self.held_orders or self.unanswered_orders or self.failed_shipments
        return failed or bool(waiting or any(c.pending_retry for c in self.channels))


def settled(runs: list[Run], config: Config) -> list[Run]:
    """``runs`` with those recorded as running shown as interrupted when no process holds the run lock: a push
    holds it until it ends, so such a run was killed before it could record its outcome."""
    if not any(run.outcome == "running" for run in runs) or held(config.state_path):
        return runs
    return [
        replace(run, outcome=INTERRUPTED, message=INTERRUPTED_MESSAGE) if run.outcome == "running" else run
        for run in runs
    ]


def status(config: Config, state: State) -> Status:
    found = Status()
    for name in config.channels:
        entry = ChannelStatus(name, pending_retry=state.rejected_items(name))
        last = state.last_push(name)
        run = None if last is None else settled([last], config)[0]
        if run is not None:
            entry.last_push, entry.items, entry.outcome, entry.message = (
                run.started_at,
                run.item_count,
                run.outcome,
                run.message,
            )
        found.channels.append(entry)
    if config.orders is not None:
        marketplace = config.orders.marketplace
        found.held_orders = [
            {"order_id": order_id, "reason": reason} for order_id, reason, _ in state.held_orders(marketplace)
        ]
        busy = held(config.state_path)  # (a run is importing, or confirming packages: what it sends is in flight)
        if not busy:
            found.unanswered_orders = [
                {"order_id": order_id, "reason": reason}
                for order_id, reason, _ in state.held_orders(marketplace, "creating")
            ]
        found.open_orders = len(awaiting_shipment(state, marketplace))
        found.failed_shipments = [
            {"order_id": order_id, "tracking_number": tracking, "message": message}
            for order_id, tracking, message in state.failed_shipments(marketplace)
        ]
        if not busy:
            found.failed_shipments += [
                {
                    "order_id": package.order_id,
                    "tracking_number": package.tracking_number,
                    "message": f"an interrupted push-tracking left it {shipment_state}"
                    + (f" in {batch}" if batch else "")
                    + "; the next push-tracking settles it",
                }
                for shipment_state, batch, detail in state.unsettled_shipments(marketplace, (PENDING, SENDING))
                for package in [Package.from_json(detail)]
            ]
    return found
