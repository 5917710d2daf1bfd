"""Amazon orders through the SP-API Orders API v2026-01-01 (v0 reads are deprecated).

``GET /orders/2026-01-01/orders`` (searchOrders) with ``lastUpdatedAfter`` = the cursor the last run stored
(the ``lastUpdatedBefore`` Amazon answered) minus an overlap window, ``marketplaceIds``, ``includedData``
BUYER,RECIPIENT,PROCEEDS,FULFILLMENT,PACKAGES (order items always come with the order; each dataset not asked for
is absent from the answer: an order's status and who fulfils it are FULFILLMENT's, its amounts PROCEEDS'),
``maxResultsPerPage`` 100. Further pages
repeat the same parameters with ``paginationToken`` = ``pagination.nextToken``. searchOrders allows 0.0056
requests per second (burst 20), so each run reads only what changed; a throttled page or order (429) is asked
again once that rate (or the ``x-amzn-RateLimit-Limit`` an answer gave) allows one more request, at most
``THROTTLED_BUDGET`` seconds of waiting per request (``sp_api_requester``), and a page is read whole before its
orders are handled, so a retried page imports nothing twice. The cursor moves only once the run's
orders are safely handled (``commit``). Held orders are re-read with ``GET /orders/2026-01-01/orders/{orderId}``
(getOrder, 0.5 per second, burst 30; the body is ``{"order": {...}}``). Bodies have no ``payload`` wrapper.
Facts: research notes amazon.md §3, checked against ``orders_2026-01-01.json`` (parameters, enums, the
SearchOrdersResponse example).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from pydantic import ValidationError

from feedsync.config import AmazonOrdersApi
from feedsync.destinations.amazon_feeds import LwaToken, sp_api_client, sp_api_requester
from feedsync.destinations.http import RateLimiter, Requester, answer_shape, json_body, make_client, path_segment
from feedsync.errors import AuthError, RemoteError
from feedsync.model.money import ISO_4217, Money
from feedsync.model.order import (
    Address,
    Charge,
    FulfilledBy,
    HeldPackage,
    Order,
    OrderLine,
    OrderStatus,
    UnreadableOrder,
)
from feedsync.orders.sanity import order_problem
from feedsync.secrets import clip
from feedsync.state import State

SEARCH = "/orders/2026-01-01/orders"
INCLUDED = "BUYER,RECIPIENT,PROCEEDS,FULFILLMENT,PACKAGES"
OVERLAP = timedelta(minutes=5)
FIRST_RUN = timedelta(days=7)
STATUSES = {
    "PENDING_AVAILABILITY": OrderStatus.PENDING,
    "PENDING": OrderStatus.PENDING,
    "UNSHIPPED": OrderStatus.UNSHIPPED,
    "PARTIALLY_SHIPPED": OrderStatus.PARTIALLY_SHIPPED,
    "SHIPPED": OrderStatus.SHIPPED,
    "CANCELLED": OrderStatus.CANCELLED,
    "UNFULFILLABLE": OrderStatus.UNFULFILLABLE,
}


def _served_at(response: httpx.Response) -> datetime | None:
    """When Amazon answered, by its own clock (the response's ``Date`` header), or None."""
    try:
        served = parsedate_to_datetime(response.headers.get("date", ""))
    except (TypeError, ValueError):
        return None
    return served if served.tzinfo is not None else None


def _moment(value: Any) -> datetime:
    """A date-time as Amazon writes it (ISO 8601; UTC where it names no offset); TypeError or ValueError for any
    other value."""
    if not isinstance(value, str):
        raise TypeError(f"{clip(repr(value), 40)} is not an ISO 8601 date-time")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class AmazonOrders:
    def __init__(
        self,
        config: AmazonOrdersApi,
        state: State,
        *,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``sleep`` and ``clock``: how the retries and rate limits wait and tell the time (tests inject both)."""
        self.config = config
        self.state = state
        self.client = client or sp_api_client(config)
        self.cursor_name = f"amazon:searchOrders:{config.marketplace_id}"
        self._next_cursor: str | None = None
        self._requester: Requester | None = None
        self._sleep = sleep
        self._clock = clock

    def requester(self) -> Requester:
        if self._requester is None:
            wait = self._sleep or time.sleep
            limits = {  # the models' default usage plans; an answer's x-amzn-RateLimit-Limit sets the rate
                "searchOrders": RateLimiter(rate=0.0056, burst=20, clock=self._clock, sleep=wait),
                "getOrder": RateLimiter(rate=0.5, burst=30, clock=self._clock, sleep=wait),
            }
            auth = LwaToken(self.config, make_client())
            self._requester = sp_api_requester(self.client, auth, limits, sleep=self._sleep)
        return self._requester

    def orders(self, since: datetime | None = None, *, now: datetime | None = None) -> Iterator[Order]:
        """Every order updated since the cursor (or ``since``), page by page."""
        asked_at = now or datetime.now(UTC)  # (the cursor where Amazon's answers name no lastUpdatedBefore)
        if since is None:
            stored = self.state.cursor(self.cursor_name)
            try:
                since = _moment(stored) - OVERLAP if stored else (now or datetime.now(UTC)) - FIRST_RUN
            except (TypeError, ValueError):  # (kept from an answer before they were checked)
                raise RemoteError(
                    f"searchOrders: the state's cursor {clip(str(stored), 40)!r} is not a time; run import-orders "
                    "once with --since ISO-TIME (the last import's time) to read from there"
                ) from None
        params: dict[str, str | int] = {
            "lastUpdatedAfter": _iso(since),
            "marketplaceIds": self.config.marketplace_id,
            "includedData": INCLUDED,
            "maxResultsPerPage": 100,
        }
        token: str | None = None
        served: datetime | None = None
        tokens: set[str] = set()  # the page tokens answered so far: one answered again would page for ever
        while True:
            page = dict(params) if token is None else {**params, "paginationToken": token}
            response = self.requester().request("GET", SEARCH, operation="searchOrders", params=page)
            if token is None:  # a local clock ahead must not put the cursor past orders Amazon has not yet read out
                served = _served_at(response)
                asked_at = min(asked_at, served or asked_at)
            body = json_body(response, "searchOrders")
            with answer_shape("searchOrders"):
                found = body.get("orders") or []
                if not isinstance(found, list):
                    raise TypeError(f"orders is {type(found).__name__}, not a list")
                raws = list(found)
                before = _moment(body["lastUpdatedBefore"]) if body.get("lastUpdatedBefore") else None
                token = (body.get("pagination") or {}).get("nextToken")
                if token is not None and not isinstance(token, str):
                    raise TypeError(f"pagination.nextToken is {type(token).__name__}, not text")
            for raw in raws:
                yield read_order(raw, now=now)
            if before is not None:  # (never past Amazon's clock when it answered: a cursor ahead passes orders over)
                self._next_cursor = _iso(min(before, served or before))
            if not token:
                if self._next_cursor is None:  # (optional in the model): the next run reads from when this began
                    self._next_cursor = _iso(asked_at)
                return
            if token in tokens:
                raise RemoteError(
                    f"searchOrders: Amazon answered the page token {clip(token, 40)!r} a second time, so its pages "
                    "go round in a circle; the read stops here and the cursor stays where it was, so the next run "
                    "reads the same orders again"
                )
            tokens.add(token)

    def order(self, order_id: str) -> Order | UnreadableOrder:
        """One order as it is now (getOrder), e.g. to retry a held order the incremental read has passed. An order
        Amazon does not find (404: it shows no order older than two years) or will not read (400: an id that is no
        Amazon order's, such as a held order of a hand-made report) stays held, named: the run goes on."""
        segment = path_segment(order_id)
        if segment is None:
            return UnreadableOrder(marketplace="amazon", order_id=order_id, reason="its id names no order")
        try:
            response = self.requester().request(
                "GET", f"{SEARCH}/{segment}", operation="getOrder", params={"includedData": INCLUDED}
            )
        except RemoteError as exc:
            if exc.status not in (400, 404) or isinstance(exc, AuthError):  # (a login refused stops the run)
                raise
            why = "Amazon does not find it" if exc.status == 404 else "Amazon refuses to read it"
            return UnreadableOrder(marketplace="amazon", order_id=order_id, reason=f"{why} ({exc})")
        body = json_body(response, "getOrder")
        return read_order(body.get("order") if isinstance(body, dict) else None, order_id=order_id)

    def commit(self) -> None:
        """Move the cursor to where Amazon said this read ended (call after the orders are handled)."""
        if self._next_cursor:
            self.state.set_cursor(self.cursor_name, self._next_cursor)


def _money(value: Any) -> Money | None:
    if not isinstance(value, dict) or value.get("currencyCode") not in ISO_4217 or value.get("amount") is None:
        return None
    return Money(amount=Decimal(str(value["amount"])), currency=value["currencyCode"])


def _breakdown(proceeds: Any, kind: str) -> Money | None:
    for entry in (proceeds or {}).get("breakdowns", []):
        if entry.get("type") == kind:
            return _money(entry.get("subtotal"))
    return None


def _taxes(proceeds: Any) -> dict[str, Money]:
    """The line's TAX by what it is on (ITEM, SHIPPING, GIFT_WRAP, COD_FEE, OTHER), as its detailed breakdowns
    tell it; all of it on the item where they do not."""
    for entry in (proceeds or {}).get("breakdowns", []):
        if entry.get("type") != "TAX":
            continue
        parts = {str(d.get("subtype")): _money(d.get("value")) for d in entry.get("detailedBreakdowns") or ()}
        whole = _money(entry.get("subtotal"))
        if not parts or any(money is None for money in parts.values()):
            return {"ITEM": whole} if whole is not None else {}
        return {subtype: money for subtype, money in parts.items() if money is not None}
    return {}


_CHARGES = {"GIFT_WRAP": "gift_wrap", "COD_FEE": "cod_fee", "OTHER": "other"}
"""Amazon's proceeds breakdowns a buyer pays beside the item, its shipping and their tax."""


def _charges(proceeds: Any, taxes: dict[str, Money]) -> tuple[Charge, ...]:
    charges = []
    for kind, name in _CHARGES.items():
        amount = _breakdown(proceeds, kind)
        if amount is not None and amount.amount:
            charges.append(Charge(kind=name, amount=amount, tax=taxes.get(kind)))  # type: ignore[arg-type]
    return tuple(charges)


def read_order(raw: Any, *, order_id: str = "", now: datetime | None = None) -> Order | UnreadableOrder:
    """The order Amazon answered, or an ``UnreadableOrder`` saying why it cannot be read or believed (a missing
    or mistyped field, a date in year 1 or 10000, 10^30 units): one broken order must not end the run, and the
    importer holds it to read it again."""
    if isinstance(raw, dict) and raw.get("orderId"):
        order_id = str(raw["orderId"])
    raw, repeated = _items_once(raw)
    if repeated is not None:
        return UnreadableOrder(
            marketplace="amazon",
            order_id=order_id,
            reason=f"Amazon's answer lists orderItemId {repeated} twice with different values",
        )
    try:
        order = to_order(raw)
    except KeyError as exc:
        return UnreadableOrder(marketplace="amazon", order_id=order_id, reason=f"Amazon's answer has no {exc}")
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return UnreadableOrder(
            marketplace="amazon", order_id=order_id, reason=f"Amazon's answer cannot be read: {where}: {first['msg']}"
        )
    except (TypeError, ValueError, ArithmeticError, AttributeError) as exc:
        why = clip((str(exc).splitlines() or [type(exc).__name__])[0], 200)
        return UnreadableOrder(marketplace="amazon", order_id=order_id, reason=f"Amazon's answer cannot be read: {why}")
    problem = order_problem(order, now)
    if problem is not None:
        return UnreadableOrder(
            marketplace="amazon",
            order_id=order.order_id,
            reason=problem.message,
            field=problem.field,
            value=problem.value,
        )
    return order


def _items_once(raw: Any) -> tuple[Any, str | None]:
    """``raw`` with an order item repeated word for word listed once (its units are not doubled), or the id of an
    order item listed twice with different values."""
    items = raw.get("orderItems") if isinstance(raw, dict) else None
    if not isinstance(items, list):
        return raw, None
    first: dict[str, Any] = {}
    for item in items:
        key = str(item.get("orderItemId")) if isinstance(item, dict) else ""
        if key in first and first[key] != item:
            return raw, key
        first.setdefault(key, item)
    return ({**raw, "orderItems": list(first.values())} if len(first) < len(items) else raw), None


def _units(item: dict[str, Any]) -> tuple[int, int, int]:
    """(units still to ship, units shipped, units cancelled) of an order item. The item's ``fulfillment`` (the
    FULFILLMENT dataset) tells ``quantityFulfilled`` ("processed and shipped") and ``quantityUnfulfilled`` ("remain
    to be processed and shipped"); what ``quantityOrdered`` has beyond both will never ship (cancelled). Without
    them every unit ordered is still to ship."""
    ordered = int(item.get("quantityOrdered", 0))
    fulfillment = item.get("fulfillment") or {}
    if not isinstance(fulfillment, dict):
        raise TypeError(f"orderItems[].fulfillment is {type(fulfillment).__name__}, not an object")
    shipped = min(max(int(fulfillment.get("quantityFulfilled") or 0), 0), ordered)
    unfulfilled = fulfillment.get("quantityUnfulfilled")
    left = ordered - shipped if unfulfilled is None else min(max(int(unfulfilled), 0), ordered - shipped)
    return left, shipped, ordered - shipped - left


def to_order(raw: dict[str, Any]) -> Order:
    fulfillment = raw["fulfillment"]  # (asked for: an order without it is read again, never taken for pending)
    if not isinstance(fulfillment, dict) or not fulfillment.get("fulfillmentStatus"):
        raise KeyError("fulfillment.fulfillmentStatus")
    status = STATUSES.get(str(fulfillment["fulfillmentStatus"]))
    if status is None:  # (a status the model does not list: held, never taken for one it lists)
        raise ValueError(
            f"fulfillment status {clip(str(fulfillment['fulfillmentStatus']), 40)!r} is not one of Amazon's"
        )
    lines = []
    for item in raw.get("orderItems", []):
        product = item.get("product") or {}
        proceeds = item.get("proceeds")
        taxes = _taxes(proceeds)
        open_units, shipped, cancelled = _units(item)
        lines.append(
            OrderLine(
                line_id=str(item["orderItemId"]),
                marketplace_sku=str(product.get("sellerSku") or product.get("asin") or item["orderItemId"]),
                title=product.get("title"),
                quantity=open_units,
                shipped=shipped,
                cancelled=cancelled,
                unit_price=_money((product.get("price") or {}).get("unitPrice")),
                tax=taxes.get("ITEM"),
                shipping=_breakdown(proceeds, "SHIPPING"),
                shipping_tax=taxes.get("SHIPPING"),
                discount=_breakdown(proceeds, "DISCOUNT"),
                charges=_charges(proceeds, taxes),
            )
        )
    address = ((raw.get("recipient") or {}).get("deliveryAddress")) or {}
    ship_to = (
        Address(
            name=address.get("name") or None,
            company=address.get("companyName") or None,
            lines=tuple(address[k] for k in ("addressLine1", "addressLine2", "addressLine3") if address.get(k)),
            city=address.get("city") or None,
            region=address.get("stateOrRegion") or None,
            postal_code=address.get("postalCode") or None,
            country_code=address.get("countryCode") or None,
            phone=address.get("phone") or None,
        )
        if address
        else None
    )
    buyer = raw.get("buyer") or {}
    total = _money((raw.get("proceeds") or {}).get("grandTotal"))
    currency = total.currency if total else next((x.unit_price.currency for x in lines if x.unit_price), None)
    return Order(
        marketplace="amazon",
        order_id=str(raw["orderId"]),
        marketplace_id=(raw.get("salesChannel") or {}).get("marketplaceId"),
        status=status,
        purchased_at=datetime.fromisoformat(str(raw["createdTime"]).replace("Z", "+00:00")),
        updated_at=datetime.fromisoformat(str(raw["lastUpdatedTime"]).replace("Z", "+00:00")),
        currency=currency,
        fulfilled_by=FulfilledBy.MARKETPLACE if fulfillment.get("fulfilledBy") == "AMAZON" else FulfilledBy.MERCHANT,
        lines=tuple(lines),
        ship_to=ship_to,
        buyer_name=buyer.get("buyerName"),
        buyer_email=buyer.get("buyerEmail"),
        ship_service_level=fulfillment.get("fulfillmentServiceLevel"),
        packages=tuple(
            HeldPackage(
                reference=str(package["packageReferenceId"]),
                tracking_number=package.get("trackingNumber") or None,
                items=tuple((str(i["orderItemId"]), int(i["quantity"])) for i in package.get("packageItems") or ()),
            )
            for package in raw.get("packages") or ()
        ),
    )
