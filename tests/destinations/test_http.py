"""The HTTP layer against respx: retries on 429/5xx/timeouts, Retry-After, throttle signals, one token refresh,
no retry on other 4xx, rate limits and redaction."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import httpx
import pytest
import respx
from hypothesis import given
from hypothesis import strategies as st

from feedsync import secrets
from feedsync.destinations.http import (
    RateLimiter,
    Requester,
    answer_shape,
    answered_id,
    form_body,
    json_body,
    make_client,
    retry_after,
)
from feedsync.errors import RemoteError

URL = "https://api.example.com/v1/items"


class Token:
    def __init__(self) -> None:
        self.value = "tok-1"
        self.refreshed = 0

    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.value}"}

    def refresh(self) -> None:
        self.refreshed += 1
        self.value = f"tok-{self.refreshed + 1}"

    def secrets(self) -> list[str]:
        return [self.value, "client-secret-xyz"]


def requester(**kwargs: object) -> tuple[Requester, list[float]]:
    waits: list[float] = []
    return Requester(make_client(), sleep=waits.append, backoff=1.0, **kwargs), waits  # type: ignore[arg-type]


@respx.mock
def test_500_then_success_retries_with_backoff() -> None:
    route = respx.get(URL).mock(side_effect=[httpx.Response(500), httpx.Response(503), httpx.Response(200, json={})])
    client, waits = requester()
    assert client.request("GET", URL, operation="list").status_code == 200
    assert route.call_count == 3
    assert len(waits) == 2 and 0.5 <= waits[0] <= 1.0 and 1.0 <= waits[1] <= 2.0  # exponential with jitter


@respx.mock
def test_a_request_that_must_not_be_made_twice_asks_before_each_resend() -> None:
    """``before_resend`` runs before every attempt after the first (never before the first); ``AlreadyDone`` from
    it ends the request unsent."""
    from feedsync.errors import AlreadyDone

    route = respx.post(URL).mock(side_effect=[httpx.Response(500), httpx.Response(502), httpx.Response(201)])
    client, _ = requester()
    asked: list[int] = []
    assert client.request("POST", URL, operation="create", before_resend=lambda: asked.append(route.call_count))
    assert asked == [1, 2] and route.call_count == 3

    def found() -> None:
        raise AlreadyDone("store-7")

    route.mock(side_effect=[httpx.Response(504), httpx.Response(201)])
    with pytest.raises(AlreadyDone) as done:
        client.request("POST", URL, operation="create", before_resend=found)
    assert done.value.ref == "store-7" and route.call_count == 4
    # a 429 and a connection never made reached nothing: sent again without asking
    route.mock(side_effect=[httpx.Response(429), httpx.ConnectError("refused"), httpx.Response(201)])
    asked.clear()
    assert client.request("POST", URL, operation="create", before_resend=lambda: asked.append(route.call_count))
    assert asked == [] and route.call_count == 7


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@respx.mock
def test_a_redirect_is_an_error_never_followed_and_its_query_not_shown(status: int) -> None:
    respx.post(URL).mock(
        return_value=httpx.Response(status, headers={"location": "https://other.example/in?sig=s3cret"})
    )
    other = respx.route(host="other.example").mock(return_value=httpx.Response(200))
    client, waits = requester()
    with pytest.raises(RemoteError, match=f"send: HTTP {status}, a redirect to https://other.example/in;") as raised:
        client.request("POST", URL, operation="send", headers={"authorization": "Bearer tok"})
    assert "s3cret" not in str(raised.value) and not other.called and waits == []


@respx.mock
def test_429_honours_retry_after_seconds_and_http_dates() -> None:
    route = respx.get(URL).mock(side_effect=[httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200)])
    client, waits = requester()
    client.request("GET", URL, operation="list")
    assert waits == [7.0] and route.call_count == 2
    dated = httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert retry_after(dated) == 0.0  # a date in the past: no wait


@respx.mock
def test_a_retry_after_of_nan_is_no_wait_and_no_crash() -> None:
    """``Retry-After: NaN`` parses as a float, which ``time.sleep`` refuses (a ValueError, an internal error): it is
    taken for no Retry-After, and the backoff waits instead."""
    route = respx.get(URL).mock(side_effect=[httpx.Response(429, headers={"Retry-After": "NaN"}), httpx.Response(200)])
    client, waits = requester()
    assert client.request("GET", URL, operation="list").status_code == 200
    assert route.call_count == 2 and len(waits) == 1 and 0.5 <= waits[0] <= 1.0


@respx.mock
def test_429_without_retry_after_uses_the_channel_throttle_signal() -> None:
    respx.get(URL).mock(side_effect=[httpx.Response(429), httpx.Response(200)])
    client, waits = requester(throttle=lambda response: 42.0 if response.status_code == 429 else None)
    client.request("GET", URL, operation="list")
    assert waits == [42.0]


@respx.mock
def test_timeouts_and_connection_errors_are_retried_then_reported() -> None:
    route = respx.get(URL).mock(side_effect=httpx.ConnectTimeout("slow"))
    client, waits = requester(attempts=3)
    with pytest.raises(RemoteError, match="list: gave up after 3 attempts: list: timed out"):
        client.request("GET", URL, operation="list")
    assert route.call_count == 3 and len(waits) == 2


@respx.mock
def test_other_4xx_fail_at_once_with_a_redacted_body() -> None:
    route = respx.post(URL).mock(
        return_value=httpx.Response(
            400, json={"error": "bad token tok-1 and client-secret-xyz"}, headers={"x-amzn-RequestId": "req-9"}
        )
    )
    client, waits = requester(auth=Token())
    secrets.register("tok-1", "client-secret-xyz")  # as SecretRef.value and the token providers do
    with pytest.raises(RemoteError) as info:
        client.request("POST", URL, operation="insert", json={})
    assert route.call_count == 1 and waits == []
    message = str(info.value)
    assert "HTTP 400 (request id req-9)" in message
    assert "tok-1" not in message and "client-secret-xyz" not in message and "***" in message


@respx.mock
def test_one_token_refresh_on_401() -> None:
    route = respx.get(URL).mock(side_effect=[httpx.Response(401), httpx.Response(200)])
    token = Token()
    client, _ = requester(auth=token)
    client.request("GET", URL, operation="list")
    assert token.refreshed == 1
    assert [c.request.headers["authorization"] for c in route.calls] == ["Bearer tok-1", "Bearer tok-2"]
    respx.get(URL + "/2").mock(return_value=httpx.Response(403))
    with pytest.raises(RemoteError, match="HTTP 403"):
        client.request("GET", URL + "/2", operation="get")
    assert token.refreshed == 2  # refreshed once for that request, then gave up


def test_rate_limiter_spaces_requests_after_the_burst() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(rate=0.5, burst=2, clock=lambda: now[0], sleep=sleep)
    for _ in range(4):
        limiter.acquire()
    assert slept == [2.0, 2.0]


def test_poll_doubles_its_waits_up_to_the_cap_and_names_what_is_pending_at_the_timeout() -> None:
    from feedsync.destinations.http import poll

    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    answers = iter(["IN_QUEUE", "IN_PROGRESS", "IN_PROGRESS", "DONE"])
    assert (
        poll(
            lambda: next(answers),
            lambda a: a == "DONE",
            interval=5,
            cap=8,
            timeout=100,
            sleep=sleep,
            still=str,
            clock=lambda: now[0],
        )
        == "DONE"
    )
    assert waits == [5, 8, 8]
    with pytest.raises(RemoteError, match=r"^feed 7 still IN_PROGRESS after 30 s$"):
        poll(
            lambda: "IN_PROGRESS",
            lambda a: a == "DONE",
            interval=10,
            cap=60,
            timeout=30,
            sleep=sleep,
            still=lambda a: f"feed 7 still {a}",
            clock=lambda: now[0],
        )


@respx.mock
def test_json_body_checks_the_shape_and_names_the_endpoint() -> None:
    respx.get(URL).mock(
        side_effect=[
            httpx.Response(200, text="<html>hi</html>"),
            httpx.Response(200, json=[1]),
            httpx.Response(200, json={"a": 1}),
            httpx.Response(200, json={"a": 1, "b": 2}),
        ]
    )
    client, _ = requester()
    answers = [client.request("GET", URL + "?token=abcdefgh", operation="list") for _ in range(4)]
    with pytest.raises(RemoteError, match=r"^list: GET https://api.example.com/v1/items answered HTTP 200 with a body"):
        json_body(answers[0], "list")
    with pytest.raises(RemoteError, match="JSON that is not an object"):
        json_body(answers[1], "list")
    with pytest.raises(RemoteError, match=r"JSON that has no b$"):
        json_body(answers[2], "list", keys=("a", "b"))
    assert json_body(answers[3], "list", keys=("a", "b")) == {"a": 1, "b": 2}


def test_answer_shape_turns_a_missing_key_into_a_remote_error() -> None:
    shape = r"^orders: the answer has a shape feedsync does not know \(KeyError"
    with pytest.raises(RemoteError, match=shape), answer_shape("orders"):
        _ = {}["orders"]


form_texts = st.one_of(
    st.text(),  # lone surrogates included: UTF-8 cannot carry them, and both refuse them
    st.sampled_from(["", " ", "a b+c", "100%", "é€😀", '{"id":"A","v":"x&y=z"}', "~_.-", "\x00\x7f\x80"]),
)


@given(st.dictionaries(form_texts, form_texts, max_size=4))
def test_a_form_body_is_what_httpx_sends_for_the_same_data(fields: dict[str, str]) -> None:
    try:
        expected = urlencode(list(fields.items()), doseq=True).encode("utf-8")  # httpx's data= encoding
    except UnicodeEncodeError:
        with pytest.raises(UnicodeEncodeError):
            form_body(fields)
        return
    assert form_body(fields) == expected
    request = httpx.Request("POST", "https://graph.example.com/x", data=fields)
    assert request.read() == expected


@respx.mock
def test_a_document_read_into_a_file_holds_the_attempt_that_arrived_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """``into=FILE``: a 2xx answer's body goes into the file, not memory, past ``MAX_ANSWER`` (up to
    ``DOCUMENT_MAX``, in the time its size needs at ``DOCUMENT_RATE``); an attempt cut off midway is written over
    by the next; an error's body is read as any answer's, for its message."""
    import tempfile

    from feedsync.destinations import http as http_module

    monkeypatch.setattr(http_module, "MAX_ANSWER", 1 << 10)
    body = bytes(range(256)) * 64  # 16 KB, past MAX_ANSWER

    def cut(request: httpx.Request) -> httpx.Response:
        def chunks() -> Iterator[bytes]:
            yield b"an attempt cut off after more bytes than the whole document has" * 400
            raise httpx.ReadError("connection reset", request=request)

        return httpx.Response(200, stream=_Stream(chunks()))

    route = respx.get(URL).mock(
        side_effect=[
            httpx.Response(503, text="busy, try later"),
            cut,
            httpx.Response(200, content=body, headers={"content-type": "text/plain;charset=Cp1252"}),
        ]
    )
    client, waits = requester()
    with tempfile.TemporaryFile() as file:
        answer = client.request("GET", URL, operation="download", into=file)
        file.seek(0)
        assert file.read() == body and answer.content == b"" and answer.charset_encoding == "cp1252"
    assert route.call_count == 3 and len(waits) == 2
    respx.get(URL).mock(return_value=httpx.Response(404, text="no such document"))
    with tempfile.TemporaryFile() as file, pytest.raises(RemoteError, match="download: HTTP 404: no such document"):
        client.request("GET", URL, operation="download", into=file)
    monkeypatch.setattr(http_module, "DOCUMENT_MAX", 1 << 12)
    respx.get(URL).mock(return_value=httpx.Response(200, content=body))
    with tempfile.TemporaryFile() as file, pytest.raises(RemoteError, match="the answer is larger than 0 MB"):
        client.request("GET", URL, operation="download", into=file)
    # a document's time: ANSWER_SECONDS plus what its size needs at DOCUMENT_RATE, at most DOCUMENT_SECONDS
    monkeypatch.setattr(http_module, "DOCUMENT_MAX", 1 << 30)
    monkeypatch.setattr(http_module, "ANSWER_SECONDS", -1.0)
    monkeypatch.setattr(http_module, "DOCUMENT_RATE", 1 << 10)  # 16 KB: 16 s more, enough
    with tempfile.TemporaryFile() as file:
        client.request("GET", URL, operation="download", into=file)
        assert file.tell() == len(body)
    monkeypatch.setattr(http_module, "DOCUMENT_SECONDS", -1.0)  # (however quick its rate, never past this)
    with tempfile.TemporaryFile() as file, pytest.raises(RemoteError, match="download: the answer took more than"):
        client.request("GET", URL, operation="download", into=file)


class _Stream(httpx.SyncByteStream):
    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        return self._chunks


@respx.mock
def test_an_answer_is_read_within_its_deadline_and_size_decompressed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each read is bounded by the client's timeout, their sum by ``ANSWER_SECONDS`` (a server dripping a byte a
    second), and the decoded body by ``MAX_ANSWER`` (a gzip bomb expands past it): errors, not a hang or memory."""
    import gzip

    from feedsync.destinations import http as http_module

    client, _ = requester()
    respx.get(URL).mock(side_effect=lambda request: httpx.Response(200, stream=httpx.ByteStream(b'{"a": 1}')))
    assert client.request("GET", URL, operation="list").json() == {"a": 1}
    monkeypatch.setattr(http_module, "ANSWER_SECONDS", -1.0)  # (every answer is late)
    with pytest.raises(RemoteError, match="gave up after 6 attempts: list: the answer took more than"):
        client.request("GET", URL, operation="list")
    monkeypatch.setattr(http_module, "ANSWER_SECONDS", 120.0)
    monkeypatch.setattr(http_module, "MAX_ANSWER", 1 << 16)
    bomb = gzip.compress(b"\0" * (1 << 20))
    respx.get(URL).mock(return_value=httpx.Response(200, content=bomb, headers={"content-encoding": "gzip"}))
    with pytest.raises(RemoteError, match="list: the answer is larger than 0 MB; not read"):
        client.request("GET", URL, operation="list")
    assert len(bomb) < 1 << 16  # (small on the wire)


def test_a_gzip_document_is_gunzipped_within_the_answer_size(monkeypatch: pytest.MonkeyPatch) -> None:
    import gzip
    import zlib

    from feedsync.destinations import http as http_module

    assert http_module.gunzip_within(gzip.compress(b"{}" * 100), "report") == b"{}" * 100
    monkeypatch.setattr(http_module, "MAX_ANSWER", 1 << 16)
    with pytest.raises(RemoteError, match="report expands past 0 MB; not read"):
        http_module.gunzip_within(gzip.compress(b"\0" * (1 << 20)), "report")
    with pytest.raises(zlib.error):
        http_module.gunzip_within(b"not gzip", "report")


@respx.mock
def test_a_rate_header_sets_the_limiter_and_a_429_waits_for_one_more_request_within_the_budget() -> None:
    """Without Retry-After, a throttled request of an operation whose rate the channel answers (Amazon's
    x-amzn-RateLimit-Limit) waits until that rate allows one more request, or its backoff when longer; the
    budget ends the retries before the waits would pass it, and the error says how long it waited."""
    now, waits = [0.0], []

    def sleep(seconds: float) -> None:  # (the one clock the limiter and the retries wait on)
        waits.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(rate=0.5, burst=5, clock=lambda: now[0], sleep=sleep)
    route = respx.get(URL).mock(
        side_effect=[
            httpx.Response(200, headers={"x-amzn-RateLimit-Limit": "0.1"}, json={}),
            httpx.Response(429),
            httpx.Response(429),
            httpx.Response(429),
        ]
    )
    client = Requester(
        make_client(), sleep=sleep, limits={"list": limiter}, rate_header="x-amzn-RateLimit-Limit", budget=25.0
    )
    client.request("GET", URL, operation="list")
    assert limiter.rate == 0.1
    with pytest.raises(RemoteError) as failed:
        client.request("GET", URL, operation="list")
    assert waits == [10.0, 10.0] and route.call_count == 4  # a third wait of 10 s would pass 25 s
    assert str(failed.value).startswith(
        "list: gave up after 3 attempts and 20 s of waiting (at most 25 s): list: HTTP 429"
    )


def test_the_tenacity_required_has_the_upcoming_sleep_the_budget_reads() -> None:
    """``with_retries``' budget stops on ``RetryCallState.upcoming_sleep``, which tenacity has since 8.3.0: the
    floor pyproject.toml sets is at least that (an older tenacity would raise AttributeError at the first retry)."""
    import re
    import tomllib
    from pathlib import Path

    import tenacity

    assert hasattr(tenacity.RetryCallState(None, None, (), {}), "upcoming_sleep")
    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    (floor,) = [m.group(1) for d in project["dependencies"] if (m := re.fullmatch(r"tenacity>=([\d.]+)", d))]
    assert tuple(int(x) for x in floor.split(".")) >= (8, 3)


def _clocked(rate: float, burst: int, budget: float = 360.0) -> tuple[Requester, RateLimiter, list[float], list[float]]:
    """A requester whose limiter and retries wait on one injected clock (nothing sleeps): (requester, limiter,
    the waits, the clock)."""
    now, waits = [0.0], []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(rate=rate, burst=burst, clock=lambda: now[0], sleep=sleep)
    client = Requester(
        make_client(), sleep=sleep, limits={"list": limiter}, rate_header="x-amzn-RateLimit-Limit", budget=budget
    )
    return client, limiter, waits, now


@respx.mock
@pytest.mark.parametrize(
    ("header", "taken"),
    [
        ("0.002", 1 / 360),  # (one request per 500 s: waited 360 s at most)
        ("0.00001", 1 / 360),
        ("1e-300", 1 / 360),  # (1 / rate would be past what time.sleep takes)
        ("1e300", 1000.0),
        ("0.5", 0.5),
        ("inf", 0.0056),
        ("-1", 0.0056),
        ("nan", 0.0056),
    ],
)
def test_an_answered_rate_is_taken_within_one_request_per_budget_and_a_thousand_a_second(
    header: str, taken: float, caplog: pytest.LogCaptureFixture
) -> None:
    """A small or hostile x-amzn-RateLimit-Limit makes no wait longer than the budget (nor an OverflowError):
    the rate is taken as at least one request per budget, at most MAX_RATE, and said so; a throttled request then
    waits, for the limiter and its retries together, no more than the budget."""
    client, limiter, waits, _ = _clocked(0.0056, 1)
    respx.get(URL).mock(
        side_effect=[httpx.Response(200, headers={"x-amzn-RateLimit-Limit": header}, json={})]
        + [httpx.Response(429)] * 6
    )
    client.request("GET", URL, operation="list")
    assert limiter.rate == pytest.approx(taken)
    if taken != 0.5 and limiter.rate != 0.0056:
        assert f"the channel answered a rate of {float(header):g} requests/s (x-amzn-RateLimit-Limit); taken as" in (
            caplog.text
        )
    with pytest.raises(RemoteError, match="gave up after"):
        client.request("GET", URL, operation="list")
    assert sum(waits) <= 360.0


@respx.mock
def test_the_limiters_wait_counts_in_the_budget_and_is_cut_to_what_is_left_of_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The wait for a token of the operation's rate is one request's waiting too: with a token 300 s away and a
    throttled answer, the paced retry (300 s more) would pass the 360 s budget, so the request gives up after 300
    s; a limiter wait longer than the budget is cut to it (the request goes, and the channel says whether it was
    too soon). Each wait is logged as taken."""
    caplog.set_level("INFO", logger="feedsync.http")
    client, _, waits, _ = _clocked(1 / 300, 1)
    route = respx.get(URL).mock(side_effect=[httpx.Response(200, json={}), httpx.Response(429)])
    client.request("GET", URL, operation="list")
    with pytest.raises(RemoteError) as failed:
        client.request("GET", URL, operation="list")
    assert waits == [pytest.approx(300.0)] and route.call_count == 2
    assert "gave up after 1 attempts and 300 s of waiting (at most 360 s)" in str(failed.value)
    assert "list: waited 300.0 s for the channel's rate of 0.00333333 requests/s before attempt 1" in caplog.text

    client, _, waits, _ = _clocked(1 / 300, 1, budget=100.0)
    respx.get(URL).mock(side_effect=[httpx.Response(200, json={}), httpx.Response(200, json={})])
    client.request("GET", URL, operation="list")
    client.request("GET", URL, operation="list")
    assert waits == [100.0]
    assert "(it needed 300.0 s; no more of the 100 s budget was left)" in caplog.text


def test_a_limiter_waits_at_most_its_limit_and_says_what_it_waited() -> None:
    now: list[float] = [0.0]
    slept: list[float] = []
    limiter = RateLimiter(rate=0.01, burst=1, clock=lambda: now[0], sleep=slept.append)
    assert limiter.acquire() == (0.0, 0.0)
    assert limiter.acquire(30.0) == (30.0, pytest.approx(100.0))  # (sent without a token: none left)
    assert limiter.acquire() == (pytest.approx(100.0), pytest.approx(100.0)) and slept == [30.0, 100.0]


@respx.mock
def test_the_throttle_warning_names_where_its_wait_came_from(caplog: pytest.LogCaptureFixture) -> None:
    """A 429 that says how long (Retry-After) waits that long, and the warning says so, not the rate's words."""
    client, _, waits, _ = _clocked(0.5, 5)
    respx.get(URL).mock(
        side_effect=[httpx.Response(429, headers={"retry-after": "7"}), httpx.Response(429), httpx.Response(200)]
    )
    client.request("GET", URL, operation="list")
    assert waits == [7.0, 2.0]
    assert "list: throttled (HTTP 429); waiting 7.0 s, as its Retry-After asks, before attempt 2 of 6" in caplog.text
    assert "list: throttled (HTTP 429); waiting 2.0 s, as the channel's rate of 0.5 requests/s needs, before " in (
        caplog.text
    )


def test_an_id_holding_a_short_secret_by_chance_is_taken_and_one_holding_a_token_refused() -> None:
    """A 4-digit code feedsync holds may be part of a real Amazon id by chance (feed id ``50482199``): refusing it
    left a feed Amazon took unrecorded. An id that is a secret, or holds a long one (a token echoed), is refused."""
    secrets.register("4821")
    assert answered_id("50482199", "createFeed", "feedId") == "50482199"
    token = "Atza1IwEBIExampleAccessToken0123456789"
    secrets.register(token)
    for echoed in (token, f"amzn1.{token}"):
        with pytest.raises(RemoteError, match="holds a secret feedsync holds") as refused:
            answered_id(echoed, "createFeed", "feedId")
        assert token not in str(refused.value)
