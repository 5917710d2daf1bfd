"""The shipments file ops hand to ``push-tracking``: CSV or JSON, one shipment (package) per row/object.

Fields: ``order_id`` (the marketplace order id), ``carrier``, ``tracking_number``, ``ship_date`` (ISO 8601),
``shipping_method`` (optional), ``items`` (optional: order item ids or SKUs with quantities, in CSV as
``ID:QTY`` separated by ``;`` and in JSON as ``[{"id": ..., "quantity": ...}]``; empty means the whole order).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
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
