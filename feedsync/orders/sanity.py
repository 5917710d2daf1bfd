"""The bounds an order's values must keep to be believed, whichever marketplace source they come from.

A value outside them is not a typo feedsync can read around but a broken export or a hostile answer; the order is
reported (ORD010) and left out of the run, and read again once it is fixed:

- a purchase date before 2000-01-01 UTC (no marketplace order is older) or more than one day after the run's
  clock (a day of slack for clocks and time zones);
- a quantity above 10,000 units on one line (no marketplace sells that many in one order line; beyond it the
  number is a pasted id or a spreadsheet accident, and a store would reserve that stock);
- an amount of 10^12 or more in any currency (above 40 million US dollars even in the currency with the smallest
  unit), which also keeps every amount exact when rounded to its currency's minor unit;
- an amount with more decimal places than its currency's minor unit (1.2345 KWD, 10.5 JPY, 20.005 USD): no buyer
  paid it, and a store would round it (the finding names the field and the value); an amount is never rounded;
- no line at all in an order to ship (an answer that lost its items: imported, it would be an empty store order
  that a later answer with the items never fills).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from feedsync.model.money import Money, finer_than
from feedsync.model.order import Order, OrderStatus
from feedsync.values import ValueProblem

CODE = "ORD010"
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE = timedelta(days=1)
MAX_QUANTITY = 10_000
MAX_AMOUNT = Decimal(10) ** 12
_NOT_TO_SHIP = (OrderStatus.PENDING, OrderStatus.CANCELLED, OrderStatus.UNFULFILLABLE)
"""Orders that are not imported: they may list no items."""


def check_date(moment: datetime, what: str, now: datetime | None = None) -> datetime:
    latest = (now or datetime.now(UTC)) + FUTURE
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueProblem(CODE, f"{what} {moment.isoformat()} has no time zone")
    if moment < EARLIEST:
        raise ValueProblem(CODE, f"{what} {moment.isoformat()} is before {EARLIEST:%Y-%m-%d}")
    if moment > latest:
        raise ValueProblem(CODE, f"{what} {moment.isoformat()} is more than a day in the future")
    return moment


def earliest_import(order: Order) -> datetime:
    """The earliest moment a run can have imported ``order`` into the store (where a sink looks for it): its
    purchase date less the day ``check_date`` lets it be ahead of a run's clock, and an hour for the store's clock.
    A sink that looked from its purchase date on missed an order placed ahead of the clock that a run imported
    before it crashed, and made it a second time."""
    try:
        return order.purchased_at.astimezone(UTC) - FUTURE - timedelta(hours=1)
    except OverflowError:  # a date at the edge of the calendar (held before the range check existed)
        return EARLIEST


def check_quantity(number: int, what: str) -> int:
    if number > MAX_QUANTITY:
        raise ValueProblem(CODE, f"{what} {number} is more than {MAX_QUANTITY:,} units on one line")
    return number


def check_amount(amount: Decimal, what: str) -> Decimal:
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        raise ValueProblem(CODE, f"{what} {amount} is not a finite amount below 10^12")
    return amount


def check_minor_unit(amount: Decimal, currency: str, what: str) -> Decimal:
    """``amount`` when ``currency`` can pay it (no more decimal places than its minor unit), else ORD010."""
    problem = finer_than(amount, currency)
    if problem is not None:
        raise ValueProblem(CODE, f"{what} {problem}")
    return amount


def amount_problem(order: Order, *, minor: bool = True) -> ValueProblem | None:
    """The first amount of ``order`` out of bounds or (``minor``) finer than its currency's minor unit (naming its
    field and value), or None."""
    for line in order.lines:
        amounts: list[tuple[str, Money | None]] = [
            (name, getattr(line, name)) for name in ("unit_price", "tax", "shipping", "shipping_tax", "discount")
        ]
        for charge in line.charges:
            amounts += [(charge.kind, charge.amount), (f"{charge.kind}_tax", charge.tax)]
        for name, money in amounts:
            if money is None:
                continue
            what = f"line {line.line_id}: {name}"
            try:
                check_amount(money.amount, what)
                if minor:
                    check_minor_unit(money.amount, money.currency, what)
            except ValueProblem as problem:
                return ValueProblem(CODE, problem.message, field=name, value=f"{money.amount} {money.currency}")
    return None


def order_problem(order: Order, now: datetime | None = None) -> ValueProblem | None:
    """The first value of ``order`` outside the bounds, or None."""
    if not order.lines and order.status not in _NOT_TO_SHIP:
        return ValueProblem(CODE, f"the order is {order.status} and lists no items")
    try:
        check_date(order.purchased_at, "purchase-date", now)
        for line in order.lines:
            check_quantity(line.ordered, f"line {line.line_id}: quantity")
    except ValueProblem as problem:
        return problem
    # (an amount finer than its currency is no reason to disbelieve the answer: the importer holds such an order
    # before it is created in a store, and an order imported before keeps getting its cancellations and shipments)
    return amount_problem(order, minor=False)
