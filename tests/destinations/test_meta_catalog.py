"""The Meta Catalog Batch API destination against respx: exact requests, polling, per-item errors, throttling."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from hypothesis import given
from hypothesis import strategies as st

from feedsync import pipeline
from feedsync.config import Config, load_config
from feedsync.destinations import meta_catalog
from feedsync.destinations.http import form_body
from feedsync.destinations.meta_catalog import usage_wait
from feedsync.state import State
from tests.conftest import HEADER, row, sync_failure

GRAPH = "https://graph.facebook.com/v26.0/987654"
TOKEN = "EAAG-system-user-token-123"


def meta_config(tmp: Path, csv_text: str, extra: str = "") -> Config:
    (tmp / "meta_token").write_text(TOKEN, encoding="utf-8")
    (tmp / "products.csv").write_text(csv_text, encoding="utf-8")
    path = tmp / "feedsync.yaml"
    path.write_text(
        "source: {path: products.csv, currency: USD, base_url: 'https://shop.example.com'}\n"
        "channels:\n  facebook:\n    profile: facebook\n    destination:\n      type: meta_catalog_api\n"
        "      catalog_id: '987654'\n      access_token: {file: meta_token}\n      poll_interval: 1\n" + extra,
        encoding="utf-8",
    )
    return load_config(path)


def push(config: Config) -> object:
    with State(config.state_path) as state:
        return pipeline.run(config, "push", state=state)


def sent_requests(route: respx.Route) -> list[list[dict[str, object]]]:
    return [json.loads(parse_qs(c.request.content.decode())["requests"][0]) for c in route.calls]


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.sleep", lambda seconds: None)


@respx.mock
def test_batch_request_polling_and_recorded_items(tmp_path: Path) -> None:
    batch = respx.post(f"{GRAPH}/items_batch").mock(return_value=httpx.Response(200, json={"handles": ["h-1"]}))
    status = respx.get(f"{GRAPH}/check_batch_request_status").mock(
        side_effect=[
            httpx.Response(200, json={"data": [{"handle": "h-1", "status": "dispatched"}]}),
            httpx.Response(
                200, json={"data": [{"handle": "h-1", "status": "finished", "errors_total_count": 0, "errors": []}]}
            ),
        ]
    )
    config = meta_config(tmp_path, HEADER + row("A") + row("B", size="L"))
    report = push(config)
    assert report.diagnostics == []
    [call] = batch.calls
    request = call.request
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    form = parse_qs(request.content.decode())
    assert form["item_type"] == ["PRODUCT_ITEM"]
    requests = json.loads(form["requests"][0])
    assert [(r["method"], r["data"]["id"]) for r in requests] == [("CREATE", "A"), ("CREATE", "B")]
    data = requests[0]["data"]
    assert (data["availability"], data["price"], data["condition"], data["title"]) == (
        "in stock",
        "20.00 USD",
        "new",
        "Merino Tee",
    )
    assert status.call_count == 2
    assert dict(status.calls[0].request.url.params) == {"handle": "h-1", "load_ids_of_invalid_requests": "true"}
    assert TOKEN not in str(status.calls[0].request.url)  # the token travels in a header, not in URLs
    with State(config.state_path) as state:
        assert set(state.sent_items("facebook", "meta_catalog_api:987654")) == {"A", "B"}


@respx.mock
def test_partial_batch_failure_records_the_invalid_items(tmp_path: Path) -> None:
    respx.post(f"{GRAPH}/items_batch").mock(return_value=httpx.Response(200, json={"handles": ["h-2"]}))
    respx.get(f"{GRAPH}/check_batch_request_status").mock(
        return_value=httpx.Response(
            200,
            json={
                "data": [
                    {
                        "handle": "h-2",
                        "status": "finished",
                        "errors_total_count": 1,
                        "errors": [{"line": 2, "id": "B", "message": "Invalid price"}],
                        "ids_of_invalid_requests": ["B"],
                    }
                ]
            },
        )
    )
    config = meta_config(tmp_path, HEADER + row("A") + row("B", size="L"))
    report = push(config)
    assert [(d.code, d.product_id, d.message) for d in report.diagnostics] == [
        ("DST003", "B", "Meta rejected the item: Invalid price")
    ]
    with State(config.state_path) as state:
        assert set(state.sent_items("facebook", "meta_catalog_api:987654")) == {"A"}


@respx.mock
def test_a_long_refusal_echoing_the_token_is_stored_without_any_part_of_it(tmp_path: Path) -> None:
    """A refusal's message is kept in the state up to 1,000 characters, masked before it is cut: a token the cut
    splits would not be found, and its first part would be stored."""
    message = "x" * 990 + f" {TOKEN} "  # (the cut falls inside the token)
    respx.post(f"{GRAPH}/items_batch").mock(return_value=httpx.Response(200, json={"handles": ["h-3"]}))
    respx.get(f"{GRAPH}/check_batch_request_status").mock(
        return_value=httpx.Response(
            200,
            json={
                "data": [{"status": "finished", "errors_total_count": 1, "errors": [{"id": "B", "message": message}]}]
            },
        )
    )
    config = meta_config(tmp_path, HEADER + row("A") + row("B", size="L"))
    push(config)
    with sqlite3.connect(config.state_path) as db:
        [(stored,)] = db.execute("SELECT message FROM items WHERE item_id = 'B'").fetchall()
    assert stored.startswith("x" * 990) and TOKEN[:5] not in stored


@respx.mock
def test_throttling_error_code_with_http_400_is_retried(tmp_path: Path) -> None:
    usage = json.dumps(
        {
            "987654": [
                {
                    "type": "catalog_batch",
                    "call_count": 100,
                    "total_cputime": 10,
                    "total_time": 10,
                    "estimated_time_to_regain_access": 2,
                }
            ]
        }
    )
    batch = respx.post(f"{GRAPH}/items_batch").mock(
        side_effect=[
            httpx.Response(
                400,
                json={"error": {"message": "(#80014) too many calls", "code": 80014}},
                headers={"X-Business-Use-Case-Usage": usage},
            ),
            httpx.Response(200, json={"handles": ["h-3"]}),
        ]
    )
    respx.get(f"{GRAPH}/check_batch_request_status").mock(
        return_value=httpx.Response(200, json={"data": [{"status": "finished", "errors": []}]})
    )
    report = push(meta_config(tmp_path, HEADER + row("A")))
    assert report.diagnostics == [] and batch.call_count == 2


def test_usage_header_waits() -> None:
    busy = httpx.Response(
        200,
        headers={
            "X-Business-Use-Case-Usage": json.dumps(
                {"1": [{"call_count": 96, "total_cputime": 3, "total_time": 3, "estimated_time_to_regain_access": 3}]}
            )
        },
    )
    calm = httpx.Response(
        200,
        headers={
            "X-Business-Use-Case-Usage": json.dumps(
                {"1": [{"call_count": 20, "total_cputime": 3, "total_time": 3, "estimated_time_to_regain_access": 0}]}
            )
        },
    )
    assert usage_wait(busy) == 180.0 and usage_wait(calm) is None


@respx.mock
def test_deletes_and_updates_on_the_next_push(tmp_path: Path) -> None:
    batch = respx.post(f"{GRAPH}/items_batch").mock(return_value=httpx.Response(200, json={"handles": ["h"]}))
    respx.get(f"{GRAPH}/check_batch_request_status").mock(
        return_value=httpx.Response(200, json={"data": [{"status": "finished", "errors": []}]})
    )
    push(
        meta_config(tmp_path, HEADER + row("A") + row("B", size="L") + row("C", size="S"), "    max_drop_percent: 50\n")
    )
    batch.reset()
    push(meta_config(tmp_path, HEADER + row("A", price="25.00") + row("B", size="L"), "    max_drop_percent: 50\n"))
    assert [[(r["method"], r["data"]["id"]) for r in requests] for requests in sent_requests(batch)] == [
        [("UPDATE", "A")],
        [("DELETE", "C")],
    ]


@respx.mock
@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        (httpx.Response(200, text="<html>login</html>"), "items_batch: POST .* answered HTTP 200 with a body that"),
        (httpx.Response(200, json={"handles": "h"}), "items_batch returned no handle"),
        (httpx.Response(200, json=["h"]), "items_batch: .* JSON that is not an object"),
    ],
)
def test_a_batch_answer_that_is_not_metas_is_a_remote_error(
    tmp_path: Path, answer: httpx.Response, problem: str
) -> None:
    respx.post(f"{GRAPH}/items_batch").mock(return_value=answer)
    sync_failure(push(meta_config(tmp_path, HEADER + row("A"))), problem)


@respx.mock
def test_a_status_answer_without_data_is_a_remote_error(tmp_path: Path) -> None:
    respx.post(f"{GRAPH}/items_batch").mock(return_value=httpx.Response(200, json={"handles": ["h1"]}))
    respx.get(f"{GRAPH}/check_batch_request_status").mock(return_value=httpx.Response(200, json={"status": "x"}))
    sync_failure(
        push(meta_config(tmp_path, HEADER + row("A"))), r"check_batch_request_status: .* JSON that has no data"
    )


@respx.mock
def test_a_batch_meta_never_names_fails_the_channel_after_a_few_answers(tmp_path: Path) -> None:
    """A status answer naming no batch (``data: []``: a handle Meta dropped) was polled until poll_timeout (30
    minutes by default, the rest of the push waiting). After a few such answers in a row the channel fails, nothing
    of the batch recorded, so its items go again; a batch named after an empty answer or two is followed as before."""
    respx.post(f"{GRAPH}/items_batch").mock(return_value=httpx.Response(200, json={"handles": ["h-9"]}))
    empty = httpx.Response(200, json={"data": []})
    status = respx.get(f"{GRAPH}/check_batch_request_status").mock(return_value=empty)
    config = meta_config(tmp_path, HEADER + row("A"), "      poll_timeout: 3600\n")
    sync_failure(push(config), r"Meta named no batch for handle h-9 in 5 answers in a row")
    assert status.call_count == meta_catalog.UNKNOWN_AFTER
    with State(config.state_path) as state:
        assert state.sent_items("facebook", "meta_catalog_api:987654") == {}
    done = {"data": [{"handle": "h-9", "status": "finished", "errors_total_count": 0, "errors": []}]}
    status.mock(side_effect=[empty, empty, httpx.Response(200, json=done)])
    assert push(config).diagnostics == []
    with State(config.state_path) as state:
        assert set(state.sent_items("facebook", "meta_catalog_api:987654")) == {"A"}


def test_a_usage_header_estimating_nan_minutes_waits_the_least() -> None:
    """``NaN`` minutes (Python's JSON reads the literal, and float() the string) is no time ``time.sleep`` takes."""
    for estimate in ("NaN", '"nan"'):
        header = '{"1": [{"call_count": 99, "estimated_time_to_regain_access": ' + estimate + "}]}"
        assert usage_wait(httpx.Response(200, headers={"X-Business-Use-Case-Usage": header})) == 30.0


@respx.mock
def test_a_graph_error_code_too_large_for_a_number_is_a_remote_error(tmp_path: Path) -> None:
    """Python's JSON reads ``1e999`` as infinity, which int() refuses with an OverflowError: the push failed as an
    internal error; it is an error of no code Meta names, the channel's failure."""
    respx.post(f"{GRAPH}/items_batch").mock(
        return_value=httpx.Response(400, content=b'{"error": {"message": "no", "code": 1e999}}')
    )
    report = push(meta_config(tmp_path, HEADER + row("A")))
    sync_failure(report, r"^items_batch: HTTP 400")


def test_a_usage_header_that_is_not_metas_is_ignored() -> None:
    for header in ("[1, 2]", '{"1": 5}', '{"1": ["x"]}'):
        assert usage_wait(httpx.Response(200, headers={"X-Business-Use-Case-Usage": header})) is None


@respx.mock
def test_a_batch_is_cut_by_its_size_as_sent_not_by_its_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A non-ASCII character takes up to twelve bytes of the form body (``é``: ``%5Cu00e9``): a batch whose JSON is
    under the payload limit can be far over it as sent. Each call's body is within the limit, every item sent once."""
    monkeypatch.setattr(meta_catalog, "MAX_BYTES", 64 * 1024)
    batch = respx.post(f"{GRAPH}/items_batch").mock(return_value=httpx.Response(200, json={"handles": ["h"]}))
    respx.get(f"{GRAPH}/check_batch_request_status").mock(
        return_value=httpx.Response(200, json={"data": [{"status": "finished", "errors": []}]})
    )
    rows = "".join(row(f"P{n}", description="é" * 1500, size=f"S{n}") for n in range(6))
    push(meta_config(tmp_path, HEADER + rows))
    bodies = [call.request.content for call in batch.calls]
    json_sizes = [len(json.dumps(requests, ensure_ascii=False).encode()) for requests in sent_requests(batch)]
    assert sum(json_sizes) < 64 * 1024 - 1024  # the JSON alone would have fit in one call
    assert len(bodies) > 1 and max(map(len, bodies)) <= 64 * 1024
    sent = [r["data"]["id"] for requests in sent_requests(batch) for r in requests]
    assert sorted(sent) == sorted(f"P{n}" for n in range(6))


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["CREATE", "UPDATE", "DELETE"]),
            st.dictionaries(st.text(max_size=8), st.one_of(st.text(max_size=30), st.integers(), st.none()), max_size=4),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_a_body_made_of_its_requests_encodings_is_the_form_of_the_whole(requests: list[tuple[str, dict]]) -> None:
    try:
        whole = form_body(
            {"item_type": "PRODUCT_ITEM", "requests": json.dumps([{"method": m, "data": d} for m, d in requests])}
        )
    except UnicodeEncodeError:
        return  # a lone surrogate: json.dumps escapes it, so this is never reached
    made = meta_catalog._BODY_START + meta_catalog._BETWEEN.join(meta_catalog._encoded(m, d) for m, d in requests)
    assert (made + meta_catalog._BODY_END).encode("ascii") == whole
