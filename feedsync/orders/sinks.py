"""Where imported orders go: the store. Every sink can be asked whether it already holds an order (so a crash
between the sink's success and the state write never makes a second store order)."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import httpx

from feedsync import secrets
from feedsync.atomic import atomic_write
from feedsync.config import (
    DirectoryOrderSink,
    SecretRef,
    ShopifyOrderSink,
    WebhookOrderSink,
    WooCommerceOrderSink,
)
from feedsync.config import OrderSink as OrderSinkConfig
from feedsync.destinations.http import Requester, make_client
from feedsync.errors import OrderRejected, RemoteError
from feedsync.faults import checkpoint
from feedsync.model.order import Order
from feedsync.orders.sanity import earliest_import
from feedsync.orders.shipments import Shipment


class OrderSink(Protocol):
    batched: bool
    """True when ``create`` only stages and ``commit`` makes the orders durable (state is written after it)."""
    searchable: bool
    """False when ``find`` cannot tell (a webhook): the importer then marks an order before its create."""

    def find(self, order: Order) -> str | None:
        """The store's reference of this marketplace order, when the store already has it."""
        ...

    def create(self, order: Order) -> str:
        """Create the order in the store; returns the store's reference."""
        ...

    def update(self, ref: str, order: Order) -> bool:
        """Apply a later status (cancellation, shipment) to the store order; False when the sink cannot,
        OrderRejected when the store refuses it for this order (the others go on)."""
        ...

    def commit(self) -> None: ...

    def describe(self) -> str: ...


@runtime_checkable
class ShipmentSource(Protocol):
    """A sink whose store can say what it shipped (``push-tracking`` without a shipments file)."""

    def shipments(self, order: Order, ref: str) -> list[Shipment]: ...


STAMP = "%Y%m%dT%H%M%S%fZ"


class DirectorySink:
    """One JSON Lines file per run (``orders-<UTC time>.jsonl``), written atomically at commit. Each line is an
    event: ``{"event": "order.created" | "order.updated", "ref": ..., "order": {...}}``."""

    batched = True
    searchable = True

    def __init__(self, config: DirectoryOrderSink, *, now: datetime | None = None) -> None:
        self.path = config.path
        self.name = f"orders-{(now or datetime.now(UTC)).strftime(STAMP)}.jsonl"
        self.events: list[dict[str, object]] = []
        self._known: dict[str, str] = {}
        self._read: set[str] = set()
        self._committed = 0

    def describe(self) -> str:
        return f"directory:{self.path}"

    def find(self, order: Order) -> str | None:
        """Searches the files earlier runs wrote since the order could have been imported (file names carry their
        UTC time, and no earlier file can hold it: ``sanity.earliest_import``), each file read once per run."""
        since = f"orders-{earliest_import(order).strftime(STAMP)}"
        for file in sorted(self.path.glob("orders-*.jsonl")) if self.path.is_dir() else []:
            if file.name < since or file.name in self._read:
                continue
            self._read.add(file.name)
            for number, event in _events(file):
                if event.get("event") == "order.created":
                    try:
                        found = event["order"]
                        key, ref = _key(found["marketplace"], found["order_id"]), str(event["ref"])
                    except (KeyError, TypeError):
                        raise _unreadable(file, number, "an order.created event without its order or ref") from None
                    self._known.setdefault(key, ref)
        return self._known.get(_key(order.marketplace, order.order_id))

    def create(self, order: Order) -> str:
        ref = f"{self.name}#{order.marketplace}:{order.order_id}"
        self.events.append({"event": "order.created", "ref": ref, "order": order.model_dump(mode="json")})
        self._known[_key(order.marketplace, order.order_id)] = ref
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
        checkpoint("orders.directory-written")  # the store can see the orders; the state does not know yet
        self._committed = len(self.events)


REJECTED = (400, 409, 422)
"""Answers that refuse this one order (a create's is held, ORD007; an update's reported, ORD003); any other failure
stops the run."""


_HTML = re.compile(
    rb"\s*(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])",
    re.IGNORECASE | re.DOTALL,
)
"""The start of an HTML document (after an XML declaration or comments, as XHTML begins): the answer of a web page,
which no order endpoint gives (one that answers ``OK`` as ``text/html``, as PHP does by default, is not one)."""


class WebhookSink:
    """Each event is one POST, sent at once (not batched): ``{"event": ..., "order": {...}}`` with the headers
    ``X-Feedsync-Event``, ``X-Feedsync-Signature: sha256=<HMAC-SHA256 of the body, hex>`` and
    ``Idempotency-Key: <marketplace>:<order id>:order.created`` (an update's: ``...:order.updated:<status>``).
    Retries (429, 5xx, timeouts) resend the same key, and so does a rerun after a crash between the POST and the
    state write, whatever the order's status has become: the endpoint must treat a repeated key as the same
    request. A redirect is an error (never followed). The store's id, when the 2xx answer is JSON with ``id``, is
    the reference."""

    batched = False
    searchable = False

    def __init__(self, config: WebhookOrderSink, *, client: httpx.Client | None = None) -> None:
        self.url = config.url.value() if isinstance(config.url, SecretRef) else config.url
        self._key = config.secret.value().encode("utf-8")
        secrets.register_url(self.url)
        self._requester = Requester(client or make_client())

    def describe(self) -> str:
        return "webhook"

    def find(self, order: Order) -> str | None:
        return None  # not searchable: the Idempotency-Key makes a repeated create harmless

    def _post(self, event: str, order: Order) -> str:
        body = json.dumps({"event": event, "order": order.model_dump(mode="json")}, sort_keys=True).encode("utf-8")
        # a created order's key holds no status: a rerun after a crash sends the same key though the order has
        # moved on meanwhile (shipped); each later status is an update of its own
        key = f"{order.marketplace}:{order.order_id}:{event}"
        if event != "order.created":
            key += f":{order.status}"
        try:
            response = self._requester.request(
                "POST",
                self.url,
                operation="order webhook",
                content=body,
                headers={
                    "content-type": "application/json",
                    "x-feedsync-event": event,
                    "x-feedsync-signature": "sha256=" + hmac.new(self._key, body, hashlib.sha256).hexdigest(),
                    "idempotency-key": key,
                },
            )
        except RemoteError as exc:
            if exc.status in REJECTED:
                raise OrderRejected(str(exc), status=exc.status) from None
            raise
        if _HTML.match(response.content):  # (a website at a mistyped address: no store got the order)
            raise RemoteError(
                f"order webhook: {secrets.mask(self.url)} answered HTTP {response.status_code} with an HTML page, "
                "not an order endpoint's answer: is it the address of the store's order endpoint? What was sent is "
                "sent again on the next import-orders"
            )
        try:
            answer = response.json()
        except ValueError:
            answer = None
        return str(answer["id"]) if isinstance(answer, dict) and answer.get("id") is not None else key

    def create(self, order: Order) -> str:
        return self._post("order.created", order)

    def update(self, ref: str, order: Order) -> bool:
        self._post("order.updated", order)
        return True

    def commit(self) -> None:
        return None


def _events(file: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The events of an orders file (blank lines passed over), numbered by line; a line that is not an event's
    JSON is a RemoteError: whether the store holds an order cannot be told from it, so none is made again."""
    try:
        with file.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    event = json.loads(line)
                except ValueError:
                    raise _unreadable(file, number, f"not JSON: {secrets.clip(line.strip(), 80)!r}") from None
                if not isinstance(event, dict):
                    raise _unreadable(file, number, "not a JSON object")
                yield number, event
    except UnicodeDecodeError as exc:
        raise RemoteError(f"cannot read orders from {file}: not UTF-8 ({exc.reason})") from None
    except OSError as exc:
        raise RemoteError(f"cannot read orders from {file}: {exc.strerror or exc}") from None


def _unreadable(file: Path, number: int, what: str) -> RemoteError:
    return RemoteError(
        f"{file}:{number}: {what}; feedsync cannot tell which orders the folder holds, so it imports none: "
        "mend or move the file"
    )


def _key(marketplace: str, order_id: str) -> str:
    return f"{marketplace}:{order_id}"


def open_sink(config: OrderSinkConfig) -> OrderSink:
    if isinstance(config, WebhookOrderSink):
        return WebhookSink(config)
    if isinstance(config, WooCommerceOrderSink):
        from feedsync.orders.woocommerce_sink import WooCommerceSink

        return WooCommerceSink(config)
    if isinstance(config, ShopifyOrderSink):
        from feedsync.orders.shopify_sink import ShopifySink

        return ShopifySink(config)
    return DirectorySink(config)
