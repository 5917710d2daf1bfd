"""The Shopify sink: each order becomes a store order through the Admin GraphQL API.

- Create: ``orderCreate(order: OrderCreateOrderInput!, options: OrderCreateOptionsInput)`` on
  ``POST https://<shop>/admin/api/<version>/graphql.json`` with ``X-Shopify-Access-Token``. Lines name their
  variant (``variantId``) with the marketplace's price (``priceSet.shopMoney``); the order is ``PAID``
  (a successful ``SALE`` transaction: the marketplace collected the money), ``sourceIdentifier`` is the
  marketplace order id and the tag ``feedsync-<marketplace>-<order id>`` marks it. Field names follow the
  2026-10 Admin API reference.
- Variants: a catalog id is first looked up as a variant SKU (``productVariants(query: "sku:...")``); failing
  that, as the id feedsync's Shopify reader gives a variant (the handle plus the option values), by reading the
  products whose handle the id starts with. A catalog item the store does not have rejects the order (ORD007).
- Find: ``orders(query: "tag:'feedsync-amazon-...'")``. Shopify's search index trails a create by seconds, which
  is fine here: a lost state write is found by the next run, minutes later. An ``orderCreate`` that failed where
  it may have made the order (a 5xx, a timeout) is not sent again in the run unless the search shows the order
  (then it is the store's order): it is held, and the next run looks for it before it makes it. Orders older than
  60 days need the read_all_orders scope.
- GraphQL answers a throttled call with HTTP 200 and ``errors[].extensions.code = THROTTLED``; the call is sent
  again after the time the reported cost needs to restore.
- Updates: a cancellation is ``orderCancel`` (no refund: the marketplace refunds the buyer; restock).
- Shipments: the order's fulfillments (tracking company and number, the fulfilled variants and quantities).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx

from feedsync.config import ShopifyOrderSink
from feedsync.destinations.http import Requester, answer_shape, json_body, make_client
from feedsync.diagnostics.diagnostic import Location
from feedsync.errors import AlreadyDone, OrderRejected, RemoteError, RetriableRemoteError
from feedsync.model.money import exact_amount
from feedsync.model.order import CHARGE_TITLES, Address, Order, OrderStatus, charges
from feedsync.orders.shipments import Shipment
from feedsync.secrets import clip, mask
from feedsync.sources.shopify import variant_id

CREATE = """mutation orderCreate($order: OrderCreateOrderInput!, $options: OrderCreateOptionsInput) {
  orderCreate(order: $order, options: $options) { order { id name } userErrors { field message code } }
}"""
FIND = """query findOrder($query: String!) {
  orders(first: 5, query: $query) { nodes { id tags } }
}"""
VARIANT_BY_SKU = """query variantBySku($query: String!) {
  productVariants(first: 5, query: $query) { nodes { id sku } }
}"""
PRODUCTS_BY_HANDLE = """query productsByHandle($query: String!) {
  products(first: 20, query: $query) {
    nodes { handle variants(first: 100) { nodes { id selectedOptions { name value } } } }
  }
}"""
CANCEL = """mutation orderCancel($orderId: ID!, $reason: OrderCancelReason!, $refund: Boolean!, $restock: Boolean!) {
  orderCancel(orderId: $orderId, reason: $reason, refund: $refund, restock: $restock, notifyCustomer: false) {
    job { id } orderCancelUserErrors { field message code }
  }
}"""
FULFILLMENTS = """query orderFulfillments($id: ID!) {
  order(id: $id) {
    fulfillments(first: 50) {
      status createdAt
      trackingInfo(first: 10) { company number }
      fulfillmentLineItems(first: 100) { nodes { quantity lineItem { variant { id } } } }
    }
  }
}"""
THROTTLE_ATTEMPTS = 6


class ShopifySink:
    batched = False
    searchable = True

    def __init__(
        self,
        config: ShopifyOrderSink,
        *,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        base = (config.endpoint or f"https://{config.shop}").rstrip("/")
        self.url = f"{base}/admin/api/{config.api_version}/graphql.json"
        self._token = config.access_token.value()
        self._requester = Requester(client or make_client())
        self._sleep = sleep
        self._variants: dict[str, str] = {}

    def describe(self) -> str:
        return f"shopify:{self.config.shop}"

    def graphql(
        self,
        query: str,
        variables: dict[str, Any],
        operation: str,
        before_resend: Callable[[], None] | None = None,
    ) -> dict[str, Any]:
        """The ``data`` of a GraphQL call; throttled calls are sent again, other errors raise RemoteError.
        ``before_resend``: as ``Requester.request``'s, for a mutation that must not be made twice."""
        for _attempt in range(THROTTLE_ATTEMPTS):
            response = self._requester.request(
                "POST",
                self.url,
                operation=operation,
                json={"query": query, "variables": variables},
                headers={"x-shopify-access-token": self._token},
                before_resend=before_resend,
            )
            answer = json_body(response, operation)
            errors = answer.get("errors") or []
            if not isinstance(errors, list) or not all(isinstance(error, dict) for error in errors):
                raise RemoteError(f"{operation}: GraphQL errors of an unknown shape: {clip(str(errors), 200)}")
            with answer_shape(operation):
                throttled = any((error.get("extensions") or {}).get("code") == "THROTTLED" for error in errors)
                wait = _restore_seconds(answer) if throttled else 0.0
            if throttled:
                self._sleep(wait)
                continue
            if errors:
                raise RemoteError(mask(f"{operation}: " + "; ".join(str(error.get("message")) for error in errors)))
            data = answer.get("data")
            if not isinstance(data, dict):
                raise RemoteError(f"{operation}: the GraphQL answer has no data object")
            return data
        raise RetriableRemoteError(f"{operation}: still throttled after {THROTTLE_ATTEMPTS} attempts")

    # -- find -------------------------------------------------------------------------------------------

    def find(self, order: Order) -> str | None:
        tag = _tag(order)
        data = self.graphql(FIND, {"query": f"tag:'{tag}'"}, "find store order")
        with answer_shape("find store order"):
            for node in data["orders"]["nodes"]:
                if tag in (node.get("tags") or []):
                    return str(node["id"])
        return None

    def _made_after_all(self, order: Order) -> None:
        """Where an ``orderCreate`` failed so that it may have made the order (a 5xx, a timeout, a dropped
        connection; it takes no idempotency key): ``AlreadyDone`` when the store shows the order, else it is held
        (``OrderRejected``), not sent again: Shopify's search trails a create by seconds, and the next run looks
        for it again before it makes it."""
        ref = self.find(order)
        if ref is not None:
            raise AlreadyDone(ref)
        raise OrderRejected(
            "orderCreate failed where it may have made the order (an error answer, a timeout or a dropped "
            "connection) and the store's search does not show it yet; not sent again in this run: the next run "
            "looks for it and makes it only where the store lacks it"
        )

    # -- create / update ----------------------------------------------------------------------------------

    def variant(self, catalog_id: str) -> str:
        """The variant GID of a catalog id (cached for the run)."""
        if catalog_id in self._variants:
            return self._variants[catalog_id]
        quoted = catalog_id.replace("\\", "\\\\").replace("'", "\\'")
        nodes = self.graphql(VARIANT_BY_SKU, {"query": f"sku:'{quoted}'"}, "find variant by SKU")
        with answer_shape("find variant by SKU"):
            found = [node["id"] for node in nodes["productVariants"]["nodes"] if node.get("sku") == catalog_id]
        if not found:
            found = self._by_handle(catalog_id)
        if len(found) != 1:
            raise OrderRejected(
                f"catalog item {catalog_id!r} is "
                + ("not a variant of the store" if not found else f"{len(found)} variants of the store")
                + f" ({self.config.shop}) by SKU or by handle and options"
            )
        self._variants[catalog_id] = found[0]
        return found[0]

    def _by_handle(self, catalog_id: str) -> list[str]:
        """Variants whose feedsync id (handle + option values, as the Shopify reader makes it) is ``catalog_id``."""
        parts = catalog_id.split("-")
        handles = ["-".join(parts[:n]) for n in range(1, len(parts) + 1)]
        query = " OR ".join(f"handle:'{handle}'" for handle in handles[-20:])
        data = self.graphql(PRODUCTS_BY_HANDLE, {"query": query}, "find variant by handle")
        with answer_shape("find variant by handle"):
            return self._matching(data, catalog_id)

    @staticmethod
    def _matching(data: dict[str, Any], catalog_id: str) -> list[str]:
        found = []
        for product in data["products"]["nodes"]:
            variants = product["variants"]["nodes"]
            for node in variants:
                values = [
                    option["value"]
                    for option in node.get("selectedOptions") or []
                    if option.get("value") and not (option["value"] == "Default Title" and option["name"] == "Title")
                ]
                if variant_id(product["handle"], values if len(variants) > 1 or values else []) == catalog_id:
                    found.append(str(node["id"]))
        return found

    def order_input(self, order: Order) -> dict[str, Any]:
        """The ``OrderCreateOrderInput`` of a mapped order."""
        currency = order.currency or next((x.unit_price.currency for x in order.lines if x.unit_price), None)
        lines = []
        total = discount = Decimal(0)
        for line in order.lines:
            assert line.catalog_id is not None
            item: dict[str, Any] = {"variantId": self.variant(line.catalog_id), "quantity": line.quantity}
            if line.unit_price is not None:
                item["priceSet"] = _money(
                    line.unit_price.amount, line.unit_price.currency, f"line {line.line_id}: unit_price"
                )
                total += line.unit_price.amount * line.quantity
            if line.tax is not None and line.tax.amount:
                net = line.unit_price.amount * line.quantity if line.unit_price is not None else Decimal(0)
                item["taxLines"] = [
                    {
                        "title": "Tax",
                        "rate": _rate(line.tax.amount, net),
                        "priceSet": _money(line.tax.amount, line.tax.currency, f"line {line.line_id}: tax"),
                    }
                ]
                total += line.tax.amount
            if line.discount is not None:
                total -= line.discount.amount
                discount += line.discount.amount
            lines.append(item)
        for kind, (amount, tax) in charges(order).items():  # gift wrap, a COD fee: items of their own, no product
            charge: dict[str, Any] = {
                "title": CHARGE_TITLES[kind],
                "quantity": 1,
                "priceSet": _money(amount, currency, kind),
                "requiresShipping": False,
                "taxable": bool(tax),
            }
            if tax:
                charge["taxLines"] = [
                    {"title": "Tax", "rate": _rate(tax, amount), "priceSet": _money(tax, currency, f"{kind}_tax")}
                ]
            lines.append(charge)
            total += amount + tax
        shipping = sum((line.shipping.amount for line in order.lines if line.shipping is not None), Decimal(0))
        shipping_tax = sum((x.shipping_tax.amount for x in order.lines if x.shipping_tax is not None), Decimal(0))
        total += shipping + shipping_tax
        body: dict[str, Any] = {
            "lineItems": lines,
            "sourceIdentifier": order.order_id,
            "tags": [_tag(order), order.marketplace],
            "note": f"{order.marketplace.capitalize()} order {order.order_id}",
            "processedAt": order.purchased_at.isoformat(),
            "financialStatus": "PAID",
        }
        if order.status == OrderStatus.SHIPPED:  # shipped before feedsync first read it: not the store's to ship
            body["fulfillmentStatus"] = "FULFILLED"
        if currency:
            body["currency"] = currency
            shipping_line: dict[str, Any] = {
                "title": order.ship_service_level or f"{order.marketplace.capitalize()} shipping",
                "priceSet": _money(shipping, currency, "shipping"),
            }
            if shipping_tax:
                shipping_line["taxLines"] = [
                    {
                        "title": "Tax",
                        "rate": _rate(shipping_tax, shipping),
                        "priceSet": _money(shipping_tax, currency, "shipping_tax"),
                    }
                ]
            body["shippingLines"] = [shipping_line]
            if discount:  # the order's total is what the buyer paid: its lines less the marketplace's promotions
                body["discountCode"] = {
                    "itemFixedDiscountCode": {
                        "code": f"{order.marketplace.capitalize()} promotion",
                        "amountSet": _money(discount, currency, "discount"),
                    }
                }
            body["transactions"] = [  # (after its parts: an amount finer than its currency is named, not the sum)
                {
                    "kind": "SALE",
                    "status": "SUCCESS",
                    "gateway": order.marketplace,
                    "amountSet": _money(total, currency, "paid total"),
                }
            ]
        if order.ship_to is not None:
            body["shippingAddress"] = _address(order.ship_to)
        if order.buyer_email:
            body["email"] = order.buyer_email
        return body

    def create(self, order: Order) -> str:
        try:
            data = self.graphql(
                CREATE,
                {
                    "order": self.order_input(order),
                    "options": {
                        "inventoryBehaviour": self.config.inventory,
                        "sendReceipt": False,
                        "sendFulfillmentReceipt": False,
                    },
                },
                "orderCreate",
                before_resend=lambda: self._made_after_all(order),
            )
        except AlreadyDone as done:
            return done.ref
        with answer_shape("orderCreate"):
            result = data["orderCreate"]
            if result.get("userErrors"):
                raise OrderRejected(mask("orderCreate: " + _user_errors(result["userErrors"])))
            return str(result["order"]["id"])

    def update(self, ref: str, order: Order) -> bool:
        if order.status != OrderStatus.CANCELLED:
            return True  # shipping is the store's own fulfilment; nothing else to apply
        data = self.graphql(
            CANCEL, {"orderId": ref, "reason": "CUSTOMER", "refund": False, "restock": True}, "orderCancel"
        )
        with answer_shape("orderCancel"):
            errors = data["orderCancel"].get("orderCancelUserErrors") or []
            if errors:  # (this order's: cancelled or deleted in the store already, say)
                raise OrderRejected(mask("orderCancel: " + _user_errors(errors)))
        return True

    def commit(self) -> None:
        return None

    # -- shipments ----------------------------------------------------------------------------------------

    def shipments(self, order: Order, ref: str) -> list[Shipment]:
        """One shipment per tracking number of the order's fulfillments, with the order items it carries."""
        data = self.graphql(FULFILLMENTS, {"id": ref}, "read fulfillments")
        store_order = data.get("order")
        if store_order is None:
            raise RemoteError(f"order {ref} is not in {self.config.shop}")
        by_variant: dict[str, list[Any]] = {}  # (an order may list one SKU twice: both lines are one variant)
        for line in order.lines:
            if line.catalog_id:
                by_variant.setdefault(self.variant(line.catalog_id), []).append(line)
        with answer_shape("read fulfillments"):
            return self._shipments(order, ref, store_order, by_variant)

    def _shipments(self, order: Order, ref: str, store_order: Any, by_variant: dict[str, list[Any]]) -> list[Shipment]:
        """A variant on several lines of the order is named by its catalog id: push-tracking shares its units out
        over those lines, each up to what it has left."""
        out = []
        for fulfillment in store_order.get("fulfillments") or []:
            if fulfillment.get("status") in ("CANCELLED", "ERROR", "FAILURE"):
                continue
            items = []
            for node in fulfillment["fulfillmentLineItems"]["nodes"]:
                variant = ((node.get("lineItem") or {}).get("variant") or {}).get("id")
                lines = by_variant.get(variant)
                if lines:
                    ident = lines[0].line_id if len(lines) == 1 else lines[0].catalog_id
                    items.append((ident, int(node["quantity"])))
            shipped = datetime.fromisoformat(str(fulfillment["createdAt"]).replace("Z", "+00:00"))
            numbered = [tracking for tracking in fulfillment.get("trackingInfo") or [] if tracking.get("number")]
            group = tuple(str(tracking["number"]) for tracking in numbered) if len(numbered) > 1 else ()
            for tracking in numbered:  # (several: the fulfillment's packages, its items shared out over them)
                out.append(
                    Shipment(
                        order_id=order.order_id,
                        carrier=str(tracking.get("company") or "Other"),
                        tracking_number=str(tracking["number"]),
                        ship_date=shipped,
                        shipping_method=None,
                        items=tuple(items),
                        location=Location(f"{self.config.shop} order {ref}"),
                        group=group,
                    )
                )
        return out


def _tag(order: Order) -> str:
    return f"feedsync-{order.marketplace}-{order.order_id}"


def _rate(tax: Decimal, base: Decimal) -> str:
    """The rate a tax line shows: the tax over what it is on (0 where that is nothing)."""
    return str((tax / base).quantize(Decimal("0.0001")) if base else Decimal(0))


def _money(amount: Decimal, currency: str | None, what: str) -> dict[str, Any]:
    """A ``MoneyBagInput``: its ``amount`` a ``Decimal`` scalar (a decimal string of arbitrary precision), written
    with exactly the currency's minor unit (``1.235`` KWD, ``1500`` JPY), never rounded: an amount finer than its
    currency rejects the order (the importer holds such orders before they reach a sink)."""
    try:
        return {"shopMoney": {"amount": exact_amount(amount, currency), "currencyCode": currency}}
    except ValueError as exc:
        raise OrderRejected(f"{what}: {exc}; not rounded into the store order") from None


def _user_errors(errors: list[dict[str, Any]]) -> str:
    return "; ".join(
        f"{'.'.join(str(x) for x in error.get('field') or [])}: {error.get('message')}".lstrip(": ") for error in errors
    )


def _restore_seconds(answer: dict[str, Any]) -> float:
    """Seconds until the query's cost is restored, 1 to 60 (1 for a cost or rate that is no positive number: NaN,
    0); a cost of another shape raises what ``answer_shape`` turns into a RemoteError."""
    cost = (answer.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    needed = float(cost.get("requestedQueryCost") or 0) - float(status.get("currentlyAvailable") or 0)
    rate = float(status.get("restoreRate") or 50)
    seconds = needed / rate if rate > 0 else 1.0
    return 1.0 if math.isnan(seconds) else min(max(seconds, 1.0), 60.0)


ADDRESS_FIELDS = (
    "firstName",
    "lastName",
    "company",
    "address1",
    "address2",
    "city",
    "provinceCode",
    "zip",
    "countryCode",
    "phone",
)
"""MailingAddressInput's fields; empty ones are left out."""


def _address(address: Address) -> dict[str, str]:
    return {key: value for key, value in address.store_fields(ADDRESS_FIELDS).items() if value}
