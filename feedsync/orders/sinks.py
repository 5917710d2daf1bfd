"""Where imported orders go: the store. Every sink can be asked whether it already holds an order (so a crash
between the sink's success and the state write never makes a second store order)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Protocol

from feedsync.atomic import atomic_write
from feedsync.config import DirectoryOrderSink
from feedsync.errors import RemoteError
from feedsync.model.order import Order


class OrderSink(Protocol):
    batched: bool
    """True when ``create`` only stages and ``commit`` makes the orders durable (state is written after it)."""

    def find(self, order: Order) -> str | None:
        """The store's reference of this marketplace order, when the store already has it."""
        ...

    def create(self, order: Order) -> str:
        """Create the order in the store; returns the store's reference."""
        ...

    def update(self, ref: str, order: Order) -> bool:
        """Apply a later status (cancellation, shipment) to the store order; False when the sink cannot."""
        ...

    def commit(self) -> None: ...

    def describe(self) -> str: ...


class DirectorySink:
    """One JSON Lines file per run (``orders-<UTC time>.jsonl``), written atomically at commit. Each line is an
    event: ``{"event": "order.created" | "order.updated", "ref": ..., "order": {...}}``."""

    batched = True

    def __init__(self, config: DirectoryOrderSink, *, now: datetime | None = None) -> None:
        self.path = config.path
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
        self.name = f"orders-{stamp}.jsonl"
        self.events: list[dict[str, object]] = []
        self._known: dict[str, str] | None = None
        self._committed = 0

    def describe(self) -> str:
        return f"directory:{self.path}"

    def _index(self) -> dict[str, str]:
        """marketplace order key -> ref, from the files earlier runs wrote (read once, when first needed)."""
        if self._known is None:
            self._known = {}
            for file in sorted(self.path.glob("orders-*.jsonl")) if self.path.is_dir() else []:
                with file.open(encoding="utf-8") as handle:
                    for line in handle:
                        event = json.loads(line)
                        if event.get("event") == "order.created":
                            order = event["order"]
                            self._known.setdefault(_key(order["marketplace"], order["order_id"]), str(event["ref"]))
        return self._known

    def find(self, order: Order) -> str | None:
        return self._index().get(_key(order.marketplace, order.order_id))

    def create(self, order: Order) -> str:
        ref = f"{self.name}#{order.marketplace}:{order.order_id}"
        self.events.append({"event": "order.created", "ref": ref, "order": order.model_dump(mode="json")})
        self._index()[_key(order.marketplace, order.order_id)] = ref
        return ref

    def update(self, ref: str, order: Order) -> bool:
        self.events.append({"event": "order.updated", "ref": ref, "order": order.model_dump(mode="json")})
        return True

    def commit(self) -> None:
        """Write the run's file (all its events so far, so committing again rewrites it whole)."""
        if not self.events or self._committed == len(self.events):
            return
        try:
            with atomic_write(self.path / self.name) as handle:
                for event in self.events:
                    handle.write(json.dumps(event, ensure_ascii=False, sort_keys=True).encode() + b"\n")
        except OSError as exc:
            raise RemoteError(f"cannot write orders into {self.path}: {exc.strerror or exc}") from None
        self._committed = len(self.events)


def _key(marketplace: str, order_id: str) -> str:
    return f"{marketplace}:{order_id}"


def open_sink(config: DirectoryOrderSink) -> OrderSink:
    return DirectorySink(config)
