"""The WooCommerce sink: each order becomes a store order through the REST API v3.

- Create: ``POST /wp-json/wc/v3/orders`` with Basic auth (consumer key and secret, over HTTPS). Each line names
  its product: a catalog id ``wc-<ID>`` (what feedsync's WooCommerce reader uses for items without a SKU) is that
  post id; any other catalog id is the store SKU, looked up once per run with ``GET /products?sku=`` (which also
  returns variations: the products controller widens the post type to variations when ``sku`` is given). A
  product the store does not have rejects the order (held, ORD007) before anything is created; the store itself
  would silently create a line without a product.
- The marketplace order is kept in the order meta ``feedsync_order`` = ``<marketplace>:<order id>`` (no leading
  underscore, so the REST API returns it) and in ``transaction_id``.
- Find: the REST API cannot filter orders by meta, so the orders created since the marketplace order could have
  been imported (``sanity.earliest_import``) are read (``after`` + ``dates_are_gmt=true``, 100 per page) and their
  meta searched; each window is read once per run, and again before a create that failed (a 5xx, a timeout) is
  sent again: the store may have made the order before it failed. The pages end at the last one
  ``X-WP-TotalPages`` counts or at one less than full; a page holding only orders of the pages before it (a store
  that ignores ``page``) or more than ``MAX_PAGES`` pages stops the run (a RemoteError): nothing is created
  while the store's orders cannot be read whole.
- Shipments: the WooCommerce Shipment Tracking extension's
  ``GET /wp-json/wc-shipment-tracking/v3/orders/<id>/shipment-trackings`` (provider, number, date shipped; a
  tracking item covers the whole order).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from feedsync import secrets
from feedsync.config import WooCommerceOrderSink
from feedsync.destinations.http import Requester, answer_shape, json_body, make_client
from feedsync.diagnostics.diagnostic import Location
from feedsync.errors import AlreadyDone, OrderRejected, RemoteError
from feedsync.model.money import exact_amount
from feedsync.model.order import CHARGE_TITLES, Address, Order, OrderStatus, charges
from feedsync.orders.sanity import earliest_import
from feedsync.orders.shipments import Shipment

META_KEY = "feedsync_order"
PAGE = 100
MAX_PAGES = 100_000
"""The store orders read to find one are at most this many pages (10,000,000 orders since the earliest an order of
the run can have been imported, more than a store takes in that window: a large store is read whole): a store
whose pages do not end (full pages of new ids without end, X-WP-TotalPages missing or too large) stops the run
rather than being read for ever; one that repeats its pages is stopped at the first repeat."""
STATUS_UPDATES = {OrderStatus.CANCELLED: "cancelled", OrderStatus.SHIPPED: "completed"}
"""Marketplace status -> store status; other changes leave the store order as it is."""
UPDATE_REFUSED = (400, 404, 409, 410, 422)
"""Answers to a status update that refuse this one store order (ORD003); any other failure stops the run."""


class WooCommerceSink:
    batched = False
    searchable = True

    def __init__(self, config: WooCommerceOrderSink, *, client: httpx.Client | None = None) -> None:
        self.config = config
        self.site = config.url.rstrip("/")
        self.api = self.site + "/wp-json/wc/v3"
        key, secret = config.consumer_key.value(), config.consumer_secret.value()
        self._auth = (key, secret)
        secrets.register_basic(key, secret)
        self._requester = Requester(client or make_client())
        self._known: dict[str, str] = {}
        self._read_from: datetime | None = None
        self._products: dict[str, dict[str, int]] = {}

    def describe(self) -> str:
        return f"woocommerce:{self.site}"

    def _get(self, url: str, operation: str, **params: Any) -> httpx.Response:
        return self._requester.request("GET", url, operation=operation, params=params, auth=self._auth)

    # -- find -------------------------------------------------------------------------------------------

    def find(self, order: Order) -> str | None:
        start = earliest_import(order)
        if self._read_from is None or start < self._read_from:
            self._read_orders(start, self._read_from)
            self._read_from = start
        return self._known.get(_key(order))

    def _made_after_all(self, order: Order) -> None:
        """Before a create is sent again: the store's orders since the order could have been imported, read again
        (a failed attempt may have made it), and ``AlreadyDone`` when one is this order."""
        self._read_orders(earliest_import(order), None)
        ref = self._known.get(_key(order))
        if ref is not None:
            raise AlreadyDone(ref)

    def _read_orders(self, after: datetime, before: datetime | None) -> None:
        params: dict[str, Any] = {
            "after": _iso(after),
            "dates_are_gmt": "true",
            "per_page": PAGE,
            "orderby": "date",
            "order": "asc",
        }
        if before is not None:
            params["before"] = _iso(before)
        read: set[str] = set()
        for page in range(1, MAX_PAGES + 1):
            response = self._get(f"{self.api}/orders", "list store orders", page=page, **params)
            found = json_body(response, "list store orders", kind=list)
            with answer_shape("list store orders"):
                ids = [str(store_order["id"]) for store_order in found]
                pages = int(response.headers.get("x-wp-totalpages") or 0)
            if ids and read.issuperset(ids):
                raise RemoteError(
                    f"list store orders: page {page} holds only orders of the pages before it (ids "
                    f"{secrets.clip(', '.join(ids[:3]), 60)}{', ...' if len(ids) > 3 else ''}): the store repeats its "
                    f"pages ({'X-WP-TotalPages ' + str(pages) if pages else 'no X-WP-TotalPages'}); nothing is created "
                    f"while its orders cannot be read whole ({self.site})"
                )
            read.update(ids)
            with answer_shape("list store orders"):
                for store_order in found:
                    for meta in store_order.get("meta_data") or []:
                        if meta.get("key") == META_KEY and isinstance(meta.get("value"), str):
                            self._known.setdefault(meta["value"], str(store_order["id"]))
            if len(found) < PAGE or (pages and page >= pages):
                return
        raise RemoteError(
            f"list store orders: more than {MAX_PAGES * PAGE:,} store orders since {_iso(after)} (GMT), feedsync "
            f"reads at most {MAX_PAGES:,} pages of {PAGE}; nothing is created while they cannot be read whole "
            f"({self.site})"
        )

    # -- create / update ----------------------------------------------------------------------------------

    def _product(self, catalog_id: str) -> dict[str, int]:
        """``{"product_id": ...}`` or ``{"product_id": parent, "variation_id": ...}`` for a catalog id."""
        if catalog_id in self._products:
            return self._products[catalog_id]
        if catalog_id.startswith("wc-") and catalog_id[3:].isascii() and catalog_id[3:].isdigit():
            try:
                response = self._get(f"{self.api}/products/{catalog_id[3:]}", "read store product")
                found = [json_body(response, "read store product", keys=("id",))]
            except RemoteError as exc:
                if exc.status != 404:
                    raise
                found = []
        else:
            response = self._get(f"{self.api}/products", "find store product by SKU", sku=catalog_id)
            listed = json_body(response, "find store product by SKU", kind=list)
            found = [product for product in listed if isinstance(product, dict) and product.get("sku") == catalog_id]
        if len(found) != 1:
            raise OrderRejected(
                f"catalog item {catalog_id!r} is "
                + ("not a product of the store" if not found else f"{len(found)} products of the store")
                + f" ({self.site})"
            )
        product = found[0]
        with answer_shape("read store product"):
            if product.get("type") == "variation" or product.get("parent_id"):
                ref = {"product_id": int(product["parent_id"]), "variation_id": int(product["id"])}
            else:
                ref = {"product_id": int(product["id"])}
        self._products[catalog_id] = ref
        return ref

    def body(self, order: Order) -> dict[str, Any]:
        """The ``POST /orders`` body of a mapped order. Amounts are decimal strings with exactly the currency's minor
        unit (``1.235`` KWD, ``1500`` JPY, ``12.50`` USD)."""
        currency = order.currency or next((x.unit_price.currency for x in order.lines if x.unit_price), None)
        lines = []
        for line in order.lines:
            assert line.catalog_id is not None
            item: dict[str, Any] = {**self._product(line.catalog_id), "quantity": line.quantity}
            if line.unit_price is not None:
                subtotal = line.unit_price.amount * line.quantity
                discount = line.discount.amount if line.discount is not None else Decimal(0)
                item["subtotal"] = _amount(subtotal, currency, "subtotal")
                item["total"] = _amount(subtotal - discount, currency, "total")
            item["meta_data"] = [{"key": "feedsync_order_item", "value": line.line_id}]
            lines.append(item)
        shipping = sum((line.shipping.amount for line in order.lines if line.shipping is not None), Decimal(0))
        # an order the marketplace shipped before feedsync first read it (its first run reads a week back) goes in
        # as it would have become: completed, never into the store's queue of orders to ship
        status = STATUS_UPDATES[OrderStatus.SHIPPED] if order.status == OrderStatus.SHIPPED else self.config.status
        paid = status in ("processing", "completed")
        body: dict[str, Any] = {
            "status": status,
            "set_paid": paid,
            "currency": currency,
            "payment_method": order.marketplace,
            "payment_method_title": order.marketplace.capitalize(),
            "transaction_id": order.order_id,
            "line_items": lines,
            "shipping_lines": [
                {
                    "method_id": "feedsync",
                    "method_title": order.ship_service_level or f"{order.marketplace.capitalize()} shipping",
                    "total": _amount(shipping, currency, "shipping"),
                }
            ],
            "meta_data": [{"key": META_KEY, "value": _key(order)}],
        }
        fees = charges(order)  # gift wrap, a COD fee: fees of the order (as its items and shipping: before taxes)
        if fees:
            body["fee_lines"] = [
                {"name": CHARGE_TITLES[kind], "total": _amount(amount, currency, kind)}
                for kind, (amount, _) in fees.items()
            ]
        if order.ship_to is not None:
            address = _address(order.ship_to)
            body["shipping"] = address
            body["billing"] = {**address, **({"email": order.buyer_email} if order.buyer_email else {})}
        if body["currency"] is None:
            del body["currency"]
        return body

    def create(self, order: Order) -> str:
        body = self.body(order)
        try:
            response = self._requester.request(
                "POST",
                f"{self.api}/orders",
                operation="create store order",
                json=body,
                auth=self._auth,
                before_resend=lambda: self._made_after_all(order),
            )
        except AlreadyDone as done:
            self._known[_key(order)] = done.ref
            return done.ref
        except RemoteError as exc:
            if exc.status == 400:
                raise OrderRejected(str(exc), status=400) from None
            raise
        ref = str(json_body(response, "create store order", keys=("id",))["id"])
        self._known[_key(order)] = ref
        return ref

    def update(self, ref: str, order: Order) -> bool:
        status = STATUS_UPDATES.get(order.status)
        if status is not None:
            try:
                self._requester.request(
                    "PUT",
                    f"{self.api}/orders/{ref}",
                    operation="update store order",
                    json={"status": status},
                    auth=self._auth,
                )
            except RemoteError as exc:
                if exc.status in UPDATE_REFUSED:  # this store order's own answer (deleted by hand, say): not the run's
                    raise OrderRejected(str(exc), status=exc.status) from None
                raise
        return True

    def commit(self) -> None:
        return None

    # -- shipments ----------------------------------------------------------------------------------------

    def shipments(self, order: Order, ref: str) -> list[Shipment]:
        """The tracking items the store keeps for this order (each one a package of the whole order)."""
        url = f"{self.site}/wp-json/wc-shipment-tracking/v3/orders/{ref}/shipment-trackings"
        try:
            items = json_body(self._get(url, "read shipment tracking"), "read shipment tracking", kind=list)
        except RemoteError as exc:
            if exc.status == 404:
                raise RemoteError(
                    f"{self.site} does not answer the Shipment Tracking API (is the WooCommerce Shipment Tracking "
                    f"extension active?): {exc}",
                    status=404,
                ) from None
            raise
        out = []
        for item in items:
            if not isinstance(item, dict):
                continue
            number, shipped = str(item.get("tracking_number") or "").strip(), str(item.get("date_shipped") or "")
            if not number:
                continue
            out.append(
                Shipment(
                    order_id=order.order_id,
                    carrier=str(item.get("tracking_provider") or item.get("custom_tracking_provider") or "Other"),
                    tracking_number=number,
                    ship_date=_date(shipped, f"{self.site} order {ref}, tracking {number}"),
                    shipping_method=None,
                    items=(),
                    location=Location(f"{self.site} order {ref}"),
                )
            )
        return _one_shipment_a_day(out)


def _one_shipment_a_day(shipments: list[Shipment]) -> list[Shipment]:
    """The tracking items of one day are the packages of one shipment of the order (the extension names no items:
    each item stands for the order): push-tracking shares the order's units out over them."""
    days: dict[object, list[str]] = {}
    for shipment in shipments:
        days.setdefault(shipment.ship_date, []).append(shipment.tracking_number)
    return [replace(s, group=tuple(days[s.ship_date])) if len(days[s.ship_date]) > 1 else s for s in shipments]


def _key(order: Order) -> str:
    return f"{order.marketplace}:{order.order_id}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _amount(value: Decimal, currency: str | None, what: str) -> str:
    """``value`` as the store takes it: a decimal string of the currency's minor unit, never rounded (an amount
    finer than its currency rejects the order; the importer holds such orders before they reach a sink)."""
    try:
        return exact_amount(value, currency)
    except ValueError as exc:
        raise OrderRejected(f"{what}: {exc}; not rounded into the store order") from None


def _date(text: str, where: str) -> datetime:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        raise RemoteError(f"{where}: date_shipped {text!r} is not a date (YYYY-MM-DD)") from None


ADDRESS_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "address_1",
    "address_2",
    "city",
    "state",
    "postcode",
    "country",
    "phone",
)


def _address(address: Address) -> dict[str, str]:
    return address.store_fields(ADDRESS_FIELDS)
