"""``feedsync import-orders`` killed (as by ``kill -9``) at each step, from a report file and from a loopback
SP-API: the rerun imports every order exactly once, holds the broken one, and moves the cursor only then."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from feedsync.faults import KILLED
from tests.hostile.killing import points_passed, run_feedsync
from tests.hostile.loopback import JsonHandler, serving
from tests.orders.amazon_answers import as_asked, asked

HEADER = "order-id\torder-item-id\tpurchase-date\tsku\tquantity-purchased\tcurrency\titem-price\n"
REPORT = (
    HEADER
    + "O1\tI1\t2026-11-20T10:00:00Z\tSKU-A\t2\tUSD\t40.00\n"
    + "O1\tI2\t2026-11-20T10:00:00Z\tSKU-B\t1\tUSD\t10.00\n"
    + "O2\tI3\t0001-01-01T00:00:00Z\tSKU-A\t1\tUSD\t20.00\n"  # ORD010: left out, every run
    + "O3\tI4\t2026-11-20T11:00:00Z\tSKU-B\t1\tUSD\t10.00\n"
    + "O3\tI4\t2026-11-20T11:00:00Z\tSKU-B\t1\tUSD\t10.00\n"  # ORD011: read once
)
ENV = {"FS_TEST_CLIENT": "client-secret", "FS_TEST_REFRESH": "Atzr|refresh"}


def _shop(folder: Path, orders: str) -> Path:
    folder.mkdir()
    (folder / "products.csv").write_text("id,title,price\nA,Shirt,1.00\n", encoding="utf-8")
    (folder / "sku_map.csv").write_text("marketplace_sku,catalog_id\nSKU-A,cat-A\nSKU-B,cat-B\n", encoding="utf-8")
    (folder / "orders.txt").write_text(REPORT, encoding="utf-8")
    (folder / "feedsync.yaml").write_text(
        "source: {path: products.csv, currency: USD}\n"
        "channels:\n  google: {profile: google_merchant}\n"
        "orders:\n  sku_map: sku_map.csv\n  sink: {type: directory, path: incoming}\n" + orders,
        encoding="utf-8",
    )
    return folder


def _created(folder: Path) -> Counter[str]:
    return Counter(
        event["order"]["order_id"]
        for path in (folder / "incoming").glob("orders-*.jsonl")
        for event in map(json.loads, path.read_text(encoding="utf-8").splitlines())
        if event["event"] == "order.created"
    )


def _state(folder: Path, query: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(folder / ".feedsync" / "state.sqlite") as db:
        return db.execute(query).fetchall()


def _killed_at_each_step(template: Path, root: Path, args: tuple[str, ...]) -> Iterator[tuple[str, Path]]:
    """(checkpoint, a copy of ``template`` in ``root`` where the command ``args`` was killed there) for each
    checkpoint a report import passes."""
    points = list(dict.fromkeys(points_passed(*args, cwd=template)))
    assert points == ["atomic.written", "orders.directory-written", "orders.handled"]
    for point in points:
        shop = root / point
        shutil.copytree(template, shop, ignore=shutil.ignore_patterns(".feedsync", "incoming"))
        assert run_feedsync(*args, cwd=shop, fault=point).returncode == KILLED
        yield point, shop


def test_a_kill_at_each_step_of_a_report_import_loses_and_repeats_nothing(tmp_path: Path) -> None:
    template = _shop(tmp_path / "template", "")
    args = ("import-orders", "--from-file", "orders.txt")
    for point, shop in _killed_at_each_step(template, tmp_path, args):
        rerun = run_feedsync(*args, cwd=shop)
        assert rerun.returncode == 1, rerun.stderr  # O2 is still reported (ORD010)
        assert "ORD010 order O2" in rerun.stderr
        assert _created(shop) == Counter({"O1": 1, "O3": 1}), point
        imported = _state(shop, "SELECT order_id FROM orders WHERE state = 'imported' ORDER BY order_id")
        assert imported == [("O1",), ("O3",)]
        # O1 changed on Amazon since (a line's units): told, never imported again
        (shop / "changed.txt").write_text(
            REPORT.replace("SKU-A\t2\tUSD\t40.00", "SKU-A\t3\tUSD\t60.00", 1), encoding="utf-8"
        )
        changed = run_feedsync("import-orders", "--from-file", "changed.txt", cwd=shop)
        assert "ORD003 order O1 changed on amazon since its import: line I1 (SKU-A) has 3 unit(s), was 2" in (
            changed.stderr
        )
        assert _created(shop) == Counter({"O1": 1, "O3": 1}), point


PARTLY = (
    "order-id\torder-item-id\tpurchase-date\tsku\tquantity-purchased\tquantity-shipped\tquantity-to-ship\t"
    "currency\titem-tax\n"
    "O1\tI1\t2026-11-20T10:00:00Z\tSKU-A\t3\t1\t2\tUSD\t1.00\n"  # 1 shipped before: 2 to the store, 0.67 tax
    "O1\tI2\t2026-11-20T10:00:00Z\tSKU-B\t1\t0\t0\tUSD\t0.50\n"  # cancelled: left out
    "O4\tI5\t2026-11-20T10:00:00Z\tSKU-B\t1\t0\t0\tUSD\t0.50\n"  # nothing left to ship: not imported
)


def test_a_kill_at_each_step_of_an_import_of_partly_shipped_orders_imports_the_units_to_ship_once(
    tmp_path: Path,
) -> None:
    template = _shop(tmp_path / "template", "")
    (template / "orders.txt").write_text(PARTLY, encoding="utf-8")
    args = ("import-orders", "--from-file", "orders.txt")
    for point, shop in _killed_at_each_step(template, tmp_path, args):
        rerun = run_feedsync(*args, cwd=shop)
        assert rerun.returncode == 0, rerun.stderr
        if point != "orders.handled":  # (killed there, the state knew both orders already)
            assert "ORD012 order O1 is partially_shipped on amazon; only what is still to ship" in rerun.stderr
        again = run_feedsync(*args, cwd=shop)
        assert again.returncode == 0 and "2 already known" in again.stderr, again.stderr
        events = [
            (
                event["order"]["order_id"],
                [(x["line_id"], x["quantity"], x["tax"]["amount"]) for x in event["order"]["lines"]],
            )
            for path in (shop / "incoming").glob("orders-*.jsonl")
            for event in map(json.loads, path.read_text(encoding="utf-8").splitlines())
        ]
        assert events == [("O1", [("I1", 2, "0.67")])], point  # (2 of the 3 units' tax, once)
        assert _state(shop, "SELECT order_id, state FROM orders ORDER BY order_id") == [
            ("O1", "imported"),
            ("O4", "skipped"),
        ]


# -- the SP-API, served on loopback -----------------------------------------------------------------------------


def _order(order_id: str, created: str) -> dict[str, Any]:
    return {
        "orderId": order_id,
        "createdTime": created,
        "lastUpdatedTime": "2026-11-21T10:00:00Z",
        "salesChannel": {"channelName": "AMAZON", "marketplaceId": "ATVPDKIKX0DER"},
        "fulfillment": {"fulfillmentStatus": "UNSHIPPED", "fulfilledBy": "MERCHANT"},
        "orderItems": [
            {
                "orderItemId": f"{order_id}-1",
                "quantityOrdered": 1,
                "product": {"sellerSku": "SKU-A", "price": {"unitPrice": {"amount": "20.00", "currencyCode": "USD"}}},
            }
        ],
    }


ORDERS = [_order("111-0000001-0000001", "2026-11-21T09:00:00Z"), _order("111-0000002-0000002", "0001-01-01T00:00:00Z")]


class _Amazon(JsonHandler):
    def do_POST(self) -> None:
        self.body()
        self.answer({"access_token": "Atza|t", "expires_in": 3600})

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        datasets = asked(query)  # (Amazon answers the datasets asked for alone)
        if path == "/orders/2026-01-01/orders":
            self.answer(
                {"orders": [as_asked(o, datasets) for o in ORDERS], "lastUpdatedBefore": "2026-11-22T08:00:00Z"}
            )
        else:
            self.answer({"order": as_asked(next(o for o in ORDERS if path.endswith(o["orderId"])), datasets)})


@pytest.fixture
def amazon() -> Iterator[str]:
    with serving(_Amazon) as url:
        yield url


def test_a_kill_at_each_step_of_an_api_import_keeps_the_cursor_until_every_order_is_handled(
    tmp_path: Path, amazon: str
) -> None:
    api = (
        f"  api: {{marketplace_id: ATVPDKIKX0DER, client_id: x, endpoint: '{amazon}', lwa_url: '{amazon}/token', "
        "client_secret: {env: FS_TEST_CLIENT}, refresh_token: {env: FS_TEST_REFRESH}}\n"
    )
    template = _shop(tmp_path / "template", api)
    args = ("import-orders", "--since", "2026-11-20T00:00:00Z")
    points = list(dict.fromkeys(points_passed(*args, cwd=template, env=ENV)))
    assert points == ["atomic.written", "orders.directory-written", "orders.handled"]
    cursor = "SELECT value FROM cursors"
    for point in points:
        shop = tmp_path / point
        shutil.copytree(template, shop, ignore=shutil.ignore_patterns(".feedsync", "incoming"))
        assert run_feedsync(*args, cwd=shop, fault=point, env=ENV).returncode == KILLED
        assert _state(shop, cursor) == []  # killed before the cursor moved
        rerun = run_feedsync(*args, cwd=shop, env=ENV)
        assert rerun.returncode == 1, rerun.stderr
        assert "ORD010 order 111-0000002-0000002 held: purchase-date 0001-01-01" in rerun.stderr
        assert _created(shop) == Counter({"111-0000001-0000001": 1}), point
        assert _state(shop, "SELECT order_id, state FROM orders ORDER BY order_id") == [
            ("111-0000001-0000001", "imported"),
            ("111-0000002-0000002", "held"),
        ]
        assert _state(shop, cursor) == [("2026-11-22T08:00:00Z",)]


PAGED = [_order("111-0000003-0000003", "2026-11-21T09:00:00Z"), _order("111-0000004-0000004", "2026-11-21T09:30:00Z")]


class _Throttling(_Amazon):
    """searchOrders in two pages, the second throttled (429, as Amazon answers it: no Retry-After) every other time
    it is asked for, so each run reads it twice; the first tells a usage plan of 2 requests a second (so the run
    waits a second, its backoff, not the default plan's 179 s)."""

    asked_second = 0

    def do_GET(self) -> None:
        _, _, query = self.path.partition("?")
        datasets = asked(query)
        if "paginationToken=page-2" not in query:
            first = [as_asked(PAGED[0], datasets)]
            self.answer(
                {"orders": first, "pagination": {"nextToken": "page-2"}, "lastUpdatedBefore": "2026-11-22T08:00:00Z"},
                headers={"x-amzn-RateLimit-Limit": "2.0"},
            )
            return
        type(self).asked_second += 1
        if type(self).asked_second % 2:
            body = {
                "errors": [{"code": "QuotaExceeded", "message": "You exceeded your quota for the requested resource."}]
            }
            self.answer(body, status=429)
            return
        self.answer({"orders": [as_asked(PAGED[1], datasets)], "lastUpdatedBefore": "2026-11-22T08:00:00Z"})


def test_a_kill_at_each_step_of_an_api_import_with_a_throttled_page_imports_each_order_once(tmp_path: Path) -> None:
    with serving(_Throttling) as amazon:
        api = (
            f"  api: {{marketplace_id: ATVPDKIKX0DER, client_id: x, endpoint: '{amazon}', lwa_url: '{amazon}/token', "
            "client_secret: {env: FS_TEST_CLIENT}, refresh_token: {env: FS_TEST_REFRESH}}\n"
        )
        template = _shop(tmp_path / "template", api)
        args = ("import-orders", "--since", "2026-11-20T00:00:00Z")
        points = list(dict.fromkeys(points_passed(*args, cwd=template, env=ENV)))
        assert points == ["atomic.written", "orders.directory-written", "orders.handled"]
        for point in points:
            shop = tmp_path / point
            shutil.copytree(template, shop, ignore=shutil.ignore_patterns(".feedsync", "incoming"))
            assert run_feedsync(*args, cwd=shop, fault=point, env=ENV).returncode == KILLED
            rerun = run_feedsync(*args, cwd=shop, env=ENV)
            assert rerun.returncode == 0, rerun.stderr
            assert "searchOrders: throttled (HTTP 429); waiting" in rerun.stderr
            assert _created(shop) == Counter({"111-0000003-0000003": 1, "111-0000004-0000004": 1}), point
            assert _state(shop, "SELECT value FROM cursors") == [("2026-11-22T08:00:00Z",)]


def test_a_kill_at_each_step_of_an_import_that_finds_a_line_cancelled_since_tells_it_and_imports_nothing_twice(
    tmp_path: Path,
) -> None:
    """A kill after the findings are out and before the state knows they were told (orders.cancellations-told)
    tells the cancellation again on the rerun: told twice rather than never (stderr and the state are not written
    at once); at every other step it is told once."""
    template = _shop(tmp_path / "template", "")
    (template / "orders.txt").write_text(PARTLY, encoding="utf-8")
    assert run_feedsync("import-orders", "--from-file", "orders.txt", cwd=template).returncode == 0
    (template / "changed.txt").write_text(PARTLY.replace("SKU-A\t3\t1\t2", "SKU-A\t3\t1\t1"), encoding="utf-8")
    args = ("import-orders", "--from-file", "changed.txt")
    told = "ORD003 order O1: line I1 (SKU SKU-A): 1 unit(s) cancelled on amazon since its import"
    points = list(dict.fromkeys(points_passed(*args, cwd=shutil.copytree(template, tmp_path / "points"))))
    assert points == ["orders.cancellation-recorded", "orders.handled", "orders.cancellations-told"]
    for point in points:
        shop = shutil.copytree(template, tmp_path / point)
        killed = run_feedsync(*args, cwd=shop, fault=point)
        assert killed.returncode == KILLED
        runs = [killed.stderr] + [run_feedsync(*args, cwd=shop).stderr for _ in range(2)]
        expected = [1, 1, 0] if point == "orders.cancellations-told" else [0, 1, 0]
        assert [text.count(told) for text in runs] == expected, (point, runs)
        assert _created(shop) == Counter({"O1": 1}), point


class _Cancelling(_Amazon):
    """searchOrders as Amazon answers it, only the orders updated after ``lastUpdatedAfter``: one order of 3 units
    of SKU-A; from ``phase`` 2 on, 2 of them cancelled (updated 2026-11-23T09:00), an update a run whose cursor
    moved past it never reads again."""

    phase = 1

    def do_GET(self) -> None:
        _, _, query = self.path.partition("?")
        order = _order("111-0000001-0000001", "2026-11-21T09:00:00Z")
        item = order["orderItems"][0]
        item["quantityOrdered"], item["fulfillment"] = 3, {"quantityFulfilled": 0, "quantityUnfulfilled": 3}
        before = "2026-11-22T08:00:00Z"
        if type(self).phase >= 2:
            order["lastUpdatedTime"] = "2026-11-23T09:00:00Z"
            item["fulfillment"] = {"quantityFulfilled": 0, "quantityUnfulfilled": 1}
            before = "2026-11-23T10:00:00Z" if type(self).phase == 2 else "2026-11-24T10:00:00Z"
        after = parse_qs(query)["lastUpdatedAfter"][0]
        orders = [as_asked(order, asked(query))] if order["lastUpdatedTime"] > after else []
        self.answer({"orders": orders, "lastUpdatedBefore": before})


def test_a_kill_at_each_step_of_an_api_import_that_finds_a_line_cancelled_since_tells_it_and_keeps_it(
    tmp_path: Path,
) -> None:
    """The SP-API lists an order again only while it is updated after the cursor: a run killed after the cursor
    moved past the cancellation still has it told by the next (the state keeps it untold until the finding is
    out), and the stored order has the units cancelled from the run that read it, so push-tracking confirms none
    of them. Told twice at most (killed after printing it), never not at all; nothing imported twice."""
    with serving(_Cancelling) as amazon:
        api = (
            f"  api: {{marketplace_id: ATVPDKIKX0DER, client_id: x, endpoint: '{amazon}', lwa_url: '{amazon}/token', "
            "client_secret: {env: FS_TEST_CLIENT}, refresh_token: {env: FS_TEST_REFRESH}}\n"
        )
        template = _shop(tmp_path / "template", api)
        _Cancelling.phase = 1
        first = run_feedsync("import-orders", "--since", "2026-11-20T00:00:00Z", cwd=template, env=ENV)
        assert first.returncode == 0, first.stderr
        _Cancelling.phase = 2
        points = list(
            dict.fromkeys(points_passed("import-orders", cwd=shutil.copytree(template, tmp_path / "p"), env=ENV))
        )
        assert points == ["orders.cancellation-recorded", "orders.handled", "orders.cancellations-told"]
        told = "ORD003 order 111-0000001-0000001: line 111-0000001-0000001-1 (SKU SKU-A): 2 unit(s) cancelled on amazon"
        ships = "order_id,carrier,tracking_number,ship_date\n111-0000001-0000001,UPS,1Z999,2026-11-24\n"
        for point in points:
            shop = shutil.copytree(template, tmp_path / point)
            _Cancelling.phase = 2
            killed = run_feedsync("import-orders", cwd=shop, env=ENV, fault=point)
            assert killed.returncode == KILLED
            _Cancelling.phase = 3  # (the cancellation is listed only to a run whose cursor is before it)
            runs = [killed.stderr] + [run_feedsync("import-orders", cwd=shop, env=ENV).stderr for _ in range(2)]
            expected = [1, 1, 0] if point == "orders.cancellations-told" else [0, 1, 0]
            assert [text.count(told) for text in runs] == expected, (point, runs)
            payload = json.loads(_state(shop, "SELECT payload FROM orders")[0][0])
            assert [(x["quantity"], x["cancelled"]) for x in payload["lines"]] == [(1, 2)], point
            assert _state(shop, "SELECT * FROM untold") == [], point
            assert _created(shop) == Counter({"111-0000001-0000001": 1}), point
            (shop / "ship.csv").write_text(ships, encoding="utf-8")
            tracking = run_feedsync("push-tracking", "--shipments", "ship.csv", "--dry-run", cwd=shop, env=ENV)
            assert tracking.returncode == 0, tracking.stderr
            assert tracking.stdout.count("would confirm order 111-0000001-0000001") == 1, tracking.stdout
            assert tracking.stdout.rstrip().endswith("x1"), tracking.stdout
