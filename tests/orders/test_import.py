from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

import pytest

from feedsync.config import DirectoryOrderSink
from feedsync.diagnostics import Diagnostic
from feedsync.errors import ConfigError, SourceError
from feedsync.model.order import FulfilledBy, HeldPackage, Order, OrderStatus
from feedsync.orders.importer import ImportResult, import_orders, note_told
from feedsync.orders.mapping import SkuMap
from feedsync.orders.report_file import read_order_report
from feedsync.orders.sinks import DirectorySink
from feedsync.state import State

COLUMNS = (
    "order-id\torder-item-id\tpurchase-date\tbuyer-email\tbuyer-name\tsku\tproduct-name\tquantity-purchased\tcurrency\t"
    "item-price\titem-tax\tshipping-price\tship-service-level\trecipient-name\tship-address-1\tship-address-2\t"
    "ship-city\tship-state\tship-postal-code\tship-country\tfulfillment-channel\n"
)


def line(
    order: str,
    item: str,
    sku: str,
    qty: str = "1",
    price: str = "20.00",
    *,
    date: str = "2026-11-20T10:00:00Z",
    channel: str = "Merchant",
) -> str:
    return (
        f"{order}\t{item}\t{date}\tb@marketplace.amazon.com\tAnn Lee\t{sku}\tA shirt\t{qty}\tUSD\t{price}\t1.60\t4.99\t"
        f"Standard\tAnn Lee\t1 Main St\tUnit 2\tAustin\tTX\t78701\tus\t{channel}\n"
    )


def report(tmp: Path, *lines: str, name: str = "orders.txt") -> Path:
    path = tmp / name
    path.write_text(COLUMNS + "".join(lines), encoding="utf-8")
    return path


def published(state: State, *skus: str) -> None:
    """What a push to the amazon channel leaves in the state: catalog id -> the SKU it was listed under."""
    state.record_items(
        "amazon", "amazon_sp_api:na", [(f"cat-{s}", "h") for s in skus], keys={f"cat-{s}": s for s in skus}
    )


def run(tmp: Path, state: State, path: Path, found: list[Diagnostic] | None = None, **kw: object):  # type: ignore[no-untyped-def]
    sink = DirectorySink(DirectoryOrderSink(type="directory", path=tmp / "in"))
    skus = SkuMap(state, "amazon", kw.pop("sku_map", None))  # type: ignore[arg-type]
    return import_orders(
        read_order_report(path, (found if found is not None else []).append),
        state=state,
        sink=sink,
        skus=skus,
        emit=(found if found is not None else []).append,
        **kw,  # type: ignore[arg-type]
    )


def into(
    sink: object, state: State, source: Path | Iterable[Order], emit: object = pytest.fail, **options: object
) -> ImportResult:
    """Import a report file (or orders) into ``sink``, mapping SKUs through what the amazon channel published."""
    orders = read_order_report(source, pytest.fail) if isinstance(source, Path) else source
    return import_orders(orders, state=state, sink=sink, skus=SkuMap(state, "amazon"), emit=emit, **options)  # type: ignore[arg-type]


def events(tmp: Path) -> list[tuple[str, str]]:
    out = []
    for file in sorted((tmp / "in").glob("orders-*.jsonl")):
        for text in file.read_text(encoding="utf-8").splitlines():
            event = json.loads(text)
            out.append((event["event"], event["order"]["order_id"]))
    return out


def test_the_report_file_becomes_orders_with_lines_per_unit_prices_and_address(tmp_path: Path) -> None:
    path = report(
        tmp_path,
        line("111-1", "9001", "SKU-A", qty="2", price="40.00"),
        line("111-1", "9002", "SKU-B"),
        line("222-2", "9003", "SKU-A", channel="Amazon"),
    )
    [first, second] = list(read_order_report(path, pytest.fail))
    assert (first.order_id, first.status, first.currency, first.fulfilled_by) == (
        "111-1",
        OrderStatus.UNSHIPPED,
        "USD",
        FulfilledBy.MERCHANT,
    )
    assert [(x.line_id, x.marketplace_sku, x.quantity) for x in first.lines] == [
        ("9001", "SKU-A", 2),
        ("9002", "SKU-B", 1),
    ]
    assert first.lines[0].unit_price is not None and first.lines[0].unit_price.amount == Decimal("20.00")  # 40.00 for 2
    assert first.ship_to is not None
    assert (first.ship_to.lines, first.ship_to.postal_code, first.ship_to.country_code) == (
        ("1 Main St", "Unit 2"),
        "78701",
        "US",
    )
    assert first.purchased_at.isoformat() == "2026-11-20T10:00:00+00:00"
    assert second.fulfilled_by == FulfilledBy.MARKETPLACE


def test_a_bad_row_is_pointed_at_and_leaves_its_whole_order_out(tmp_path: Path) -> None:
    path = report(
        tmp_path,
        line("111-1", "9001", "SKU-A"),
        line("111-1", "9002", "SKU-B", qty="two"),
        line("222-2", "9003", "SKU-A"),
    )
    found: list[Diagnostic] = []
    orders = list(read_order_report(path, found.append))
    assert [o.order_id for o in orders] == ["222-2"]
    [problem] = found
    assert (problem.code, problem.product_id, problem.field, problem.value) == (
        "ORD001",
        "111-1",
        "quantity-purchased",
        "two",
    )
    assert (problem.location.path, problem.location.row, problem.location.column) == (str(path), 3, 8)  # type: ignore[union-attr]


def test_a_line_in_another_currency_than_its_order_s_first_is_pointed_at(tmp_path: Path) -> None:
    """An order's lines share its currency: a line in another is ORD001 at its currency cell, and the order is left
    out, not imported with the line's amount relabelled in the first line's currency."""
    euro = line("111-1", "9002", "SKU-B", price="20.00").replace("\tUSD\t", "\tEUR\t")
    path = report(tmp_path, line("111-1", "9001", "SKU-A"), euro, line("222-2", "9003", "SKU-A"))
    found: list[Diagnostic] = []
    assert [o.order_id for o in read_order_report(path, found.append)] == ["222-2"]
    [problem] = found
    assert (problem.code, problem.field, problem.value) == ("ORD001", "currency", "EUR")
    assert (problem.location.row, problem.location.column) == (3, 9)  # type: ignore[union-attr]
    assert "its first line's is 'USD'" in problem.message
    blank = line("333-3", "9005", "SKU-B", price="").replace("\tUSD\t", "\t\t")  # (a line without a price)
    path = report(tmp_path, line("333-3", "9004", "SKU-A"), blank, name="blank.txt")
    assert [o.order_id for o in read_order_report(path, pytest.fail)] == ["333-3"]


def test_a_file_that_is_not_an_order_report_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("id\ttitle\nA\tB\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"x.txt:1: not an Amazon order report: no column order-id"):
        list(read_order_report(path, pytest.fail))


def test_importing_twice_imports_each_order_once(tmp_path: Path) -> None:
    path = report(tmp_path, line("111-1", "9001", "SKU-A"), line("222-2", "9002", "SKU-B"))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A", "SKU-B")
        first = run(tmp_path, state, path)
        second = run(tmp_path, state, path)
        record = state.order("amazon", "111-1")
    assert (first.imported, second.imported, second.unchanged) == (["111-1", "222-2"], [], 2)
    assert events(tmp_path) == [("order.created", "111-1"), ("order.created", "222-2")]
    assert record is not None and record.state == "imported" and record.sink_ref and "111-1" in record.sink_ref
    [created] = [json.loads(x) for x in next((tmp_path / "in").glob("*.jsonl")).read_text().splitlines()][:1]
    assert [x["catalog_id"] for x in created["order"]["lines"]] == ["cat-SKU-A"]


def test_a_crash_between_the_sink_and_the_state_does_not_duplicate_the_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = report(tmp_path, line("111-1", "9001", "SKU-A"))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")

        def crash(*args: object, **kwargs: object) -> None:
            raise KeyboardInterrupt

        with monkeypatch.context() as patch:
            patch.setattr(state, "record_order", crash)
            with pytest.raises(KeyboardInterrupt):
                run(tmp_path, state, path)
        assert events(tmp_path) == [("order.created", "111-1")]  # the sink has it; the state does not
        assert state.order("amazon", "111-1") is None
        rerun = run(tmp_path, state, path)
        assert (rerun.imported, rerun.recovered) == ([], ["111-1"])
        assert state.order("amazon", "111-1").state == "imported"  # type: ignore[union-attr]
    assert events(tmp_path) == [("order.created", "111-1")]


def test_an_order_cancelled_after_a_crash_made_it_a_store_order_is_cancelled_in_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sink made the order, the state never knew, and the buyer cancelled before the next run: the store's
    order is found and cancelled, not left for the store to ship."""
    path = report(tmp_path, line("111-1", "9001", "SKU-A"))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        order = next(read_order_report(path, pytest.fail))

        def crash(*args: object, **kwargs: object) -> None:
            raise KeyboardInterrupt

        with monkeypatch.context() as patch:
            patch.setattr(state, "record_order", crash)
            with pytest.raises(KeyboardInterrupt):
                into(DirectorySink(DirectoryOrderSink(type="directory", path=tmp_path / "in")), state, [order])
        cancelled = order.model_copy(update={"status": OrderStatus.CANCELLED})
        sink = DirectorySink(DirectoryOrderSink(type="directory", path=tmp_path / "in"))
        rerun = into(sink, state, [cancelled])
        assert (rerun.updated, rerun.skipped) == (["111-1"], 0)
        record = state.order("amazon", "111-1")
        assert record is not None and (record.state, record.status) == ("imported", OrderStatus.CANCELLED)
        never = into(sink, state, [cancelled.model_copy(update={"order_id": "111-2"})])  # no store order: skipped
        assert (never.updated, never.skipped) == ([], 1)
    assert events(tmp_path) == [("order.created", "111-1"), ("order.updated", "111-1")]


def test_an_orders_file_the_directory_sink_cannot_read_stops_the_import_naming_its_line(tmp_path: Path) -> None:
    """A blank line is passed over; a line that is not an event's JSON (a hand edit, a full disk) stops the run
    with an error naming the file and line, not a traceback: which orders the folder holds cannot be told."""
    from feedsync.errors import RemoteError

    path = report(tmp_path, line("111-1", "9001", "SKU-A"))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        run(tmp_path, state, path)
        (file,) = (tmp_path / "in").glob("orders-*.jsonl")
        file.write_text(file.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        assert run(tmp_path, state, report(tmp_path, line("111-2", "9002", "SKU-A"))).imported == ["111-2"]
        with file.open("a", encoding="utf-8") as handle:
            handle.write('{"event": "order.cre\n')
        with pytest.raises(RemoteError, match=rf"{file.name}:3: not JSON: .*mend or move the file") as raised:
            run(tmp_path, state, report(tmp_path, line("111-3", "9003", "SKU-A")))
        assert raised.value.exit_code == 3 and state.order("amazon", "111-3") is None


def test_an_unknown_sku_holds_the_order_until_it_is_mapped(tmp_path: Path) -> None:
    path = report(tmp_path, line("111-1", "9001", "SKU-A"), line("111-1", "9002", "OLD-7"))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        found: list[Diagnostic] = []
        held = run(tmp_path, state, path, found)
        assert held.held == ["111-1"] and not held.imported
        assert [(d.code, d.product_id, d.value) for d in found] == [("ORD002", "111-1", "OLD-7")]
        assert events(tmp_path) == []  # never half-mapped
        assert run(tmp_path, state, path).held == ["111-1"]  # still held, still not imported

        # mapped by hand; the order is retried from the state even though the next report no longer lists it
        mapping = tmp_path / "map.csv"
        mapping.write_text("marketplace_sku,catalog_id\nOLD-7,cat-7\n", encoding="utf-8")
        later = run(tmp_path, state, report(tmp_path, name="empty.txt"), sku_map=mapping)
        assert later.imported == ["111-1"]
        assert run(tmp_path, state, path, sku_map=mapping).unchanged == 1
    assert events(tmp_path) == [("order.created", "111-1")]
    [created] = [json.loads(x) for x in next((tmp_path / "in").glob("*.jsonl")).read_text().splitlines()]
    assert [x["catalog_id"] for x in created["order"]["lines"]] == ["cat-SKU-A", "cat-7"]


def test_a_held_order_marked_handled_is_never_imported_and_its_later_news_is_kept_and_told(tmp_path: Path) -> None:
    """Marked handled (all or none: an id not held changes nothing), a held order is no longer retried; mapped
    since, it is still not imported. What the marketplace says of it later is kept and told as of an imported
    order: a package shipped (push-tracking numbers its own after it), a line's units cancelled (ORD003, an error
    naming the store order entered by hand), the order cancelled whole (ORD003, an error: no sink holds it)."""
    path = report(tmp_path, line("111-1", "9001", "OLD-7", qty="2", price="40.00"), line("222-2", "9002", "SKU-A"))
    sink = DirectorySink(DirectoryOrderSink(type="directory", path=tmp_path / "in"))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        assert run(tmp_path, state, path).held == ["111-1"]
        assert state.mark_handled("amazon", ["111-1", "222-2"], "by hand") == ["222-2"]  # 222-2: imported
        assert [order_id for order_id, _, _ in state.held_orders("amazon")] == ["111-1"]
        assert state.mark_handled("amazon", ["111-1", "111-1"], "by hand") == []
        assert state.held_orders("amazon") == [] and state.order("amazon", "111-1").state == "handled"  # type: ignore[union-attr]

        mapping = tmp_path / "map.csv"
        mapping.write_text("marketplace_sku,catalog_id\nOLD-7,cat-7\n", encoding="utf-8")
        again = run(tmp_path, state, path, sku_map=mapping)
        assert again.imported == [] and again.held == [] and again.unchanged == 2

        # (an order report has no status column: these come from the SP-API)
        held = Order.model_validate_json(state.order_payload("amazon", "111-1") or "")
        [was] = held.lines
        shipped = held.model_copy(
            update={
                "status": OrderStatus.PARTIALLY_SHIPPED,
                "lines": (was.model_copy(update={"quantity": 0, "shipped": 1, "cancelled": 1}),),
                "packages": (HeldPackage(reference="1", tracking_number="SC-1", items=(("9001", 1),)),),
            }
        )
        found: list[Diagnostic] = []
        told = into(sink, state, [shipped], found.append)
        assert told.imported == []
        note_told(state, told)  # (the CLI does so once the findings are out)
        assert [(d.code, d.severity.value, d.field, d.value) for d in found] == [("ORD003", "error", "quantity", "1")]
        assert "since feedsync held it; the store order entered by hand still holds them" in found[0].message
        assert "feedsync passes on nothing of an order marked handled" in found[0].message
        kept = Order.model_validate_json(state.order_payload("amazon", "111-1") or "")
        assert kept.status == OrderStatus.PARTIALLY_SHIPPED and [p.tracking_number for p in kept.packages] == ["SC-1"]
        assert [(x.quantity, x.cancelled) for x in kept.lines] == [(1, 1)]  # the unit cancelled is confirmed never

        moved = shipped.model_copy(update={"packages": (*shipped.packages, HeldPackage(reference="2"))})
        assert into(sink, state, [moved]).unchanged == 1  # a package more, the status the same: kept, note and all
        assert len(Order.model_validate_json(state.order_payload("amazon", "111-1") or "").packages) == 2
        assert state.order("amazon", "111-1").message == "by hand"  # type: ignore[union-attr]

        cancelled = shipped.model_copy(update={"status": OrderStatus.CANCELLED})
        for _ in range(2):  # told on every read (a run killed before it printed it must not lose it)
            found.clear()
            result = into(sink, state, [cancelled], found.append)
            assert result.imported == [] and result.updated == []
            assert [(d.code, d.severity.value, d.value) for d in found] == [("ORD003", "error", OrderStatus.CANCELLED)]
            assert "marked handled" in found[0].message and "cancel the store order by hand" in found[0].message
            record = state.order("amazon", "111-1")
            assert record is not None and (record.state, record.status, record.message) == (
                "handled",
                "partially_shipped",  # (its old status: the cancellation is told again)
                "by hand",
            )
            kept = Order.model_validate_json(state.order_payload("amazon", "111-1") or "")
            assert kept.status == OrderStatus.CANCELLED  # (push-tracking reads it)
    assert events(tmp_path) == [("order.created", "222-2")]


def test_later_status_changes_reach_the_sink_and_other_orders_are_left_alone(tmp_path: Path) -> None:
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        sink = DirectorySink(DirectoryOrderSink(type="directory", path=tmp_path / "in"))
        skus = SkuMap(state, "amazon")
        order = next(read_order_report(report(tmp_path, line("111-1", "9001", "SKU-A")), pytest.fail))
        afn = order.model_copy(update={"order_id": "333-3", "fulfilled_by": FulfilledBy.MARKETPLACE})
        pending = order.model_copy(update={"order_id": "444-4", "status": OrderStatus.PENDING})
        cancelled = order.model_copy(update={"order_id": "555-5", "status": OrderStatus.CANCELLED})
        result = import_orders([order, afn, pending, cancelled], state=state, sink=sink, skus=skus, emit=pytest.fail)
        assert (result.imported, result.recorded, result.pending, result.skipped) == (["111-1"], ["333-3"], 1, 1)
        assert state.order("amazon", "444-4") is None  # pending: read again next run

        sink = DirectorySink(DirectoryOrderSink(type="directory", path=tmp_path / "in2"))
        gone = order.model_copy(update={"status": OrderStatus.CANCELLED})
        update = import_orders([gone], state=state, sink=sink, skus=skus, emit=pytest.fail)
        assert update.updated == ["111-1"] and state.order("amazon", "111-1").status == "cancelled"  # type: ignore[union-attr]
    [text] = next((tmp_path / "in2").glob("*.jsonl")).read_text().splitlines()
    assert (json.loads(text)["event"], json.loads(text)["order"]["status"]) == ("order.updated", "cancelled")


def test_dry_run_changes_nothing(tmp_path: Path) -> None:
    path = report(tmp_path, line("111-1", "9001", "SKU-A"))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        assert run(tmp_path, state, path, dry_run=True).imported == ["111-1"]
        assert state.order("amazon", "111-1") is None
    assert not (tmp_path / "in").exists()


def test_orders_json_round_trips_for_held_retries() -> None:
    order = Order.model_validate(
        {
            "marketplace": "amazon",
            "order_id": "1",
            "status": "unshipped",
            "purchased_at": "2026-11-20T10:00:00Z",
            "lines": [
                {
                    "line_id": "9",
                    "marketplace_sku": "S",
                    "quantity": 1,
                    "unit_price": {"amount": "1.50", "currency": "EUR"},
                }
            ],
        }
    )
    assert Order.model_validate_json(order.model_dump_json()) == order


def test_the_directory_sink_searches_only_files_written_since_the_order_could_be_imported(tmp_path: Path) -> None:
    """A run may have imported an order whose purchase date is up to a day ahead of its clock (``sanity``): the
    files written from a day and an hour before the purchase date on are searched, none older."""
    order = next(read_order_report(report(tmp_path, line("111-1", "9001", "SKU-A")), pytest.fail))  # 2026-11-20 10:00Z
    folder = tmp_path / "in"
    folder.mkdir()
    event = {"event": "order.created", "ref": "r", "order": {"marketplace": "amazon", "order_id": "111-1"}}
    old = folder / "orders-20261119T085900000000Z.jsonl"
    old.write_text(json.dumps(event) + "\n", encoding="utf-8")
    sink = DirectorySink(DirectoryOrderSink(type="directory", path=folder))
    assert sink.find(order) is None  # written before the order could be imported: never opened
    (folder / "orders-20261119T091000000000Z.jsonl").write_text(json.dumps({**event, "ref": "ahead"}) + "\n")
    assert sink.find(order) == "ahead"  # imported while its purchase date was 23 h 50 min ahead of the clock


class _Store:
    """A store sink that makes each change at once (as WooCommerce's, Shopify's and a webhook do), and fails the
    create of the orders named in ``failing``."""

    batched = False
    searchable = True

    def __init__(self, failing: set[str]) -> None:
        self.failing = failing
        self.orders: dict[str, Order] = {}
        self.updates: list[tuple[str, str]] = []

    def find(self, order: Order) -> str | None:
        return f"store-{order.order_id}" if order.order_id in self.orders else None

    def create(self, order: Order) -> str:
        if order.order_id in self.failing:
            from feedsync.errors import RemoteError

            raise RemoteError("store: HTTP 503")
        self.orders[order.order_id] = order
        return f"store-{order.order_id}"

    def update(self, ref: str, order: Order) -> bool:
        self.updates.append((ref, str(order.status)))
        return True

    def commit(self) -> None:
        return None

    def describe(self) -> str:
        return "the test store"


def test_a_status_change_a_store_applied_is_recorded_at_once_so_a_later_failure_never_applies_it_again(
    tmp_path: Path,
) -> None:
    """A store applies an update as it is sent: were it recorded only at the run's end, a failure later in the run
    (another order's create answered 503) would leave it unrecorded, and the next run would cancel the store order
    a second time."""
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        order = next(read_order_report(report(tmp_path, line("111-1", "9001", "SKU-A")), pytest.fail))
        other = next(read_order_report(report(tmp_path, line("222-2", "9002", "SKU-A"), name="b.txt"), pytest.fail))
        store = _Store(failing={"222-2"})
        into(store, state, [order])
        cancelled = order.model_copy(update={"status": OrderStatus.CANCELLED})
        from feedsync.errors import RemoteError

        with pytest.raises(RemoteError):
            into(store, state, [cancelled, other])
        store.failing.clear()
        rerun = into(store, state, [cancelled, other])
        assert rerun.imported == ["222-2"] and rerun.updated == []
    assert store.updates == [("store-111-1", str(OrderStatus.CANCELLED))]


def test_an_order_report_s_shipping_tax_and_gift_wrap_are_read(tmp_path: Path) -> None:
    """The All Orders report has shipping-tax, gift-wrap-price and gift-wrap-tax beside item-tax: they were not
    read, and the store order lacked what the buyer paid for them."""
    header = COLUMNS.rstrip("\n") + "\tshipping-tax\tgift-wrap-price\tgift-wrap-tax\n"
    path = tmp_path / "orders.txt"
    path.write_text(header + line("111-1", "9001", "SKU-A").rstrip("\n") + "\t0.50\t3.99\t0.40\n", encoding="utf-8")
    [order] = list(read_order_report(path, pytest.fail))
    [read] = order.lines
    assert (str(read.tax), str(read.shipping), str(read.shipping_tax)) == ("1.60 USD", "4.99 USD", "0.50 USD")
    [charge] = read.charges
    assert (charge.kind, str(charge.amount), str(charge.tax)) == ("gift_wrap", "3.99 USD", "0.40 USD")


def test_a_sku_map_not_utf8_is_a_config_error_at_its_line(tmp_path: Path) -> None:
    mapping = tmp_path / "sku_map.csv"
    mapping.write_bytes("marketplace_sku,catalog_id\nOLD-7,cat-7\nB07-HÄND,cat-8\n".encode("cp1252"))
    with State(tmp_path / "state.sqlite") as state, pytest.raises(ConfigError) as info:
        SkuMap(state, "amazon", mapping)
    assert str(info.value) == (
        f"{mapping}:3: the SKU map is not UTF-8 text (byte 44, 0xc4); save it as UTF-8 (Excel: CSV UTF-8)"
    )


def test_an_unshipped_orders_report_row_partly_shipped_or_cancelled_imports_only_the_units_to_ship(
    tmp_path: Path,
) -> None:
    """The unshipped orders report names quantity-purchased, quantity-shipped and quantity-to-ship: a line that
    had shipped 1 of 3 was imported with its 3 units. Only the units to ship reach the store (the unit price is
    the line's price over every unit purchased); a line with none to ship is left out, and ORD012 says so."""
    path = tmp_path / "orders.txt"
    head = "order-id\torder-item-id\tpurchase-date\tsku\tquantity-purchased\tquantity-shipped\tquantity-to-ship\t"
    path.write_text(
        head + "currency\titem-price\n"
        "111-1\t9001\t2026-11-20T10:00:00Z\tSKU-A\t3\t1\t2\tUSD\t60.00\n"
        "111-1\t9002\t2026-11-20T10:00:00Z\tSKU-B\t2\t0\t0\tUSD\t20.00\n",
        encoding="utf-8",
    )
    [order] = read_order_report(path, pytest.fail)
    assert order.status == OrderStatus.PARTIALLY_SHIPPED
    assert [(x.quantity, x.shipped, x.cancelled) for x in order.lines] == [(2, 1, 0), (0, 0, 2)]
    assert order.lines[0].unit_price is not None and order.lines[0].unit_price.amount == Decimal("20.00")
    found: list[Diagnostic] = []
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A", "SKU-B")
        sink = DirectorySink(DirectoryOrderSink(type="directory", path=tmp_path / "in"))
        assert into(sink, state, [order], found.append).imported == ["111-1"]
    [created] = [json.loads(t) for f in (tmp_path / "in").glob("*.jsonl") for t in f.read_text().splitlines()]
    assert [(x["line_id"], x["quantity"]) for x in created["order"]["lines"]] == [("9001", 2)]
    assert [d.code for d in found] == ["ORD012"]
    assert "line 9002 (SKU-B): 0 of 2 imported, 2 cancelled on amazon" in found[0].message


def test_a_report_row_whose_shipped_and_to_ship_units_pass_the_purchased_ones_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "orders.txt"
    path.write_text(
        "order-id\torder-item-id\tpurchase-date\tsku\tquantity-purchased\tquantity-shipped\tquantity-to-ship\n"
        "111-1\t9001\t2026-11-20T10:00:00Z\tSKU-A\t2\t1\t2\n",
        encoding="utf-8",
    )
    found: list[Diagnostic] = []
    assert list(read_order_report(path, found.append)) == []
    assert [(d.code, d.field, d.location.row if d.location else None) for d in found] == [
        ("ORD001", "quantity-to-ship", 2)
    ]


def test_a_change_of_an_imported_order_s_lines_or_address_is_told_and_nothing_is_imported_again(
    tmp_path: Path,
) -> None:
    """An imported order read again with another address, a line's units changed and a line added was counted
    unchanged, and nothing said that the store order no longer matched the marketplace's. ORD003 names the order
    and what changed on each read while it differs; the order is not imported again and the state keeps it as it
    was imported. A status change still reaches the store."""
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A", "SKU-B")
        assert run(tmp_path, state, report(tmp_path, line("111-1", "9001", "SKU-A"))).imported == ["111-1"]
        changed = report(
            tmp_path,
            line("111-1", "9001", "SKU-A", qty="2").replace("78701", "78702"),
            line("111-1", "9002", "SKU-B"),
            name="changed.txt",
        )
        for _ in range(2):
            found: list[Diagnostic] = []
            again = run(tmp_path, state, changed, found)
            assert (again.imported, again.unchanged) == ([], 1)
            assert [(d.code, d.severity.value, d.product_id, d.field) for d in found] == [
                ("ORD003", "warning", "111-1", "lines")
            ]
            assert (
                "order 111-1 changed on amazon since its import: line 9001 (SKU-A) has 2 unit(s), was 1; line 9002 "
                "(SKU-B) added, 1 unit(s); ship-to address (postal_code); " in found[0].message
            )
        stored = Order.model_validate_json(state.order_payload("amazon", "111-1") or "")
        assert [(x.line_id, x.quantity) for x in stored.lines] == [("9001", 1)]
        assert stored.ship_to is not None and stored.ship_to.postal_code == "78701"
        told: list[Diagnostic] = []
        assert run(tmp_path, state, report(tmp_path, line("111-1", "9001", "SKU-A")), told).unchanged == 1
        assert told == []  # as imported: nothing to tell
        cancelled = [
            o.model_copy(update={"status": OrderStatus.CANCELLED}) for o in read_order_report(changed, pytest.fail)
        ]
        sink = DirectorySink(DirectoryOrderSink(type="directory", path=tmp_path / "in"))
        updated = import_orders(cancelled, state=state, sink=sink, skus=SkuMap(state, "amazon"), emit=told.append)
        assert updated.updated == ["111-1"] and [d.code for d in told] == ["ORD003"]
    assert events(tmp_path) == [("order.created", "111-1"), ("order.updated", "111-1")]
