"""A line imported in part (some of its units shipped or cancelled on Amazon before the import: ORD012) goes into
the store with its share of the line's money: Amazon gives a line's tax, shipping, charges and discount for all its
units ordered (the SP-API's ``orderItems[].proceeds`` breakdowns, the order report's ``item-tax`` and
``shipping-price``, research notes amazon.md §3), while the store is given only the units still to ship. Each share
is rounded half-up to the currency's minor unit; the remainder stays with the units left out."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import respx

from feedsync.config import DirectoryOrderSink
from feedsync.model.money import Money
from feedsync.orders.report_file import read_order_report
from feedsync.orders.sinks import DirectorySink
from feedsync.state import State
from tests.orders.amazon_answers import answering
from tests.orders.test_amazon_orders import SEARCH, _env, _proceeds, api, example_order, login  # noqa: F401
from tests.orders.test_import import into, published


@pytest.mark.parametrize(
    ("amount", "currency", "part", "whole", "share", "rest"),
    [
        ("5.00", "USD", 2, 3, "3.33", "1.67"),  # 3.333..: down, the rest with the unit left out
        ("1.00", "USD", 2, 3, "0.67", "0.33"),  # 0.666..: up
        ("0.05", "USD", 1, 2, "0.03", "0.02"),  # 0.025: half-up
        ("1000", "JPY", 1, 3, "333", "667"),  # the yen has no minor unit
        ("1.000", "KWD", 2, 3, "0.667", "0.333"),  # the dinar's is a thousandth
        ("4.00", "USD", 3, 3, "4.00", "0.00"),  # all of it
        ("4.00", "USD", 0, 3, "0.00", "4.00"),
    ],
)
def test_a_share_is_rounded_half_up_to_the_minor_unit_and_the_rest_makes_up_the_amount(
    amount: str, currency: str, part: int, whole: int, share: str, rest: str
) -> None:
    money = Money(amount=Decimal(amount), currency=currency)
    got = money.share(part, whole)
    assert (str(got.amount), got.currency) == (share, currency)
    left = money.amount - got.amount  # (what stays with the units left out)
    assert str(left) == rest and Money(amount=left, currency=currency).quantized() == left
    assert got.amount + left == money.amount


def _lines(folder: Path) -> list[dict[str, Any]]:
    [created] = [json.loads(t) for f in folder.glob("*.jsonl") for t in f.read_text().splitlines()]
    return created["order"]["lines"]


def _amounts(line: dict[str, Any]) -> dict[str, Any]:
    amount = lambda money: money and money["amount"]  # noqa: E731
    return {
        "quantity": line["quantity"],
        "unit_price": amount(line["unit_price"]),
        "tax": amount(line["tax"]),
        "shipping": amount(line["shipping"]),
        "shipping_tax": amount(line["shipping_tax"]),
        "discount": amount(line["discount"]),
        "charges": [(c["kind"], amount(c["amount"]), amount(c["tax"])) for c in line["charges"]],
    }


@respx.mock(assert_all_mocked=True)
def test_an_sp_api_line_partly_shipped_goes_to_the_store_with_its_units_share_of_the_money(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    login(respx_mock)
    raw = example_order("111-0000001-0000001", "SKU-A", status="PARTIALLY_SHIPPED")
    item = raw["orderItems"][0]
    raw["orderItems"] = [item]
    item["quantityOrdered"], item["fulfillment"] = 3, {"quantityFulfilled": 1, "quantityUnfulfilled": 2}
    item["product"]["price"]["unitPrice"] = {"amount": "20.00", "currencyCode": "USD"}
    item["proceeds"] = _proceeds(
        ("ITEM", "60.00"),
        ("SHIPPING", "5.00"),
        ("GIFT_WRAP", "3.00"),
        ("DISCOUNT", "-1.00"),
        taxes=(("ITEM", "4.00"), ("SHIPPING", "0.50"), ("GIFT_WRAP", "0.30")),
    )
    respx_mock.get(SEARCH).mock(side_effect=answering([{"orders": [raw], "lastUpdatedBefore": "2026-11-22T08:00:00Z"}]))
    found: list[Any] = []
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        sink = DirectorySink(DirectoryOrderSink(type="directory", path=tmp_path / "in"))
        result = into(sink, state, api(state).orders(now=datetime(2026, 11, 22, 8, 30, tzinfo=UTC)), found.append)
    assert result.imported == ["111-0000001-0000001"]
    assert _amounts(_lines(tmp_path / "in")[0]) == {  # 2 of the 3 units
        "quantity": 2,
        "unit_price": "20.00",  # (per unit)
        "tax": "2.67",
        "shipping": "3.33",
        "shipping_tax": "0.33",
        "discount": "0.67",
        "charges": [("gift_wrap", "2.00", "0.20")],
    }
    assert [d.code for d in found] == ["ORD012"]
    assert "with its share of each line's tax, shipping, charges and discount" in found[0].message


REPORT = (
    "order-id\torder-item-id\tpurchase-date\tsku\tquantity-purchased\tquantity-shipped\tquantity-to-ship\tcurrency\t"
    "item-price\titem-tax\tshipping-price\tshipping-tax\titem-promotion-discount\n"
    "O1\tI1\t2026-11-20T10:00:00Z\tSKU-A\t3\t0\t1\tUSD\t30.00\t2.00\t4.99\t0.40\t-1.50\n"  # 2 cancelled
    "O1\tI2\t2026-11-20T10:00:00Z\tSKU-B\t2\t0\t2\tUSD\t10.00\t0.80\t1.00\t0.10\t0.00\n"  # all of it to ship
)


def test_a_report_line_partly_cancelled_goes_to_the_store_with_its_units_share_of_the_money(tmp_path: Path) -> None:
    path = tmp_path / "orders.txt"
    path.write_text(REPORT, encoding="utf-8")
    found: list[Any] = []
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A", "SKU-B")
        sink = DirectorySink(DirectoryOrderSink(type="directory", path=tmp_path / "in"))
        result = into(sink, state, list(read_order_report(path, found.append)), found.append)
    assert result.imported == ["O1"]
    partly, whole = (_amounts(x) for x in _lines(tmp_path / "in"))
    assert partly == {
        "quantity": 1,
        "unit_price": "10.00",
        "tax": "0.67",  # 2.00 / 3 = 0.666..
        "shipping": "1.66",  # 4.99 / 3 = 1.663..
        "shipping_tax": "0.13",
        "discount": "0.50",
        "charges": [],
    }
    assert whole == {
        "quantity": 2,
        "unit_price": "5.00",
        "tax": "0.80",
        "shipping": "1.00",
        "shipping_tax": "0.10",
        "discount": None,
        "charges": [],
    }
    assert [d.code for d in found] == ["ORD012"]


def test_a_charge_whose_share_is_nothing_is_left_out_as_a_charge_of_nothing_is() -> None:
    """A charge and its tax that round to 0.00 for the units imported are no charge (as the readers leave out a
    charge of 0); one whose tax still has a share stays."""
    from feedsync.model.order import Charge, OrderLine
    from feedsync.orders.importer import _prorated

    usd = lambda amount: Money(amount=Decimal(amount), currency="USD")  # noqa: E731
    line = OrderLine(
        line_id="I1",
        marketplace_sku="SKU-A",
        quantity=1,
        cancelled=2,
        charges=(
            Charge(kind="gift_wrap", amount=usd("0.01")),
            Charge(kind="other", amount=usd("0.01"), tax=usd("0.03")),
        ),
    )
    assert [(c.kind, str(c.amount.amount), c.tax and str(c.tax.amount)) for c in _prorated(line).charges] == [
        ("other", "0.00", "0.01")
    ]
