"""Meta Catalog Batch API: ``POST /{version}/{catalog_id}/items_batch`` with ``item_type=PRODUCT_ITEM`` and up
to 5,000 requests (and 28 MB) per call, each ``{"method": "CREATE"|"UPDATE"|"DELETE", "data": {…}}`` in
feed-style field names. The answer refuses some requests at once (``validation_status``) and gives a handle (none:
nothing was ingested); ``GET /{catalog_id}/check_batch_request_status`` is polled until the handle's status is final
(``finished``, ``error`` or ``canceled``), and its per-item errors and warnings are read (``meta_batch``). An item
is recorded as sent only once Meta confirmed it. Throttling comes as error codes 4, 17, 32, 613, 80000-80004, 80009
and 80014 (often with HTTP 400) and as ``X-Business-Use-Case-Usage``; a Graph error may come with HTTP 200, and one
marked ``is_transient`` is retried.
Facts: research notes §3.4-3.5 (developers.facebook.com catalog batch API reference, the business SDK).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from feedsync.config import MetaCatalogApiDestination
from feedsync.destinations.base import Held, ItemEncoder, ItemSync, refresh_after
from feedsync.destinations.http import (
    FORM_TYPE,
    Requester,
    answer_shape,
    form_body,
    form_text,
    json_body,
    make_client,
    pages,
    poll,
)
from feedsync.destinations.meta_batch import CANCELED, FINAL, FINISHED, Outcome, read_status, read_validation
from feedsync.diagnostics import Emit, Severity
from feedsync.diagnostics.codes import make
from feedsync.errors import AuthError, RemoteError, RetriableRemoteError
from feedsync.events import event
from feedsync.secrets import clip, mask
from feedsync.sync import Change, Recorder, SyncPlan

THROTTLE_CODES = frozenset({4, 17, 32, 613, 80000, 80001, 80002, 80003, 80004, 80009, 80014})
AUTH_CODES = frozenset({102, 190})
"""Graph error codes of a session or access token that is invalid or expired: every later call fails alike."""
MAX_REQUESTS = 5_000
UNKNOWN_AFTER = 5
"""Answers in a row to a batch's status that name no batch (``data: []``) before the batch is taken for one Meta does
not know (a handle it dropped): the channel fails, nothing of the batch recorded, rather than polling it until
``poll_timeout``."""
MAX_BYTES = 28 * 1024 * 1024
LIST_PAGE = 500
"""Items a page of the catalog's ``products`` edge is asked for (Meta may answer fewer: its cursor goes on)."""
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
    except (ValueError, KeyError, TypeError, OverflowError):  # (OverflowError: a code of 1e999, read as infinity)
        return None


def is_throttled(response: httpx.Response) -> bool:
    return error_code(response) in THROTTLE_CODES


def _graph_error(response: httpx.Response) -> dict[str, Any] | None:
    """The ``error`` object of a Graph error body (``{"error": {message, type, code, error_subcode, is_transient,
    fbtrace_id}}``), or None."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return None
    return error if isinstance(error, dict) else None


def is_transient(response: httpx.Response) -> bool:
    """Whether an error answer is worth retrying: a throttle, or a Graph error Meta marks ``is_transient``."""
    error = _graph_error(response)
    return is_throttled(response) or (error is not None and error.get("is_transient") is True)


def refusal(operation: str, response: httpx.Response) -> None:
    """Raise what a Graph error body says where the HTTP status does not: an invalid or expired token (any status:
    a system-user token does not refresh, so sending again is no use) is an AuthError; a 2xx with an error body
    a RemoteError with Meta's message and code (retried when Meta marks it transient or a throttle)."""
    error = _graph_error(response)
    if error is None:
        return
    code = error_code(response)
    status = response.status_code
    if code in AUTH_CODES:
        hint = "; the access token was refused (expired or revoked?): give the channel a new system user token"
        raise AuthError(_error_text(operation, response, error) + hint, status=status)
    if status < 300:
        text = _error_text(operation, response, error)
        if is_transient(response):
            raise RetriableRemoteError(text, retry_after=usage_wait(response), status=status)
        raise RemoteError(text, status=status)


def _error_text(operation: str, response: httpx.Response, error: Mapping[str, Any]) -> str:
    """``operation: HTTP 200, Meta error 190/463 (OAuthException): message (fbtrace_id …)``, masked."""
    code = str(error.get("code", "?")) + (f"/{error['error_subcode']}" if error.get("error_subcode") else "")
    kind = f" ({error['type']})" if error.get("type") else ""
    trace = f" (fbtrace_id {error['fbtrace_id']})" if error.get("fbtrace_id") else ""
    message = clip(str(error.get("message") or "no message"), 500)
    return mask(f"{operation}: HTTP {response.status_code}, Meta error {code}{kind}: {message}{trace}")


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
                    minutes = float(entry.get("estimated_time_to_regain_access", 0))
                    waits.append(30.0 if math.isnan(minutes) else max(minutes * 60, 30.0))
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
            self.client,
            auth=_Token(self.config.access_token.value()),
            throttle=usage_wait,
            transient=is_transient,
            refusal=refusal,
        )

    def held(self, target: str | None = None) -> Held:
        """The retailer ids of the catalog's items (``GET /{catalog_id}/products?fields=retailer_id``, read with its
        ``after`` cursor while the answer names a ``next`` page). A catalog may also hold items of another source (a
        data feed, Commerce Manager), so the items feedsync does not know are named, not deleted."""
        requester = self._requester()
        url = f"/{self.config.api_version}/{self.config.catalog_id}/products"

        def fetch(token: str | None) -> tuple[list[str], str | None]:
            params = {"fields": "retailer_id", "limit": str(LIST_PAGE)} | ({"after": token} if token else {})
            body = json_body(requester.request("GET", url, operation="products", params=params), "products")
            with answer_shape("products"):
                found = []
                for item in body["data"]:
                    retailer = item["retailer_id"]
                    if not isinstance(retailer, str):
                        raise TypeError(f"retailer_id is {type(retailer).__name__}, not text")
                    found.append(retailer)
                paging = body.get("paging") or {}
                after = paging.get("cursors", {}).get("after") if paging.get("next") else None
                if paging.get("next") and not (isinstance(after, str) and after):
                    raise ValueError("a next page is named without a cursor after this one")
            return found, after

        return Held(frozenset(pages(fetch, "products")), owned=False)

    def sync(self, plan: SyncPlan, recorder: Recorder, emit: Emit, encoder: ItemEncoder) -> None:
        requester = self._requester()
        requests = [("CREATE", c) for c in plan.creates] + [("UPDATE", c) for c in plan.updates + plan.refreshes]
        for batch in self._batches([(m, c, _encoded(m, item_data(encoder.records(c)[0]))) for m, c in requests]):
            # Meta names a failed item by the id it was sent under (the catalog id fitted into Meta's limit).
            changes = [change for _, change, _ in batch]
            sent = {_sent_id(change): change.item_id for change in changes}
            told = _Told(emit, encoder.name, sent, "Meta rejected the item")
            confirmed = self._apply(requester, [encoded for _, _, encoded in batch], told)
            for change in changes:
                if change.item_id in told.refused:
                    recorder.rejected(change, told.refused[change.item_id])
            told.settle()
            if confirmed:
                recorder.accepted([c for c in changes if c.item_id not in told.refused])
        deletes = plan.deletes
        for start in range(0, len(deletes), self.config.batch_size):
            chunk = deletes[start : start + self.config.batch_size]
            # Items were published under their id fitted into Meta's limit, so deleted so too.
            sent = {encoder.remote_id(item): item for item in chunk}
            told = _Told(emit, encoder.name, sent, "Meta refused to delete the item (the next push deletes it again)")
            confirmed = self._apply(requester, [_encoded("DELETE", {"id": remote}) for remote in sent], told)
            told.settle()  # a refused delete leaves the item in the state: the next push deletes it again
            if confirmed:
                recorder.removed([item for item in chunk if item not in told.refused])

    def _apply(self, requester: Requester, encoded: list[str], told: _Told) -> bool:
        """Send one batch (its requests each as ``_encoded`` made it) and tell what Meta made of it; whether Meta
        confirmed the requests it did not refuse (else none of them is recorded, and the next push sends them
        again). A batch Meta canceled, or ended in error, fails the channel once its refusals are told."""
        handle, validation = self._send(requester, encoded, told.sent_ids)
        told.take(validation)
        if handle is None:  # "An empty array means that nothing has been ingested"
            if len(told.refused) < len(told.sent_ids):
                told.failure = (
                    f"items_batch ingested nothing of a batch of {len(encoded)} request(s) (no handle; "
                    f"{len(told.refused)} refused by name)"
                )
            return False
        status = self._wait(requester, handle)
        state = str(status.get("status"))
        if state in CANCELED:
            told.failure = f"Meta canceled batch {handle}: none of its {len(encoded)} request(s) is recorded as done"
            return False
        with answer_shape("check_batch_request_status"):
            told.take(read_status(status, told.sent_ids))
        if state != FINISHED:
            told.failure = (
                f"Meta's batch {handle} ended with status {state!r} (some of its requests may not have been applied): "
                f"none of its {len(encoded)} request(s) is recorded as done ({len(told.refused)} refused by name)"
            )
            return False
        return told.unnamed == 0

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

    def _send(self, requester: Requester, encoded: list[str], sent_ids: list[str]) -> tuple[str | None, Outcome]:
        """Send the requests (each as ``_encoded`` made it) in one call: the handle Meta answers with (None: it
        ingested nothing), and the requests its ``validation_status`` refuses or warns about."""
        url = f"/{self.config.api_version}/{self.config.catalog_id}/items_batch"
        body = (_BODY_START + _BETWEEN.join(encoded) + _BODY_END).encode("ascii")
        response = requester.request(
            "POST", url, operation="items_batch", content=body, headers={"Content-Type": FORM_TYPE}
        )
        answer = json_body(response, "items_batch", keys=("handles",))
        handles = answer["handles"]
        if not isinstance(handles, list):
            raise RemoteError(f"items_batch returned no handle: {clip(response.text, 300)}")
        with answer_shape("items_batch"):
            validation = read_validation(answer, sent_ids)
        if not handles and not validation.refused:
            raise RemoteError(f"items_batch returned no handle: {clip(response.text, 300)}")
        return (str(handles[0]) if handles else None), validation

    def _wait(self, requester: Requester, handle: str) -> dict[str, Any]:
        """Poll the handle until its status is final; that status."""
        url = f"/{self.config.api_version}/{self.config.catalog_id}/check_batch_request_status"
        empty = [0]  # answers in a row that named no batch

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
            empty[0] = 0 if data else empty[0] + 1
            if empty[0] >= UNKNOWN_AFTER:  # not polled until poll_timeout (30 minutes) for a batch Meta never names
                raise RemoteError(
                    f"check_batch_request_status: Meta named no batch for handle {handle} in {UNKNOWN_AFTER} answers "
                    "in a row (it does not know it); nothing of the batch is recorded as sent, its items go again"
                )
            event("poll", destination="meta_catalog_api", handle=handle, status=status.get("status"))
            return status

        return poll(
            check,
            lambda status: status.get("status") in FINAL,
            interval=self.config.poll_interval,
            cap=60,
            timeout=self.config.poll_timeout,
            sleep=requester.sleep,
            still=lambda status: (
                f"batch {handle} not finished (status {status.get('status')!r}; it may still complete at Meta)"
            ),
            clock=self.clock,
        )


def _sent_id(change: Change) -> str:
    sent = change.values.get("id")
    return sent if isinstance(sent, str) else change.item_id


class _Told:
    """What Meta made of one batch, told as findings: its refusals (``DST003``, by catalog item id), warnings
    (``DST005``) and the refusals it counted without naming the request (``DST010``). ``sent``: the id each request
    was sent under -> the catalog item id."""

    def __init__(self, emit: Emit, channel: str, sent: dict[str, str], refused_text: str) -> None:
        self.emit = emit
        self.channel = channel
        self.sent = sent
        self.sent_ids = list(sent)
        self.refused_text = refused_text
        self.refused: dict[str, str] = {}
        """Catalog item id -> Meta's message."""
        self.unnamed = 0
        self.failure: str | None = None
        """Why the batch fails the channel (raised by ``settle``)."""

    def take(self, outcome: Outcome) -> None:
        for sent_id, message in outcome.refused.items():
            item = self.sent[sent_id]
            if item not in self.refused:
                self.refused[item] = message
                self.emit(make("DST003", f"{self.refused_text}: {message}", channel=self.channel, product_id=item))
        for sent_id, message in outcome.warnings:
            item = self.sent.get(sent_id) if sent_id is not None else None
            self.emit(
                make("DST005", f"Meta: {message}", channel=self.channel, product_id=item, severity=Severity.WARNING)
            )
        if outcome.unlisted_warnings:
            text = f"Meta counted {outcome.unlisted_warnings} more warning(s) on a batch than it listed"
            self.emit(make("DST005", text, channel=self.channel, severity=Severity.WARNING))
        self.unnamed += outcome.unnamed

    def settle(self) -> None:
        """Tell the refusals no request was named for; raise the batch's failure, if any."""
        if self.unnamed:
            others = len(self.sent) - len(self.refused)
            text = (
                f"Meta refused {self.unnamed} request(s) of a batch of {len(self.sent)} without naming them: the "
                f"batch's {others} other item(s) are not recorded as sent and are sent again on the next push"
            )
            self.emit(make("DST010", text, channel=self.channel))
        if self.failure is not None:
            raise RemoteError(self.failure)
