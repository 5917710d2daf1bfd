"""searchOrders (Orders API v2026-01-01) against respx, with responses built from Amazon's published example
in orders_2026-01-01.json: paging with identical parameters, the incremental cursor, and the import."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from feedsync.config import AmazonOrdersApi, DirectoryOrderSink, SecretRef
from feedsync.model.order import FulfilledBy, OrderStatus
from feedsync.orders.amazon_orders import OVERLAP, AmazonOrders
from feedsync.orders.importer import import_orders
from feedsync.orders.mapping import SkuMap
from feedsync.orders.sinks import DirectorySink
from feedsync.state import State
from tests.orders.amazon_answers import answering
from tests.orders.test_import import into, line, published, report
from tests.sources.realdata import REALDATA, needs_realdata

HOST = "https://sellingpartnerapi-na.amazon.com"
SEARCH = f"{HOST}/orders/2026-01-01/orders"
pytestmark = needs_realdata


def spec() -> dict[str, Any]:
    return json.loads((REALDATA / "amazon" / "orders_2026-01-01.json").read_text(encoding="utf-8"))


def example_order(order_id: str, sku: str, status: str = "UNSHIPPED", by: str = "MERCHANT") -> dict[str, Any]:
    example = spec()["paths"]["/orders/2026-01-01/orders"]["get"]["responses"]["200"]["examples"]["application/json"]
    order = copy.deepcopy(example["orders"][0])
    order["orderId"] = order_id
    order["fulfillment"]["fulfillmentStatus"] = status
    order["fulfillment"]["fulfilledBy"] = by
    for item in order["orderItems"]:
        item["product"]["sellerSku"] = sku
        if status != "SHIPPED":  # (the example is shipped: its items, fulfilled in full, would be left out)
            item["fulfillment"].update(quantityFulfilled=0, quantityUnfulfilled=item["quantityOrdered"])
    return order


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FS_TEST_CLIENT", "client-secret")
    monkeypatch.setenv("FS_TEST_REFRESH", "Atzr|refresh")
    monkeypatch.setattr("time.sleep", lambda seconds: None)


def api(state: State) -> AmazonOrders:
    config = AmazonOrdersApi(
        marketplace_id="ATVPDKIKX0DER",
        client_id="amzn1.application-oa2-client.x",
        client_secret=SecretRef(env="FS_TEST_CLIENT"),
        refresh_token=SecretRef(env="FS_TEST_REFRESH"),
    )
    return AmazonOrders(config, state)


def imported(reader: AmazonOrders, state: State, folder: Path) -> Any:
    """The import of what ``reader`` reads (its clock at 2026-11-22 08:30 UTC) into a directory sink."""
    return import_orders(
        reader.orders(now=datetime(2026, 11, 22, 8, 30, tzinfo=UTC)),
        state=state,
        sink=DirectorySink(DirectoryOrderSink(type="directory", path=folder)),
        skus=SkuMap(state, "amazon"),
        emit=pytest.fail,
    )


def login(router: respx.Router) -> None:
    router.post("https://api.amazon.com/auth/o2/token").mock(
        return_value=httpx.Response(200, json={"access_token": "Atza|t", "expires_in": 3600})
    )


def query(request: httpx.Request) -> dict[str, list[str]]:
    return parse_qs(request.url.query.decode(), keep_blank_values=True)


@respx.mock(assert_all_mocked=True)
def test_search_orders_pages_with_identical_parameters_and_moves_the_cursor(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    login(respx_mock)
    pages = [
        {
            "orders": [example_order("111-0000001-0000001", "SKU-A")],
            "pagination": {"nextToken": "2YgYW55IGNhcm5h"},
            "lastUpdatedBefore": "2026-11-22T08:00:00Z",
        },
        {
            "orders": [
                example_order("111-0000002-0000002", "SKU-A", by="AMAZON"),
                example_order("111-0000003-0000003", "SKU-A", status="PENDING"),
            ],
            "lastUpdatedBefore": "2026-11-22T08:00:00Z",
        },
        {"orders": [], "lastUpdatedBefore": "2026-11-22T09:00:00Z"},
    ]
    route = respx_mock.get(SEARCH).mock(side_effect=answering(pages))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        reader = api(state)
        result = imported(reader, state, tmp_path / "in")
        reader.commit()
        assert (result.imported, result.recorded, result.pending) == (
            ["111-0000001-0000001"],
            ["111-0000002-0000002"],
            1,
        )
        assert state.cursor("amazon:searchOrders:ATVPDKIKX0DER") == "2026-11-22T08:00:00Z"

        first, second = (query(call.request) for call in route.calls)
        assert first == {
            "lastUpdatedAfter": ["2026-11-15T08:30:00Z"],  # first run: the last 7 days
            "marketplaceIds": ["ATVPDKIKX0DER"],
            "includedData": ["BUYER,RECIPIENT,PROCEEDS,FULFILLMENT,PACKAGES"],
            "maxResultsPerPage": ["100"],
        }
        assert second == {**first, "paginationToken": ["2YgYW55IGNhcm5h"]}

        # the next run starts where Amazon said this one ended, less the overlap
        list(api(state).orders())
        third = query(route.calls[2].request)
        assert third["lastUpdatedAfter"] == [
            (datetime(2026, 11, 22, 8, 0, tzinfo=UTC) - OVERLAP).strftime("%Y-%m-%dT%H:%M:%SZ")
        ]
    created = json.loads(next((tmp_path / "in").glob("*.jsonl")).read_text().splitlines()[0])["order"]
    assert created["lines"][0]["catalog_id"] == "cat-SKU-A" and created["lines"][0]["unit_price"]["amount"] == "49.99"


@respx.mock(assert_all_mocked=True)
def test_every_search_request_uses_only_the_operations_parameters_and_values(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    login(respx_mock)
    route = respx_mock.get(SEARCH).mock(return_value=httpx.Response(200, json={"orders": []}))
    with State(tmp_path / "state.sqlite") as state:
        list(api(state).orders(datetime(2026, 11, 1, tzinfo=UTC)))
    operation = spec()["paths"]["/orders/2026-01-01/orders"]["get"]
    assert operation["operationId"] == "searchOrders"
    parameters = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
    [call] = route.calls
    sent = query(call.request)
    assert set(sent) <= set(parameters)
    assert sum(name in sent for name in ("createdAfter", "lastUpdatedAfter")) == 1  # exactly one time window
    for name, [value] in sent.items():
        schema = parameters[name]
        if schema["type"] == "array":
            values = value.split(",")
            assert len(values) <= schema.get("maxItems", 1000)
            if "enum" in schema["items"]:
                assert set(values) <= set(schema["items"]["enum"]), name
        elif schema.get("format") == "date-time":
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        elif schema["type"] == "integer":
            assert 1 <= int(value) <= 100
    assert "payload" not in call.response.json()  # v2026 bodies are not wrapped


def test_the_published_example_becomes_an_order() -> None:
    from feedsync.orders.amazon_orders import to_order

    order = to_order(example_order("123-4567890-1234567", "ECHO-DOT-4-CHARCOAL", status="SHIPPED"))
    assert (order.status, order.fulfilled_by, order.currency, order.marketplace_id) == (
        OrderStatus.SHIPPED,
        FulfilledBy.MERCHANT,
        "USD",
        "ATVPDKIKX0DER",
    )
    line = order.lines[0]
    assert (line.line_id, line.marketplace_sku, line.ordered, str(line.unit_price)) == (
        "12345678901234",
        "ECHO-DOT-4-CHARCOAL",
        2,
        "49.99 USD",
    )
    assert (line.quantity, line.shipped, line.cancelled) == (0, 2, 0)  # quantityFulfilled 2, quantityUnfulfilled 0
    assert order.ship_to is not None and order.ship_to.lines == ("123 Main Street", "Suite 456")
    assert order.buyer_email == "buyer-email@marketplace.amazon.com"
    [package] = order.packages  # (what Amazon holds: push-tracking numbers after it, and does not send it again)
    assert (package.reference, package.tracking_number, package.items) == (
        "PKG-2024-001",
        "1Z999AA1234567890",
        (("12345678901234", 2), ("12345678901235", 1)),
    )


@respx.mock(assert_all_mocked=True)
def test_the_cursor_stays_when_the_run_fails_so_no_order_is_skipped(
    respx_mock: respx.Router, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from feedsync.config import load_config
    from feedsync.errors import RemoteError
    from feedsync.orders import sinks
    from feedsync.orders.run import run_import

    (tmp_path / "products.csv").write_text("id,title,price\nA,T,1.00\n", encoding="utf-8")
    (tmp_path / "feedsync.yaml").write_text(
        "source: {path: products.csv, currency: USD}\n"
        "channels:\n  amazon: {profile: amazon}\n"
        "orders:\n  sink: {type: directory, path: in}\n"
        "  api: {marketplace_id: ATVPDKIKX0DER, client_id: x, client_secret: {env: FS_TEST_CLIENT}, "
        "refresh_token: {env: FS_TEST_REFRESH}}\n",
        encoding="utf-8",
    )
    config = load_config(tmp_path / "feedsync.yaml")
    login(respx_mock)
    page = {"orders": [example_order("111-0000001-0000001", "SKU-A")], "lastUpdatedBefore": "2026-11-22T08:00:00Z"}
    respx_mock.get(SEARCH).mock(side_effect=answering([page]))

    def broken_commit(self: sinks.DirectorySink) -> None:
        raise RemoteError("disk full")

    with State(config.state_path) as state:
        published(state, "SKU-A")
        with monkeypatch.context() as patch:
            patch.setattr(sinks.DirectorySink, "commit", broken_commit)
            with pytest.raises(RemoteError):
                run_import(config, state, pytest.fail, from_file=None, dry_run=False)
        assert state.cursor("amazon:searchOrders:ATVPDKIKX0DER") is None
        assert state.order("amazon", "111-0000001-0000001") is None
        result = run_import(config, state, pytest.fail, from_file=None, dry_run=False)
        assert result.imported == ["111-0000001-0000001"]
        assert state.cursor("amazon:searchOrders:ATVPDKIKX0DER") == "2026-11-22T08:00:00Z"


@respx.mock(assert_all_mocked=True)
def test_a_held_order_is_read_again_with_get_order_before_it_is_retried(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    login(respx_mock)
    held = example_order("111-0000009-0000009", "SKU-NEW")
    respx_mock.get(SEARCH).mock(
        side_effect=answering(
            [
                {"orders": [held], "lastUpdatedBefore": "2026-11-22T08:00:00Z"},
                {"orders": [], "lastUpdatedBefore": "2026-11-22T09:00:00Z"},
            ]
        )
    )
    now = example_order("111-0000009-0000009", "SKU-NEW", status="CANCELLED")
    get_order = respx_mock.get(f"{SEARCH}/111-0000009-0000009").mock(side_effect=answering([{"order": now}]))
    with State(tmp_path / "state.sqlite") as state:
        sink = DirectorySink(DirectoryOrderSink(type="directory", path=tmp_path / "in"))
        reader = api(state)
        found: list[object] = []
        first = into(sink, state, reader.orders(), found.append, refresh=reader.order)
        reader.commit()
        assert first.held == ["111-0000009-0000009"] and get_order.call_count == 0
        published(state, "SKU-NEW")  # now mapped, but the order was cancelled meanwhile
        reader = api(state)
        second = into(sink, state, reader.orders(), pytest.fail, refresh=reader.order)
        assert (second.imported, second.skipped) == ([], 1)
        assert state.order("amazon", "111-0000009-0000009").state == "skipped"  # type: ignore[union-attr]
    [call] = get_order.calls
    operation = spec()["paths"]["/orders/2026-01-01/orders/{orderId}"]["get"]
    assert operation["operationId"] == "getOrder"
    enum = next(p for p in operation["parameters"] if p["name"] == "includedData")["items"]["enum"]
    assert set(query(call.request)["includedData"][0].split(",")) <= set(enum)


def test_an_order_item_listed_twice_is_read_once_and_held_when_the_copies_differ() -> None:
    from feedsync.model.order import Order, UnreadableOrder
    from feedsync.orders.amazon_orders import read_order

    raw = example_order("123-4567890-1234567", "SKU-A")
    once = read_order(raw, now=datetime(2026, 11, 22, tzinfo=UTC))
    raw["orderItems"].append(copy.deepcopy(raw["orderItems"][0]))
    twice = read_order(raw, now=datetime(2026, 11, 22, tzinfo=UTC))
    assert isinstance(once, Order) and isinstance(twice, Order)
    assert [(x.line_id, x.quantity) for x in twice.lines] == [(x.line_id, x.quantity) for x in once.lines]
    raw["orderItems"][-1]["quantityOrdered"] = 7
    differ = read_order(raw, now=datetime(2026, 11, 22, tzinfo=UTC))
    assert differ == UnreadableOrder(
        marketplace="amazon",
        order_id="123-4567890-1234567",
        reason="Amazon's answer lists orderItemId 12345678901234 twice with different values",
    )


@pytest.mark.parametrize("orders", ["nope", {"a": 1}, 7])
@respx.mock(assert_all_mocked=True)
def test_a_search_answer_whose_orders_are_no_list_is_a_wrong_shape(
    respx_mock: respx.Router, tmp_path: Path, orders: object
) -> None:
    """``orders`` that is not a list is an answer of another shape (exit 3), not orders without ids."""
    from feedsync.errors import RemoteError

    login(respx_mock)
    respx_mock.get(SEARCH).mock(return_value=httpx.Response(200, json={"orders": orders}))
    with State(tmp_path / "state.sqlite") as state, pytest.raises(RemoteError, match="searchOrders: the answer has"):
        list(api(state).orders())


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("no fulfillment", "Amazon's answer has no 'fulfillment'"),
        ("no status", "Amazon's answer has no 'fulfillment.fulfillmentStatus'"),
        (
            "a status not Amazon's",
            "Amazon's answer cannot be read: fulfillment status 'AWAITING' is not one of Amazon's",
        ),
    ],
)
def test_an_order_whose_status_cannot_be_told_is_held_not_taken_for_pending(change: str, reason: str) -> None:
    """A pending order is not imported and the cursor moves past it (its next change brings it again): an order
    answered without its status (FULFILLMENT, a dataset asked for) must not be taken for one."""
    from feedsync.model.order import UnreadableOrder
    from feedsync.orders.amazon_orders import read_order

    raw = example_order("123-4567890-1234567", "SKU-A")
    if change == "no fulfillment":
        del raw["fulfillment"]
    elif change == "no status":
        del raw["fulfillment"]["fulfillmentStatus"]
    else:
        raw["fulfillment"]["fulfillmentStatus"] = "AWAITING"
    read = read_order(raw, now=datetime(2026, 11, 22, tzinfo=UTC))
    assert read == UnreadableOrder(marketplace="amazon", order_id="123-4567890-1234567", reason=reason)


@respx.mock(assert_all_mocked=True)
def test_an_answer_of_only_the_datasets_asked_for_imports_and_prices_the_order(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    """Amazon answers only the datasets asked for: the order's status and who fulfils it (FULFILLMENT) and its
    line amounts (PROCEEDS) must be among them, or every order reads as pending and none is ever imported."""
    login(respx_mock)
    page = {
        "orders": [
            example_order("111-0000001-0000001", "SKU-A"),
            example_order("111-0000002-0000002", "SKU-A", by="AMAZON"),
        ],
        "lastUpdatedBefore": "2026-11-22T08:00:00Z",
    }
    respx_mock.get(SEARCH).mock(side_effect=answering([page]))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        result = imported(api(state), state, tmp_path / "in")
    assert (result.imported, result.recorded, result.pending) == (["111-0000001-0000001"], ["111-0000002-0000002"], 0)
    line = json.loads(next((tmp_path / "in").glob("*.jsonl")).read_text().splitlines()[0])["order"]["lines"][0]
    expected = example_order("x", "SKU-A")["orderItems"][0]["proceeds"]["breakdowns"]
    tax = next(b["subtotal"]["amount"] for b in expected if b["type"] == "TAX")
    assert line["tax"]["amount"] == tax


@respx.mock(assert_all_mocked=True)
def test_a_held_order_amazon_no_longer_finds_stays_held_and_the_run_goes_on(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    """getOrder answers 404 for an order it does not show (older than two years): that order stays held and named
    (ORD010), and the run imports the others and moves its cursor."""
    login(respx_mock)
    held = example_order("111-0000009-0000009", "SKU-NEW")
    respx_mock.get(SEARCH).mock(
        side_effect=answering(
            [
                {"orders": [held], "lastUpdatedBefore": "2026-11-22T08:00:00Z"},
                {
                    "orders": [example_order("111-0000001-0000001", "SKU-A")],
                    "lastUpdatedBefore": "2026-11-22T09:00:00Z",
                },
            ]
        )
    )
    error = {"errors": [{"code": "NotFound", "message": "Order not found"}]}
    respx_mock.get(f"{SEARCH}/111-0000009-0000009").mock(return_value=httpx.Response(404, json=error))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        sink = DirectorySink(DirectoryOrderSink(type="directory", path=tmp_path / "in"))
        reader = api(state)
        first = into(sink, state, reader.orders(), lambda d: None, refresh=reader.order)
        reader.commit()
        assert first.held == ["111-0000009-0000009"]
        found: list[Any] = []
        reader = api(state)
        second = into(sink, state, reader.orders(), found.append, refresh=reader.order)
        reader.commit()
        assert (second.imported, second.held) == (["111-0000001-0000001"], ["111-0000009-0000009"])
        assert [(d.code, d.product_id) for d in found] == [("ORD010", "111-0000009-0000009")]
        assert "held: Amazon does not find it (getOrder: HTTP 404" in found[0].message
        assert state.cursor("amazon:searchOrders:ATVPDKIKX0DER") == "2026-11-22T09:00:00Z"


@respx.mock(assert_all_mocked=True)
def test_an_answer_without_last_updated_before_still_moves_the_cursor(respx_mock: respx.Router, tmp_path: Path) -> None:
    """``lastUpdatedBefore`` is optional in SearchOrdersResponse (``required: [orders]``): without it the cursor
    never moved, every run read the last 7 days again, and an order updated before them was never read."""
    login(respx_mock)
    route = respx_mock.get(SEARCH).mock(side_effect=answering([{"orders": []}]))
    asked = datetime(2026, 11, 22, 8, 30, tzinfo=UTC)
    with State(tmp_path / "state.sqlite") as state:
        reader = api(state)
        list(reader.orders(now=asked))
        reader.commit()
        assert state.cursor("amazon:searchOrders:ATVPDKIKX0DER") == "2026-11-22T08:30:00Z"
        list(api(state).orders())
    assert query(route.calls[1].request)["lastUpdatedAfter"] == ["2026-11-22T08:25:00Z"]  # (less the overlap)


def _proceeds(*parts: tuple[str, str], taxes: tuple[tuple[str, str], ...] = ()) -> dict[str, Any]:
    money = lambda amount: {"amount": amount, "currencyCode": "USD"}  # noqa: E731
    breakdowns: list[dict[str, Any]] = [{"type": kind, "subtotal": money(amount)} for kind, amount in parts]
    if taxes:
        total = sum(Decimal(amount) for _, amount in taxes)
        detailed = [{"subtype": kind, "value": money(amount)} for kind, amount in taxes]
        breakdowns.append({"type": "TAX", "subtotal": money(f"{total:.2f}"), "detailedBreakdowns": detailed})
    return {"breakdowns": breakdowns}


def test_what_the_buyer_paid_reaches_the_store_gift_wrap_cod_fee_and_shipping_tax_included(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Amazon's proceeds of a line (ItemProceedsBreakdown: ITEM, SHIPPING, GIFT_WRAP, COD_FEE, OTHER, TAX,
    DISCOUNT): the store was told ITEM, SHIPPING, TAX and DISCOUNT alone, so an order with gift wrap and a COD fee
    went to Shopify 5.49 short of its grand total, and its item tax rate was taken over the item alone though the
    TAX subtotal held the shipping's tax too (0.1100 for 0.1000)."""
    from feedsync.orders.amazon_orders import to_order
    from feedsync.orders.shopify_sink import ShopifySink
    from feedsync.orders.woocommerce_sink import WooCommerceSink
    from tests.orders.test_shopify_sink import sink as shopify
    from tests.orders.test_woocommerce_sink import sink as woocommerce

    raw = example_order("111-0000001-0000001", "SKU-A")
    item = raw["orderItems"][0]
    raw["orderItems"] = [item]
    item["quantityOrdered"] = 1
    item["product"]["price"]["unitPrice"] = {"amount": "50.00", "currencyCode": "USD"}
    item["proceeds"] = _proceeds(
        ("ITEM", "50.00"),
        ("SHIPPING", "5.00"),
        ("GIFT_WRAP", "3.99"),
        ("COD_FEE", "1.50"),
        ("DISCOUNT", "-2.00"),
        taxes=(("ITEM", "5.00"), ("SHIPPING", "0.50"), ("GIFT_WRAP", "0.40")),
    )
    paid = Decimal("50.00") + Decimal("5.00") + Decimal("3.99") + Decimal("1.50") - 2 + Decimal("5.90")
    order = to_order(raw)
    mapped = order.model_copy(update={"lines": tuple(x.model_copy(update={"catalog_id": "A"}) for x in order.lines)})

    monkeypatch.setenv("FS_TEST_SHOPIFY", "shpat_secret")
    monkeypatch.setenv("FS_TEST_WC_KEY", "ck_key")
    monkeypatch.setenv("FS_TEST_WC_SECRET", "cs_secret")
    monkeypatch.setattr(ShopifySink, "variant", lambda self, catalog_id: "gid://shopify/ProductVariant/1")
    body = shopify().order_input(mapped)
    assert Decimal(body["transactions"][0]["amountSet"]["shopMoney"]["amount"]) == paid
    product, *charged = body["lineItems"]
    assert product["taxLines"][0]["rate"] == "0.1000"
    assert [
        (c["title"], c["priceSet"]["shopMoney"]["amount"], c.get("taxLines", [{}])[0].get("rate")) for c in charged
    ] == [
        ("Gift wrap", "3.99", "0.1003"),
        ("Cash on delivery fee", "1.50", None),
    ]
    assert body["shippingLines"][0]["taxLines"][0]["priceSet"]["shopMoney"]["amount"] == "0.50"

    monkeypatch.setattr(WooCommerceSink, "_product", lambda self, catalog_id: {"product_id": 7})
    wc = woocommerce().body(mapped)
    assert wc["fee_lines"] == [
        {"name": "Gift wrap", "total": "3.99"},
        {"name": "Cash on delivery fee", "total": "1.50"},
    ]


@respx.mock(assert_all_mocked=True)
def test_a_clock_ahead_does_not_move_the_cursor_past_amazon_s(respx_mock: respx.Router, tmp_path: Path) -> None:
    """Where Amazon's answer names no ``lastUpdatedBefore``, the cursor moved to this machine's clock: a clock an
    hour ahead put it an hour past what Amazon had read out, and the orders updated in that hour were never read.
    The cursor is now no later than Amazon's own clock (its answer's ``Date``)."""
    login(respx_mock)

    def dated(request: httpx.Request) -> httpx.Response:
        answer = answering([{"orders": []}])(request)
        return httpx.Response(200, json=json.loads(answer.content), headers={"date": "Sun, 22 Nov 2026 08:30:00 GMT"})

    respx_mock.get(SEARCH).mock(side_effect=dated)
    ahead = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
    with State(tmp_path / "state.sqlite") as state:
        reader = api(state)
        list(reader.orders(now=ahead))
        reader.commit()
        assert state.cursor("amazon:searchOrders:ATVPDKIKX0DER") == "2026-11-22T08:30:00Z"


@respx.mock(assert_all_mocked=True)
def test_page_tokens_that_go_round_in_a_circle_stop_the_read_and_keep_the_cursor(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    """Amazon answering a page token it answered before (a known fault: the same page again and again) paged for
    ever, three minutes a page once the burst was spent: the cron run never ended. It is an error (exit 3), which
    leaves the cursor where it was (as any failed read does), so no order of the window is passed over."""
    from feedsync.errors import RemoteError

    login(respx_mock)
    asked: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:  # tokens A, B, A, B, ...: the pages of a circle
        asked.append(request)
        if len(asked) > 10:
            raise AssertionError("paged for ever")
        return httpx.Response(
            200,
            json={
                "orders": [example_order(f"111-0000001-000000{len(asked)}", "SKU-A")],
                "pagination": {"nextToken": "AB"[(len(asked) - 1) % 2]},
                "lastUpdatedBefore": "2026-11-22T08:00:00Z",
            },
        )

    respx_mock.get(SEARCH).mock(side_effect=answer)
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        reader = api(state)
        with pytest.raises(RemoteError, match="answered the page token 'A' a second time"):
            imported(reader, state, tmp_path / "in")
        assert len(asked) == 3  # page A, page B, and A again


@respx.mock(assert_all_mocked=True)
def test_an_order_to_ship_answered_without_items_is_held_and_imported_once_its_items_are_read(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    """An unshipped order whose answer lost its items (``orderItems`` empty or absent) was imported as an empty
    store order, and recorded so: the answer that had the items later changed nothing (same status), so the
    items never reached the store. It is held (ORD010) and read again with getOrder; a cancelled one is skipped."""
    login(respx_mock)
    empty, absent = example_order("111-0000001-0000001", "SKU-A"), example_order("111-0000002-0000002", "SKU-A")
    empty["orderItems"] = []
    del absent["orderItems"]
    cancelled = example_order("111-0000003-0000003", "SKU-A", status="CANCELLED")
    cancelled["orderItems"] = []
    pages = [{"orders": [empty, absent, cancelled], "lastUpdatedBefore": "2026-11-22T08:00:00Z"}, {"orders": []}]
    respx_mock.get(SEARCH).mock(side_effect=answering(pages))
    for order_id in ("111-0000001-0000001", "111-0000002-0000002"):
        whole = {"order": example_order(order_id, "SKU-A")}
        respx_mock.get(f"{SEARCH}/{order_id}").mock(side_effect=answering([whole]))
    found: list[Any] = []
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        sink = DirectorySink(DirectoryOrderSink(type="directory", path=tmp_path / "in"))
        reader = api(state)
        first = into(sink, state, reader.orders(now=datetime(2026, 11, 22, 8, 30, tzinfo=UTC)), found.append)
        assert (first.imported, first.held, first.skipped) == ([], ["111-0000001-0000001", "111-0000002-0000002"], 1)
        assert [(d.code, d.product_id) for d in found] == [
            ("ORD010", "111-0000001-0000001"),
            ("ORD010", "111-0000002-0000002"),
        ]
        assert "unshipped and lists no items" in found[0].message
        reader = api(state)
        second = into(sink, state, reader.orders(), pytest.fail, refresh=reader.order)
        assert second.imported == ["111-0000001-0000001", "111-0000002-0000002"]
    created = [json.loads(text) for file in (tmp_path / "in").glob("*.jsonl") for text in file.read_text().splitlines()]
    items = len(example_order("111-0000001-0000001", "SKU-A")["orderItems"])
    assert [len(event["order"]["lines"]) for event in created] == [items, items]


@respx.mock(assert_all_mocked=True)
def test_a_held_order_amazon_will_not_read_stays_held_and_the_orders_of_the_run_are_imported(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    """An order held from a hand-made report (its id no Amazon order's) is read again with getOrder once orders.api
    is set; Amazon's 400 for it stopped the run after every other order had been handled, before the sink wrote
    them: nothing was imported, on every run. It stays held and named (ORD010), and the others are imported."""
    login(respx_mock)
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        sink = DirectorySink(DirectoryOrderSink(type="directory", path=tmp_path / "held"))
        report_path = report(tmp_path, line("TEST-ORDER-1", "9001", "SKU-UNLISTED"))
        assert into(sink, state, report_path, lambda d: None).held == ["TEST-ORDER-1"]

        page = {"orders": [example_order("111-0000001-0000001", "SKU-A")], "lastUpdatedBefore": "2026-11-22T09:00:00Z"}
        respx_mock.get(SEARCH).mock(side_effect=answering([page]))
        error = {"errors": [{"code": "InvalidInput", "message": "Invalid Input"}]}
        respx_mock.get(f"{SEARCH}/TEST-ORDER-1").mock(return_value=httpx.Response(400, json=error))
        found: list[Any] = []
        reader = api(state)
        sink = DirectorySink(DirectoryOrderSink(type="directory", path=tmp_path / "in"))
        result = into(sink, state, reader.orders(), found.append, refresh=reader.order)
        assert (result.imported, result.held) == (["111-0000001-0000001"], ["TEST-ORDER-1"])
        assert state.order("amazon", "111-0000001-0000001").state == "imported"  # type: ignore[union-attr]
    assert [(d.code, d.product_id) for d in found] == [("ORD010", "TEST-ORDER-1")]
    assert "held: Amazon refuses to read it (getOrder: HTTP 400" in found[0].message
    assert len(list((tmp_path / "in").glob("orders-*.jsonl"))) == 1


@pytest.mark.parametrize("before", [1700000000, "yesterday"])
@respx.mock(assert_all_mocked=True)
def test_a_last_updated_before_that_is_no_time_is_a_wrong_shape_and_never_stored(
    respx_mock: respx.Router, tmp_path: Path, before: object
) -> None:
    """An answer's ``lastUpdatedBefore`` was stored as the cursor unread: one that is no time (a number, a word)
    made every later run end in an internal error (exit 70) reading it back. It is an answer of the wrong shape
    (exit 3), the cursor stays; a cursor a state kept from before is named, with what to do."""
    from feedsync.errors import RemoteError

    login(respx_mock)
    respx_mock.get(SEARCH).mock(return_value=httpx.Response(200, json={"orders": [], "lastUpdatedBefore": before}))
    with State(tmp_path / "state.sqlite") as state:
        reader = api(state)
        with pytest.raises(RemoteError, match="searchOrders: the answer has a shape"):
            list(reader.orders())
        reader.commit()
        assert state.cursor("amazon:searchOrders:ATVPDKIKX0DER") is None
        state.set_cursor("amazon:searchOrders:ATVPDKIKX0DER", str(before))
        with pytest.raises(RemoteError, match="is not a time; run import-orders once with --since"):
            list(api(state).orders())


@respx.mock(assert_all_mocked=True)
def test_a_last_updated_before_ahead_of_the_read_moves_the_cursor_no_further_than_the_read(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    """A ``lastUpdatedBefore`` years ahead put the cursor there: every later run asked for orders updated after
    it and imported none, for years. The cursor moves no further than Amazon's clock when it answered."""
    login(respx_mock)
    page = {"orders": [], "lastUpdatedBefore": "2099-01-01T00:00:00Z"}
    date = {"date": "Sun, 22 Nov 2026 08:30:00 GMT"}
    respx_mock.get(SEARCH).mock(return_value=httpx.Response(200, json=page, headers=date))
    with State(tmp_path / "state.sqlite") as state:
        reader = api(state)
        list(reader.orders(now=datetime(2026, 11, 22, 9, 0, tzinfo=UTC)))
        reader.commit()
        assert state.cursor("amazon:searchOrders:ATVPDKIKX0DER") == "2026-11-22T08:30:00Z"


def test_an_order_id_from_a_file_is_one_path_segment_of_get_order(respx_mock: respx.Router, tmp_path: Path) -> None:
    """A held order's id comes from a hand-made report: percent-encoded, it names that order and nothing else
    (``/`` or ``?`` in it reached other paths, or the query); ``..`` is held without a request."""
    login(respx_mock)
    with State(tmp_path / "state.sqlite") as state:
        sink = DirectorySink(DirectoryOrderSink(type="directory", path=tmp_path / "held"))
        rows = line("ODD/../1?x#y", "9001", "SKU-UNLISTED") + line("..", "9002", "SKU-UNLISTED")
        assert sorted(into(sink, state, report(tmp_path, rows), lambda d: None).held) == ["..", "ODD/../1?x#y"]
        page = {"orders": [], "lastUpdatedBefore": "2026-11-22T09:00:00Z"}
        respx_mock.get(SEARCH).mock(side_effect=answering([page]))
        error = {"errors": [{"code": "InvalidInput", "message": "Invalid Input"}]}
        odd = respx_mock.get(url__startswith=f"{SEARCH}/ODD%2F..%2F1%3Fx%23y?includedData=")
        odd.mock(return_value=httpx.Response(400, json=error))
        found: list[Any] = []
        reader = api(state)
        result = into(DirectorySink(DirectoryOrderSink(type="directory", path=tmp_path / "in")), state,
                      reader.orders(), found.append, refresh=reader.order)  # fmt: skip
        assert sorted(result.held) == ["..", "ODD/../1?x#y"] and odd.call_count == 1
    assert sorted((d.code, d.product_id) for d in found) == [("ORD010", ".."), ("ORD010", "ODD/../1?x#y")]


@respx.mock(assert_all_mocked=True)
def test_an_order_first_read_partly_shipped_with_a_line_cancelled_imports_only_what_is_left_to_ship(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    """An order first read partly shipped (Amazon shipped 1 of line A's 3 units in its package 1) with line B
    cancelled went into the store in full: 3 of A and 1 of B, which the store would ship again. The store gets the
    2 units of A still to ship (``quantityUnfulfilled``), the finding (ORD012) names what was left out, and a
    store shipment of the whole order confirms those 2 units only, after Amazon's package."""
    from feedsync.model.order import Order
    from tests.orders.test_tracking import planned, shipments

    login(respx_mock)
    raw = example_order("111-0000001-0000001", "SKU-A", status="PARTIALLY_SHIPPED")
    a, b = raw["orderItems"][:2]
    a["product"]["sellerSku"], b["product"]["sellerSku"] = "SKU-A", "SKU-B"
    a["quantityOrdered"], a["fulfillment"] = 3, {"quantityFulfilled": 1, "quantityUnfulfilled": 2}
    b["quantityOrdered"], b["fulfillment"] = 1, {"quantityFulfilled": 0, "quantityUnfulfilled": 0}
    raw["orderItems"] = [a, b]
    raw["packages"] = [
        {
            "packageReferenceId": "1",
            "trackingNumber": "AMZ-1",
            "packageItems": [{"orderItemId": a["orderItemId"], "quantity": 1}],
        }
    ]
    respx_mock.get(SEARCH).mock(side_effect=answering([{"orders": [raw], "lastUpdatedBefore": "2026-11-22T08:00:00Z"}]))
    found: list[Any] = []
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A", "SKU-B")
        sink = DirectorySink(DirectoryOrderSink(type="directory", path=tmp_path / "in"))
        result = into(sink, state, api(state).orders(now=datetime(2026, 11, 22, 8, 30, tzinfo=UTC)), found.append)
        assert result.imported == ["111-0000001-0000001"]
        [created] = [json.loads(t) for f in (tmp_path / "in").glob("*.jsonl") for t in f.read_text().splitlines()]
        assert [(x["marketplace_sku"], x["quantity"]) for x in created["order"]["lines"]] == [("SKU-A", 2)]
        [warning] = found
        assert (warning.code, warning.product_id, warning.severity.value) == (
            "ORD012",
            "111-0000001-0000001",
            "warning",
        )
        assert f"line {a['orderItemId']} (SKU-A): 2 of 3 imported, 1 shipped on amazon" in warning.message
        assert f"line {b['orderItemId']} (SKU-B): 0 of 1 imported, 1 cancelled on amazon" in warning.message
        stored = Order.model_validate_json(state.order_payload("amazon", "111-0000001-0000001") or "")
        assert [(x.quantity, x.shipped, x.cancelled) for x in stored.lines] == [(2, 1, 0), (0, 0, 1)]
        whole = "111-0000001-0000001,UPS,1ZSTORE,2026-11-22T09:00:00Z,,\n"
        packages, _ = planned(shipments(tmp_path, whole), state, pytest.fail)
        assert [(p.package_ref, p.items) for p in packages] == [("2", ((a["orderItemId"], 2),))]


@respx.mock(assert_all_mocked=True)
def test_an_order_with_every_unit_cancelled_before_its_first_read_is_not_imported(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    login(respx_mock)
    raw = example_order("111-0000001-0000001", "SKU-A")
    for item in raw["orderItems"]:
        item["fulfillment"] = {"quantityFulfilled": 0, "quantityUnfulfilled": 0}
    respx_mock.get(SEARCH).mock(side_effect=answering([{"orders": [raw], "lastUpdatedBefore": "2026-11-22T08:00:00Z"}]))
    found: list[Any] = []
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        sink = DirectorySink(DirectoryOrderSink(type="directory", path=tmp_path / "in"))
        result = into(sink, state, api(state).orders(now=datetime(2026, 11, 22, 8, 30, tzinfo=UTC)), found.append)
        assert (result.imported, result.skipped) == ([], 1)
        assert [d.code for d in found] == ["ORD012"] and "nothing of it is left to ship" in found[0].message
        assert not list((tmp_path / "in").glob("*.jsonl"))
        again = into(sink, state, [], pytest.fail)  # recorded: not read as new again
        assert again.imported == [] and state.order("amazon", "111-0000001-0000001").state == "skipped"  # type: ignore[union-attr]


@respx.mock(assert_all_mocked=True, assert_all_called=False)
def test_a_login_refused_while_an_order_is_read_again_stops_the_run(respx_mock: respx.Router, tmp_path: Path) -> None:
    """Login with Amazon refusing the refresh token (400) as a held order was read again (getOrder) was taken for
    Amazon refusing to read the order: each held order told unreadable, the run going on. It stops the run."""
    from feedsync.errors import AuthError

    respx_mock.post("https://api.amazon.com/auth/o2/token").mock(
        return_value=httpx.Response(400, json={"error": "invalid_grant", "error_description": "revoked"})
    )
    order = respx_mock.get(url__regex=r".*/orders/.*").mock(return_value=httpx.Response(200, json={}))
    with State(tmp_path / "state.sqlite") as state, pytest.raises(AuthError, match="refused the refresh token"):
        api(state).order("111-0000001-0000001")
    assert order.call_count == 0
