"""The WooCommerce sink against respx: the exact REST requests (create, find by meta, product lookup, status
changes, Shipment Tracking reads), crash recovery, and a refused order held rather than half-created."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from feedsync.config import SecretRef, WooCommerceOrderSink
from feedsync.diagnostics import Diagnostic
from feedsync.errors import RemoteError
from feedsync.model.order import OrderStatus
from feedsync.orders.report_file import read_order_report
from feedsync.orders.woocommerce_sink import WooCommerceSink
from feedsync.state import State
from tests.orders.test_import import into, line, published, report

SITE = "https://shop.example.com"
API = SITE + "/wp-json/wc/v3"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FS_TEST_WC_KEY", "ck_0123456789")
    monkeypatch.setenv("FS_TEST_WC_SECRET", "cs_abcdefghij")
    monkeypatch.setattr("time.sleep", lambda seconds: None)


def sink(**kw: object) -> WooCommerceSink:
    config = WooCommerceOrderSink(
        type="woocommerce",
        url=SITE,
        consumer_key=SecretRef(env="FS_TEST_WC_KEY"),
        consumer_secret=SecretRef(env="FS_TEST_WC_SECRET"),
        **kw,  # type: ignore[arg-type]
    )
    return WooCommerceSink(config)


def query(request: httpx.Request) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(str(request.url)).query).items()}


def mock_store(router: respx.Router, existing: list[dict[str, object]] | None = None) -> dict[str, respx.Route]:
    return {
        "list": router.get(f"{API}/orders").mock(return_value=httpx.Response(200, json=existing or [])),
        "sku": router.get(f"{API}/products", params={"sku": "cat-SKU-A"}).mock(
            return_value=httpx.Response(
                200, json=[{"id": 812, "parent_id": 800, "type": "variation", "sku": "cat-SKU-A"}]
            )
        ),
        "create": router.post(f"{API}/orders").mock(return_value=httpx.Response(201, json={"id": 5150})),
    }


@respx.mock(assert_all_mocked=True)
def test_an_order_is_created_once_with_its_variation_price_address_and_marketplace_id(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    routes = mock_store(respx_mock)
    path = report(tmp_path, line("111-1", "9001", "SKU-A", qty="2", price="40.00"))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        first = into(sink(), state, path)
        again = into(sink(), state, path)
        assert state.order("amazon", "111-1").sink_ref == "5150"  # type: ignore[union-attr]
    assert (first.imported, again.imported, again.unchanged) == (["111-1"], [], 1)
    assert routes["create"].call_count == 1
    request = routes["create"].calls[0].request
    assert request.headers["authorization"] == httpx.BasicAuth("ck_0123456789", "cs_abcdefghij")._auth_header
    body = json.loads(request.content)
    assert body["line_items"] == [
        {
            "product_id": 800,
            "variation_id": 812,
            "quantity": 2,
            "subtotal": "40.00",
            "total": "40.00",
            "meta_data": [{"key": "feedsync_order_item", "value": "9001"}],
        }
    ]
    assert (body["status"], body["set_paid"], body["currency"], body["transaction_id"]) == (
        "processing",
        True,
        "USD",
        "111-1",
    )
    assert body["meta_data"] == [{"key": "feedsync_order", "value": "amazon:111-1"}]
    assert body["shipping"]["first_name"] == "Ann" and body["shipping"]["last_name"] == "Lee"
    assert (body["shipping"]["address_1"], body["shipping"]["address_2"], body["shipping"]["postcode"]) == (
        "1 Main St",
        "Unit 2",
        "78701",
    )
    assert body["billing"]["email"] == "b@marketplace.amazon.com"
    assert body["shipping_lines"][0]["total"] == "4.99"
    listed = query(routes["list"].calls[0].request)
    assert listed == {
        "after": "2026-11-19T09:00:00",  # (a run may import an order placed up to a day ahead of its clock)
        "dates_are_gmt": "true",
        "per_page": "100",
        "orderby": "date",
        "order": "asc",
        "page": "1",
    }


@respx.mock(assert_all_mocked=True, assert_all_called=False)
def test_a_store_order_made_before_a_crash_is_found_by_its_meta_on_a_later_page(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    other = [{"id": n, "meta_data": []} for n in range(100)]
    mine = [{"id": 4242, "meta_data": [{"id": 1, "key": "feedsync_order", "value": "amazon:111-1"}]}]
    listing = respx_mock.get(f"{API}/orders").mock(
        side_effect=[
            httpx.Response(200, json=other, headers={"x-wp-totalpages": "2"}),
            httpx.Response(200, json=mine, headers={"x-wp-totalpages": "2"}),
        ]
    )
    create = respx_mock.post(f"{API}/orders").mock(return_value=httpx.Response(201, json={"id": 1}))
    path = report(tmp_path, line("111-1", "9001", "SKU-A"))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        result = into(sink(), state, path)
        assert state.order("amazon", "111-1").sink_ref == "4242"  # type: ignore[union-attr]
    assert result.recovered == ["111-1"] and not create.called
    assert [query(call.request)["page"] for call in listing.calls] == ["1", "2"]


def _full_page(first: int) -> list[dict[str, object]]:
    return [{"id": n, "meta_data": []} for n in range(first, first + 100)]


@pytest.mark.parametrize("header", [{}, {"x-wp-totalpages": "1000000000"}])
@respx.mock(assert_all_mocked=True, assert_all_called=False)
def test_a_store_that_repeats_a_full_page_stops_the_run_before_any_create(
    respx_mock: respx.Router, tmp_path: Path, header: dict[str, str]
) -> None:
    """A store (or a proxy before it) that ignores ``page`` answers every page with the first: without
    X-WP-TotalPages (or with a count of pages without end), the reader stopped only at a page less than full, so
    it read for ever. A page of orders already read is a RemoteError, and nothing is created."""
    routes = mock_store(respx_mock)
    routes["list"].mock(side_effect=lambda request: httpx.Response(200, json=_full_page(1), headers=header))
    path = report(tmp_path, line("111-1", "9001", "SKU-A"))
    with State(tmp_path / "state.sqlite") as state, pytest.raises(RemoteError) as info:
        published(state, "SKU-A")
        into(sink(), state, path)
    assert str(info.value).startswith("list store orders: page 2 holds only orders of the pages before it (ids 1, 2, 3")
    assert [query(call.request)["page"] for call in routes["list"].calls] == ["1", "2"]
    assert not routes["create"].called


@respx.mock(assert_all_mocked=True, assert_all_called=False)
def test_a_store_whose_full_pages_never_end_is_read_to_a_ceiling(
    respx_mock: respx.Router, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Full pages of new orders without end (no X-WP-TotalPages): the reader stops at ``MAX_PAGES`` with a
    RemoteError, and nothing is created."""
    monkeypatch.setattr("feedsync.orders.woocommerce_sink.MAX_PAGES", 5)
    routes = mock_store(respx_mock)
    routes["list"].mock(
        side_effect=lambda request: httpx.Response(200, json=_full_page(int(query(request)["page"]) * 100))
    )
    path = report(tmp_path, line("111-1", "9001", "SKU-A"))
    with State(tmp_path / "state.sqlite") as state, pytest.raises(RemoteError, match="more than 500 store orders"):
        published(state, "SKU-A")
        into(sink(), state, path)
    assert routes["list"].call_count == 5 and not routes["create"].called


@pytest.mark.parametrize("made", [True, False])
@respx.mock(assert_all_mocked=True, assert_all_called=False)
def test_a_create_that_failed_is_sent_again_only_where_the_store_lacks_the_order(
    respx_mock: respx.Router, tmp_path: Path, made: bool
) -> None:
    """A create answered 500 (or timed out) may have made the order: the store's orders are read again before it
    is sent again, and where one is this order it is the store order, not made a second time."""
    routes = mock_store(respx_mock)
    mine = [{"id": 5150, "meta_data": [{"id": 1, "key": "feedsync_order", "value": "amazon:111-1"}]}]
    routes["list"].mock(side_effect=[httpx.Response(200, json=[]), httpx.Response(200, json=mine if made else [])])
    routes["create"].mock(
        side_effect=[httpx.Response(500, json={"code": "internal"}), httpx.Response(201, json={"id": 6160})]
    )
    path = report(tmp_path, line("111-1", "9001", "SKU-A"))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        result = into(sink(), state, path)
        ref = state.order("amazon", "111-1").sink_ref  # type: ignore[union-attr]
    assert result.imported == ["111-1"] and routes["list"].call_count == 2
    assert (routes["create"].call_count, ref) == ((1, "5150") if made else (2, "6160"))
    assert query(routes["list"].calls[1].request)["after"] == "2026-11-19T09:00:00"


@respx.mock(assert_all_mocked=True, assert_all_called=False)
def test_an_item_the_store_lacks_holds_the_order_without_creating_it(respx_mock: respx.Router, tmp_path: Path) -> None:
    respx_mock.get(f"{API}/orders").mock(return_value=httpx.Response(200, json=[]))
    respx_mock.get(f"{API}/products", params={"sku": "cat-SKU-A"}).mock(return_value=httpx.Response(200, json=[]))
    respx_mock.get(f"{API}/products/77").mock(
        return_value=httpx.Response(404, json={"code": "woocommerce_rest_product_invalid_id"})
    )
    create = respx_mock.post(f"{API}/orders").mock(return_value=httpx.Response(201, json={"id": 1}))
    found: list[Diagnostic] = []
    path = report(tmp_path, line("111-1", "9001", "SKU-A"), line("111-2", "9002", "SKU-B"))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        state.record_items("amazon", "amazon_sp_api:na", [("wc-77", "h")], keys={"wc-77": "SKU-B"})
        result = into(sink(), state, path, found.append)
        assert state.order("amazon", "111-1").state == "held"  # type: ignore[union-attr]
    assert result.held == ["111-1", "111-2"] and not create.called
    assert [(d.code, d.product_id) for d in found] == [("ORD007", "111-1"), ("ORD007", "111-2")]
    assert "'cat-SKU-A' is not a product of the store" in found[0].message
    assert "'wc-77'" in found[1].message


@respx.mock(assert_all_mocked=True)
def test_a_product_id_catalog_item_and_a_400_from_the_store(respx_mock: respx.Router, tmp_path: Path) -> None:
    respx_mock.get(f"{API}/orders").mock(return_value=httpx.Response(200, json=[]))
    respx_mock.get(f"{API}/products/77").mock(
        return_value=httpx.Response(200, json={"id": 77, "parent_id": 0, "type": "simple", "sku": ""})
    )
    create = respx_mock.post(f"{API}/orders").mock(
        side_effect=[
            httpx.Response(400, json={"code": "woocommerce_rest_invalid_currency", "message": "Invalid currency"}),
            httpx.Response(201, json={"id": 9}),
        ]
    )
    found: list[Diagnostic] = []
    path = report(tmp_path, line("111-2", "9002", "SKU-B"))
    with State(tmp_path / "state.sqlite") as state:
        state.record_items("amazon", "amazon_sp_api:na", [("wc-77", "h")], keys={"wc-77": "SKU-B"})
        held = into(sink(), state, path, found.append)
        retried = into(sink(), state, [])
    assert held.held == ["111-2"] and retried.imported == ["111-2"]
    assert "Invalid currency" in found[0].message and "cs_abcdefghij" not in found[0].message
    assert json.loads(create.calls[1].request.content)["line_items"][0]["product_id"] == 77
    assert "variation_id" not in json.loads(create.calls[1].request.content)["line_items"][0]


@respx.mock(assert_all_mocked=True)
def test_a_cancellation_cancels_the_store_order(respx_mock: respx.Router, tmp_path: Path) -> None:
    mock_store(respx_mock)
    put = respx_mock.put(f"{API}/orders/5150").mock(return_value=httpx.Response(200, json={"id": 5150}))
    path = report(tmp_path, line("111-1", "9001", "SKU-A"))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        order = next(read_order_report(path, pytest.fail))
        into(sink(), state, [order])
        cancelled = order.model_copy(update={"status": OrderStatus.CANCELLED})
        result = into(sink(), state, [cancelled])
    assert result.updated == ["111-1"]
    assert json.loads(put.calls[0].request.content) == {"status": "cancelled"}


@respx.mock(assert_all_mocked=True)
def test_shipments_are_read_from_the_shipment_tracking_extension(respx_mock: respx.Router, tmp_path: Path) -> None:
    respx_mock.get(f"{SITE}/wp-json/wc-shipment-tracking/v3/orders/5150/shipment-trackings").mock(
        return_value=httpx.Response(
            200,
            json=[
                {
                    "tracking_id": "7f49",
                    "tracking_provider": "USPS",
                    "tracking_link": "https://tools.usps.com/tracking/9400111899560000000000",
                    "tracking_number": "9400111899560000000000",
                    "date_shipped": "2026-11-21",
                }
            ],
        )
    )
    order = next(read_order_report(report(tmp_path, line("111-1", "9001", "SKU-A")), pytest.fail))
    (shipment,) = sink().shipments(order, "5150")
    assert (shipment.order_id, shipment.carrier, shipment.tracking_number, shipment.items) == (
        "111-1",
        "USPS",
        "9400111899560000000000",
        (),
    )
    assert shipment.ship_date.isoformat() == "2026-11-21T00:00:00+00:00"


@respx.mock(assert_all_mocked=True, assert_all_called=False)
def test_a_promotion_discount_from_the_report_lowers_the_line_total(respx_mock: respx.Router, tmp_path: Path) -> None:
    mock_store(respx_mock)
    path = tmp_path / "orders.txt"
    path.write_text(
        "order-id\torder-item-id\tpurchase-date\tsku\tquantity-purchased\tcurrency\titem-price\t"
        "item-promotion-discount\n"
        "111-1\t9001\t2026-11-20T10:00:00Z\tSKU-A\t2\tUSD\t40.00\t-5.00\n",
        encoding="utf-8",
    )
    (order,) = read_order_report(path, pytest.fail)
    assert order.lines[0].discount is not None and str(order.lines[0].discount.amount) == "5.00"
    body = sink().body(
        order.model_copy(update={"lines": (order.lines[0].model_copy(update={"catalog_id": "cat-SKU-A"}),)})
    )
    assert (body["line_items"][0]["subtotal"], body["line_items"][0]["total"]) == ("40.00", "35.00")


@pytest.mark.parametrize(
    ("route", "answer", "problem"),
    [
        ("list", httpx.Response(200, text="<html>maintenance</html>"), r"list store orders: GET .* not JSON"),
        ("list", httpx.Response(200, json={"orders": []}), "list store orders: .* not a list"),
        ("list", httpx.Response(200, json=["x"]), "list store orders: the answer has a shape"),
        ("list", httpx.Response(200, json=[], headers={"x-wp-totalpages": "many"}), "list store orders: .* shape"),
        ("sku", httpx.Response(200, json={"id": 1}), "find store product by SKU: .* not a list"),
        ("create", httpx.Response(201, json={"status": "processing"}), "create store order: .* has no id"),
    ],
)
@respx.mock(assert_all_mocked=True, assert_all_called=False)
def test_a_store_answer_of_the_wrong_shape_is_a_remote_error(
    respx_mock: respx.Router, tmp_path: Path, route: str, answer: httpx.Response, problem: str
) -> None:
    routes = mock_store(respx_mock)
    routes[route].mock(return_value=answer)
    with State(tmp_path / "state.sqlite") as state, pytest.raises(RemoteError, match=problem):
        published(state, "SKU-A")
        into(sink(), state, report(tmp_path, line("111-1", "9001", "SKU-A")))


@respx.mock(assert_all_mocked=True)
def test_an_echoed_basic_auth_header_is_masked_in_the_held_reason(respx_mock: respx.Router, tmp_path: Path) -> None:
    routes = mock_store(respx_mock)
    routes["create"].mock(
        side_effect=lambda request: httpx.Response(400, text=f"bad request, {request.headers['authorization']}")
    )
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        into(sink(), state, report(tmp_path, line("111-1", "9001", "SKU-A")), emit=[].append)
        held = state.held_orders("amazon")
    assert [reason for _, reason, _ in held] == ["create store order: HTTP 400: bad request, Basic ***"]


@respx.mock(assert_all_mocked=True)
def test_a_cancellation_the_store_refuses_is_an_error_naming_the_order_and_the_other_orders_go_on(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    """A store order deleted by hand answers the cancellation's PUT with a 404: that stopped the run (exit 3) before
    the orders after it, and as the cursor stayed, every later run stopped at it again. It is ORD003, an error with
    the store's answer, and the other orders are imported."""
    stores = mock_store(respx_mock)
    respx_mock.put(f"{API}/orders/5150").mock(
        return_value=httpx.Response(
            404, json={"code": "woocommerce_rest_shop_order_invalid_id", "message": "Invalid ID."}
        )
    )
    path = report(tmp_path, line("111-1", "9001", "SKU-A"), line("111-2", "9002", "SKU-A"))
    found: list[Diagnostic] = []
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        first, second = read_order_report(path, pytest.fail)
        into(sink(), state, [first])
        cancelled = first.model_copy(update={"status": OrderStatus.CANCELLED})
        result = into(sink(), state, [cancelled, second], found.append)
        assert result.imported == ["111-2"] and result.updated == []
        assert state.order("amazon", "111-2").state == "imported"  # type: ignore[union-attr]
    [finding] = found
    assert (finding.code, finding.severity, finding.product_id) == ("ORD003", "error", "111-1")
    assert "refused it (update store order: HTTP 404" in finding.message and "Invalid ID." in finding.message
    assert stores["create"].call_count == 2


@respx.mock(assert_all_mocked=True)
def test_an_order_shipped_before_its_first_import_is_created_completed_not_to_ship(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    """An order Amazon had shipped before feedsync first read it (the first SP-API run reads a week back) was
    created `processing`, in the store's queue of orders to ship, and stayed there (its status never changed
    again): it is created `completed`, as an order seen unshipped becomes once it ships."""
    stores = mock_store(respx_mock)
    path = report(tmp_path, line("111-1", "9001", "SKU-A"), line("111-2", "9002", "SKU-A"))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        shipped, unshipped = read_order_report(path, pytest.fail)
        into(sink(), state, [shipped.model_copy(update={"status": OrderStatus.SHIPPED}), unshipped])
    bodies = [json.loads(call.request.content) for call in stores["create"].calls]
    assert [(body["transaction_id"], body["status"], body["set_paid"]) for body in bodies] == [
        ("111-1", "completed", True),
        ("111-2", "processing", True),
    ]


def _tracking_item(number: str, provider: str = "UPS", shipped: str = "2026-11-21") -> dict[str, str]:
    return {"tracking_provider": provider, "tracking_number": number, "date_shipped": shipped}


@respx.mock(assert_all_mocked=True)
def test_a_shipment_of_several_tracking_numbers_confirms_one_package_each_with_its_share_of_the_order(
    respx_mock: respx.Router, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two tracking items of one day (two boxes of one shipment; the extension names no items, each item stands for
    the order) became two packages of the whole order: the first confirmed every unit and the second got ORD005
    ("the order's other packages shipped all of it already"), so Amazon never had its tracking number. The
    order's units are shared out over the shipment's packages, one confirmShipment each, and each is confirmed
    once: a package Amazon refused is sent again alone, with its reference and items, on the next run."""
    from feedsync.config import load_config
    from feedsync.orders.run import run_tracking

    monkeypatch.setenv("FS_TEST_CLIENT", "client-secret")
    monkeypatch.setenv("FS_TEST_REFRESH", "Atzr|refresh")
    (tmp_path / "feedsync.yaml").write_text(
        "source: {path: products.csv}\nchannels: {amazon: {profile: amazon}}\norders:\n"
        f"  sink: {{type: woocommerce, url: '{SITE}', consumer_key: {{env: FS_TEST_WC_KEY}}, "
        "consumer_secret: {env: FS_TEST_WC_SECRET}}\n"
        "  api: {marketplace_id: ATVPDKIKX0DER, client_id: amzn1.application-oa2-client.x, "
        "client_secret: {env: FS_TEST_CLIENT}, refresh_token: {env: FS_TEST_REFRESH}}\n",
        encoding="utf-8",
    )
    config = load_config(tmp_path / "feedsync.yaml")
    mock_store(respx_mock)
    respx_mock.get(f"{API}/products", params={"sku": "cat-SKU-B"}).mock(
        return_value=httpx.Response(200, json=[{"id": 900, "parent_id": 0, "type": "simple", "sku": "cat-SKU-B"}])
    )
    respx_mock.get(f"{SITE}/wp-json/wc-shipment-tracking/v3/orders/5150/shipment-trackings").mock(
        return_value=httpx.Response(200, json=[_tracking_item("1ZBOX1"), _tracking_item("1ZBOX2")])
    )
    respx_mock.post("https://api.amazon.com/auth/o2/token").mock(
        return_value=httpx.Response(200, json={"access_token": "Atza|t", "expires_in": 3600})
    )
    confirm = respx_mock.post("https://sellingpartnerapi-na.amazon.com/orders/v0/orders/111-1/shipmentConfirmation")
    confirm.side_effect = [
        httpx.Response(204),
        httpx.Response(400, json={"errors": [{"code": "InvalidInput", "message": "try later"}]}),
    ] + [httpx.Response(204)] * 9
    path = report(tmp_path, line("111-1", "9001", "SKU-A", qty="2"), line("111-1", "9002", "SKU-B"))
    found: list[Diagnostic] = []
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A", "SKU-B")
        into(sink(), state, path)
        first = run_tracking(config, state, found.append, shipments=None, dry_run=False)
        assert [p.tracking_number for p in first.confirmed] == ["1ZBOX1"]
        assert [(d.code, d.value) for d in found] == [("ORD006", "1ZBOX2")]
        second = run_tracking(config, state, pytest.fail, shipments=None, dry_run=False)
        assert [p.tracking_number for p in second.confirmed] == ["1ZBOX2"] and second.already == 1
        third = run_tracking(config, state, pytest.fail, shipments=None, dry_run=False)
        assert (third.confirmed, third.already) == ([], 2)
    details = [json.loads(call.request.content)["packageDetail"] for call in confirm.calls]
    assert [(d["packageReferenceId"], d["trackingNumber"], d["orderItems"]) for d in details] == [
        ("1", "1ZBOX1", [{"orderItemId": "9001", "quantity": 2}]),
        ("2", "1ZBOX2", [{"orderItemId": "9002", "quantity": 1}]),
        ("2", "1ZBOX2", [{"orderItemId": "9002", "quantity": 1}]),
    ]


@respx.mock(assert_all_mocked=True)
def test_a_shipment_of_more_tracking_numbers_than_units_confirms_a_unit_each_and_names_the_rest(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    from feedsync.orders.carriers import Carriers
    from feedsync.orders.tracking import plan_packages

    respx_mock.get(f"{SITE}/wp-json/wc-shipment-tracking/v3/orders/5150/shipment-trackings").mock(
        return_value=httpx.Response(200, json=[_tracking_item("B1"), _tracking_item("B2"), _tracking_item("B3")])
    )
    mock_store(respx_mock)
    found: list[Diagnostic] = []
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        [order] = read_order_report(report(tmp_path, line("111-1", "9001", "SKU-A", qty="2")), pytest.fail)
        into(sink(), state, [order])
        shipments = sink().shipments(order, "5150")
        assert [s.group for s in shipments] == [("B1", "B2", "B3")] * 3
        packages, _ = plan_packages(
            shipments, state=state, marketplace="amazon", carriers=Carriers(), emit=found.append
        )
    assert [(p.tracking_number, p.items) for p in packages] == [("B1", (("9001", 1),)), ("B2", (("9001", 1),))]
    assert [(d.code, d.severity.value) for d in found] == [("ORD005", "error")]
    assert "B3: the store's shipment has 3 tracking numbers for 2 unit(s)" in found[0].message
