"""Hostile Amazon order reports through ``feedsync import-orders``: each case asserts the exit code, that every
order row is imported or named (its row, or its order, in a finding; or the whole file refused), and that a rerun
imports nothing twice."""

from __future__ import annotations

import copy
import functools
import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from feedsync.cli.app import app
from feedsync.config import DirectoryOrderSink
from feedsync.diagnostics import Diagnostic
from tests.sources.realdata import needs_realdata

runner = CliRunner()
HEADER = "order-id\torder-item-id\tpurchase-date\tsku\tproduct-name\tquantity-purchased\tcurrency\titem-price"
SKUS = ("SKU-A", "SKU-B", "ÄÖÜ-ß-🙂-SKU")
DATE = "2026-11-20T10:00:00Z"
FINDING = re.compile(
    r"^.*?(?::(?P<row>\d+)(?::\d+)?)?: (?P<code>[A-Z]+\d+) .*\((?P<severity>\w+)(?: id=(?P<order>[^\s)]+))?"
)


def row(
    order: str = "O1",
    item: str = "I1",
    *,
    date: str = DATE,
    sku: str = "SKU-A",
    title: str = "Shirt",
    qty: str = "1",
    price: str = "20.00",
) -> str:
    return f"{order}\t{item}\t{date}\t{sku}\t{title}\t{qty}\tUSD\t{price}"


GOOD = row("G1", "GI1", sku="SKU-B")
"""An order that every case which can be read at all must import."""
FUTURE = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")


def lines(*rows: str, eol: str = "\n") -> bytes:
    return eol.join((HEADER, *rows)).encode("utf-8") + eol.encode()


# (case id, report bytes, exit code, codes reported)
CASES: list[tuple[str, bytes, int, set[str]]] = [
    ("empty file", b"", 2, set()),
    ("header only", lines(), 0, set()),
    (
        "missing sku column",
        b"order-id\torder-item-id\tpurchase-date\tquantity-purchased\nO1\tI1\t" + DATE.encode(),
        2,
        set(),
    ),
    ("comma-separated", lines(row(), GOOD).replace(b"\t", b","), 2, set()),
    ("byte order mark", b"\xef\xbb\xbf" + lines(row(), GOOD), 0, set()),
    ("CRLF line ends", lines(row(), GOOD, eol="\r\n"), 0, set()),
    ("CR line ends (Excel for Mac)", lines(row(), GOOD, eol="\r"), 0, set()),
    ("cp1252 bytes", lines(GOOD) + row(title="Caf\xe9").encode("cp1252") + b"\n", 2, set()),
    ("quote never closed", lines(row(title='"Shirt, 2 pack'), GOOD), 0, set()),
    ("lone CR inside a value", lines(row(title="Shirt\rsecond line"), GOOD), 0, set()),
    ("huge field (300,000 characters)", lines(row(title="x" * 300_000), GOOD), 0, set()),
    ("empty order-id", lines(row(order=""), GOOD), 1, {"ORD001"}),
    ("purchase-date year 1", lines(row(date="0001-01-01T00:00:00Z"), GOOD), 1, {"ORD010"}),
    ("purchase-date year 9999", lines(row(date="9999-12-31T23:59:59-05:00"), GOOD), 1, {"ORD010"}),
    ("purchase-date year 10000", lines(row(date="10000-01-01T00:00:00Z"), GOOD), 1, {"ORD001"}),
    ("purchase-date 3 days ahead", lines(row(date=FUTURE), GOOD), 1, {"ORD010"}),
    ("purchase-date 1999", lines(row(date="1999-12-31T23:59:59Z"), GOOD), 1, {"ORD010"}),
    ("quantity 0", lines(row(qty="0"), GOOD), 1, {"ORD001"}),
    ("quantity -1", lines(row(qty="-1"), GOOD), 1, {"ORD001"}),
    ("quantity 1e30", lines(row(qty="1e30"), GOOD), 1, {"ORD001"}),
    ("quantity 10^30", lines(row(qty="1" + "0" * 30), GOOD), 1, {"ORD010"}),
    ("quantity 10,001", lines(row(qty="10001"), GOOD), 1, {"ORD010"}),
    ("quantity abc", lines(row(qty="abc"), GOOD), 1, {"ORD001"}),
    ("price NaN", lines(row(price="NaN"), GOOD), 1, {"ORD001"}),
    ("price Infinity", lines(row(price="Infinity"), GOOD), 1, {"ORD001"}),
    ("price 1e400", lines(row(price="1e400"), GOOD), 1, {"ORD001"}),
    ("price 10^30", lines(row(price="1" + "0" * 30), GOOD), 1, {"ORD010"}),
    ("price 20.005 USD", lines(row(price="20.005"), GOOD), 1, {"ORD010"}),
    ("price 1.2345 KWD", lines(row(price="1.2345").replace("\tUSD\t", "\tKWD\t"), GOOD), 1, {"ORD010"}),
    ("price 10.5 JPY", lines(row(price="10.5").replace("\tUSD\t", "\tJPY\t"), GOOD), 1, {"ORD010"}),
    ("price 10.00 for 3 units", lines(row(qty="3", price="10.00"), GOOD), 1, {"ORD010"}),
    ("price 1.235 KWD", lines(row(price="1.235").replace("\tUSD\t", "\tKWD\t"), GOOD), 0, set()),
    ("price 1500 JPY for 2 units", lines(row(qty="2", price="1500").replace("\tUSD\t", "\tJPY\t"), GOOD), 0, set()),
    ("same line twice", lines(row(qty="2"), GOOD, row(qty="2")), 0, {"ORD011"}),
    ("same item id, other quantity", lines(row(qty="2"), GOOD, row(qty="3")), 1, {"ORD001"}),
    ("same item id, other sku", lines(row(), row(item="I2"), GOOD, row(sku="SKU-B")), 1, {"ORD001"}),
    ("unicode SKU", lines(row(sku=SKUS[2]), GOOD), 0, set()),
    ("unmapped SKU", lines(row(sku="SKU-NOT-LISTED"), GOOD), 1, {"ORD002"}),
]


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "products.csv").write_text("id,title,price\nA,Shirt,1.00\n", encoding="utf-8")
    mapping = "".join(f"{sku},cat-{n}\n" for n, sku in enumerate(SKUS))
    (tmp_path / "sku_map.csv").write_text("marketplace_sku,catalog_id\n" + mapping, encoding="utf-8")
    (tmp_path / "feedsync.yaml").write_text(
        "source: {path: products.csv, currency: USD}\n"
        "channels:\n  google: {profile: google_merchant}\n"
        "orders:\n  sku_map: sku_map.csv\n  sink: {type: directory, path: incoming}\n",
        encoding="utf-8",
    )
    return tmp_path


def created(shop: Path) -> list[dict[str, object]]:
    """Every order.created event the sink holds, over all runs."""
    return [
        event["order"]
        for path in sorted((shop / "incoming").glob("orders-*.jsonl"))
        for event in map(json.loads, path.read_text(encoding="utf-8").splitlines())
        if event["event"] == "order.created"
    ]


@pytest.mark.parametrize(("body", "exit_code", "codes"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_every_order_row_is_imported_once_or_named(shop: Path, body: bytes, exit_code: int, codes: set[str]) -> None:
    (shop / "orders.txt").write_bytes(body)
    first = runner.invoke(app, ["import-orders", "--from-file", "orders.txt"])
    assert first.exit_code == exit_code, first.output
    assert not isinstance(first.exception, Exception) or isinstance(first.exception, SystemExit), first.exception
    findings = [m.groupdict() for m in map(FINDING.match, first.stderr.splitlines()) if m]
    assert {f["code"] for f in findings} == codes, first.stderr
    named_rows = {int(f["row"]) for f in findings if f["row"]}
    named_orders = {f["order"] for f in findings}
    imported = created(shop)
    lines_in = Counter((str(o["order_id"]), str(line["line_id"])) for o in imported for line in o["lines"])  # type: ignore[attr-defined]

    eol = b"\n" if b"\n" in body or b"\r" not in body else b"\r"
    data = body.removeprefix(b"\xef\xbb\xbf").split(eol)[1:]
    rows = [(n, r.rstrip(b"\r").split(b"\t")) for n, r in enumerate(data, start=2) if r.strip()]
    if exit_code == 2:  # the file is refused whole, with the line to fix: nothing of it is imported
        assert imported == [] and re.search(r"orders\.txt:\d+: ", first.stderr), first.stderr
    else:
        for number, cells in rows:
            order_id, item = cells[0].decode(), cells[1].decode()
            assert lines_in[(order_id, item)] == 1 or number in named_rows or order_id in named_orders, number
        assert (("G1", "GI1") in lines_in) is (GOOD.encode() in body)
    assert all(count == 1 for count in lines_in.values()), lines_in

    again = runner.invoke(app, ["import-orders", "--from-file", "orders.txt"])
    assert again.exit_code == exit_code, again.output
    assert "imported" not in again.stdout.replace("not imported", "")
    assert Counter(str(o["order_id"]) for o in created(shop)) == Counter(str(o["order_id"]) for o in imported)


def test_a_repeated_line_is_read_once_and_a_conflicting_one_leaves_its_order_out(shop: Path) -> None:
    (shop / "orders.txt").write_bytes(lines(row(qty="2"), row("O2", "I9"), row(qty="2"), row("O2", "I9", qty="5")))
    result = runner.invoke(app, ["import-orders", "--from-file", "orders.txt"])
    assert result.exit_code == 1
    assert [(o["order_id"], [(x["line_id"], x["quantity"]) for x in o["lines"]]) for o in created(shop)] == [  # type: ignore[attr-defined]
        ("O1", [("I1", 2)])  # not 4
    ]
    assert "orders.txt:4:2: ORD011 order O1: row 4 repeats row 2 (order-item-id I1) cell for cell" in result.stderr
    assert (
        "orders.txt:5:6: ORD001 order O2: order-item-id I9 is on row 3 and row 5 with different quantity-purchased"
        in result.stderr
    )


def test_an_amount_finer_than_its_currency_holds_its_order_and_kwd_fils_are_kept(shop: Path) -> None:
    """An item-price its currency cannot pay (1.2345 KWD), or one that is no whole number of minor units a unit
    (10.00 USD for 3), holds its order, naming the order, its line, the field and the value (it was rounded into
    the store before); 1.235 KWD goes to the sink as it is."""
    kwd = row("O2", "I2", price="2.470", qty="2").replace("\tUSD\t", "\tKWD\t")
    finer = row("O3", "I3", price="1.2345").replace("\tUSD\t", "\tKWD\t")
    (shop / "orders.txt").write_bytes(lines(row(qty="3", price="10.00"), kwd, finer))
    result = runner.invoke(app, ["import-orders", "--from-file", "orders.txt"])
    assert result.exit_code == 1
    assert (
        "ORD010 order O1 held: line I1: unit_price 3.333333333333333333333333333 USD has more decimal places than "
        "USD's 2" in result.stderr
    )
    assert "ORD010 order O3 held: line I3: unit_price 1.2345 KWD has more decimal places than KWD's 3" in result.stderr
    [order] = created(shop)
    assert (order["order_id"], order["currency"]) == ("O2", "KWD")
    assert order["lines"][0]["unit_price"] == {"amount": "1.235", "currency": "KWD"}  # type: ignore[index,call-overload]


def test_a_byte_that_is_not_utf8_is_named_by_its_line(shop: Path) -> None:
    (shop / "orders.txt").write_bytes(lines(GOOD, row()) + row("O3", "I3", title="Caf\xe9").encode("cp1252"))
    result = runner.invoke(app, ["import-orders", "--from-file", "orders.txt"])
    assert result.exit_code == 2
    assert "orders.txt:4: not UTF-8 text (byte 0xe9); save the report as UTF-8" in result.stderr


# --- the SP-API: a hostile answer holds that order, the run goes on, the cursor never skips it silently ---------


@functools.cache
def _example() -> dict[str, Any]:
    from tests.orders.test_amazon_orders import example_order

    return example_order("", "SKU-A")


def _hostile(order_id: str, break_it: str) -> dict[str, Any]:
    """Amazon's published example order, with one thing broken."""
    order = copy.deepcopy(_example())
    order["orderId"] = order_id
    order["createdTime"] = order["lastUpdatedTime"] = "2026-11-21T10:00:00Z"
    item = order["orderItems"][0]
    if break_it == "year 1":
        order["createdTime"] = "0001-01-01T00:00:00Z"
    elif break_it == "year 9999":
        order["createdTime"] = "9999-12-31T23:59:59Z"
    elif break_it == "year 10000":
        order["createdTime"] = "10000-01-01T00:00:00Z"
    elif break_it == "10^30 units":
        item["quantityOrdered"] = 10**30
    elif break_it == "units abc":
        item["quantityOrdered"] = "abc"
    elif break_it == "price NaN":
        item["product"]["price"]["unitPrice"]["amount"] = "NaN"
    elif break_it == "no orderItemId":
        del item["orderItemId"]
    elif break_it == "no orderId":
        del order["orderId"]
    return order


BROKEN = ("year 1", "year 9999", "year 10000", "10^30 units", "units abc", "price NaN", "no orderItemId")


@needs_realdata
@pytest.mark.usefixtures("_amazon_env")
def test_a_hostile_orders_api_answer_holds_that_order_and_the_run_goes_on(tmp_path: Path) -> None:
    import httpx
    import respx

    from feedsync.orders.importer import import_orders
    from feedsync.orders.mapping import SkuMap
    from feedsync.orders.sinks import DirectorySink
    from feedsync.state import State
    from tests.orders.test_amazon_orders import SEARCH, api, login
    from tests.orders.test_import import published

    ids = {why: f"111-{n:07d}-0000000" for n, why in enumerate(BROKEN, start=1)}
    first_page = {
        "orders": [
            _hostile("111-9999999-0000000", ""),
            *(_hostile(ids[why], why) for why in BROKEN),
            _hostile("", "no orderId"),
        ],
        "lastUpdatedBefore": "2026-11-22T08:00:00Z",
    }
    # the next run: the good order comes back broken (already imported: left alone); one held order is fixed
    second_page = {
        "orders": [_hostile("111-9999999-0000000", "10^30 units")],
        "lastUpdatedBefore": "2026-11-22T09:00:00Z",
    }
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router, State(tmp_path / "s.sqlite") as state:
        login(router)
        router.get(SEARCH).mock(
            side_effect=[httpx.Response(200, json=first_page), httpx.Response(200, json=second_page)]
        )
        get_order = {
            why: router.get(f"{SEARCH}/{ids[why]}").mock(
                return_value=httpx.Response(200, json={"order": _hostile(ids[why], "" if why == "year 1" else why)})
            )
            for why in BROKEN
        }
        published(state, "SKU-A")
        sink = DirectorySink(DirectoryOrderSink(type="directory", path=tmp_path / "in"))
        results = []
        found: list[list[Diagnostic]] = []
        for _run in range(2):
            reader = api(state)
            found.append([])
            results.append(
                import_orders(
                    reader.orders(now=datetime(2026, 11, 22, 8, 30, tzinfo=UTC)),
                    state=state,
                    sink=sink,
                    skus=SkuMap(state, "amazon"),
                    emit=found[-1].append,
                    refresh=reader.order,
                )
            )
            reader.commit()
            if _run == 0:
                assert all(route.call_count == 0 for route in get_order.values())  # not re-read in the same run
                assert state.cursor("amazon:searchOrders:ATVPDKIKX0DER") == "2026-11-22T08:00:00Z"
        first, second = results
        assert first.imported == ["111-9999999-0000000"]
        assert first.held == [ids[why] for why in BROKEN]
        assert [d.code for d in found[0]] == ["ORD010"] * (len(BROKEN) + 1)
        assert "order (without an id) left out" in found[0][-1].message
        assert "0001-01-01" in found[0][0].message and "more than 10,000 units" in found[0][3].message
        assert second.imported == [ids["year 1"]]  # fixed on Amazon: read again with getOrder, imported once
        assert second.held == [ids[why] for why in BROKEN[1:]]
        assert "111-9999999-0000000 left as it was imported" in found[1][0].message
        assert state.order("amazon", "111-9999999-0000000").state == "imported"  # type: ignore[union-attr]
        assert all(route.call_count == 1 for route in get_order.values())
        assert state.cursor("amazon:searchOrders:ATVPDKIKX0DER") == "2026-11-22T09:00:00Z"
    assert sorted(order_id for _, order_id in _events(tmp_path / "in")) == sorted(
        ["111-9999999-0000000", ids["year 1"]]
    )


def _events(folder: Path) -> list[tuple[str, str]]:
    return [
        (event["event"], event["order"]["order_id"])
        for path in sorted(folder.glob("orders-*.jsonl"))
        for event in map(json.loads, path.read_text(encoding="utf-8").splitlines())
    ]


@pytest.fixture
def _amazon_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FS_TEST_CLIENT", "client-secret")
    monkeypatch.setenv("FS_TEST_REFRESH", "Atzr|refresh")
    monkeypatch.setattr("time.sleep", lambda seconds: None)
