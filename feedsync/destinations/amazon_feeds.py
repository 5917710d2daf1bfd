"""Amazon Selling Partner API, Feeds 2021-06-30 with ``JSON_LISTINGS_FEED``.

1. Login with Amazon: ``POST https://api.amazon.com/auth/o2/token`` (refresh-token grant); the access token is
   cached for its hour, less a margin.
2. ``POST /feeds/2021-06-30/documents`` with the content type -> ``feedDocumentId`` and a presigned ``url``.
3. ``PUT`` the document to that URL with exactly the same ``Content-Type`` and no SP-API headers.
4. ``POST /feeds/2021-06-30/feeds`` (``feedType``, ``marketplaceIds``, ``inputFeedDocumentId``) -> ``feedId``;
   Amazon allows 5 listings feeds per 5 minutes, which a local token bucket respects.
5. ``GET /feeds/2021-06-30/feeds/{feedId}`` until ``DONE``, ``CANCELLED`` or ``FATAL`` (with backoff). The feed is
   recorded open in the state first: a push that ends before its outcome is known (a poll timeout, a kill) leaves
   it to the next push, which collects it before it sends anything. An open feed Amazon no longer knows (getFeed
   answers 404: it keeps feeds at most 90 days) or has not finished ``open_feed_hours`` after it was created is
   given up (DST011): cancelled (``DELETE /feeds/2021-06-30/feeds/{feedId}``) if it is still ``IN_QUEUE``, closed
   with nothing recorded, and its listings sent again with the push's.
6. ``GET /feeds/2021-06-30/documents/{resultFeedDocumentId}``, download the report (gunzip when
   ``compressionAlgorithm`` is ``GZIP``), check it against the document sent (``amazon_report``: a report that
   disagrees fails the feed whole) and turn its issues into per-SKU diagnostics.
Only changed listings are sent (UPDATE messages) and vanished ones deleted (DELETE); at most 25,000 messages
per feed. Facts: research notes §1-2 and §5, and the Feeds/processing-report models in the shared folder.
"""

from __future__ import annotations

import json
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import httpx

from feedsync import secrets
from feedsync.config import AmazonLogin, AmazonSpApiDestination
from feedsync.destinations.amazon_listings import listed_skus
from feedsync.destinations.amazon_report import refused_messages
from feedsync.destinations.base import Held, ItemEncoder, ItemSync, refresh_after
from feedsync.destinations.http import (
    RateLimiter,
    Requester,
    answer_shape,
    answered_id,
    gunzip_within,
    json_body,
    make_client,
    poll,
)
from feedsync.diagnostics import Emit
from feedsync.diagnostics.codes import make
from feedsync.errors import AuthError, RemoteError
from feedsync.events import event
from feedsync.formats.json_listings import MAX_MESSAGES, delete_message, max_messages
from feedsync.sync import Change, Recorder, SyncPlan

HOSTS = {
    "na": "https://sellingpartnerapi-na.amazon.com",
    "eu": "https://sellingpartnerapi-eu.amazon.com",
    "fe": "https://sellingpartnerapi-fe.amazon.com",
}
SANDBOX_HOSTS = {region: host.replace("https://", "https://sandbox.") for region, host in HOSTS.items()}
LWA_URL = "https://api.amazon.com/auth/o2/token"
CONTENT_TYPE = "application/json; charset=UTF-8"
FINAL = ("DONE", "CANCELLED", "FATAL")
TOKEN_MARGIN = 300.0
_RISK = "should Amazon still finish it, what it sent may replace the listings sent now"


class LwaToken:
    """Login with Amazon access tokens from a refresh token, cached until shortly before they expire."""

    def __init__(
        self,
        config: AmazonLogin,
        client: httpx.Client,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.client = client
        self.clock = clock
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()
        self._refresh_token = config.refresh_token.value()
        self._client_secret = config.client_secret.value()
        secrets.register(config.client_id)

    def headers(self) -> dict[str, str]:
        with self._lock:
            if self._token is None or self.clock() >= self._expires:
                self._fetch()
            return {"x-amz-access-token": str(self._token)}

    def _fetch(self) -> None:
        """A new access token. A 429, a 5xx or a timeout is tried again (``Requester``); a redirect is an error
        naming where it points; a 400, 401 or 403 is a refusal of the refresh token or the client's credentials."""
        where = f"Login with Amazon ({secrets.mask(self.config.lwa_url)})"
        response = Requester(self.client, refusal=self._refused).request(
            "POST",
            self.config.lwa_url,
            operation=where,
            data={
                "grant_type": "refresh_token",
                "refresh_token": self._refresh_token,
                "client_id": self.config.client_id,
                "client_secret": self._client_secret,
            },
        )
        body = json_body(response, "Login with Amazon", keys=("access_token",))
        try:
            lifetime = float(body.get("expires_in", 3600))
        except (TypeError, ValueError):
            raise RemoteError(
                f"{where}: expires_in {secrets.clip(str(body.get('expires_in')), 40)!r} is not a number"
            ) from None
        self._token = str(body["access_token"])
        secrets.register(self._token)
        self._expires = self.clock() + lifetime - TOKEN_MARGIN

    def _refused(self, operation: str, response: httpx.Response) -> None:
        """Raises the refusal of the credentials (400: invalid_grant, a refresh token revoked or mistyped; 401 or
        403: the client's id or secret) with Login with Amazon's description; returns for any other answer."""
        if response.status_code not in (400, 401, 403):
            return
        try:
            answer = response.json()
        except ValueError:
            answer = None
        description = str(answer.get("error_description") or "") if isinstance(answer, dict) else ""
        raise RemoteError(
            secrets.mask(
                f"Login with Amazon refused the refresh token: HTTP {response.status_code} {description}".strip()
                + f" ({self.config.lwa_url})"
            ),
            status=response.status_code,
        )

    def refresh(self) -> None:
        with self._lock:
            self._token = None


def sp_api_client(config: AmazonLogin) -> httpx.Client:
    """A client for the region's SP-API endpoint (or the sandbox, or a configured endpoint)."""
    return make_client(base_url=config.endpoint or (SANDBOX_HOSTS if config.sandbox else HOSTS)[config.region])


RATE_HEADER = "x-amzn-RateLimit-Limit"
"""The header in which the SP-API answers an operation's rate, in requests per second, "when available" (the Orders
models' usage plans: ``orders_2026-01-01.json``, ``ordersV0.json``; the models declare it on 2xx, 400 and 404
answers, not on a 429)."""
THROTTLED_BUDGET = 360.0
"""The most one SP-API orders request waits in all, for its rate limiter and its retries: two of searchOrders'
tokens at its default rate (0.0056 requests/s, one per 179 s), so a throttled read of a busy account goes on in the
same cron run."""


def sp_api_requester(
    client: httpx.Client, auth: LwaToken, limits: Mapping[str, RateLimiter], *, sleep: Callable[[float], None] | None
) -> Requester:
    """A requester for the SP-API's orders operations: a throttled call (429, which Amazon answers with no
    ``Retry-After``) is sent again once the operation's rate (``RATE_HEADER`` where an answer gave it, else its
    limiter's, the model's default) allows one more request, within ``THROTTLED_BUDGET``."""
    return Requester(
        client,
        auth=auth,
        limits=limits,
        sleep=sleep,
        rate_header=RATE_HEADER,
        budget=THROTTLED_BUDGET,
        max_wait=THROTTLED_BUDGET,
    )


class AmazonSpApi(ItemSync):
    def __init__(self, config: AmazonSpApiDestination, *, client: httpx.Client | None = None) -> None:
        self.config = config
        self.refresh_after = refresh_after(config.refresh_days)
        self.client = client or sp_api_client(config)
        self._auth: LwaToken | None = None
        # createFeed for JSON_LISTINGS_FEED: 5 feeds per 5 minutes per region.
        self._feeds = RateLimiter(rate=5 / 300, burst=5)

    def describe(self) -> str:
        return f"amazon_sp_api:{self.config.region}" + (":sandbox" if self.config.sandbox else "")

    def _requester(self) -> Requester:
        if self._auth is None:
            self._auth = LwaToken(self.config, make_client())
        return Requester(self.client, auth=self._auth, limits={"createFeed": self._feeds})

    def held(self, target: str | None = None) -> Held | None:
        """The SKUs the seller lists in the channel's marketplace (``target``), from Amazon's All Listings report. A
        seller may list what feedsync never sent (Seller Central, another tool): those are named, not deleted."""
        if target is None:
            return None
        config = self.config
        skus = listed_skus(self._requester(), target, interval=config.poll_interval, timeout=config.poll_timeout)
        return Held(skus, owned=False)

    def sync(self, plan: SyncPlan, recorder: Recorder, emit: Emit, encoder: ItemEncoder) -> None:
        requester = self._requester()
        outcome = _Outcome(recorder, emit, encoder.name)
        for feed_id, messages, opened_at in recorder.open_batches():  # an earlier run ended before it knew
            status = self._collect(requester, feed_id, opened_at, outcome)  # their outcome
            if status is not None:
                self._settle(requester, feed_id, _unpacked(messages), outcome, status)
        plan = outcome.unsent(plan)
        marketplace = str(encoder.meta["marketplace_id"])
        entries = _entries(plan, encoder, _orphans(plan, *recorder.families()))
        limit = min(max_messages(encoder.settings), MAX_MESSAGES)
        for chunk, body in _documents(entries, limit, encoder.meta["header"]):
            feed_id = self._create(requester, body, marketplace)
            recorder.opened(feed_id, _packed(chunk))
            self._settle(requester, feed_id, chunk, outcome)

    def _settle(
        self,
        requester: Requester,
        feed_id: str,
        chunk: list[_Entry],
        outcome: _Outcome,
        status: Mapping[str, Any] | None = None,
    ) -> None:
        """Wait for a feed (``status``: its last known), record what Amazon took of it and close it. A feed still
        processing when the wait ends stays open (the next push settles it before it sends anything); one that
        ended without a report to believe is closed with nothing recorded (its listings are sent again)."""
        if status is None or status.get("processingStatus") not in FINAL:
            status = self._wait(requester, feed_id)
        try:
            report = self._report(requester, feed_id, status)
            skus = {n: str(e.message["sku"]) for n, e in enumerate(chunk, start=1)}
            with answer_shape("Amazon processing report"):
                refused = refused_messages(report, feed_id, skus, outcome.emit, outcome.channel)
        except RemoteError:
            outcome.recorder.closed(feed_id)
            raise
        outcome.record(chunk, refused)
        outcome.recorder.closed(feed_id)

    def _collect(
        self, requester: Requester, feed_id: str, opened_at: str, outcome: _Outcome
    ) -> Mapping[str, Any] | None:
        """The status of a feed an earlier push left open, to settle it by; None when it is given up: Amazon no
        longer knows it, or it is unfinished ``open_feed_hours`` after it was created (cancelled if still
        IN_QUEUE). A feed given up is closed with nothing recorded, so its listings are sent again with this push's,
        and a warning (DST011) names it."""
        try:
            status = self._status(requester, feed_id)
        except RemoteError as exc:
            if exc.status != 404 or isinstance(exc, AuthError):
                raise
            reason = "Amazon no longer knows it (getFeed answers HTTP 404; Amazon keeps feeds at most 90 days)"
            self._give_up(feed_id, opened_at, reason, outcome)
            return None
        age = _hours_since(opened_at)
        if status["processingStatus"] in FINAL or (age is not None and age < self.config.open_feed_hours):
            return status
        since = f"{age:.0f} h after it was created" if age is not None else "and was recorded at a time still to come"
        late = f"it is still {status['processingStatus']} {since} (open_feed_hours: {self.config.open_feed_hours:g})"
        if status["processingStatus"] == "IN_QUEUE":
            return self._cancel(requester, feed_id, opened_at, late, outcome)
        reason = f"{late}; Amazon cancels only a feed IN_QUEUE, so {_RISK}"
        self._give_up(feed_id, opened_at, reason, outcome)
        return None

    def _cancel(
        self, requester: Requester, feed_id: str, opened_at: str, late: str, outcome: _Outcome
    ) -> Mapping[str, Any] | None:
        """Cancel a feed too long IN_QUEUE and give it up; the status to settle it by when Amazon refuses because it
        has finished it meanwhile."""
        try:
            requester.request("DELETE", f"/feeds/2021-06-30/feeds/{feed_id}", operation="cancelFeed")
        except RemoteError as exc:
            if exc.status is None or not 400 <= exc.status < 500 or isinstance(exc, AuthError):
                raise
            if exc.status == 404:
                reason = f"{late}, and Amazon no longer knows it (cancelFeed answers HTTP 404)"
                self._give_up(feed_id, opened_at, reason, outcome)
                return None
            status = self._status(requester, feed_id)  # refused: it left the queue meanwhile, say
            if status["processingStatus"] in FINAL:
                return status
            refused = f"Amazon refused to cancel it ({exc}) and it is now {status['processingStatus']}"
            self._give_up(feed_id, opened_at, f"{late}; {refused}, so {_RISK}", outcome)
            return None
        self._give_up(feed_id, opened_at, f"{late}; Amazon cancelled it (cancelFeed)", outcome)
        return None

    def _give_up(self, feed_id: str, opened_at: str, reason: str, outcome: _Outcome) -> None:
        """Close an open feed with nothing recorded (its listings are sent again), told as DST011."""
        event("feed-given-up", destination="amazon_sp_api", feed_id=feed_id, reason=reason)
        text = (
            f"Amazon feed {feed_id} (recorded open {opened_at}) is given up: {reason}. Nothing of it is recorded; its "
            "listings are sent again with this push"
        )
        outcome.emit(make("DST011", text, channel=outcome.channel))
        outcome.recorder.closed(feed_id)

    def _create(self, requester: Requester, body: bytes, marketplace: str) -> str:
        """Upload the document ``body`` and create its feed; the feed's id."""
        created = json_body(
            requester.request(
                "POST",
                "/feeds/2021-06-30/documents",
                operation="createFeedDocument",
                json={"contentType": CONTENT_TYPE},
            ),
            "createFeedDocument",
            keys=("url", "feedDocumentId"),
        )
        secrets.register_url(str(created["url"]))  # a presigned URL: its signature lets anyone write the document
        requester.request(
            "PUT",
            created["url"],
            operation="uploadFeedDocument",
            content=body,
            headers={"content-type": CONTENT_TYPE},
            anonymous=True,
        )
        feed = json_body(
            requester.request(
                "POST",
                "/feeds/2021-06-30/feeds",
                operation="createFeed",
                json={
                    "feedType": "JSON_LISTINGS_FEED",
                    "marketplaceIds": [marketplace],
                    "inputFeedDocumentId": created["feedDocumentId"],
                },
            ),
            "createFeed",
            keys=("feedId",),
        )
        return answered_id(feed["feedId"], "createFeed", "feedId")  # (recorded open in the state, put in paths)

    def _report(self, requester: Requester, feed_id: str, status: Mapping[str, Any]) -> dict[str, Any]:
        """The processing report of a feed that ended with ``status`` (any JSON object; checked by
        ``refused_messages``)."""
        result = status.get("resultFeedDocumentId")
        if not result:  # DONE without one too: nothing says which listings Amazon took
            raise RemoteError(f"Amazon feed {feed_id} ended {status['processingStatus']} without a processing report")
        result = answered_id(result, "getFeed", "resultFeedDocumentId")
        location = json_body(
            requester.request("GET", f"/feeds/2021-06-30/documents/{result}", operation="getFeedDocument"),
            "getFeedDocument",
            keys=("url",),
        )
        secrets.register_url(str(location["url"]))  # a presigned URL: its signature lets anyone read the report
        raw = requester.request("GET", location["url"], operation="downloadFeedDocument", anonymous=True).content
        try:
            if location.get("compressionAlgorithm") == "GZIP":
                raw = gunzip_within(raw, f"Amazon feed {feed_id}: the processing report")
            report = json.loads(raw)
        except (OSError, EOFError, ValueError, zlib.error):
            raise RemoteError(f"Amazon feed {feed_id}: the processing report is not (gzipped) JSON") from None
        if not isinstance(report, dict):
            raise RemoteError(f"Amazon feed {feed_id}: the processing report is not a JSON object")
        if status["processingStatus"] == "FATAL":
            with answer_shape("Amazon processing report"):
                issues = report.get("issues", [])
                messages = "; ".join(str(i.get("message", "")) for i in issues if not i.get("messageId"))
            raise RemoteError(f"Amazon feed {feed_id} failed (FATAL): {messages or 'see the processing report'}")
        if status["processingStatus"] != "DONE":
            raise RemoteError(f"Amazon feed {feed_id} ended {status['processingStatus']}")
        return report

    def _status(self, requester: Requester, feed_id: str) -> dict[str, Any]:
        """getFeed: the feed's status."""
        status: dict[str, Any] = json_body(
            requester.request("GET", f"/feeds/2021-06-30/feeds/{feed_id}", operation="getFeed"),
            "getFeed",
            keys=("processingStatus",),
        )
        event("poll", destination="amazon_sp_api", feed_id=feed_id, status=status.get("processingStatus"))
        return status

    def _wait(self, requester: Requester, feed_id: str) -> dict[str, Any]:
        def check() -> dict[str, Any]:
            return self._status(requester, feed_id)

        hours = self.config.open_feed_hours
        return poll(
            check,
            lambda status: status.get("processingStatus") in FINAL,
            interval=self.config.poll_interval,
            cap=300,
            timeout=self.config.poll_timeout,
            sleep=requester.sleep,
            still=lambda status: (
                f"Amazon feed {feed_id} still {status.get('processingStatus')} (it may still complete at Amazon)"
            ),
            after=(
                f"the others are sent once a later push has collected feed {feed_id} (each push asks Amazon for it "
                f"first) or given it up, {hours:g} h after it was created (open_feed_hours)"
            ),
        )


class _Entry(NamedTuple):
    message: Mapping[str, Any]
    change: Change | None = None
    """The item the message sends (None: a family's parent listing, or a delete)."""
    parent: bool = False
    """A family's parent listing (sent in front of its variants, or deleted once none is left)."""


@dataclass
class _Outcome:
    """Records what Amazon took of each feed of a push. A variant whose parent listing Amazon refused (in this
    feed or an earlier one of the push) is recorded refused too: Amazon holds no family for it, and the next push
    sends it again with its parent in front."""

    recorder: Recorder
    emit: Emit
    channel: str
    parents_refused: dict[str, str] = field(default_factory=dict)
    """Parent SKU -> the text of Amazon's refusal."""
    taken: dict[str, str] = field(default_factory=dict)
    """Item id -> the content hash of the version Amazon took."""
    removed: set[str] = field(default_factory=set)
    """The items Amazon deleted."""

    def unsent(self, plan: SyncPlan) -> SyncPlan:
        """``plan`` without what the feeds recorded so far did (feeds an earlier run left open)."""

        def due(change: Change) -> bool:
            return self.taken.get(change.item_id) != change.digest

        return SyncPlan(
            creates=[c for c in plan.creates if due(c)],
            updates=[c for c in plan.updates if due(c)],
            refreshes=[c for c in plan.refreshes if due(c)],
            deletes=[item for item in plan.deletes if item not in self.removed],
            retired=plan.retired,
            unchanged=plan.unchanged,
        )

    def record(self, chunk: list[_Entry], refused: Mapping[int, str]) -> None:
        """Record a feed's messages; ``refused``: by messageId, the text of Amazon's refusal."""
        accepted: list[Change] = []
        deleted: list[str] = []
        parents: list[str] = []
        parents_deleted: list[str] = []
        for number, (message, change, parent) in enumerate(chunk, start=1):
            text, sku = refused.get(number), str(message["sku"])
            if message["operationType"] == "DELETE":
                if text is None:
                    (parents_deleted if parent else deleted).append(sku)
            elif parent:  # in front of its variants
                if text is None:
                    parents.append(sku)
                    self.parents_refused.pop(sku, None)  # (refused in a feed an earlier run left open)
                else:
                    self.parents_refused[sku] = text
            elif change is None:
                continue  # (a record of the item under another SKU: none is made)
            elif (text := text or self._orphaned(change)) is None:
                accepted.append(change)
            else:
                self.recorder.rejected(change, text)
        self.recorder.accepted(accepted, parents)
        self.recorder.removed(deleted, parents_deleted)
        self.taken.update((c.item_id, c.digest) for c in accepted)
        self.removed.update(deleted)

    def _orphaned(self, change: Change) -> str | None:
        """Why a variant Amazon took is not listed, when its parent was refused (told as a finding)."""
        parent = change.values.get("parent_sku")
        if not isinstance(parent, str) or parent not in self.parents_refused:
            return None
        text = f"its parent listing {parent} was refused ({self.parents_refused[parent]}); both are sent again"
        self.emit(
            make(
                "DST003",
                f"Amazon lists no family for the variant: {text}",
                channel=self.channel,
                product_id=str(change.values.get("sku")),
            )
        )
        return text


def _hours_since(stamp: str) -> float | None:
    """Hours since ``stamp`` (a time the state recorded); None for a time still to come (a clock that ran ahead:
    how long ago is unknown)."""
    age = datetime.now(UTC) - datetime.fromisoformat(stamp)
    return None if age < timedelta(0) else age / timedelta(hours=1)


def _entries(plan: SyncPlan, encoder: ItemEncoder, orphans: list[str]) -> list[_Entry]:
    """The messages of the changed listings as the feed was written with them, each family's parent listing once
    before its first changed variant, then the deletes, then those of the parent listings ``orphans``."""
    entries: list[_Entry] = []
    parents: set[str] = set()
    for change in plan.upserts:
        parent = change.values.get("parent_sku")
        if isinstance(parent, str) and parent not in parents:
            parents.add(parent)
            shared = encoder.shared(parent)
            if shared is not None:
                entries.append(_Entry(shared, parent=True))
        own = change.values.get("sku")
        entries += [_Entry(m, change if m["sku"] == own else None) for m in encoder.records(change)]
    entries += [_Entry(delete_message(sku)) for sku in plan.deletes]
    return entries + [_Entry(delete_message(sku), parent=True) for sku in orphans]


def _orphans(plan: SyncPlan, held: set[str], families: Mapping[str, str | None]) -> list[str]:
    """The parent listings Amazon holds (``held``) that no variant is left of once ``plan`` is sent: no item
    ``families`` says it holds (item id -> parent key) keeps one, unless the plan sends or deletes it, and no
    item the plan sends names one. None while an item the plan leaves alone has no known parent key (recorded
    before feedsync kept them): its family could be any."""
    going = set(plan.deletes) | {c.item_id for c in plan.upserts}
    kept = {key for item, key in families.items() if item not in going}
    if None in kept:
        return []
    alive = kept | {c.values.get("parent_sku") for c in plan.upserts}
    return sorted(held - alive)


def _packed(chunk: list[_Entry]) -> str:
    """What a feed's messages send, for the state while Amazon processes it: per message its SKU, operation,
    whether it is a parent listing, and the item (id, content hash, parent SKU) it sends."""
    rows = []
    for message, change, parent in chunk:
        item = [change.item_id, change.digest, change.values.get("parent_sku")] if change is not None else None
        rows.append([message["sku"], message["operationType"], parent, item])
    return json.dumps(rows, ensure_ascii=False)


def _unpacked(text: str) -> list[_Entry]:
    """The messages of a feed as ``_packed`` kept them (enough to record its outcome)."""
    entries = []
    for sku, operation, parent, item in json.loads(text):
        change = None
        if item is not None:
            item_id, digest, parent_sku = item
            change = Change(item_id, {"sku": sku, "parent_sku": parent_sku}, digest)
        entries.append(_Entry({"sku": sku, "operationType": operation}, change, parent))
    return entries


MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
"""The largest feed document uploaded: Amazon's Feeds API best practices ask that a feed be kept under 10 MB and a
larger one divided into several (its schema caps a document at 25,000 messages, ``MAX_MESSAGES``, whatever their
size: 25,000 listings with long descriptions made one document of 76 MB)."""


def _documents(entries: list[_Entry], limit: int, header: Mapping[str, Any]) -> Iterator[tuple[list[_Entry], bytes]]:
    """``entries`` cut into the documents of a push, in order, each with the bytes uploaded: at most ``limit``
    messages and ``MAX_DOCUMENT_BYTES`` a document (a message larger than that alone makes one). Each message is
    encoded once; a document's bytes are ``json.dumps`` of it (``{"header": ..., "messages": [...]}``, its messages
    numbered from 1), joined from them."""
    head = '{"header": ' + json.dumps(header, ensure_ascii=False) + ', "messages": ['
    base = len(head.encode("utf-8")) + 2  # (and "]}")
    chunk: list[_Entry] = []
    texts: list[str] = []
    size = base
    for entry in entries:
        text = json.dumps(entry.message, ensure_ascii=False)
        more = len(text.encode("utf-8")) + len(f'"messageId": {limit}, ') + 2  # (", " after the one before)
        if chunk and (len(chunk) >= limit or size + more > MAX_DOCUMENT_BYTES):
            yield chunk, _body(head, texts)
            chunk, texts, size = [], [], base
        chunk.append(entry)
        texts.append(text)
        size += more
    if chunk:
        yield chunk, _body(head, texts)


def _body(head: str, texts: list[str]) -> bytes:
    """A document's bytes from its head and its messages' JSON texts (each an object of at least one member)."""
    messages = (f'{{"messageId": {n}, {text[1:]}' for n, text in enumerate(texts, start=1))
    return (head + ", ".join(messages) + "]}").encode("utf-8")
