"""searchOrders and getOrder throttled (HTTP 429) by Amazon: the call is sent again once the operation's usage plan
allows one more request, not after a backoff of seconds. The usage plans are the models': searchOrders 0.0056
requests/s, burst 20 (``orders_2026-01-01.json``, operation ``searchOrders``), getOrder 0.5, burst 30; "the
``x-amzn-RateLimit-Limit`` response header returns the usage plan rate limits that are applied to the requested
operation, when available" (the same descriptions). No test sleeps: a fake clock records the waits."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from feedsync.config import AmazonOrdersApi, DirectoryOrderSink, SecretRef
from feedsync.destinations.amazon_feeds import THROTTLED_BUDGET
from feedsync.errors import RemoteError
from feedsync.orders.amazon_orders import AmazonOrders
from feedsync.orders.importer import ImportResult, import_orders
from feedsync.orders.mapping import SkuMap
from feedsync.orders.sinks import DirectorySink
from feedsync.state import State
from tests.orders.amazon_answers import answering
from tests.orders.test_amazon_orders import SEARCH, example_order, login, query
from tests.orders.test_import import published

SEARCH_RATE = 0.0056  # searchOrders' default usage plan (orders_2026-01-01.json)
THROTTLED = httpx.Response(
    429,
    headers={"x-amzn-RequestId": "r-429"},
    json={"errors": [{"code": "QuotaExceeded", "message": "You exceeded your quota for the requested resource."}]},
)


class Clock:
    """A monotonic clock that moves only when something sleeps on it; ``waits`` are those sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FS_TEST_CLIENT", "client-secret")
    monkeypatch.setenv("FS_TEST_REFRESH", "Atzr|refresh")
    monkeypatch.setattr("time.sleep", pytest.fail)  # (every wait goes to the fake clock)


def reader(state: State, clock: Clock) -> AmazonOrders:
    config = AmazonOrdersApi(
        marketplace_id="ATVPDKIKX0DER",
        client_id="amzn1.application-oa2-client.x",
        client_secret=SecretRef(env="FS_TEST_CLIENT"),
        refresh_token=SecretRef(env="FS_TEST_REFRESH"),
    )
    return AmazonOrders(config, state, sleep=clock.sleep, clock=clock)


def run(state: State, clock: Clock, folder: Path) -> ImportResult:
    """One import of what searchOrders answers into a directory sink; the cursor moves when it ends well."""
    api = reader(state, clock)
    result = import_orders(
        api.orders(now=datetime(2026, 11, 22, 8, 30, tzinfo=UTC)),
        state=state,
        sink=DirectorySink(DirectoryOrderSink(type="directory", path=folder)),
        skus=SkuMap(state, "amazon"),
        emit=pytest.fail,
        refresh=api.order,
    )
    api.commit()
    return result


def created(folder: Path) -> Counter[str]:
    return Counter(
        event["order"]["order_id"]
        for path in folder.glob("orders-*.jsonl")
        for event in map(json.loads, path.read_text(encoding="utf-8").splitlines())
        if event["event"] == "order.created"
    )


FIRST = {
    "orders": [example_order("111-0000001-0000001", "SKU-A")],
    "pagination": {"nextToken": "2YgYW55IGNhcm5h"},
    "lastUpdatedBefore": "2026-11-22T08:00:00Z",
}
SECOND = {
    "orders": [example_order("111-0000002-0000002", "SKU-A"), example_order("111-0000003-0000003", "SKU-A")],
    "lastUpdatedBefore": "2026-11-22T08:00:00Z",
}


def pages(*answers: httpx.Response | dict[str, Any]) -> Callable[[httpx.Request], httpx.Response]:
    """A respx side effect answering each request with the next of ``answers`` (a page, or a response as it is)."""
    remaining = list(answers)

    def answer(request: httpx.Request) -> httpx.Response:
        given = remaining.pop(0)
        return given if isinstance(given, httpx.Response) else answering([given])(request)

    return answer


def _requests(route: respx.Route) -> list[tuple[str, str, dict[str, list[str]], str | None]]:
    return [
        (
            call.request.method,
            str(call.request.url.copy_with(query=None)),
            query(call.request),
            call.request.headers.get("x-amz-access-token"),
        )
        for call in route.calls
    ]


@respx.mock(assert_all_mocked=True)
def test_a_throttled_page_is_asked_again_once_the_usage_plan_allows_and_imports_each_order_once(
    respx_mock: respx.Router, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    login(respx_mock)
    route = respx_mock.get(SEARCH).mock(side_effect=pages(FIRST, THROTTLED, SECOND))
    clock = Clock()
    with State(tmp_path / "state.sqlite") as state, caplog.at_level(logging.WARNING, "feedsync"):
        published(state, "SKU-A")
        result = run(state, clock, tmp_path / "in")
        assert state.cursor("amazon:searchOrders:ATVPDKIKX0DER") == "2026-11-22T08:00:00Z"
    assert result.imported == ["111-0000001-0000001", "111-0000002-0000002", "111-0000003-0000003"]
    assert created(tmp_path / "in") == Counter(result.imported)  # each once: a page is handled once it is whole
    first = {
        "lastUpdatedAfter": ["2026-11-15T08:30:00Z"],
        "marketplaceIds": ["ATVPDKIKX0DER"],
        "includedData": ["BUYER,RECIPIENT,PROCEEDS,FULFILLMENT,PACKAGES"],
        "maxResultsPerPage": ["100"],
    }
    second = {**first, "paginationToken": ["2YgYW55IGNhcm5h"]}
    assert _requests(route) == [  # the throttled page again, word for word
        ("GET", SEARCH, first, "Atza|t"),
        ("GET", SEARCH, second, "Atza|t"),
        ("GET", SEARCH, second, "Atza|t"),
    ]
    assert clock.waits == [pytest.approx(1 / SEARCH_RATE)]  # one token of searchOrders' plan: 178.6 s, no more
    assert "searchOrders: throttled (HTTP 429); waiting 178.6 s, as the channel's rate of 0.0056 requests/s" in (
        caplog.text
    )


@respx.mock(assert_all_mocked=True)
def test_the_rate_amazon_answers_in_x_amzn_ratelimit_limit_sets_the_wait(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    login(respx_mock)
    first = httpx.Response(200, headers={"x-amzn-RateLimit-Limit": "0.0167"}, json=FIRST)
    route = respx_mock.get(SEARCH).mock(side_effect=pages(first, THROTTLED, SECOND))
    clock = Clock()
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        result = run(state, clock, tmp_path / "in")
    assert len(route.calls) == 3 and len(result.imported) == 3
    assert clock.waits == [pytest.approx(1 / 0.0167)]  # this seller's plan: one request a minute


@respx.mock(assert_all_mocked=True)
def test_a_throttled_get_order_waits_for_its_plan_and_the_backoff_when_that_is_longer(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    login(respx_mock)
    order_id = "111-0000004-0000004"
    route = respx_mock.get(f"{SEARCH}/{order_id}").mock(
        side_effect=[THROTTLED, THROTTLED, THROTTLED, httpx.Response(200, json={"order": example_order(order_id, "X")})]
    )
    clock = Clock()
    with State(tmp_path / "state.sqlite") as state:
        order = reader(state, clock).order(order_id)
    assert getattr(order, "order_id", None) == order_id and len(route.calls) == 4
    assert clock.waits == [2.0, 2.0, 4.0]  # 0.5 requests/s: 2 s for a token, or the backoff (1, 2, 4 s) when longer


@respx.mock(assert_all_mocked=True)
def test_a_page_throttled_past_the_budget_fails_the_run_keeps_the_cursor_and_the_rerun_imports_each_order_once(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    login(respx_mock)
    route = respx_mock.get(SEARCH).mock(side_effect=pages(FIRST, THROTTLED, THROTTLED, THROTTLED))
    clock = Clock()
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        with pytest.raises(RemoteError) as failed:
            run(state, clock, tmp_path / "in")
        assert str(failed.value).startswith(
            f"searchOrders: gave up after 3 attempts and 357 s of waiting (at most {THROTTLED_BUDGET:g} s): "
            "searchOrders: HTTP 429 (request id r-429)"
        )
        assert len(route.calls) == 4 and clock.waits == [pytest.approx(1 / SEARCH_RATE)] * 2
        assert state.cursor("amazon:searchOrders:ATVPDKIKX0DER") is None  # the next run reads the same orders
        assert created(tmp_path / "in") == Counter()  # (a directory sink writes the run's orders as it ends)

        route.side_effect = pages(FIRST, SECOND)
        result = run(state, clock, tmp_path / "in")
        assert len(result.imported) == 3
        route.side_effect = pages(FIRST, SECOND)  # (read again by the overlap of the next run)
        again = run(state, clock, tmp_path / "in")
        assert again.imported == [] and again.unchanged == 3
    assert created(tmp_path / "in") == Counter(
        {"111-0000001-0000001": 1, "111-0000002-0000002": 1, "111-0000003-0000003": 1}
    )
