"""Amazon's tab-separated order report (the "unshipped orders" / "new orders" report sellers download from
Seller Central) -> ``Order``. One row per order item; rows of one order share ``order-id``.

Column names as the report spells them: ``order-id``, ``order-item-id``, ``purchase-date``, ``sku``,
``product-name``, ``quantity-purchased`` (or ``quantity-to-ship``), ``ship-service-level``, ``recipient-name``,
``ship-address-1``..``3``, ``ship-city``, ``ship-state``, ``ship-postal-code``, ``ship-country``,
``buyer-email``, ``buyer-name``, ``buyer-phone-number``; the "new orders" report adds ``currency``,
``item-price``, ``item-tax``, ``shipping-price`` (amounts for the whole line, not per unit) and
``fulfillment-channel``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path

from feedsync.diagnostics import Emit
from feedsync.diagnostics.codes import make
from feedsync.diagnostics.diagnostic import Location
from feedsync.errors import SourceError
from feedsync.model.money import ISO_4217, Money
from feedsync.model.order import Address, FulfilledBy, Order, OrderLine, OrderStatus
from feedsync.values import ValueProblem, parse_datetime, parse_decimal, parse_int

REQUIRED = ("order-id", "order-item-id", "purchase-date", "sku")
_MARKETPLACE_FULFILLED = {"amazon", "afn"}


@dataclass
class _Pending:
    first_row: int
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def read_order_report(path: Path, emit: Emit) -> Iterator[Order]:
    """Orders in the order of their first row. A row with a bad value is reported (file, line, column, value)
    and its whole order left out, so it is read again, complete, once the file is fixed."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            header = [name.strip().lower() for name in next(reader, [])]
            missing = [name for name in REQUIRED if name not in header]
            if missing or not ({"quantity-purchased", "quantity-to-ship"} & set(header)):
                missing += [] if {"quantity-purchased", "quantity-to-ship"} & set(header) else ["quantity-purchased"]
                raise SourceError(f"{path}:1: not an Amazon order report: no column {', '.join(missing)}")
            orders: dict[str, _Pending] = {}
            for number, cells in enumerate(reader, start=2):
                if not any(cell.strip() for cell in cells):
                    continue
                values = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)}
                pending = orders.setdefault(values["order-id"], _Pending(number))
                pending.rows.append((number, values))
    except OSError as exc:
        raise SourceError(f"cannot read order report {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: not UTF-8 text ({exc.reason})") from None
    columns = {name: index + 1 for index, name in enumerate(header)}
    for order_id, pending in orders.items():
        order = _order(path, columns, order_id, pending, emit)
        if order is not None:
            yield order


def _order(path: Path, columns: dict[str, int], order_id: str, pending: _Pending, emit: Emit) -> Order | None:
    problems = 0

    def value(row: int, values: dict[str, str], name: str, parse: object) -> object:
        nonlocal problems
        text = values.get(name, "")
        try:
            return parse(text)  # type: ignore[operator]
        except ValueProblem as problem:
            problems += 1
            emit(
                make(
                    "ORD001",
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
    purchased = value(first_row, first, "purchase-date", lambda t: parse_datetime(t, UTC, what="purchase-date"))
    currency = first.get("currency", "") or None
    lines: list[OrderLine] = []
    for row, values in pending.rows:
        line_id = value(row, values, "order-item-id", required("order-item-id"))
        sku = value(row, values, "sku", required("sku"))
        quantity_column = "quantity-purchased" if "quantity-purchased" in values else "quantity-to-ship"
        quantity = value(row, values, quantity_column, lambda t, c=quantity_column: _quantity(t, c))
        amounts = {
            name: value(row, values, column, lambda t, c=column: _amount(t, currency, c))
            for name, column in (
                ("price", "item-price"),
                ("tax", "item-tax"),
                ("shipping", "shipping-price"),
                ("discount", "item-promotion-discount"),
            )
        }
        if problems:
            continue
        price = amounts["price"]
        unit = (
            Money.model_construct(amount=price.amount / quantity, currency=price.currency)  # type: ignore[attr-defined]
            if isinstance(price, Money) and isinstance(quantity, int) and quantity > 0
            else None
        )
        lines.append(
            OrderLine(
                line_id=str(line_id),
                marketplace_sku=str(sku),
                title=values.get("product-name") or None,
                quantity=int(quantity),  # type: ignore[call-overload]
                unit_price=unit,
                tax=amounts["tax"],  # type: ignore[arg-type]
                shipping=amounts["shipping"],  # type: ignore[arg-type]
                discount=amounts["discount"],  # type: ignore[arg-type]
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
        status=OrderStatus.UNSHIPPED,
        purchased_at=purchased,  # type: ignore[arg-type]
        currency=currency.upper() if currency else None,
        fulfilled_by=FulfilledBy.MARKETPLACE if channel in _MARKETPLACE_FULFILLED else FulfilledBy.MERCHANT,
        lines=tuple(lines),
        ship_to=ship_to if (ship_to.name or ship_to.lines) else None,
        buyer_name=first.get("buyer-name") or None,
        buyer_email=first.get("buyer-email") or None,
        ship_service_level=first.get("ship-service-level") or None,
    )


def _quantity(text: str, what: str) -> int:
    number = parse_int(text, what=what) if text else None
    if number is None or number < 1:
        raise ValueProblem("ORD001", f"{what} {text!r} is not a positive whole number")
    return number


def _amount(text: str, currency: str | None, what: str) -> Money | None:
    if not text:
        return None
    amount = parse_decimal(text, what=what, code="ORD001")
    if not currency:
        raise ValueProblem("ORD001", f"{what} {text!r} has no currency column beside it")
    if currency.upper() not in ISO_4217:
        raise ValueProblem("ORD001", f"currency {currency!r} is not an ISO 4217 code")
    return Money.model_construct(amount=amount, currency=currency.upper())
