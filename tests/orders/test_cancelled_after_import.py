"""A line of an imported order cancelled on Amazon afterwards (the order itself goes on: unshipped, or shipped for
its other lines) reaches no sink: the store would ship it. Each such cancellation is told once (ORD003, an error
naming the order, the line, its SKU and the units), the stored order keeps it (push-tracking confirms none of those
units), and the order is never imported again. Amazon's signs of it: an order item's ``quantityOrdered`` beyond its
``fulfillment.quantityFulfilled`` and ``quantityUnfulfilled`` (``orders_2026-01-01.json``, OrderItemFulfillment:
"quantity remain to be processed and shipped"); the unshipped orders report's ``quantity-purchased`` beyond
``quantity-shipped`` and ``quantity-to-ship``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import respx

from feedsync.config import DirectoryOrderSink
from feedsync.diagnostics import Diagnostic
from feedsync.model.order import Order
from feedsync.orders.importer import ImportResult, note_told
from feedsync.orders.report_file import read_order_report
from feedsync.orders.sinks import DirectorySink
from feedsync.state import State
from tests.orders.amazon_answers import answering
from tests.orders.test_amazon_orders import SEARCH, _env, api, example_order, login  # noqa: F401
from tests.orders.test_import import into, published

NOW = datetime(2026, 11, 22, 8, 30, tzinfo=UTC)


def _created(folder: Path) -> list[str]:
    return [
        event["order"]["order_id"]
        for path in sorted(folder.glob("orders-*.jsonl"))
        for event in map(json.loads, path.read_text(encoding="utf-8").splitlines())
        if event["event"] == "order.created"
    ]


def _stored(state: State, order_id: str) -> list[tuple[str, int, int]]:
    stored = Order.model_validate_json(state.order_payload("amazon", order_id) or "")
    return [(x.line_id, x.quantity, x.cancelled) for x in stored.lines]


def _two_lines(status: str, b_fulfilment: dict[str, int]) -> dict[str, Any]:
    raw = example_order("111-0000001-0000001", "SKU-A", status=status)
    a, b = raw["orderItems"][:2]
    a["product"]["sellerSku"], b["product"]["sellerSku"] = "SKU-A", "SKU-B"
    a["quantityOrdered"], a["fulfillment"] = 1, {"quantityFulfilled": 0, "quantityUnfulfilled": 1}
    b["quantityOrdered"], b["fulfillment"] = 3, b_fulfilment
    raw["orderItems"] = [a, b]
    return raw


def _run(router: respx.Router, state: State, folder: Path, raw: dict[str, Any]) -> tuple[ImportResult, list[Any]]:
    """One import of ``raw`` as searchOrders answers it, then the cancellations it told noted (as the CLI does once
    its findings are out)."""
    router.get(SEARCH).mock(side_effect=answering([{"orders": [raw], "lastUpdatedBefore": "2026-11-22T08:00:00Z"}]))
    found: list[Diagnostic] = []
    sink = DirectorySink(DirectoryOrderSink(type="directory", path=folder))
    result = into(sink, state, api(state).orders(now=NOW), found.append)
    note_told(state, result)
    return result, [(d.code, d.severity.value, d.product_id, d.field, d.value, d.message) for d in found]


@respx.mock(assert_all_mocked=True)
def test_units_of_a_line_cancelled_on_amazon_after_the_import_are_told_once_and_nothing_is_imported_again(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    login(respx_mock)
    folder = tmp_path / "in"
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A", "SKU-B")
        first, found = _run(respx_mock, state, folder, _two_lines("UNSHIPPED", {"quantityUnfulfilled": 3}))
        assert first.imported == ["111-0000001-0000001"] and found == []
        item_b = _stored(state, "111-0000001-0000001")[1][0]

        # 2 of line B's 3 units cancelled; the order is still to ship
        cancelled = _two_lines("UNSHIPPED", {"quantityFulfilled": 0, "quantityUnfulfilled": 1})
        second, found = _run(respx_mock, state, folder, cancelled)
        assert (second.imported, second.unchanged) == ([], 1)
        assert found == [
            (
                "ORD003",
                "error",
                "111-0000001-0000001",
                "quantity",
                "2",
                f"order 111-0000001-0000001: line {item_b} (SKU SKU-B): 2 unit(s) cancelled on amazon since its "
                f"import; directory:{folder} still holds them (feedsync passes on a change of status alone): take "
                "them off the store order by hand; told once",
            )
        ]
        assert _stored(state, "111-0000001-0000001")[1] == (item_b, 1, 2)  # (push-tracking confirms 1 of B)

        third, found = _run(respx_mock, state, folder, cancelled)  # read again: told already
        assert found == [] and third.imported == []

        # its last unit cancelled too, and line A shipped: the 1 unit more is told, once
        last = _two_lines("SHIPPED", {"quantityFulfilled": 0, "quantityUnfulfilled": 0})
        last["orderItems"][0]["fulfillment"] = {"quantityFulfilled": 1, "quantityUnfulfilled": 0}
        fourth, found = _run(respx_mock, state, folder, last)
        assert [(code, value) for code, _, _, _, value, _ in found] == [("ORD003", "1")]
        assert fourth.updated == ["111-0000001-0000001"]  # (its status goes to the store, as before)
        assert _stored(state, "111-0000001-0000001")[1] == (item_b, 0, 3)
        assert _run(respx_mock, state, folder, last)[1] == []
    assert _created(folder) == ["111-0000001-0000001"]


@respx.mock(assert_all_mocked=True)
def test_an_order_cancelled_whole_after_the_import_goes_to_the_store_as_its_status_not_line_by_line(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    login(respx_mock)
    folder = tmp_path / "in"
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A", "SKU-B")
        _run(respx_mock, state, folder, _two_lines("UNSHIPPED", {"quantityUnfulfilled": 3}))
        whole = _two_lines("CANCELLED", {"quantityFulfilled": 0, "quantityUnfulfilled": 0})
        whole["orderItems"][0]["fulfillment"] = {"quantityFulfilled": 0, "quantityUnfulfilled": 0}
        result, found = _run(respx_mock, state, folder, whole)
    assert result.updated == ["111-0000001-0000001"] and found == []


HEAD = "order-id\torder-item-id\tpurchase-date\tsku\tquantity-purchased\tquantity-shipped\tquantity-to-ship\n"


def _report_run(state: State, tmp_path: Path, rows: str) -> list[Diagnostic]:
    path = tmp_path / "orders.txt"
    path.write_text(HEAD + rows, encoding="utf-8")
    found: list[Diagnostic] = []
    sink = DirectorySink(DirectoryOrderSink(type="directory", path=tmp_path / "in"))
    note_told(state, into(sink, state, list(read_order_report(path, found.append)), found.append))
    return found


def test_a_report_line_cancelled_in_part_after_the_import_is_told_once(tmp_path: Path) -> None:
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A", "SKU-B")
        assert _report_run(state, tmp_path, "O1\tI1\t2026-11-20T10:00:00Z\tSKU-A\t2\t0\t2\n") == []
        cancelled = "O1\tI1\t2026-11-20T10:00:00Z\tSKU-A\t2\t0\t1\n"  # 1 of 2 cancelled since
        [told] = _report_run(state, tmp_path, cancelled)
        assert (told.code, told.severity.value, told.value) == ("ORD003", "error", "1")
        assert told.message.startswith("order O1: line I1 (SKU SKU-A): 1 unit(s) cancelled on amazon since its import")
        assert _report_run(state, tmp_path, cancelled) == []
        assert _stored(state, "O1") == [("I1", 1, 1)]
    assert _created(tmp_path / "in") == ["O1"]


@respx.mock(assert_all_mocked=True)
def test_a_cancellation_a_run_found_and_did_not_print_is_told_by_the_next_though_amazon_lists_the_order_no_more(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    """The run that reads a cancellation records it in the stored order at once (push-tracking is kept from its
    units whatever happens next) and keeps it untold until ``note_told`` (the CLI, once the findings are printed):
    a run that stops before (a failure after the order was read, a kill) has the next one tell it, though the next
    search (after the moved cursor) lists the order no more."""
    login(respx_mock)
    folder = tmp_path / "in"
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A", "SKU-B")
        _run(respx_mock, state, folder, _two_lines("UNSHIPPED", {"quantityUnfulfilled": 3}))
        item_b = _stored(state, "111-0000001-0000001")[1][0]
        cancelled = _two_lines("UNSHIPPED", {"quantityFulfilled": 0, "quantityUnfulfilled": 1})
        respx_mock.get(SEARCH).mock(return_value=httpx.Response(200, json={"orders": [cancelled]}))
        sink = DirectorySink(DirectoryOrderSink(type="directory", path=folder))
        found: list[Diagnostic] = []
        into(sink, state, api(state).orders(now=NOW), found.append)  # (its findings never printed)
        assert [(d.code, d.value) for d in found] == [("ORD003", "2")]
        assert _stored(state, "111-0000001-0000001")[1] == (item_b, 1, 2)
        assert state.untold("amazon") == [("111-0000001-0000001", item_b, "SKU-B", 2)]
        respx_mock.get(SEARCH).mock(return_value=httpx.Response(200, json={"orders": []}))
        again: list[Diagnostic] = []
        note_told(state, into(sink, state, api(state).orders(now=NOW), again.append))
        assert [(d.code, d.value, d.message) for d in again] == [("ORD003", "2", found[0].message)]
        assert state.untold("amazon") == [] and _run(respx_mock, state, folder, cancelled)[1] == []
        assert _stored(state, "111-0000001-0000001")[1] == (item_b, 1, 2)
