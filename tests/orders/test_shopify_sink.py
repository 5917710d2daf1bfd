"""The Shopify sink against respx: the exact GraphQL calls (orderCreate input, tag search, variant lookup by SKU
and by handle + options, THROTTLED answers, orderCancel, fulfillments read back into shipment confirmations)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from feedsync.config import SecretRef, ShopifyOrderSink, load_config
from feedsync.diagnostics import Diagnostic
from feedsync.errors import RemoteError
from feedsync.model.order import OrderStatus
from feedsync.orders.report_file import read_order_report
from feedsync.orders.run import run_tracking
from feedsync.orders.shopify_sink import ShopifySink
from feedsync.state import State
from tests.orders.test_import import into, line, published, report

URL = "https://demo-store.myshopify.com/admin/api/2026-10/graphql.json"
VARIANT = "gid://shopify/ProductVariant/4401"
ORDER = "gid://shopify/Order/9001"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FS_TEST_SHOPIFY", "shpat_secret_token")


def sink(sleeps: list[float] | None = None) -> ShopifySink:
    config = ShopifyOrderSink(
        type="shopify", shop="demo-store.myshopify.com", access_token=SecretRef(env="FS_TEST_SHOPIFY")
    )
    return ShopifySink(config, sleep=(sleeps if sleeps is not None else []).append)


class Store:
    """A GraphQL endpoint that answers by operation name and keeps every call."""

    def __init__(self, answers: dict[str, list[dict[str, Any]]]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, dict[str, Any], httpx.Request]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        name = body["query"].split("(")[0].split()[-1]
        self.calls.append((name, body["variables"], request))
        queue = self.answers[name]
        return httpx.Response(200, json=queue.pop(0) if len(queue) > 1 else queue[0])

    def named(self, name: str) -> list[dict[str, Any]]:
        return [variables for called, variables, _ in self.calls if called == name]


def answers(**extra: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    return {
        "findOrder": [{"data": {"orders": {"nodes": []}}}],
        "variantBySku": [{"data": {"productVariants": {"nodes": [{"id": VARIANT, "sku": "cat-SKU-A"}]}}}],
        "orderCreate": [{"data": {"orderCreate": {"order": {"id": ORDER, "name": "#1001"}, "userErrors": []}}}],
        **extra,
    }


def shopify_config(tmp_path: Path) -> Any:
    """A config whose orders go to the Shopify store, confirmations to ``outgoing``."""
    (tmp_path / "feedsync.yaml").write_text(
        "source: {path: products.csv}\nchannels: {amazon: {profile: amazon}}\n"
        "orders:\n  sink: {type: shopify, shop: demo-store.myshopify.com, access_token: {env: FS_TEST_SHOPIFY}}\n"
        "  confirmations_dir: outgoing\n",
        encoding="utf-8",
    )
    return load_config(tmp_path / "feedsync.yaml")


@respx.mock(assert_all_mocked=True)
def test_an_order_is_created_once_with_variant_price_tag_and_paid_transaction(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    store = Store(answers())
    respx_mock.post(URL).mock(side_effect=store)
    path = report(tmp_path, line("111-1", "9001", "SKU-A", qty="2", price="40.00"))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        for _ in range(2):
            into(sink(), state, path)
        assert state.order("amazon", "111-1").sink_ref == ORDER  # type: ignore[union-attr]
    assert [name for name, _, _ in store.calls] == ["findOrder", "variantBySku", "orderCreate"]
    assert store.calls[0][2].headers["x-shopify-access-token"] == "shpat_secret_token"
    assert store.named("findOrder") == [{"query": "tag:'feedsync-amazon-111-1'"}]
    assert store.named("variantBySku") == [{"query": "sku:'cat-SKU-A'"}]
    (created,) = store.named("orderCreate")
    order = created["order"]
    assert order["lineItems"] == [
        {
            "variantId": VARIANT,
            "quantity": 2,
            "priceSet": {"shopMoney": {"amount": "20.00", "currencyCode": "USD"}},
            "taxLines": [
                {"title": "Tax", "rate": "0.0400", "priceSet": {"shopMoney": {"amount": "1.60", "currencyCode": "USD"}}}
            ],
        }
    ]
    assert (order["sourceIdentifier"], order["financialStatus"], order["currency"]) == ("111-1", "PAID", "USD")
    assert order["tags"] == ["feedsync-amazon-111-1", "amazon"]
    assert order["transactions"] == [
        {
            "kind": "SALE",
            "status": "SUCCESS",
            "gateway": "amazon",
            "amountSet": {"shopMoney": {"amount": "46.59", "currencyCode": "USD"}},  # 40.00 + 1.60 tax + 4.99
        }
    ]
    assert order["shippingAddress"] == {
        "firstName": "Ann",
        "lastName": "Lee",
        "address1": "1 Main St",
        "address2": "Unit 2",
        "city": "Austin",
        "provinceCode": "TX",
        "zip": "78701",
        "countryCode": "US",
    }
    assert created["options"] == {
        "inventoryBehaviour": "DECREMENT_IGNORING_POLICY",
        "sendReceipt": False,
        "sendFulfillmentReceipt": False,
    }


@respx.mock(assert_all_mocked=True)
def test_a_throttled_call_waits_for_the_cost_to_restore_and_is_sent_again(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    status = {"maximumAvailable": 2000.0, "currentlyAvailable": 62, "restoreRate": 100.0}
    store, sleeps, path = _throttled_once(respx_mock, tmp_path, status)
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        result = into(sink(sleeps), state, path)
    assert result.imported == ["111-1"] and sleeps == [2.0]
    assert [name for name, _, _ in store.calls][:2] == ["findOrder", "findOrder"]


def _throttled_once(
    respx_mock: respx.Router, tmp_path: Path, status: dict[str, object]
) -> tuple[Store, list[float], Path]:
    """A store whose first findOrder is throttled with ``throttleStatus`` ``status`` (then found nothing), the
    sleeps list a sink records into, and a report of one order."""
    throttled = {
        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
        "extensions": {"cost": {"requestedQueryCost": 262, "throttleStatus": status}},
    }
    store = Store(answers(findOrder=[throttled, {"data": {"orders": {"nodes": []}}}]))
    respx_mock.post(URL).mock(side_effect=store)
    return store, [], report(tmp_path, line("111-1", "9001", "SKU-A"))


@pytest.mark.parametrize(
    ("status", "waited"),
    [
        ({"currentlyAvailable": 0, "restoreRate": "NaN"}, 1.0),  # (float() reads it: a wait time.sleep refuses)
        ({"currentlyAvailable": 0, "restoreRate": "0"}, 1.0),  # (no rate: a division by zero)
        ({"currentlyAvailable": "lots", "restoreRate": 50}, None),  # (no number: the answer's shape is unknown)
    ],
)
@respx.mock(assert_all_mocked=True)
def test_a_throttled_answer_with_a_cost_that_is_no_number_is_no_crash(
    respx_mock: respx.Router, tmp_path: Path, status: dict[str, object], waited: float | None
) -> None:
    _, sleeps, path = _throttled_once(respx_mock, tmp_path, status)
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        if waited is None:
            with pytest.raises(RemoteError, match="find store order: the answer has a shape feedsync does not know"):
                into(sink(sleeps), state, path)
            return
        result = into(sink(sleeps), state, path)
    assert result.imported == ["111-1"] and sleeps == [waited]


@respx.mock(assert_all_mocked=True)
def test_a_variant_is_found_by_handle_and_options_and_an_existing_order_is_not_created_again(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    products = {
        "data": {
            "products": {
                "nodes": [
                    {
                        "handle": "linen-shirt",
                        "variants": {
                            "nodes": [
                                {
                                    "id": "gid://shopify/ProductVariant/1",
                                    "selectedOptions": [{"name": "Size", "value": "S"}],
                                },
                                {
                                    "id": "gid://shopify/ProductVariant/2",
                                    "selectedOptions": [{"name": "Size", "value": "XL"}],
                                },
                            ]
                        },
                    }
                ]
            }
        }
    }
    store = Store(
        answers(
            variantBySku=[{"data": {"productVariants": {"nodes": []}}}],
            productsByHandle=[products],
        )
    )
    respx_mock.post(URL).mock(side_effect=store)
    assert sink().variant("linen-shirt-xl") == "gid://shopify/ProductVariant/2"
    assert store.named("productsByHandle") == [
        {"query": "handle:'linen' OR handle:'linen-shirt' OR handle:'linen-shirt-xl'"}
    ]
    found = {"data": {"orders": {"nodes": [{"id": ORDER, "tags": ["amazon", "feedsync-amazon-111-1"]}]}}}
    store.answers["findOrder"] = [found]
    path = report(tmp_path, line("111-1", "9001", "SKU-A"))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        result = into(sink(), state, path)
    assert result.recovered == ["111-1"] and not store.named("orderCreate")


@pytest.mark.parametrize("shown", [True, False])
@respx.mock(assert_all_mocked=True)
def test_an_order_create_that_failed_is_never_sent_again_without_the_store_searched(
    respx_mock: respx.Router, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shown: bool
) -> None:
    """orderCreate answered 502 may have made the order: the store is searched; where it shows the order, that is
    the store order; where not (its search trails a create), the order is held, not sent again, and the next run
    finds it before it would make it."""
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    found = {"data": {"orders": {"nodes": [{"id": ORDER, "tags": ["feedsync-amazon-111-1"]}]}}}
    empty = {"data": {"orders": {"nodes": []}}}
    store = Store(answers(findOrder=[empty, found] if shown else [empty, empty, found]))
    failed: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if b"orderCreate" in request.content and not failed:
            failed.append(1)
            store.calls.append(("orderCreate", {}, request))
            return httpx.Response(502, text="Bad Gateway")
        return store(request)

    respx_mock.post(URL).mock(side_effect=answer)
    found_diagnostics: list[Diagnostic] = []
    path = report(tmp_path, line("111-1", "9001", "SKU-A"))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        result = into(sink(), state, path, emit=found_diagnostics.append)
        if shown:
            assert result.imported == ["111-1"] and not found_diagnostics
        else:
            assert result.held == ["111-1"] and [d.code for d in found_diagnostics] == ["ORD007"]
            result = into(sink(), state, path)
            assert result.recovered == ["111-1"]
        assert state.order("amazon", "111-1").sink_ref == ORDER  # type: ignore[union-attr]
    assert len(store.named("orderCreate")) == 1


@respx.mock(assert_all_mocked=True)
def test_user_errors_hold_the_order_and_a_cancellation_is_order_cancel(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    refused = {
        "data": {
            "orderCreate": {
                "order": None,
                "userErrors": [
                    {"field": ["order", "lineItems", "0"], "message": "Variant is invalid", "code": "INVALID"}
                ],
            }
        }
    }
    cancel = {"data": {"orderCancel": {"job": {"id": "gid://shopify/Job/1"}, "orderCancelUserErrors": []}}}
    store = Store(answers(orderCreate=[refused, answers()["orderCreate"][0]], orderCancel=[cancel]))
    respx_mock.post(URL).mock(side_effect=store)
    found: list[Diagnostic] = []
    path = report(tmp_path, line("111-1", "9001", "SKU-A"))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        order = next(read_order_report(path, pytest.fail))
        held = into(sink(), state, [order], found.append)
        cancelled = order.model_copy(update={"status": OrderStatus.CANCELLED})
        later = into(sink(), state, [cancelled])
    assert held.held == ["111-1"] and [d.code for d in found] == ["ORD007"]
    assert "order.lineItems.0: Variant is invalid" in found[0].message
    # the held order, now cancelled on the marketplace, is never created: it is recorded as skipped
    assert later.skipped == 1 and len(store.named("orderCreate")) == 1 and not store.named("orderCancel")


@respx.mock(assert_all_mocked=True)
def test_push_tracking_reads_fulfillments_from_shopify_into_the_confirmation_file(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    fulfillments = {
        "data": {
            "order": {
                "fulfillments": [
                    {
                        "status": "SUCCESS",
                        "createdAt": "2026-11-21T15:04:05Z",
                        "trackingInfo": [{"company": "UPS", "number": "1Z999AA10123456784"}],
                        "fulfillmentLineItems": {"nodes": [{"quantity": 1, "lineItem": {"variant": {"id": VARIANT}}}]},
                    },
                    {
                        "status": "CANCELLED",
                        "createdAt": "2026-11-21T10:00:00Z",
                        "trackingInfo": [{"company": "UPS", "number": "OLD"}],
                        "fulfillmentLineItems": {"nodes": []},
                    },
                ]
            }
        }
    }
    store = Store(answers(orderFulfillments=[fulfillments]))
    respx_mock.post(URL).mock(side_effect=store)
    config = shopify_config(tmp_path)
    path = report(tmp_path, line("111-1", "9001", "SKU-A", qty="2", price="40.00"))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        into(sink(), state, path)
        first = run_tracking(config, state, pytest.fail, shipments=None, dry_run=False, sink=sink())
        again = run_tracking(config, state, pytest.fail, shipments=None, dry_run=False, sink=sink())
    assert [(p.order_id, p.carrier_code, p.tracking_number, p.items) for p in first.confirmed] == [
        ("111-1", "UPS", "1Z999AA10123456784", (("9001", 1),))
    ]
    assert first.confirmed[0].ship_date == "2026-11-21T15:04:05Z"
    assert again.confirmed == [] and again.already == 1
    assert store.named("orderFulfillments") == [{"id": ORDER}, {"id": ORDER}]
    (upload,) = (tmp_path / "outgoing").iterdir()
    assert "111-1\t9001\t1\t2026-11-21T15:04:05Z\tUPS" in upload.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        (httpx.Response(200, text="<html>password page</html>"), r"find store order: POST .* not JSON"),
        (httpx.Response(200, json=[]), "find store order: .* not an object"),
        (httpx.Response(200, json={"errors": "boom"}), "find store order: GraphQL errors of an unknown shape"),
        (httpx.Response(200, json={"data": {"orders": None}}), "find store order: the answer has a shape"),
        (httpx.Response(200, json={"extensions": {}}), "find store order: the GraphQL answer has no data"),
    ],
)
@respx.mock(assert_all_mocked=True)
def test_an_answer_that_is_not_shopifys_graphql_is_a_remote_error(
    respx_mock: respx.Router, tmp_path: Path, answer: httpx.Response, problem: str
) -> None:
    respx_mock.post(URL).mock(return_value=answer)
    with State(tmp_path / "state.sqlite") as state, pytest.raises(RemoteError, match=problem):
        published(state, "SKU-A")
        into(sink(), state, report(tmp_path, line("111-1", "9001", "SKU-A")))


def test_the_endpoint_override_replaces_the_shop_address() -> None:
    config = ShopifyOrderSink(
        type="shopify",
        shop="demo-store.myshopify.com",
        endpoint="http://127.0.0.1:8080/",
        access_token=SecretRef(env="FS_TEST_SHOPIFY"),
    )
    assert ShopifySink(config).url == "http://127.0.0.1:8080/admin/api/2026-10/graphql.json"


@respx.mock(assert_all_mocked=True)
def test_a_cancellation_shopify_refuses_is_an_error_naming_the_order_and_the_other_orders_go_on(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    """orderCancel's user errors (the order was cancelled in the store already) stopped the run before the orders
    after it, and every later run at the same order: they are ORD003, an error, and the run goes on."""
    refused = {
        "data": {
            "orderCancel": {
                "job": None,
                "orderCancelUserErrors": [{"field": ["orderId"], "message": "Order is already cancelled", "code": "X"}],
            }
        }
    }
    store = Store(answers(orderCancel=[refused]))
    respx_mock.post(URL).mock(side_effect=store)
    found: list[Diagnostic] = []
    path = report(tmp_path, line("111-1", "9001", "SKU-A"), line("111-2", "9002", "SKU-A"))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        first, second = read_order_report(path, pytest.fail)
        into(sink(), state, [first])
        cancelled = first.model_copy(update={"status": OrderStatus.CANCELLED})
        result = into(sink(), state, [cancelled, second], found.append)
    assert result.imported == ["111-2"] and len(store.named("orderCancel")) == 1
    assert [(d.code, d.severity, d.product_id) for d in found] == [("ORD003", "error", "111-1")]
    assert "refused it (orderCancel: orderId: Order is already cancelled)" in found[0].message


@respx.mock(assert_all_mocked=True)
def test_a_fulfillment_of_a_variant_on_two_order_lines_ships_both_lines(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    """Two lines of one SKU are two line items of one variant: the variant named the last line alone, so a
    fulfillment of both units was "2 shipped but 1 ordered" and never confirmed. Its units now go to both lines."""
    fulfillments = {
        "data": {
            "order": {
                "fulfillments": [
                    {
                        "status": "SUCCESS",
                        "createdAt": "2026-11-21T15:04:05Z",
                        "trackingInfo": [{"company": "UPS", "number": "1Z999AA10123456784"}],
                        "fulfillmentLineItems": {
                            "nodes": [
                                {"quantity": 1, "lineItem": {"variant": {"id": VARIANT}}},
                                {"quantity": 1, "lineItem": {"variant": {"id": VARIANT}}},
                            ]
                        },
                    }
                ]
            }
        }
    }
    store = Store(answers(orderFulfillments=[fulfillments]))
    respx_mock.post(URL).mock(side_effect=store)
    config = shopify_config(tmp_path)
    path = report(tmp_path, line("111-1", "9001", "SKU-A"), line("111-1", "9002", "SKU-A", price="15.00"))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        into(sink(), state, path)
        result = run_tracking(config, state, pytest.fail, shipments=None, dry_run=False, sink=sink())
    assert [p.items for p in result.confirmed] == [(("9001", 1), ("9002", 1))]


def _fulfillment(tracking: str, quantity: int) -> dict[str, Any]:
    return {
        "status": "SUCCESS",
        "createdAt": "2026-11-21T15:04:05Z",
        "trackingInfo": [{"company": "UPS", "number": tracking}],
        "fulfillmentLineItems": {"nodes": [{"quantity": quantity, "lineItem": {"variant": {"id": VARIANT}}}]},
    }


@respx.mock(assert_all_mocked=True)
def test_a_fulfillment_after_the_order_is_partly_shipped_confirms_its_own_units_alone(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    """Once Amazon said the order was partly shipped, import-orders recorded the order as Amazon answers it, without
    the catalog ids of its lines: the store's next fulfillment (1 unit of 3) named no line it knew, was taken for a
    package of the whole order and confirmed the 2 units left, one of them not shipped. The status change keeps
    the lines' catalog ids, and the fulfillment confirms its own unit."""
    first = {"data": {"order": {"fulfillments": [_fulfillment("1Z-ONE", 1)]}}}
    second = {"data": {"order": {"fulfillments": [_fulfillment("1Z-ONE", 1), _fulfillment("1Z-TWO", 1)]}}}
    store = Store(answers(orderFulfillments=[first, second]))
    respx_mock.post(URL).mock(side_effect=store)
    config = shopify_config(tmp_path)
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        [order] = read_order_report(
            report(tmp_path, line("111-1", "9001", "SKU-A", qty="3", price="60.00")), pytest.fail
        )
        into(sink(), state, [order])
        once = run_tracking(config, state, pytest.fail, shipments=None, dry_run=False, sink=sink())
        assert [p.items for p in once.confirmed] == [(("9001", 1),)]
        partly = into(sink(), state, [order.model_copy(update={"status": OrderStatus.PARTIALLY_SHIPPED})])
        assert partly.updated == ["111-1"]
        twice = run_tracking(config, state, pytest.fail, shipments=None, dry_run=False, sink=sink())
    assert [(p.tracking_number, p.items) for p in twice.confirmed] == [("1Z-TWO", (("9001", 1),))]


@respx.mock(assert_all_mocked=True)
def test_an_order_shipped_before_its_first_import_is_created_fulfilled(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    """An order Amazon had shipped before feedsync first read it was created unfulfilled, in the store's queue of
    orders to ship for good: it is created FULFILLED; an unshipped one is left to the store's own fulfilment."""
    store = Store(answers())
    respx_mock.post(URL).mock(side_effect=store)
    path = report(tmp_path, line("111-1", "9001", "SKU-A"), line("111-2", "9002", "SKU-A"))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        shipped, unshipped = read_order_report(path, pytest.fail)
        into(sink(), state, [shipped.model_copy(update={"status": OrderStatus.SHIPPED}), unshipped])
    first, second = (created["order"] for created in store.named("orderCreate"))
    assert first["fulfillmentStatus"] == "FULFILLED" and "fulfillmentStatus" not in second


@respx.mock(assert_all_mocked=True)
def test_a_fulfillment_with_several_tracking_numbers_confirms_one_package_each_with_its_share(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    """A fulfillment of 3 units in two boxes (two tracking numbers) planned both packages with all 3 units: the
    second was "3 shipped (and 3 in the order's other packages) but 3 ordered" (ORD005) and never confirmed. Its
    units are shared out over its packages, each written once into the upload file."""
    fulfillment = _fulfillment("1Z-BOX1", 3)
    fulfillment["trackingInfo"].append({"company": "UPS", "number": "1Z-BOX2"})
    store = Store(answers(orderFulfillments=[{"data": {"order": {"fulfillments": [fulfillment]}}}]))
    respx_mock.post(URL).mock(side_effect=store)
    config = shopify_config(tmp_path)
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        into(sink(), state, report(tmp_path, line("111-1", "9001", "SKU-A", qty="3", price="60.00")))
        once = run_tracking(config, state, pytest.fail, shipments=None, dry_run=False, sink=sink())
        again = run_tracking(config, state, pytest.fail, shipments=None, dry_run=False, sink=sink())
    assert [(p.package_ref, p.tracking_number, p.items) for p in once.confirmed] == [
        ("1", "1Z-BOX1", (("9001", 2),)),
        ("2", "1Z-BOX2", (("9001", 1),)),
    ]
    assert (again.confirmed, again.already) == ([], 2)
    rows = [r.split("\t") for f in (tmp_path / "outgoing").glob("*.txt") for r in f.read_text().splitlines()[1:]]
    assert sorted((r[0], r[1], r[2], r[6]) for r in rows) == [
        ("111-1", "9001", "1", "1Z-BOX2"),
        ("111-1", "9001", "2", "1Z-BOX1"),
    ]
