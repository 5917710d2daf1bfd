"""A feed Amazon took is recorded open (its id and what its messages send) before it is polled: a push that ends
before the feed's outcome is known (a poll timeout, a kill) leaves it to the next push, which collects its report
before it sends anything, and sends only what is still missing."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import httpx
import pytest
import respx

from feedsync import pipeline
from feedsync.diagnostics.report import Report
from feedsync.state import State
from tests.conftest import HEADER, row, sync_failure
from tests.destinations.test_amazon_feeds import amazon_config, mock_amazon, reports_of_what_was_sent

PRODUCTS = row("A", group_id="G", size="S") + row("B", group_id="G", size="M") + row("S", gtin="4006381333948")
PENDING = httpx.Response(200, json={"feedId": "50014", "processingStatus": "IN_PROGRESS"})
DONE = httpx.Response(
    200, json={"feedId": "50014", "processingStatus": "DONE", "resultFeedDocumentId": "amzn1.tortuga.4.eu.out"}
)


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.sleep", lambda seconds: None)


def push(tmp_path: Path, products: str) -> Report:
    config = amazon_config(tmp_path, HEADER + products, "      poll_timeout: 0.05\n")
    with State(config.state_path) as state:
        return pipeline.run(config, "push", state=state)


def items(tmp_path: Path) -> dict[str, str]:
    with closing(sqlite3.connect(tmp_path / ".feedsync" / "state.sqlite")) as db:
        return dict(db.execute("SELECT item_id, status FROM items"))


def open_feeds(tmp_path: Path) -> list[str]:
    with State(tmp_path / ".feedsync" / "state.sqlite") as state:
        return [feed_id for feed_id, _ in state.open_batches("amazon", "amazon_sp_api:eu")]


def uploads(routes: dict[str, respx.Route]) -> list[list[tuple[str, str]]]:
    documents = [json.loads(call.request.content)["messages"] for call in routes["upload"].calls]
    return [[(m["sku"], m["operationType"]) for m in messages] for messages in documents]


@respx.mock
@pytest.mark.parametrize(
    ("changed", "sent_again"),
    [
        (PRODUCTS, []),  # nothing changed since: nothing is sent again
        (PRODUCTS.replace("20.00", "25.00", 1), [[("G", "UPDATE"), ("A", "UPDATE")]]),  # A changed since it was sent
    ],
)
def test_a_feed_still_processing_when_the_push_ends_is_collected_by_the_next_push(
    tmp_path: Path, changed: str, sent_again: list[list[tuple[str, str]]]
) -> None:
    routes = mock_amazon(respx.mock, b"")
    reports_of_what_was_sent(routes)
    routes["status"].side_effect = None
    routes["status"].return_value = PENDING
    sync_failure(push(tmp_path, PRODUCTS), r"^Amazon feed 50014 still IN_PROGRESS \(it may still complete at Amazon\)")
    assert uploads(routes) == [[("G", "UPDATE"), ("A", "UPDATE"), ("B", "UPDATE"), ("S", "UPDATE")]]
    assert items(tmp_path) == {} and open_feeds(tmp_path) == ["50014"]

    routes["status"].return_value = DONE
    polled = routes["status"].call_count
    second = push(tmp_path, changed)
    assert not any(r.failed for r in second.channels.values())
    assert routes["status"].call_count > polled and routes["download"].call_count == 1 + len(sent_again)
    assert uploads(routes)[1:] == sent_again
    assert routes["feed"].call_count == 1 + len(sent_again)
    assert items(tmp_path) == {"A": "ok", "B": "ok", "S": "ok"} and open_feeds(tmp_path) == []


@respx.mock
def test_an_open_feed_that_ended_without_a_report_to_believe_is_closed_and_sent_again(tmp_path: Path) -> None:
    routes = mock_amazon(respx.mock, b"")
    reports_of_what_was_sent(routes)
    routes["status"].side_effect = None
    routes["status"].return_value = PENDING
    sync_failure(push(tmp_path, PRODUCTS))
    routes["status"].return_value = httpx.Response(200, json={"feedId": "50014", "processingStatus": "CANCELLED"})
    sync_failure(push(tmp_path, PRODUCTS), r"^Amazon feed 50014 ended CANCELLED without a processing report")
    assert len(uploads(routes)) == 1 and items(tmp_path) == {} and open_feeds(tmp_path) == []

    routes["status"].return_value = DONE
    push(tmp_path, PRODUCTS)
    assert uploads(routes)[1:] == [[("G", "UPDATE"), ("A", "UPDATE"), ("B", "UPDATE"), ("S", "UPDATE")]]
    assert items(tmp_path) == {"A": "ok", "B": "ok", "S": "ok"}


@respx.mock
def test_a_parent_refused_in_an_open_feed_and_taken_when_sent_again_lists_its_variants(tmp_path: Path) -> None:
    routes = mock_amazon(respx.mock, b"")
    reports_of_what_was_sent(routes, [{"G"}])  # the open feed's report refuses the parent; the next feed takes all
    routes["status"].side_effect = None
    routes["status"].return_value = PENDING
    sync_failure(push(tmp_path, PRODUCTS))
    routes["status"].return_value = DONE
    second = push(tmp_path, PRODUCTS)
    assert uploads(routes)[1:] == [[("G", "UPDATE"), ("A", "UPDATE"), ("B", "UPDATE")]]
    assert items(tmp_path) == {"A": "ok", "B": "ok", "S": "ok"}
    assert [(d.code, d.product_id) for d in second.diagnostics] == [("DST003", "G"), ("DST003", "A"), ("DST003", "B")]
    assert [(r.items, r.rejected) for r in second.channels.values()] == [(3, 0)]  # refused once, then taken
