"""The shipments file ops hand to ``push-tracking``: CSV or JSON, one shipment (package) per row/object.

Fields: ``order_id`` (the marketplace order id), ``carrier``, ``tracking_number``, ``ship_date`` (ISO 8601),
``shipping_method`` (optional), ``items`` (optional: order item ids or SKUs with quantities, in CSV as
``ID:QTY`` separated by ``;`` and in JSON as ``[{"id": ..., "quantity": ...}]``; empty means the whole order).

A package is an order's tracking number: shipments repeating one are one package (``merge_duplicates``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from feedsync.config import SourceConfig
from feedsync.diagnostics import Emit
from feedsync.diagnostics.codes import make
from feedsync.diagnostics.diagnostic import Location
from feedsync.errors import SourceError
from feedsync.orders.sanity import check_date, check_quantity
from feedsync.sources.native import iter_json_array
from feedsync.sources.tabular import detect_encoding, open_table
from feedsync.values import ValueProblem, parse_datetime, parse_int

MAX_TRACKING = 100
"""No carrier's tracking number is longer (UPS 18, FedEx up to 34, USPS up to 34, DHL up to 39 characters)."""
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Control characters other than tab and line breaks (which the upload file folds into a space)."""
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
    group: tuple[str, ...] = ()
    """The tracking numbers of the store shipment this package is one of, in order, where it has several (its
    ``items`` are then the whole shipment's, shared out over its packages); empty: a shipment of one package."""


def read_shipments(path: Path, emit: Emit) -> list[Shipment]:
    """Every readable shipment; each bad one is reported (ORD004, with its row or object number) and left out. The
    file is read as catalog files are (encoding detection, quoted line breaks, quotes never closed, JSON depth)."""
    records, columns = _json_records(path, emit) if path.suffix.lower() == ".json" else _csv_records(path, emit)
    shipments = []
    for number, record in records:
        try:
            shipments.append(_shipment(record, Location(str(path), number)))
        except _Bad as bad:
            emit(
                make(
                    "ORD004",
                    bad.message,
                    product_id=str(record.get("order_id") or "")[:80] or None,
                    field=bad.field,
                    value=bad.value[:80] if bad.value else bad.value,
                    location=Location(str(path), number, columns.get(bad.field), bad.field),
                )
            )
    return shipments


def _csv_records(path: Path, emit: Emit) -> tuple[list[tuple[int, dict[str, Any]]], dict[str, int]]:
    with open_table(SourceConfig(path=path), emit, encoding_key=None) as table:  # (a --shipments file takes none)
        missing = [name for name in REQUIRED if name not in table.header]
        if missing:
            raise SourceError(f"{path}:{table.header_row}: the shipments file has no column {', '.join(missing)}")
        columns = {name: i + 1 for i, name in enumerate(table.header)}
        records = [(row, dict(zip(table.header, cells, strict=False))) for row, cells in table.rows]
    return records, columns


def _json_records(path: Path, emit: Emit) -> tuple[list[tuple[int, dict[str, Any]]], dict[str, int]]:
    encoding = detect_encoding(path, None, emit, encoding_key=None)
    try:
        handle = path.open("r", encoding=encoding, newline="")
    except OSError as exc:
        raise SourceError(f"cannot read shipments file {path}: {exc.strerror}") from None
    records = []
    with handle:
        try:
            for number, (line, value) in enumerate(iter_json_array(handle, str(path)), start=1):
                if not isinstance(value, dict):
                    raise SourceError(f"{path}:{line}: a JSON shipments file is a list of objects")
                records.append((number, value))
        except UnicodeDecodeError as exc:
            raise SourceError(f"{path}: not valid {encoding} ({exc.reason})") from None
    return records, {}


class _Bad(Exception):
    def __init__(self, field: str, message: str, value: str | None) -> None:
        super().__init__(message)
        self.field, self.message, self.value = field, message, value


def _shipment(record: dict[str, Any], location: Location) -> Shipment:
    def text(name: str) -> str:
        value = record.get(name)
        return "" if value is None else str(value).strip()

    for name in FIELDS:
        value = record.get(name)
        if name != "items" and value is not None and (isinstance(value, bool) or not isinstance(value, str | int)):
            raise _Bad(name, f"{name} is not text", json.dumps(value, default=str))
        if isinstance(value, str) and (control := _CONTROL.search(value)):
            raise _Bad(name, f"{name} holds a control character (U+{ord(control[0]):04X})", value)
    for name in REQUIRED:
        if not text(name):
            raise _Bad(name, f"{name} is empty", None)
    if len(text("tracking_number")) > MAX_TRACKING:
        raise _Bad(
            "tracking_number", f"tracking_number is longer than {MAX_TRACKING} characters", text("tracking_number")
        )
    try:
        shipped = check_date(parse_datetime(text("ship_date"), UTC, what="ship_date"), "ship_date")
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
            if isinstance(quantity, bool) or not isinstance(quantity, int | str):
                raise ValueProblem("ORD004", f"quantity {json.dumps(quantity)} is not a whole number")
            number = check_quantity(
                quantity if isinstance(quantity, int) else parse_int(quantity, what="quantity"), "quantity"
            )
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
