from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from feedsync.diagnostics import Diagnostic
from feedsync.model.money import Money
from feedsync.model.order import Order, OrderLine, OrderStatus
from feedsync.orders.sanity import amount_problem, check_amount, check_date, check_quantity, order_problem
from feedsync.values import ValueProblem

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "ok"),
    [
        (datetime(2000, 1, 1, tzinfo=UTC), True),
        (datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC), False),
        (NOW + timedelta(days=1), True),
        (NOW + timedelta(days=1, seconds=1), False),
        (datetime(1, 1, 1, tzinfo=UTC), False),
        (datetime(9999, 12, 31, 23, 59, tzinfo=UTC), False),
    ],
)
def test_purchase_dates_from_2000_to_one_day_ahead_are_believed(moment: datetime, ok: bool) -> None:
    if ok:
        assert check_date(moment, "purchase-date", NOW) == moment
    else:
        with pytest.raises(ValueProblem) as caught:
            check_date(moment, "purchase-date", NOW)
        assert caught.value.code == "ORD010"


def test_quantities_up_to_10000_and_amounts_below_10_to_the_12_are_believed() -> None:
    assert check_quantity(10_000, "quantity") == 10_000
    assert check_amount(Decimal("999999999999.99"), "item-price") == Decimal("999999999999.99")
    for bad in (lambda: check_quantity(10_001, "q"), lambda: check_amount(Decimal(10) ** 12, "a")):
        with pytest.raises(ValueProblem, match=r"more than|below"):
            bad()
    with pytest.raises(ValueProblem):
        check_amount(Decimal("NaN"), "a")


def test_order_problem_names_the_first_value_out_of_bounds() -> None:
    line = OrderLine(line_id="1", marketplace_sku="A", quantity=2, unit_price=Money(amount=Decimal(5), currency="USD"))
    order = Order(marketplace="amazon", order_id="O", status=OrderStatus.UNSHIPPED, purchased_at=NOW, lines=(line,))
    assert order_problem(order, NOW) is None
    many = order.model_copy(update={"lines": (line.model_copy(update={"quantity": 10**30}),)})
    problem = order_problem(many, NOW)
    assert problem is not None and problem.message == f"line 1: quantity {10**30} is more than 10,000 units on one line"


def test_an_amount_finer_than_its_currency_s_minor_unit_is_out_of_bounds() -> None:
    """1.2345 KWD or 10.5 JPY is no amount a buyer paid: the order is not believed (ORD010), never rounded."""
    line = OrderLine(line_id="1", marketplace_sku="A", quantity=1, unit_price=Money(amount=Decimal(5), currency="JPY"))
    order = Order(marketplace="amazon", order_id="O", status=OrderStatus.UNSHIPPED, purchased_at=NOW, lines=(line,))
    assert order_problem(order, NOW) is None
    for amount, currency, places in (("1.2345", "KWD", 3), ("10.5", "JPY", 0), ("0.001", "USD", 2)):
        money = Money(amount=Decimal(amount), currency=currency)
        finer = order.model_copy(update={"lines": (line.model_copy(update={"shipping": money}),)})
        assert order_problem(finer, NOW) is None  # (the answer is believed: an imported order keeps its updates)
        problem = amount_problem(finer)  # (the importer's check before a store order is created)
        assert problem is not None and problem.code == "ORD010"
        assert problem.message.startswith(
            f"line 1: shipping {amount} {currency} has more decimal places than {currency}'s {places}"
        )
        assert (problem.field, problem.value) == ("shipping", f"{amount} {currency}")  # type: ignore[attr-defined]
    fils = Money(amount=Decimal("1.235"), currency="KWD")
    assert amount_problem(order.model_copy(update={"lines": (line.model_copy(update={"tax": fils}),)})) is None


def _answer(amount: str, currency: str) -> dict[str, object]:
    """A minimal Orders API order of one item at ``amount`` a unit."""
    return {
        "orderId": "405-1",
        "createdTime": "2026-11-20T10:00:00Z",
        "lastUpdatedTime": "2026-11-20T10:00:00Z",
        "fulfillment": {"fulfillmentStatus": "UNSHIPPED"},
        "orderItems": [
            {
                "orderItemId": "7001",
                "quantityOrdered": 1,
                "product": {"sellerSku": "A", "price": {"unitPrice": {"amount": amount, "currencyCode": currency}}},
            }
        ],
    }


def test_an_orders_api_answer_with_an_amount_finer_than_its_currency_is_held_naming_field_and_value(
    tmp_path: Path,
) -> None:
    from feedsync.config import DirectoryOrderSink
    from feedsync.orders.amazon_orders import read_order
    from feedsync.orders.importer import import_orders
    from feedsync.orders.mapping import SkuMap
    from feedsync.orders.sinks import DirectorySink
    from feedsync.state import State

    good = read_order(_answer("1.235", "KWD"), now=NOW)
    assert isinstance(good, Order) and good.lines[0].unit_price == Money(amount=Decimal("1.235"), currency="KWD")
    bad = read_order(_answer("1.2345", "KWD"), now=NOW)
    assert isinstance(bad, Order)  # (believed: held by the importer, before any store order is made of it)
    found: list[Diagnostic] = []
    with State(tmp_path / "state.sqlite") as state:
        result = import_orders(
            [bad],
            state=state,
            sink=DirectorySink(DirectoryOrderSink(type="directory", path=tmp_path / "in")),
            skus=SkuMap(state, "amazon"),
            emit=found.append,
        )
    assert result.held == ["405-1"]
    [finding] = found
    assert (finding.code, finding.product_id, finding.field, finding.value) == (
        "ORD010",
        "405-1",
        "unit_price",
        "1.2345 KWD",
    )
    assert "order 405-1 held: line 7001: unit_price 1.2345 KWD has more decimal places than KWD's 3" in finding.message


def test_an_imported_order_whose_answer_has_an_amount_finer_than_its_currency_still_gets_its_cancellation(
    tmp_path: Path,
) -> None:
    """An order imported before the minor-unit check (or whose answer changed since) is cancelled on Amazon: the
    store order is cancelled. No amount goes to the store with a status, so none can be rounded; holding the
    answer left the store order open to be shipped."""
    from feedsync.config import DirectoryOrderSink
    from feedsync.orders.amazon_orders import read_order
    from feedsync.orders.importer import IMPORTED, import_orders
    from feedsync.orders.mapping import SkuMap
    from feedsync.orders.sinks import DirectorySink
    from feedsync.state import State

    cancelled = _answer("1.2345", "KWD")
    cancelled["fulfillment"] = {"fulfillmentStatus": "CANCELLED"}
    found: list[Diagnostic] = []
    with State(tmp_path / "state.sqlite") as state:
        state.record_order("amazon", "405-1", status=OrderStatus.UNSHIPPED, state=IMPORTED, sink_ref="amazon:405-1")
        result = import_orders(
            [read_order(cancelled, now=NOW)],
            state=state,
            sink=DirectorySink(DirectoryOrderSink(type="directory", path=tmp_path / "in")),
            skus=SkuMap(state, "amazon"),
            emit=found.append,
        )
        record = state.order("amazon", "405-1")
    assert result.updated == ["405-1"] and not [d for d in found if d.code == "ORD010"]
    assert record is not None and record.status == OrderStatus.CANCELLED
