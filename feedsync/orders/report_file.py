"""Amazon's tab-separated order report (the "unshipped orders" / "new orders" report sellers download from
Seller Central) -> ``Order``. One row per order item; rows of one order share ``order-id``.

Column names as the report spells them: ``order-id``, ``order-item-id``, ``purchase-date``, ``sku``,
``product-name``, ``quantity-purchased`` (or ``quantity-to-ship``), ``ship-service-level``, ``recipient-name``,
``ship-address-1``..``3``, ``ship-city``, ``ship-state``, ``ship-postal-code``, ``ship-country``,
``buyer-email``, ``buyer-name``, ``buyer-phone-number``; the "new orders" report adds ``currency``,
``item-price``, ``item-tax``, ``shipping-price`` (amounts for the whole line, not per unit) and
``fulfillment-channel``; ``shipping-tax``, ``gift-wrap-price`` and ``gift-wrap-tax`` are read where a report has
them. With ``quantity-shipped`` and ``quantity-to-ship`` beside ``quantity-purchased`` (the unshipped orders report
has all three) a line's units already shipped or cancelled are told apart from those still to ship.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from feedsync.diagnostics import Emit
from feedsync.diagnostics.codes import make
from feedsync.diagnostics.diagnostic import Location
from feedsync.errors import SourceError
from feedsync.model.money import ISO_4217, Money
from feedsync.model.order import Address, Charge, FulfilledBy, Order, OrderLine, OrderStatus
from feedsync.orders.sanity import check_amount, check_date, check_quantity
from feedsync.values import ValueProblem, parse_datetime, parse_decimal, parse_int

REQUIRED = ("order-id", "order-item-id", "purchase-date", "sku")
_MARKETPLACE_FULFILLED = {"amazon", "afn"}


@dataclass
class _Pending:
    first_row: int
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def read_order_report(path: Path, emit: Emit, *, now: datetime | None = None) -> Iterator[Order]:
    """Orders in the order of their first row. A row with a bad value is reported (file, line, column, value)
    and its whole order left out, so it is read again, complete, once the file is fixed. ``now`` is the clock
    purchase dates are checked against (``orders.sanity``)."""
    rows = _rows(path)
    header = [name.strip().lower() for name in (rows[0] if rows else [])]
    missing = [name for name in REQUIRED if name not in header]
    if not ({"quantity-purchased", "quantity-to-ship"} & set(header)):
        missing.append("quantity-purchased")
    if missing:
        hint = " (the report is tab-separated; this header has no tab)" if len(header) == 1 else ""
        raise SourceError(f"{path}:1: not an Amazon order report: no column {', '.join(missing)}{hint}")
    orders: dict[str, _Pending] = {}
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        values = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)}
        pending = orders.setdefault(values["order-id"], _Pending(number))
        pending.rows.append((number, values))
    columns = {name: index + 1 for index, name in enumerate(header)}
    for order_id, pending in orders.items():
        order = _order(path, columns, order_id, pending, emit, now)
        if order is not None:
            yield order


def _rows(path: Path) -> list[list[str]]:
    """The file's lines split at tabs. The report has no quoting (a quote is part of the value), so the file is
    split by hand: no field size limit, and a lone CR stays inside its value instead of ending the row (unless
    the file has no LF at all: then CR ends the lines)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read order report {path}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SourceError(
            f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); save the report as UTF-8"
        ) from None
    lines = text.split("\n" if "\n" in text or "\r" not in text else "\r")  # CR alone: Excel for Mac's text files
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r").split("\t") for line in lines]


def _order(
    path: Path, columns: dict[str, int], order_id: str, pending: _Pending, emit: Emit, now: datetime | None
) -> Order | None:
    rows, problems = _once_each(path, columns, order_id, pending.rows, emit)

    def value(row: int, values: dict[str, str], name: str, parse: object) -> object:
        nonlocal problems
        text = values.get(name, "")
        try:
            return parse(text)  # type: ignore[operator]
        except ValueProblem as problem:
            problems += 1
            emit(
                make(
                    _order_code(problem),
                    f"order {order_id or '(no order-id)'}: {problem.message}",
                    product_id=order_id or None,
                    field=name,
                    value=text,
                    location=Location(str(path), row, columns.get(name), name),
                )
            )
            return None

    def required(what: str) -> object:
        def parse(text: str) -> str:
            if not text:
                raise ValueProblem("ORD001", f"{what} is empty")
            return text

        return parse

    first_row, first = pending.rows[0]
    value(first_row, first, "order-id", required("order-id"))
    purchased = value(
        first_row,
        first,
        "purchase-date",
        lambda t: check_date(parse_datetime(t, UTC, what="purchase-date"), "purchase-date", now),
    )
    currency = first.get("currency", "") or None
    lines: list[OrderLine] = []
    for row, values in rows:
        line_id = value(row, values, "order-item-id", required("order-item-id"))
        if "currency" in values:  # one order, one currency: a line in another is not relabelled with the first's
            value(row, values, "currency", lambda t: _same_currency(t, currency))
        sku = value(row, values, "sku", required("sku"))
        units = _units(row, values, value)
        amounts = {
            name: value(row, values, column, lambda t, c=column: _amount(t, currency, c))
            for name, column in (
                ("price", "item-price"),
                ("tax", "item-tax"),
                ("shipping", "shipping-price"),
                ("shipping_tax", "shipping-tax"),
                ("discount", "item-promotion-discount"),
                ("gift_wrap", "gift-wrap-price"),
                ("gift_wrap_tax", "gift-wrap-tax"),
            )
        }
        if problems:
            continue
        assert units is not None
        quantity, shipped, cancelled = units
        ordered = quantity + shipped + cancelled  # (the line's amounts are for every unit ordered)
        price = amounts["price"]
        unit = _per_unit(price, ordered)
        lines.append(
            OrderLine(
                line_id=str(line_id),
                marketplace_sku=str(sku),
                title=values.get("product-name") or None,
                quantity=quantity,
                shipped=shipped,
                cancelled=cancelled,
                unit_price=unit,
                tax=amounts["tax"],  # type: ignore[arg-type]
                shipping=amounts["shipping"],  # type: ignore[arg-type]
                shipping_tax=amounts["shipping_tax"],  # type: ignore[arg-type]
                discount=amounts["discount"],  # type: ignore[arg-type]
                charges=_gift_wrap(amounts["gift_wrap"], amounts["gift_wrap_tax"]),  # type: ignore[arg-type]
            )
        )
    if problems:
        return None
    channel = first.get("fulfillment-channel", "").lower()
    address_lines = tuple(
        first[name] for name in ("ship-address-1", "ship-address-2", "ship-address-3") if first.get(name)
    )
    ship_to = Address(
        name=first.get("recipient-name") or None,
        lines=address_lines,
        city=first.get("ship-city") or None,
        region=first.get("ship-state") or None,
        postal_code=first.get("ship-postal-code") or None,
        country_code=(first.get("ship-country") or "").upper() or None,
        phone=first.get("ship-phone-number") or first.get("buyer-phone-number") or None,
    )
    return Order(
        marketplace="amazon",
        order_id=order_id,
        status=_status(lines),
        purchased_at=purchased,  # type: ignore[arg-type]
        currency=currency.upper() if currency else None,
        fulfilled_by=FulfilledBy.MARKETPLACE if channel in _MARKETPLACE_FULFILLED else FulfilledBy.MERCHANT,
        lines=tuple(lines),
        ship_to=ship_to if (ship_to.name or ship_to.lines) else None,
        buyer_name=first.get("buyer-name") or None,
        buyer_email=first.get("buyer-email") or None,
        ship_service_level=first.get("ship-service-level") or None,
    )


def _units(row: int, values: dict[str, str], value: Any) -> tuple[int, int, int] | None:
    """(units still to ship, units shipped, units cancelled) of a row, or None where a value cannot be read (it
    was reported). The unshipped orders report gives ``quantity-purchased``, ``quantity-shipped`` and
    ``quantity-to-ship``; what was purchased beyond the other two will not ship (cancelled). A report with only
    one of the quantities gives every unit it names as still to ship (less the shipped ones, where it says)."""
    purchased = (
        value(row, values, "quantity-purchased", lambda t: _quantity(t, "quantity-purchased"))
        if "quantity-purchased" in values
        else None
    )
    shipped = (
        value(row, values, "quantity-shipped", lambda t: _count(t, "quantity-shipped"))
        if "quantity-shipped" in values
        else 0
    )
    if "quantity-to-ship" not in values:
        if purchased is None or shipped is None:
            return None
        if shipped > purchased:
            value(row, values, "quantity-shipped", lambda t: _more_than(t, "quantity-shipped", purchased))
            return None
        return purchased - shipped, shipped, 0
    if purchased is None and "quantity-purchased" not in values:  # (the only quantity: as it always was read)
        to_ship = value(row, values, "quantity-to-ship", lambda t: _quantity(t, "quantity-to-ship"))
        return None if to_ship is None or shipped is None else (to_ship, shipped, 0)
    to_ship = value(row, values, "quantity-to-ship", lambda t: _count(t, "quantity-to-ship"))
    if purchased is None or shipped is None or to_ship is None:
        return None
    if to_ship + shipped > purchased:
        value(
            row,
            values,
            "quantity-to-ship",
            lambda t: _more_than(t, "quantity-to-ship plus quantity-shipped", purchased),
        )
        return None
    return to_ship, shipped, purchased - shipped - to_ship


def _count(text: str, what: str) -> int:
    """A number of units that may be 0 (an empty cell is 0)."""
    number = parse_int(text, what=what) if text else 0
    if number is None or number < 0:
        raise ValueProblem("ORD001", f"{what} {text!r} is not a whole number of 0 or more")
    return check_quantity(number, what)


def _more_than(text: str, what: str, purchased: int) -> int:
    raise ValueProblem("ORD001", f"{what} ({text}) is more than quantity-purchased ({purchased})")


def _status(lines: list[OrderLine]) -> OrderStatus:
    """Unshipped, or partly shipped where a line says units were shipped (shipped where nothing is left)."""
    if not any(line.shipped for line in lines):
        return OrderStatus.UNSHIPPED
    return OrderStatus.PARTIALLY_SHIPPED if any(line.quantity for line in lines) else OrderStatus.SHIPPED


def _order_code(problem: ValueProblem) -> str:
    """A value beyond any real order is ORD010; any other unreadable value ORD001 (or the ORD code it names)."""
    if problem.out_of_range:
        return "ORD010"
    return problem.code if problem.code.startswith("ORD") else "ORD001"


def _quantity(text: str, what: str) -> int:
    number = parse_int(text, what=what) if text else None
    if number is None or number < 1:
        raise ValueProblem("ORD001", f"{what} {text!r} is not a positive whole number")
    return check_quantity(number, what)


def _same_currency(text: str, currency: str | None) -> str:
    """A line's currency, where it gives one (a line without a price may leave it blank), is its order's."""
    if text.strip() and text.strip().upper() != (currency or "").strip().upper():
        raise ValueProblem("ORD001", f"currency {text!r} is not the order's (its first line's is {currency!r})")
    return text


def _gift_wrap(price: Money | None, tax: Money | None) -> tuple[Charge, ...]:
    return (Charge(kind="gift_wrap", amount=price, tax=tax),) if price is not None and price.amount else ()


def _amount(text: str, currency: str | None, what: str) -> Money | None:
    if not text:
        return None
    amount = check_amount(parse_decimal(text, what=what, code="ORD001"), what)
    if not currency:
        raise ValueProblem("ORD001", f"{what} {text!r} has no currency column beside it")
    if currency.upper() not in ISO_4217:
        raise ValueProblem("ORD001", f"currency {currency!r} is not an ISO 4217 code")
    return Money.model_construct(amount=amount, currency=currency.upper())


def _per_unit(price: object, ordered: int) -> Money | None:
    """The unit price of a line whose item-price is ``price`` for ``ordered`` units (the report's item-price is the
    unit price times the units). One its currency cannot pay (10.00 USD for 3 units) is kept exact, never rounded:
    the importer holds a new order with such an amount (ORD010) before a store order is made, and an order imported
    before still gets its later status."""
    if not isinstance(price, Money) or ordered <= 0:
        return None
    return Money.model_construct(amount=price.amount / ordered, currency=price.currency)


def _once_each(
    path: Path, columns: dict[str, int], order_id: str, rows: list[tuple[int, dict[str, str]]], emit: Emit
) -> tuple[list[tuple[int, dict[str, str]]], int]:
    """The order's rows with each order-item-id once, and the number of conflicts. A row repeating an earlier row
    of its order-item-id cell for cell is read once (ORD011, a warning: the units are not doubled); a row giving
    the same order-item-id other values is an error (ORD001) that leaves the whole order out, since feedsync
    cannot tell which of the two is right."""
    kept: list[tuple[int, dict[str, str]]] = []
    first_of: dict[str, tuple[int, dict[str, str]]] = {}
    conflicts = 0
    for row, values in rows:
        item = values.get("order-item-id", "")
        earlier = first_of.get(item) if item else None
        if earlier is None:
            first_of.setdefault(item, (row, values))
            kept.append((row, values))
            continue
        earlier_row, earlier_values = earlier
        differ = [name for name, text in values.items() if text != earlier_values.get(name)]
        if not differ:
            emit(
                make(
                    "ORD011",
                    f"order {order_id}: row {row} repeats row {earlier_row} (order-item-id {item}) cell for cell; "
                    "it is read once",
                    product_id=order_id,
                    field="order-item-id",
                    value=item,
                    location=Location(str(path), row, columns.get("order-item-id"), "order-item-id"),
                )
            )
            continue
        conflicts += 1
        emit(
            make(
                "ORD001",
                f"order {order_id}: order-item-id {item} is on row {earlier_row} and row {row} with different "
                f"{', '.join(differ)}; the order is left out until one of the rows is removed",
                product_id=order_id,
                field=differ[0],
                value=values[differ[0]],
                location=Location(str(path), row, columns.get(differ[0]), differ[0]),
            )
        )
    return kept, conflicts
