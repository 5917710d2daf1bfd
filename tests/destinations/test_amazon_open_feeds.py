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
from tests.destinations.test_amazon_feeds import SECRETS, amazon_config, mock_amazon, reports_of_what_was_sent

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
        return [feed_id for feed_id, _, _ in state.open_batches("amazon", "amazon_sp_api:eu")]


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


HOST = "https://sellingpartnerapi-eu.amazon.com"
ALL = [("G", "UPDATE"), ("A", "UPDATE"), ("B", "UPDATE"), ("S", "UPDATE")]


def _left_open(tmp_path: Path, routes: dict[str, respx.Route], status: httpx.Response) -> None:
    """A first push whose feed 50014 stays ``status``; the next feeds Amazon creates are 50015, done."""
    reports_of_what_was_sent(routes)
    routes["status"].side_effect = None
    routes["status"].return_value = status
    sync_failure(
        push(tmp_path, PRODUCTS),
        r"still .*; the changes it took before are recorded, the others are sent once a later push has collected "
        r"feed 50014 \(each push asks Amazon for it first\) or given it up, 24 h after it was created",
    )
    assert open_feeds(tmp_path) == ["50014"]
    routes["feed"].return_value = httpx.Response(202, json={"feedId": "50015"})
    done = {"feedId": "50015", "processingStatus": "DONE", "resultFeedDocumentId": "amzn1.tortuga.4.eu.out"}
    respx.get(f"{HOST}/feeds/2021-06-30/feeds/50015").mock(return_value=httpx.Response(200, json=done))


def _age(tmp_path: Path, hours: float) -> None:
    with closing(sqlite3.connect(tmp_path / ".feedsync" / "state.sqlite")) as db, db:
        db.execute("UPDATE open_batches SET sent_at = datetime('now', ?) || '+00:00'", (f"-{hours * 60:.0f} minutes",))


def _requests(start: int) -> list[tuple[str, str]]:
    """The SP-API requests made since the ``start``-th (the logins, uploads and report downloads aside)."""
    return [(c.request.method, c.request.url.path) for c in respx.calls[start:] if c.request.url.host == HOST[8:]]


SENT_AGAIN = [
    ("POST", "/feeds/2021-06-30/documents"),
    ("POST", "/feeds/2021-06-30/feeds"),
    ("GET", "/feeds/2021-06-30/feeds/50015"),
    ("GET", "/feeds/2021-06-30/documents/amzn1.tortuga.4.eu.out"),
]


def _given_up(tmp_path: Path, routes: dict[str, respx.Route], report: Report) -> str:
    """The one finding of a push that gave feed 50014 up and sent its listings again (50015, taken whole)."""
    assert not any(r.failed for r in report.channels.values())
    [finding] = report.diagnostics
    assert (finding.code, finding.severity.value, finding.channel) == ("DST011", "warning", "amazon")
    assert finding.message.startswith("Amazon feed 50014 (recorded open ")
    assert uploads(routes)[1:] == [ALL]
    assert items(tmp_path) == {"A": "ok", "B": "ok", "S": "ok"} and open_feeds(tmp_path) == []
    return finding.message


@respx.mock
def test_an_open_feed_amazon_no_longer_knows_is_given_up_and_its_listings_sent_with_the_push(tmp_path: Path) -> None:
    routes = mock_amazon(respx.mock, b"")
    _left_open(tmp_path, routes, PENDING)
    routes["status"].return_value = httpx.Response(404, json={"errors": [{"code": "NotFound", "message": "none"}]})
    start = len(respx.calls)
    message = _given_up(tmp_path, routes, push(tmp_path, PRODUCTS))
    assert "Amazon no longer knows it (getFeed answers HTTP 404; Amazon keeps feeds at most 90 days)" in message
    assert _requests(start) == [("GET", "/feeds/2021-06-30/feeds/50014"), *SENT_AGAIN]


@respx.mock
@pytest.mark.parametrize(
    ("status", "cancel", "told"),
    [
        ("IN_QUEUE", [("DELETE", "/feeds/2021-06-30/feeds/50014")], "Amazon cancelled it (cancelFeed)"),
        ("IN_PROGRESS", [], "Amazon cancels only a feed IN_QUEUE, so should Amazon still finish it, what it sent may "),
    ],
)
def test_an_open_feed_unfinished_past_open_feed_hours_is_given_up_and_sent_again(
    tmp_path: Path, status: str, cancel: list[tuple[str, str]], told: str
) -> None:
    routes = mock_amazon(respx.mock, b"")
    _left_open(tmp_path, routes, httpx.Response(200, json={"feedId": "50014", "processingStatus": status}))
    delete = respx.delete(f"{HOST}/feeds/2021-06-30/feeds/50014").mock(return_value=httpx.Response(200))
    _age(tmp_path, 23)  # not yet: still waited for, and the push fails as before
    sync_failure(push(tmp_path, PRODUCTS), rf"^Amazon feed 50014 still {status}")
    assert delete.call_count == 0 and len(uploads(routes)) == 1 and open_feeds(tmp_path) == ["50014"]
    _age(tmp_path, 25)
    start = len(respx.calls)
    message = _given_up(tmp_path, routes, push(tmp_path, PRODUCTS))
    assert f"it is still {status} 25 h after it was created (open_feed_hours: 24); {told}" in message
    assert _requests(start) == [("GET", "/feeds/2021-06-30/feeds/50014"), *cancel, *SENT_AGAIN]


@respx.mock
def test_a_feed_amazon_will_not_cancel_as_it_finished_meanwhile_is_settled(tmp_path: Path) -> None:
    routes = mock_amazon(respx.mock, b"")
    _left_open(tmp_path, routes, httpx.Response(200, json={"feedId": "50014", "processingStatus": "IN_QUEUE"}))
    _age(tmp_path, 25)
    routes["status"].return_value = None
    routes["status"].side_effect = [
        httpx.Response(200, json={"feedId": "50014", "processingStatus": "IN_QUEUE"}),
        DONE,
    ]
    refusal = {"errors": [{"code": "InvalidInput", "message": "feed is not IN_QUEUE"}]}
    respx.delete(f"{HOST}/feeds/2021-06-30/feeds/50014").mock(return_value=httpx.Response(400, json=refusal))
    start = len(respx.calls)
    report = push(tmp_path, PRODUCTS)
    assert report.diagnostics == [] and not any(r.failed for r in report.channels.values())
    assert len(uploads(routes)) == 1  # nothing sent twice
    assert items(tmp_path) == {"A": "ok", "B": "ok", "S": "ok"} and open_feeds(tmp_path) == []
    assert _requests(start) == [
        ("GET", "/feeds/2021-06-30/feeds/50014"),
        ("DELETE", "/feeds/2021-06-30/feeds/50014"),
        ("GET", "/feeds/2021-06-30/feeds/50014"),
        ("GET", "/feeds/2021-06-30/documents/amzn1.tortuga.4.eu.out"),
    ]


HOSTILE_IDS = {
    "a secret it was sent": SECRETS["client"],
    "the access token": "Atza|access-token-1",
    "huge": "5" * 100_000,
    "control characters": "50014\r\n\x1b[31mDONE",
    "a path": "../../sellers/v1/marketplaceParticipations",
    "dots": "..",
    "an object": {"id": "50014"},
    "a Boolean": True,
}


@respx.mock
@pytest.mark.parametrize("kind", HOSTILE_IDS)
def test_a_feed_id_a_server_answers_is_checked_before_it_is_stored_or_used(tmp_path: Path, kind: str) -> None:
    """createFeed answering a feedId that is no id (a secret feedsync sent, huge, control characters, a path, not
    a string): the push fails for the channel naming it, masked and cut; it is not recorded open, not put in a
    path, and no secret reaches the state."""
    routes = mock_amazon(respx.mock, b"")
    hostile = HOSTILE_IDS[kind]
    routes["feed"].return_value = httpx.Response(202, json={"feedId": hostile})
    message = sync_failure(push(tmp_path, PRODUCTS), r"^createFeed: the answer's feedId (is not|holds a secret)")
    assert routes["status"].call_count == 0 and open_feeds(tmp_path) == []
    assert len(message) < 400 and "\x1b" not in message and "\n" not in message
    assert all(secret not in message for secret in SECRETS.values())
    state = (tmp_path / ".feedsync" / "state.sqlite").read_bytes()
    assert all(secret.encode() not in state for secret in SECRETS.values())
    assert b"5" * 1000 not in state


@respx.mock
def test_a_result_document_id_that_is_a_path_is_not_requested(tmp_path: Path) -> None:
    routes = mock_amazon(respx.mock, b"")
    routes["status"].side_effect = None
    hostile = {"feedId": "50014", "processingStatus": "DONE", "resultFeedDocumentId": "../../feeds/2021-06-30/x"}
    routes["status"].return_value = httpx.Response(200, json=hostile)
    sync_failure(push(tmp_path, PRODUCTS), r"^getFeed: the answer's resultFeedDocumentId is not an id .*'\.\./\.\./")
    assert routes["result"].call_count == 0 and open_feeds(tmp_path) == []
