"""Amazon's Orders API v2026-01-01 answers as Amazon gives them: only the datasets the request asked for
(``includedData``). An order or order item field of a dataset not asked for is absent from Amazon's answer (the
model's sandbox cases: ``getOrder`` asked for RECIPIENT, PROCEEDS and FULFILLMENT answers with no ``buyer``)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

import httpx

ORDER_FIELDS = {
    "BUYER": "buyer",
    "RECIPIENT": "recipient",
    "PROCEEDS": "proceeds",
    "EXPENSE": "expense",
    "PROMOTION": "promotion",
    "CANCELLATION": "cancellation",
    "FULFILLMENT": "fulfillment",
    "PACKAGES": "packages",
    "TAX": "tax",
    "PAYMENT": "payment",
    "FULFILLMENT_ORDERS": "fulfillmentOrders",
}
"""Each dataset, by the field it adds to an order and (where the model has it) to each of its order items."""


def asked(query: str) -> set[str]:
    """The datasets of a request's query string."""
    values = parse_qs(query, keep_blank_values=True).get("includedData", [""])
    return {name for value in values for name in value.split(",") if name}


def as_asked(order: dict[str, Any], datasets: set[str]) -> dict[str, Any]:
    """``order`` without the fields of the datasets not in ``datasets``."""
    dropped = {field for name, field in ORDER_FIELDS.items() if name not in datasets}
    kept = {key: value for key, value in copy.deepcopy(order).items() if key not in dropped}
    kept["orderItems"] = [
        {key: value for key, value in item.items() if key not in dropped} for item in kept.get("orderItems", [])
    ]
    return kept


def answering(pages: Iterable[dict[str, Any]]) -> Callable[[httpx.Request], httpx.Response]:
    """A respx side effect answering each request with the next page (the last one again once they run out),
    its orders (``orders``, or getOrder's ``order``) holding only the datasets the request asked for."""
    remaining = list(pages)

    def answer(request: httpx.Request) -> httpx.Response:
        page = remaining.pop(0) if len(remaining) > 1 else remaining[0]
        datasets = asked(request.url.query.decode())
        body = dict(page)
        if isinstance(body.get("orders"), list):
            body["orders"] = [as_asked(o, datasets) if isinstance(o, dict) else o for o in body["orders"]]
        if isinstance(body.get("order"), dict):
            body["order"] = as_asked(body["order"], datasets)
        return httpx.Response(200, json=body)

    return answer
