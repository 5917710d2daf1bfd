from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from feedsync.model.money import Money
from feedsync.model.order import Order, OrderLine, OrderStatus
from feedsync.orders.sanity import check_amount, check_date, check_quantity, order_problem
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
