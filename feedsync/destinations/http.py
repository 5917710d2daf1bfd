"""The one HTTP layer: httpx clients with timeouts, tenacity retries (exponential backoff with jitter on 429,
5xx, timeouts and connection errors; ``Retry-After`` and channel throttle signals honoured; no retry on other
4xx), one token refresh on 401/403, a per-operation rate limiter, request ids logged, and secrets masked
(``feedsync.secrets``) in every message; a redirect is an error, never followed; ``json_body`` checks what a 2xx
answer holds. Destinations and order clients are handed a ``Requester``; nothing else builds clients."""

from __future__ import annotations

import gzip
import logging
import math
import random
import re
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import IO, Any, Protocol, TypeVar
from urllib.parse import quote

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, stop_any

from feedsync import __version__
from feedsync.errors import AuthError, RemoteError, RetriableRemoteError
from feedsync.secrets import MASK, clip, mask

log = logging.getLogger("feedsync.http")

USER_AGENT = f"feedsync/{__version__} (Language=Python)"
REQUEST_ID_HEADERS = ("x-amzn-requestid", "x-fb-trace-id", "x-fb-request-id", "x-goog-request-id", "x-request-id")
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


def make_client(
    *,
    base_url: str = "",
    headers: Mapping[str, str] | None = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """An httpx client with feedsync's user agent and timeouts (tests pass a transport or use respx)."""
    return httpx.Client(
        base_url=base_url,
        headers={"user-agent": USER_AGENT, **(headers or {})},
        timeout=timeout,
        transport=transport,
        follow_redirects=False,
    )


FORM_TYPE = "application/x-www-form-urlencoded"
_FORM_BYTE = [f"%{byte:02X}" for byte in range(256)]
"""What each byte of a form value's UTF-8 becomes: itself when always safe, ``+`` for a space, else ``%XX``."""
for _safe in b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~":
    _FORM_BYTE[_safe] = chr(_safe)
_FORM_BYTE[ord(" ")] = "+"


def form_body(fields: Mapping[str, str]) -> bytes:
    """``fields`` as a ``FORM_TYPE`` body: the bytes httpx sends for ``data=fields`` (``urllib.parse.urlencode``),
    each value's bytes looked up in one table instead of quoted by a call each (a batch body is megabytes)."""
    return "&".join(f"{form_text(key)}={form_text(value)}" for key, value in fields.items()).encode("ascii")


def form_text(text: str) -> str:
    """``text`` as it stands in a form body (its UTF-8 bytes, each as ``_FORM_BYTE`` gives it)."""
    return "".join(map(_FORM_BYTE.__getitem__, text.encode("utf-8")))


def json_body(response: httpx.Response, operation: str, *, keys: Iterable[str] = (), kind: type = dict) -> Any:
    """The JSON body of a successful response, checked to be a ``kind`` (an object or a list) holding ``keys``;
    a RemoteError naming the endpoint and what is wrong when it is not (a proxy's HTML page, a truncated body,
    an answer of another API)."""
    where = f"{operation}: {_endpoint(response)} answered HTTP {response.status_code}"
    try:
        body = response.json()
    except ValueError:
        snippet = clip(response.text, 200).replace("\n", " ")
        raise RemoteError(f"{where} with a body that is not JSON: {snippet!r}") from None
    if not isinstance(body, kind):
        expected = "an object" if kind is dict else "a list"
        raise RemoteError(f"{where} with JSON that is not {expected}")
    missing = [key for key in keys if body.get(key) is None]
    if missing:
        raise RemoteError(f"{where} with JSON that has no {', '.join(missing)}")
    return body


ID_LIMIT = 128
_ID = re.compile(rf"[A-Za-z0-9._-]{{1,{ID_LIMIT}}}")


SECRET_IN_ID = 16
"""The fewest characters of a secret feedsync holds that make an answered id one that holds it: a short secret (a
4-digit code) may be part of a real id by chance (Amazon's feed id ``50482199``), and refusing it would leave a feed
Amazon took unrecorded."""


def _holds_secret(text: str) -> bool:
    """Whether ``text`` is a secret feedsync holds, or holds at least ``SECRET_IN_ID`` characters of them."""
    masked = mask(text)
    if masked == text:
        return False
    hidden = len(text) - (len(masked) - masked.count(MASK) * len(MASK))
    return masked == MASK or hidden >= SECRET_IN_ID


def answered_id(value: object, operation: str, name: str) -> str:
    """An id a server answered, checked before it goes into a URL's path or the state: a string (or a whole
    number) of at most ``ID_LIMIT`` letters, digits, ``.``, ``_`` and ``-`` (Amazon's feed ids ``3485934``, its
    document ids ``amzn1.tortuga.3.ed4cd0d8-…`` and UUIDs), not only dots, and holding no secret; a RemoteError
    naming the operation otherwise (a hostile or broken server: an id that is huge, holds control characters, a
    path, or a token it was sent), showing it masked and cut."""
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str):
        reason = f"is not a string but {type(value).__name__}"
    elif _holds_secret(text):
        reason = f"holds a secret feedsync holds: {clip(text, 60)!r}"
    elif not _ID.fullmatch(text) or not text.strip("."):
        cut = " (cut)" if len(text) > 60 else ""
        reason = f"is not an id (at most {ID_LIMIT} letters, digits, '.', '_' or '-'): {clip(text, 60)!r}{cut}"
    else:
        return text
    raise RemoteError(f"{operation}: the answer's {name} {reason}")


@contextmanager
def answer_shape(operation: str) -> Iterator[None]:
    """Reading the fields of a JSON answer: a missing key or a value of the wrong type becomes a RemoteError that
    names the operation, not a traceback."""
    try:
        yield
    except (KeyError, TypeError, AttributeError, IndexError, ValueError) as exc:
        detail = clip(f"{type(exc).__name__}: {exc}", 120)
        raise RemoteError(f"{operation}: the answer has a shape feedsync does not know ({detail})") from None


def _endpoint(response: httpx.Response) -> str:
    """The method and URL of the request, without its query (which may carry tokens), masked."""
    try:
        request = response.request
    except RuntimeError:  # a response built by hand
        return "the endpoint"
    return mask(f"{request.method} {request.url.copy_with(query=None)}")


def retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date); None for ``NaN``, which is no
    number of seconds (``time.sleep`` refuses it)."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
        return None if math.isnan(seconds) else max(seconds, 0.0)
    except ValueError:
        try:
            return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
        except (TypeError, ValueError):
            return None


class TokenProvider(Protocol):
    """Adds credentials to requests; ``refresh`` forgets a cached token after a 401/403."""

    def headers(self) -> dict[str, str]: ...

    def refresh(self) -> None: ...


@dataclass
class RateLimiter:
    """A token bucket per operation: ``rate`` requests per second with bursts of ``burst``."""

    rate: float
    burst: int = 1
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _tokens: float = field(default=-1.0, init=False)
    _stamp: float = field(default=0.0, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def acquire(self, limit: float = math.inf) -> tuple[float, float]:
        """Take a token, waiting until one arrives, but at most ``limit`` seconds (a request sent sooner may be
        throttled; the channel says so): (the seconds waited, the seconds a token needed)."""
        with self._lock:
            now = self.clock()
            if self._tokens < 0:
                self._tokens, self._stamp = float(self.burst), now
            self._tokens = min(float(self.burst), self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            wait = need = 0.0
            if self._tokens < 1 - 1e-9:  # (a clock's rounding is no wait)
                need = (1 - self._tokens) / self.rate
                wait = min(need, max(limit, 0.0))
                if wait > 0:
                    self.sleep(wait)
                self._tokens = 1.0 if wait >= need else self._tokens + wait * self.rate
                self._stamp = self.clock()
            self._tokens = max(self._tokens - 1, 0.0)
            return wait, need

    def drain(self) -> None:
        """The channel answered that its bucket is empty (a 429): the next request waits for a token to arrive."""
        with self._lock:
            self._tokens, self._stamp = 0.0, self.clock()


MAX_RATE = 1000.0
"""The most requests per second an answered rate is taken as (more is no limit a channel means: no wait is made)."""


def answered_rate(response: httpx.Response, header: str) -> float | None:
    """The requests per second an answer's ``header`` says the operation is allowed (Amazon's
    ``x-amzn-RateLimit-Limit``, e.g. ``0.0056``); None where it is absent or no positive number."""
    try:
        rate = float(response.headers.get(header, ""))
    except ValueError:
        return None
    return rate if math.isfinite(rate) and rate > 0 else None


ThrottleSignal = Callable[[httpx.Response], float | None]
"""A channel's own "slow down" signal read from a response (e.g. Meta's X-Business-Use-Case-Usage): seconds to
wait, or None."""


def _sleep(seconds: float) -> None:
    time.sleep(seconds)  # looked up at call time, so tests can stub time.sleep


def _wait(state: RetryCallState, base: float, cap: float) -> float:
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, RetriableRemoteError) and exc.retry_after is not None:
        return min(exc.retry_after, cap)
    return min(cap, base * 2 ** (state.attempt_number - 1)) * (0.5 + random.random() / 2)


T = TypeVar("T")


def with_retries(
    call: Callable[[], T],
    *,
    attempts: int,
    backoff: float,
    max_wait: float,
    sleep: Callable[[float], None] | None = None,
    budget: float | None = None,
    waited: Callable[[], float] | None = None,
) -> T:
    """feedsync's one retry policy (HTTP and SFTP): ``call`` again after a ``RetriableRemoteError``, at most
    ``attempts`` times in all, waiting the error's ``retry_after`` or else ``backoff`` doubled per attempt with
    jitter (half to all of it), each wait at most ``max_wait``; any other error at once. With ``budget``, no wait
    is made that would take the waits' sum past it (seconds): the sum of the retries' waits, or ``waited()`` where
    given (the caller's count, which holds its other waits too: a rate limiter's). The last
    ``RetriableRemoteError`` is raised when the attempts or the budget run out."""
    counted = stop_after_attempt(attempts)

    def spent(state: RetryCallState) -> float:
        return waited() if waited is not None else state.idle_for

    stop = counted if budget is None else stop_any(counted, lambda state: spent(state) + state.upcoming_sleep > budget)
    retrying = Retrying(
        retry=retry_if_exception_type(RetriableRemoteError),
        stop=stop,
        wait=lambda state: _wait(state, backoff, max_wait),
        sleep=sleep or _sleep,
        reraise=True,
    )
    return retrying(call)


def poll(
    check: Callable[[], T],
    done: Callable[[T], bool],
    *,
    interval: float,
    cap: float,
    timeout: float,
    sleep: Callable[[float], None],
    still: Callable[[T], str],
    clock: Callable[[], float] = time.monotonic,
    after: str | None = None,
) -> T:
    """Call ``check`` until ``done`` says its answer is final: waits start at ``interval`` and double up to
    ``cap``; after ``timeout`` seconds a RemoteError says what is still pending (``still`` of the last answer) and,
    with ``after``, what becomes of the changes not sent."""
    deadline = clock() + timeout
    delay = interval
    while True:
        answer = check()
        if done(answer):
            return answer
        if clock() > deadline:
            raise RemoteError(f"{still(answer)} after {timeout:g} s", after=after)
        sleep(delay)
        delay = min(delay * 2, cap)


ANSWER_SECONDS = 120.0
"""The longest one answer may take to arrive whole (the client's timeouts bound each read, not their sum: a server
dripping a byte a second would hold a push for ever); past it the attempt failed, and is retried as a timeout."""
MAX_ANSWER = 256 << 20
"""The largest answer read, decompressed (an API's answer is kilobytes; a processing report megabytes): a larger
one, or one that expands past it (a compression bomb), is an error, not memory spent."""
DOCUMENT_MAX = 4 << 30
"""The largest document read into a file (``Requester.request(..., into=FILE)``: a report of every listing a seller
has, some hundreds of megabytes for a million SKUs), and the most bytes its reader takes out of it decompressed
(``document_text``): past either, an error (a compression bomb ends there, having never been held in memory)."""
DOCUMENT_RATE = 256 << 10
"""Bytes a second a document must arrive at, on average, after its first ``ANSWER_SECONDS``: a large one takes what
its size needs, ..."""
DOCUMENT_SECONDS = 1800.0
"""... and at most this long whatever it has sent (a server keeping to ``DOCUMENT_RATE`` would else hold a push until
``DOCUMENT_MAX``: hours)."""
_ENCODED = ("content-encoding", "content-length", "transfer-encoding")
"""Headers that describe the bytes on the wire, not the decoded body a read answer holds."""


MAX_PAGES = 100_000
"""The most pages ``pages`` reads of one listing (far past any real catalog's: a server that pages on for ever
stops the run rather than hanging it)."""


def pages(fetch: Callable[[str | None], tuple[list[Any], str | None]], operation: str) -> Iterator[Any]:
    """The entries of a listing read page by page: ``fetch(token)`` reads the page at ``token`` (None: the first)
    and returns its entries and the next page's token (None or '': the last). A token that comes round again, or
    more than ``MAX_PAGES`` pages, is a RemoteError: the listing cannot be read whole."""
    token: str | None = None
    tokens: set[str] = set()
    for _ in range(MAX_PAGES):
        entries, token = fetch(token)
        yield from entries
        if not token:
            return
        if token in tokens:
            raise RemoteError(f"{operation}: the server gave a page token again; the listing cannot be read whole")
        tokens.add(token)
    raise RemoteError(f"{operation}: more than {MAX_PAGES:,} pages; the listing cannot be read whole")


def _bounded_body(response: httpx.Response, operation: str, into: IO[bytes] | None = None) -> bytes:
    """The decoded body of a streamed ``response``, within ``ANSWER_SECONDS`` and ``MAX_ANSWER``; or, ``into`` a
    file (emptied first: an attempt before may have written part of it), within ``DOCUMENT_MAX`` and
    ``ANSWER_SECONDS`` plus what its size needs at ``DOCUMENT_RATE``, at most ``DOCUMENT_SECONDS`` (then nothing is
    returned)."""
    start = time.monotonic()
    limit = MAX_ANSWER if into is None else DOCUMENT_MAX
    chunks: list[bytes] = []
    size = 0
    if into is not None:
        into.seek(0)
        into.truncate()
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise RemoteError(f"{operation}: the answer is larger than {size_text(limit)}; not read")
        allowed = ANSWER_SECONDS if into is None else min(ANSWER_SECONDS + size / DOCUMENT_RATE, DOCUMENT_SECONDS)
        if time.monotonic() - start > allowed:
            raise RetriableRemoteError(f"{operation}: the answer took more than {allowed:.1f} s to arrive")
        if into is None:
            chunks.append(chunk)
        else:
            into.write(chunk)
    if into is not None:
        into.flush()
    return b"".join(chunks)


def send_bounded(
    client: httpx.Client, request: httpx.Request, operation: str, auth: Any = None, into: IO[bytes] | None = None
) -> httpx.Response:
    """The response to ``request``, its body read within ``ANSWER_SECONDS`` and ``MAX_ANSWER`` (``_bounded_body``):
    every answer feedsync reads, a token endpoint's too, arrives so; httpx errors pass through. ``into``: a
    successful (2xx) answer's body is written into that file instead (the response holds none)."""
    response = client.send(request, auth=auth, stream=True)
    try:
        body = _bounded_body(response, operation, into if 200 <= response.status_code < 300 else None)
    finally:
        response.close()
    return httpx.Response(
        response.status_code,
        headers=[(k, v) for k, v in response.headers.multi_items() if k not in _ENCODED],
        content=body,
        request=response.request,
        extensions=response.extensions,
    )


class Readable(Protocol):
    """A document to read a line at a time (``document_text``)."""

    def readline(self, size: int = -1, /) -> bytes: ...


@contextmanager
def document_text(file: IO[bytes], gzipped: bool, what: str) -> Iterator[Readable]:
    """``file`` (a document ``into=`` wrote) from its start, gunzipped as it is read where ``gzipped``: a gzip that is
    not one, or that ends early, is a RemoteError naming ``what`` where its reader meets it. Its reader bounds what it
    takes out of it (``DOCUMENT_MAX``)."""
    file.seek(0)
    try:
        if gzipped:
            with gzip.GzipFile(fileobj=file, mode="rb") as inflated:
                yield inflated
        else:
            yield file
    except EOFError:
        raise RemoteError(f"{what} is cut short (its gzip ends early)") from None
    except (gzip.BadGzipFile, zlib.error):
        raise RemoteError(f"{what} is not gzip") from None


def size_text(size: int) -> str:
    """A bound in bytes as its messages say it: ``4 GB``, ``256 MB``."""
    return f"{size >> 30} GB" if size >= 1 << 30 and not size % (1 << 30) else f"{size >> 20} MB"


def gunzip_within(data: bytes, what: str) -> bytes:
    """``data`` gunzipped, at most ``MAX_ANSWER`` bytes of it (a document that expands past it, a compression bomb,
    is a RemoteError naming ``what``); zlib.error for what is not gzip."""
    inflate = zlib.decompressobj(wbits=31)
    out = inflate.decompress(data, MAX_ANSWER)
    if inflate.unconsumed_tail:
        raise RemoteError(f"{what} expands past {MAX_ANSWER >> 20} MB; not read")
    return out + inflate.flush()


def path_segment(value: str) -> str | None:
    """``value`` (an id from a file or an answer) as one segment of a URL's path: percent-encoded, ``/``, ``?`` and
    ``#`` too, so that it names nothing but itself; None for an empty value, ``.`` or ``..``, which a server takes
    as this path or the one above it."""
    if value in ("", ".", ".."):
        return None
    return quote(value, safe="")


def redirected(operation: str, response: httpx.Response) -> str:
    """A redirect, named with where it points (its scheme, host and path: a query may carry a token)."""
    target = response.headers.get("location", "")
    try:
        where = str(response.request.url.join(target).copy_with(query=None, fragment=None)) if target else ""
    except (RuntimeError, httpx.InvalidURL):
        where = ""
    text = f"{operation}: HTTP {response.status_code}, a redirect" + (f" to {where}" if where else "")
    why = "feedsync does not follow redirects (its credentials would go along): set the address it points to"
    return mask(f"{text}; {why}")


class Requester:
    """Sends requests through ``client`` with retries, token refresh, rate limits and redaction."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        auth: TokenProvider | None = None,
        limits: Mapping[str, RateLimiter] | None = None,
        attempts: int = 6,
        backoff: float = 1.0,
        max_wait: float = 120.0,
        sleep: Callable[[float], None] | None = None,
        throttle: ThrottleSignal | None = None,
        transient: Callable[[httpx.Response], bool] | None = None,
        refusal: Callable[[str, httpx.Response], None] | None = None,
        rate_header: str | None = None,
        budget: float | None = None,
    ) -> None:
        self.client = client
        self.auth = auth
        self.limits = dict(limits or {})
        self.attempts = attempts
        self.backoff = backoff
        self.max_wait = max_wait
        self.sleep = sleep or _sleep
        self.throttle = throttle
        self.transient = transient
        """Says whether an error response that is not a 429/5xx is a throttle anyway (Meta: 400 with code 17)."""
        self.refusal = refusal
        """Raises the error a channel reads in an answer that its status does not tell (Meta: a 200 whose body is a
        Graph error; an expired token, whatever the status, which a token refresh cannot mend), given the operation
        and the answer; returns for any other (a ``RetriableRemoteError`` it raises is retried)."""
        self.rate_header = rate_header
        """The header in which the channel answers an operation's rate in requests per second (Amazon's
        ``x-amzn-RateLimit-Limit``): an answer carrying it sets the operation's limiter to it (taken as at least one
        request per ``budget``, else per ``max_wait``, and at most ``MAX_RATE``: a smaller or absurd value waits no
        longer than those), and a throttled answer (429) without ``Retry-After`` empties the limiter and is sent
        again once the rate allows one more request (``1 / rate`` seconds, or the backoff when longer), not after
        the backoff alone."""
        self.budget = budget
        """The most one request waits in all, for its operation's rate limiter and between its attempts (seconds;
        None: only ``attempts`` and ``max_wait`` bound it)."""

    def request(
        self,
        method: str,
        url: str,
        *,
        operation: str,
        before_resend: Callable[[], None] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """The response of a successful (2xx) request; RemoteError when it failed for good, or was answered with a
        redirect (never followed: the credentials would go along to wherever it points).

        ``before_resend``: a request that must not be made twice (one that creates a store order) is sent again
        after a failure the server may have acted on (a 5xx, a timeout, a dropped connection; not a 429 or a
        connection never made) only once ``before_resend()`` returned; it looks whether the failed attempt did its
        work after all and raises ``AlreadyDone`` when it did, which ends the request."""
        acted = False  # whether the last attempt failed so that the server may have acted on it
        made = 0
        waited = 0.0
        throttled: str | None = None  # the last attempt throttled (a 429) an operation with a known rate: why it waits

        def attempt() -> httpx.Response:
            nonlocal acted, made, throttled, waited
            if acted and before_resend is not None:
                before_resend()
            limiter = self.limits.get(operation)
            if limiter is not None:
                left = math.inf if self.budget is None else self.budget - waited
                took, need = limiter.acquire(left)
                waited += took
                if took >= 1 or need > took:
                    log.log(
                        logging.WARNING if need > took else logging.INFO,
                        "%s: waited %.1f s for the channel's rate of %g requests/s before attempt %d%s",
                        operation,
                        took,
                        limiter.rate,
                        made + 1,
                        f" (it needed {need:.1f} s; no more of the {self.budget:g} s budget was left)"
                        if need > took
                        else "",
                    )
            made += 1
            try:
                return self._once(method, url, operation, kwargs, made)
            except RetriableRemoteError as exc:
                acted = not exc.unsent
                known = exc.status == 429 and self.rate_header is not None and operation in self.limits
                throttled = (exc.wait_reason or "its backoff") if known else None
                raise

        def sleep(seconds: float) -> None:
            nonlocal waited
            if throttled:
                log.warning(
                    "%s: throttled (HTTP 429); waiting %.1f s, %s, before attempt %d of %d%s",
                    operation,
                    seconds,
                    throttled,
                    made + 1,
                    self.attempts,
                    f" ({waited + seconds:.0f} s of at most {self.budget:g} s)" if self.budget is not None else "",
                )
            waited += seconds
            self.sleep(seconds)

        try:
            return with_retries(
                attempt,
                attempts=self.attempts,
                backoff=self.backoff,
                max_wait=self.max_wait,
                sleep=sleep,
                budget=self.budget,
                waited=lambda: waited,
            )
        except RetriableRemoteError as exc:
            spent = f" and {waited:.0f} s of waiting (at most {self.budget:g} s)" if self.budget is not None else ""
            raise RemoteError(f"{operation}: gave up after {made} attempts{spent}: {exc}", status=exc.status) from None

    def _once(self, method: str, url: str, operation: str, kwargs: dict[str, Any], made: int = 1) -> httpx.Response:
        limiter = self.limits.get(operation)  # (its token taken by ``request``)
        response = self._send(method, url, operation, kwargs)
        rate = answered_rate(response, self.rate_header) if self.rate_header and limiter is not None else None
        if limiter is not None and rate is not None:
            self._set_rate(limiter, operation, rate)
        if self.refusal is not None:
            self.refusal(operation, response)
        if response.status_code in (401, 403) and self.auth is not None:
            self.auth.refresh()
            response = self._send(method, url, operation, kwargs)
            if self.refusal is not None:
                self.refusal(operation, response)
        status = response.status_code
        if (
            status == 429
            or status >= 500
            or (status >= 400 and self.transient is not None and self.transient(response))
        ):
            wait, reason = retry_after(response), "as its Retry-After asks"
            if wait is None and self.throttle is not None:
                wait, reason = self.throttle(response), "as the channel's throttle signal asks"
            if wait is None and status == 429 and limiter is not None and self.rate_header:
                wait = self._paced(limiter, made)
                reason = f"as the channel's rate of {limiter.rate:g} requests/s needs"
            raise RetriableRemoteError(
                self._describe(operation, response),
                retry_after=wait,
                status=status,
                unsent=status == 429,
                wait_reason=reason if wait is not None else None,
            )
        if self.throttle is not None and status < 400:
            wait = self.throttle(response)
            if wait:
                log.info("%s: the channel asks to slow down; waiting %.1f s", operation, wait)
                self.sleep(min(wait, self.max_wait))
        if status in (401, 403) and self.auth is not None:
            raise AuthError(self._describe(operation, response), status=status)
        if status >= 400:
            raise RemoteError(self._describe(operation, response), status=status)
        if status >= 300:
            raise RemoteError(redirected(operation, response), status=status)
        return response

    def _set_rate(self, limiter: RateLimiter, operation: str, rate: float) -> None:
        """The operation's limiter at the ``rate`` an answer gave, taken as at least one request per ``budget``
        (else ``max_wait``) and at most ``MAX_RATE``: no answer makes a wait longer than those, nor one ``sleep``
        cannot make (a rate of 1e-300)."""
        slowest = 1 / (self.budget or self.max_wait)
        taken = min(max(rate, slowest), MAX_RATE)
        if taken == limiter.rate:
            return
        if taken != rate:
            log.warning(
                "%s: the channel answered a rate of %g requests/s (%s); taken as %g (at least one request per %g s, "
                "at most %g a second)",
                operation,
                rate,
                self.rate_header,
                taken,
                1 / slowest,
                MAX_RATE,
            )
        else:
            log.debug(
                "%s: the channel allows %g requests/s (%s); was %g", operation, rate, self.rate_header, limiter.rate
            )
        limiter.rate = taken

    def _paced(self, limiter: RateLimiter, made: int) -> float:
        """The wait before attempt ``made + 1`` of a throttled request: the channel's bucket is empty, so until its
        rate allows one more request, or the backoff of that attempt when longer."""
        limiter.drain()
        return max(1 / limiter.rate, self.backoff * 2 ** (made - 1))

    def _send(self, method: str, url: str, operation: str, kwargs: dict[str, Any]) -> httpx.Response:
        # ``kwargs`` is shared by every attempt: read it, never change it (a retry sends the same headers)
        headers = dict(kwargs.get("headers") or {})
        if self.auth is not None and not kwargs.get("anonymous"):
            try:
                headers.update(self.auth.headers())
            except (AuthError, RetriableRemoteError):
                raise
            except RemoteError as exc:
                raise AuthError(str(exc), status=exc.status) from None
        rest = {key: value for key, value in kwargs.items() if key not in ("headers", "anonymous", "auth", "into")}
        try:
            request = self.client.build_request(method, url, headers=headers, **rest)
            response = send_bounded(self.client, request, operation, auth=kwargs.get("auth"), into=kwargs.get("into"))
        except httpx.TimeoutException as exc:  # (waiting to connect, the request reached nothing)
            unsent = isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout))
            raise RetriableRemoteError(f"{operation}: timed out ({type(exc).__name__})", unsent=unsent) from None
        except httpx.TransportError as exc:
            unsent = isinstance(exc, httpx.ConnectError)
            raise RetriableRemoteError(mask(f"{operation}: connection failed ({exc})"), unsent=unsent) from None
        request_id = next((response.headers[h] for h in REQUEST_ID_HEADERS if h in response.headers), None)
        log.debug(
            "%s %s -> %s (request id %s)",
            method,
            mask(str(response.request.url)),
            response.status_code,
            request_id,
        )
        return response

    def _describe(self, operation: str, response: httpx.Response) -> str:
        request_id = next((response.headers[h] for h in REQUEST_ID_HEADERS if h in response.headers), None)
        body = clip(response.text, 500).replace("\n", " ")
        text = f"{operation}: HTTP {response.status_code}" + (f" (request id {request_id})" if request_id else "")
        return mask(f"{text}: {body}" if body else text)
