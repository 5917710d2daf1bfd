"""The shipments file ops hand to ``push-tracking``: CSV or JSON, one shipment (package) per row/object.

Fields: ``order_id`` (the marketplace order id), ``carrier``, ``tracking_number``, ``ship_date`` (ISO 8601),
``shipping_method`` (optional), ``items`` (optional: order item ids or SKUs with quantities, in CSV as
``ID:QTY`` separated by ``;`` and in JSON as ``[{"id": ..., "quantity": ...}]``; empty means the whole order).

A package is an order's tracking number: shipments repeating one are one package (``merge_duplicates``).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from feedsync.diagnostics import Emit
from feedsync.diagnostics.codes import make
from feedsync.diagnostics.diagnostic import Location
from feedsync.errors import SourceError
from feedsync.values import ValueProblem, parse_datetime, parse_int

FIELDS = ("order_id", "carrier", "tracking_number", "ship_date", "shipping_method", "items")
REQUIRED = ("order_id", "carrier", "tracking_number", "ship_date")


@dataclass(frozen=True, slots=True)
class Shipment:
    order_id: str
    carrier: str
    tracking_number: str
    ship_date: datetime
    shipping_method: str | None
    items: tuple[tuple[str, int], ...]
    """(order item id or SKU, quantity); empty: the whole order."""
    location: Location


def read_shipments(path: Path, emit: Emit) -> list[Shipment]:
    """Every readable shipment; each bad one is reported (ORD004, with its row or object number) and left out."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"cannot read shipments file {path}: {getattr(exc, 'strerror', None) or exc}") from None
    records: list[tuple[int, dict[str, Any]]]
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SourceError(f"{path}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
        if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
            raise SourceError(f"{path}: a JSON shipments file is a list of objects")
        records = list(enumerate(data, start=1))
        columns: dict[str, int] = {}
    else:
        reader = csv.DictReader(text.splitlines())
        missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
        if missing:
            raise SourceError(f"{path}:1: the shipments file has no column {', '.join(missing)}")
        columns = {name: i + 1 for i, name in enumerate(reader.fieldnames or [])}
        records = [
            (number, row)
            for number, row in enumerate(reader, start=2)
            if any(isinstance(v, str) and v.strip() for v in row.values())
        ]
    shipments = []
    for number, record in records:
        try:
            shipments.append(_shipment(record, Location(str(path), number)))
        except _Bad as bad:
            emit(
                make(
                    "ORD004",
                    bad.message,
                    product_id=str(record.get("order_id") or "") or None,
                    field=bad.field,
                    value=bad.value,
                    location=Location(str(path), number, columns.get(bad.field), bad.field),
                )
            )
    return shipments


class _Bad(Exception):
    def __init__(self, field: str, message: str, value: str | None) -> None:
        super().__init__(message)
        self.field, self.message, self.value = field, message, value


def _shipment(record: dict[str, Any], location: Location) -> Shipment:
    def text(name: str) -> str:
        value = record.get(name)
        return "" if value is None else str(value).strip()

    for name in REQUIRED:
        if not text(name):
            raise _Bad(name, f"{name} is empty", None)
    try:
        shipped = parse_datetime(text("ship_date"), UTC, what="ship_date")
    except ValueProblem as problem:
        raise _Bad("ship_date", problem.message, text("ship_date")) from None
    return Shipment(
        order_id=text("order_id"),
        carrier=text("carrier"),
        tracking_number=text("tracking_number"),
        ship_date=shipped,
        shipping_method=text("shipping_method") or None,
        items=_items(record.get("items")),
        location=location,
    )


def _items(value: Any) -> tuple[tuple[str, int], ...]:
    pairs: list[tuple[str, Any]] = []
    if value in (None, "", []):
        return ()
    if isinstance(value, str):
        for part in value.split(";"):
            if part.strip():
                ident, _, quantity = part.strip().rpartition(":")
                pairs.append((ident, quantity) if ident else (quantity, "1"))
    elif isinstance(value, list):
        for entry in value:
            if not isinstance(entry, dict) or "id" not in entry:
                raise _Bad("items", 'each item is {"id": ..., "quantity": ...}', json.dumps(entry))
            pairs.append((str(entry["id"]), entry.get("quantity", 1)))
    else:
        raise _Bad("items", "items is a list of order item ids or SKUs with quantities", str(value))
    out = []
    for ident, quantity in pairs:
        try:
            number = quantity if isinstance(quantity, int) else parse_int(str(quantity), what="quantity")
        except ValueProblem as problem:
            raise _Bad("items", f"item {ident}: {problem.message}", str(quantity)) from None
        if number < 1:
            raise _Bad("items", f"item {ident}: quantity {quantity} is not positive", str(quantity))
        out.append((ident.strip(), number))
    return tuple(out)


def merge_duplicates(shipments: list[Shipment], emit: Emit) -> list[Shipment]:
    """One shipment per (order, tracking number), at the place of its first row, each repeat reported (ORD009,
    a warning naming both rows). A repeat with the same items is the same package listed twice and adds nothing.
    A repeat with other items is more of the same package (a warehouse export listing a package's items row by
    row): the package holds the items of both rows, an item named in both with both quantities (still checked
    against the order), and a row naming no items makes it the whole order."""
    out: list[Shipment] = []
    first: dict[tuple[str, str], int] = {}
    for shipment in shipments:
        key = (shipment.order_id, shipment.tracking_number)
        if key not in first:
            first[key] = len(out)
            out.append(shipment)
            continue
        kept = out[first[key]]
        where = f"{_position(shipment.location)} repeats {_position(kept.location)}"
        if sorted(shipment.items) == sorted(kept.items):
            what = "the same package, confirmed once"
        else:
            out[first[key]] = replace(kept, items=_merged(kept.items, shipment.items))
            what = "with other items: one package with the items of both"
        emit(
            make(
                "ORD009",
                f"order {shipment.order_id}, tracking {shipment.tracking_number}: {where}, {what}",
                product_id=shipment.order_id,
                field="tracking_number",
                value=shipment.tracking_number,
                location=shipment.location,
            )
        )
    return out


def _merged(first: tuple[tuple[str, int], ...], second: tuple[tuple[str, int], ...]) -> tuple[tuple[str, int], ...]:
    if not first or not second:
        return ()  # a row without items ships the whole order
    total: dict[str, int] = {}
    for ident, quantity in first + second:
        total[ident] = total.get(ident, 0) + quantity
    return tuple(total.items())


def _position(location: Location) -> str:
    if location.row is None:
        return str(location)
    return f"{'object' if location.path.lower().endswith('.json') else 'row'} {location.row}"
