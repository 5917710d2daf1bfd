"""Meta Catalog Batch API: ``POST /{version}/{catalog_id}/items_batch`` with ``item_type=PRODUCT_ITEM`` and up
to 5,000 requests (and 28 MB) per call, each ``{"method": "CREATE"|"UPDATE"|"DELETE", "data": {…}}`` in
feed-style field names. A call only queues the work: ``GET /{catalog_id}/check_batch_request_status`` is polled
until the handle's status is ``finished``, and its per-item errors are recorded. Throttling comes as error
codes 4, 17, 32, 613, 80000-80004 and 80014 (often with HTTP 400) and as ``X-Business-Use-Case-Usage``.
Facts: research notes §3.4-3.5 (developers.facebook.com catalog batch API reference, the business SDK).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from feedsync.config import MetaCatalogApiDestination
from feedsync.destinations.base import ItemEncoder, ItemSync, refresh_after
from feedsync.destinations.http import (
    FORM_TYPE,
    Requester,
    answer_shape,
    form_body,
    form_text,
    json_body,
    make_client,
    poll,
)
from feedsync.diagnostics import Emit
from feedsync.diagnostics.codes import make
from feedsync.errors import RemoteError
from feedsync.events import event
from feedsync.secrets import clip
from feedsync.sync import Change, Recorder, SyncPlan

THROTTLE_CODES = frozenset({4, 17, 32, 613, 80000, 80001, 80002, 80003, 80004, 80014})
MAX_REQUESTS = 5_000
MAX_BYTES = 28 * 1024 * 1024
_Request = tuple[str, Change, str]
"""(method, change, the request as ``_encoded`` made it)."""
_BODY_START = form_body({"item_type": "PRODUCT_ITEM", "requests": ""}).decode("ascii") + form_text("[")
_BETWEEN = form_text(", ")
_BODY_END = form_text("]")
"""The form body of ``item_type=PRODUCT_ITEM`` and ``requests`` (a JSON list, ``json.dumps``'s separators) is made
of the requests' own encodings: the same bytes as ``form_body`` of the whole, each request encoded once."""


def _encoded(method: str, data: dict[str, Any]) -> str:
    """A request (``{"method": …, "data": …}``) as it stands in the form body: its JSON, form-encoded."""
    return form_text(json.dumps({"method": method, "data": data}))


def error_code(response: httpx.Response) -> int | None:
    try:
        return int(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return None


def is_throttled(response: httpx.Response) -> bool:
    return error_code(response) in THROTTLE_CODES


def usage_wait(response: httpx.Response) -> float | None:
    """Seconds to wait from ``X-Business-Use-Case-Usage`` when a counter nears 100 %."""
    header = response.headers.get("x-business-use-case-usage")
    if not header:
        return 60.0 if is_throttled(response) else None
    waits = []
    try:
        for entries in json.loads(header).values():
            for entry in entries:
                busiest = max(entry.get("call_count", 0), entry.get("total_cputime", 0), entry.get("total_time", 0))
                if busiest >= 95 or is_throttled(response):
                    waits.append(max(float(entry.get("estimated_time_to_regain_access", 0)) * 60, 30.0))
    except (ValueError, TypeError, AttributeError):  # a header that is not Meta's: no usage to read
        return 60.0 if is_throttled(response) else None
    return max(waits) if waits else (60.0 if is_throttled(response) else None)


def item_data(values: Mapping[str, Any]) -> dict[str, Any]:
    """A Meta channel item as ``data`` of a batch request (lists joined as the feed writes them)."""
    return {k: (v if isinstance(v, str) else ",".join(v)) for k, v in values.items()}


class _Token:
    def __init__(self, token: str) -> None:
        self.token = token

    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}

    def refresh(self) -> None:
        """A system-user token does not refresh; a 401 is reported as it is."""


class MetaCatalogApi(ItemSync):
    def __init__(
        self,
        config: MetaCatalogApiDestination,
        *,
        client: httpx.Client | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.refresh_after = refresh_after(config.refresh_days)
        self.client = client or make_client(base_url=config.endpoint)
        self.clock = clock

    def describe(self) -> str:
        return f"meta_catalog_api:{self.config.catalog_id}"

    def _requester(self) -> Requester:
        return Requester(
            self.client, auth=_Token(self.config.access_token.value()), throttle=usage_wait, transient=is_throttled
        )

    def sync(self, plan: SyncPlan, recorder: Recorder, emit: Emit, encoder: ItemEncoder) -> None:
        requester = self._requester()
        requests = [("CREATE", c) for c in plan.creates] + [("UPDATE", c) for c in plan.updates + plan.refreshes]
        for batch in self._batches([(m, c, _encoded(m, item_data(encoder.records(c)[0]))) for m, c in requests]):
            handle = self._send(requester, [encoded for _, _, encoded in batch])
            invalid = self._wait(requester, handle)
            # Meta names a failed item by the id it was sent under (the catalog id fitted into Meta's limit).
            accepted = [c for _, c, _ in batch if _sent_id(c) not in invalid]
            for _, change, _ in batch:
                if _sent_id(change) in invalid:
                    recorder.rejected(change, invalid[_sent_id(change)])
                    emit(
                        make(
                            "DST003",
                            f"Meta rejected the item: {invalid[_sent_id(change)]}",
                            channel=encoder.name,
                            product_id=change.item_id,
                        )
                    )
            recorder.accepted(accepted)
        deletes = plan.deletes
        for start in range(0, len(deletes), self.config.batch_size):
            chunk = deletes[start : start + self.config.batch_size]
            # Items were published under their id fitted into Meta's limit, so deleted so too.
            sent = {item: encoder.remote_id(item) for item in chunk}
            handle = self._send(requester, [_encoded("DELETE", {"id": sent[item]}) for item in chunk])
            invalid = self._wait(requester, handle)
            recorder.removed([item for item in chunk if sent[item] not in invalid])

    def _batches(self, requests: list[_Request]) -> list[list[_Request]]:
        """Chunks within the request-count limit and, as sent, the payload-size limit (a request's size in the body
        is its JSON form-encoded: a quote takes three bytes, a non-ASCII character up to twelve)."""
        batches: list[list[_Request]] = []
        current: list[_Request] = []
        size = len(_BODY_START) + len(_BODY_END)
        for request in requests:
            weight = len(request[2]) + len(_BETWEEN)
            if current and (len(current) >= self.config.batch_size or size + weight > MAX_BYTES - 1024):
                batches.append(current)
                current, size = [], len(_BODY_START) + len(_BODY_END)
            current.append(request)
            size += weight
        if current:
            batches.append(current)
        return batches

    def _send(self, requester: Requester, encoded: list[str]) -> str:
        """Send the requests (each as ``_encoded`` made it) in one call; the handle Meta answers with."""
        url = f"/{self.config.api_version}/{self.config.catalog_id}/items_batch"
        body = (_BODY_START + _BETWEEN.join(encoded) + _BODY_END).encode("ascii")
        response = requester.request(
            "POST", url, operation="items_batch", content=body, headers={"Content-Type": FORM_TYPE}
        )
        handles = json_body(response, "items_batch", keys=("handles",))["handles"]
        if not isinstance(handles, list) or not handles:
            raise RemoteError(f"items_batch returned no handle: {clip(response.text, 300)}")
        return str(handles[0])

    def _wait(self, requester: Requester, handle: str) -> dict[str, str]:
        """Poll the handle until it is finished; the invalid item ids with their messages."""
        url = f"/{self.config.api_version}/{self.config.catalog_id}/check_batch_request_status"

        def check() -> dict[str, Any]:
            response = requester.request(
                "GET",
                url,
                operation="check_batch_request_status",
                params={"handle": handle, "load_ids_of_invalid_requests": "true"},
            )
            data = json_body(response, "check_batch_request_status", keys=("data",))["data"]
            if not isinstance(data, list) or not all(isinstance(entry, dict) for entry in data):
                raise RemoteError(f"check_batch_request_status: no batch status in {clip(response.text, 300)!r}")
            status: dict[str, Any] = data[0] if data else {}
            event("poll", destination="meta_catalog_api", handle=handle, status=status.get("status"))
            return status

        finished = poll(
            check,
            lambda status: status.get("status") == "finished",
            interval=self.config.poll_interval,
            cap=60,
            timeout=self.config.poll_timeout,
            sleep=requester.sleep,
            still=lambda status: (
                f"batch {handle} not finished (status {status.get('status')!r}; it may still complete at Meta)"
            ),
            clock=self.clock,
        )
        with answer_shape("check_batch_request_status"):
            return _invalid(finished)


def _sent_id(change: Change) -> str:
    sent = change.values.get("id")
    return sent if isinstance(sent, str) else change.item_id


def _invalid(status: Mapping[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for error in status.get("errors") or []:
        item = error.get("id") or error.get("retailer_id")
        if item:
            found[str(item)] = str(error.get("message", "rejected"))
    for item in status.get("ids_of_invalid_requests") or []:
        found.setdefault(str(item), "rejected by Meta")
    return found
