"""What Meta made of a batch, against respx: final statuses, refusals named by line or only counted, warnings,
``validation_status``, refused deletes, and Graph errors (in a 200, expired tokens, transient ones). An item is
recorded as sent only once Meta confirmed it; the others go again on the next push."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from feedsync.config import Config
from feedsync.destinations.meta_batch import read_status
from feedsync.state import State
from tests.conftest import HEADER, row, sync_failure
from tests.destinations.test_meta_catalog import GRAPH, TOKEN, meta_config, push, sent_requests

WHERE = ("facebook", "meta_catalog_api:987654")
THREE = HEADER + row("A") + row("B", size="L") + row("C", size="S")


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.sleep", lambda seconds: None)


def batch_route(**answer: Any) -> respx.Route:
    return respx.post(f"{GRAPH}/items_batch").mock(
        return_value=httpx.Response(200, json={"handles": ["h-1"], **answer})
    )


def status_route(*answers: dict[str, Any]) -> respx.Route:
    """The status polls: each answer the one status of handle h-1 (the last one repeated)."""
    responses = [httpx.Response(200, json={"data": [{"handle": "h-1", **a}]}) for a in answers]
    return respx.get(f"{GRAPH}/check_batch_request_status").mock(side_effect=lambda request: responses.pop(0))


def sent(config: Config) -> set[str]:
    with State(config.state_path) as state:
        return set(state.sent_items(*WHERE))


def findings(report: Any) -> list[tuple[str, str | None, str]]:
    return [(d.code, d.product_id, d.message) for d in report.diagnostics]


def requested(route: respx.Route) -> list[list[tuple[str, str]]]:
    return [[(r["method"], r["data"]["id"]) for r in requests] for requests in sent_requests(route)]


@respx.mock
@pytest.mark.parametrize("final", ["canceled", "error"])
def test_a_batch_canceled_or_in_error_stops_polling_and_records_nothing(tmp_path: Path, final: str) -> None:
    batch = batch_route()
    polls = status_route({"status": "started"}, {"status": final, "errors": []})
    config = meta_config(tmp_path, HEADER + row("A") + row("B", size="L"), "      poll_timeout: 3600\n")
    failure = sync_failure(push(config))
    assert polls.call_count == 2  # not polled on until poll_timeout
    assert [dict(c.request.url.params) for c in polls.calls] == [
        {"handle": "h-1", "load_ids_of_invalid_requests": "true"}
    ] * 2
    assert "batch h-1" in failure and final in failure and "none of its 2 request(s) is recorded as done" in failure
    assert sent(config) == set()
    status_route({"status": "finished", "errors": []})
    push(config)
    assert requested(batch) == [[("CREATE", "A"), ("CREATE", "B")]] * 2  # the next push sends the batch again


@respx.mock
def test_a_batch_in_error_tells_its_refusals_and_confirms_nothing(tmp_path: Path) -> None:
    batch_route()
    status_route({"status": "error", "errors_total_count": 1, "errors": [{"line": 0, "id": "A", "message": "bad"}]})
    config = meta_config(tmp_path, HEADER + row("A") + row("B", size="L"))
    report = push(config)
    sync_failure(report, r"status 'error' .*\(1 refused by name\)")
    assert [f for f in findings(report) if f[0] == "DST003"] == [("DST003", "A", "Meta rejected the item: bad")]
    assert sent(config) == set()


@respx.mock
def test_an_error_named_by_its_line_alone_refuses_that_request(tmp_path: Path) -> None:
    """Meta's guide: ``"line": 0`` is a batch's first request."""
    batch_route()
    status_route({"status": "finished", "errors_total_count": 1, "errors": [{"line": 1, "message": "Invalid price"}]})
    config = meta_config(tmp_path, THREE)
    report = push(config)
    assert findings(report) == [("DST003", "B", "Meta rejected the item: Invalid price")]
    assert sent(config) == {"A", "C"}


@respx.mock
def test_lines_count_from_one_when_an_error_naming_both_says_so(tmp_path: Path) -> None:
    batch_route()
    errors = [{"line": 3, "message": "no availability"}, {"line": 1, "id": "A", "message": "bad"}]
    status_route({"status": "finished", "errors_total_count": 2, "errors": errors})
    config = meta_config(tmp_path, THREE)
    report = push(config)
    assert sorted(findings(report)) == [
        ("DST003", "A", "Meta rejected the item: bad"),
        ("DST003", "C", "Meta rejected the item: no availability"),
    ]
    assert sent(config) == {"B"}


@respx.mock
def test_refusals_counted_but_not_named_leave_the_batch_unrecorded(tmp_path: Path) -> None:
    """``errors`` is a sample: two refusals counted, one named. B or C was refused, so neither is recorded."""
    batch = batch_route()
    status_route(
        {"status": "finished", "errors_total_count": 2, "errors": [{"line": 0, "id": "A", "message": "bad"}]},
        {"status": "finished", "errors": []},
    )
    config = meta_config(tmp_path, THREE)
    report = push(config)
    assert [f[:2] for f in findings(report)] == [("DST003", "A"), ("DST010", None)]
    assert findings(report)[1][2] == (
        "Meta refused 1 request(s) of a batch of 3 without naming them: the batch's 2 other item(s) are not "
        "recorded as sent and are sent again on the next push"
    )
    assert sent(config) == set()
    assert push(config).diagnostics == []
    assert requested(batch)[1] == [("CREATE", "A"), ("CREATE", "B"), ("CREATE", "C")]
    assert sent(config) == {"A", "B", "C"}


@respx.mock
def test_refusals_all_named_by_the_invalid_ids_confirm_the_others(tmp_path: Path) -> None:
    batch_route()
    status_route(
        {
            "status": "finished",
            "errors_total_count": 2,
            "errors": [{"line": 0, "id": "A", "message": "bad"}],
            "ids_of_invalid_requests": ["A", "C"],
        }
    )
    config = meta_config(tmp_path, THREE)
    report = push(config)
    assert [f[:2] for f in findings(report)] == [("DST003", "A"), ("DST003", "C")]
    assert sent(config) == {"B"}


@respx.mock
def test_warnings_are_told_and_the_items_recorded(tmp_path: Path) -> None:
    batch_route()
    warning = {"line": 0, "id": "A", "message": "sale_price was not updated"}
    status_route({"status": "finished", "errors": [], "warnings_total_count": 3, "warnings": [warning]})
    config = meta_config(tmp_path, HEADER + row("A"))
    report = push(config)
    assert findings(report) == [
        ("DST005", "A", "Meta: sale_price was not updated"),
        ("DST005", None, "Meta counted 2 more warning(s) on a batch than it listed"),
    ]
    assert {d.severity for d in report.diagnostics} == {"warning"}
    assert sent(config) == {"A"}


@respx.mock
def test_validation_status_refuses_and_warns_at_once(tmp_path: Path) -> None:
    batch_route(
        validation_status=[
            {"retailer_id": "B", "errors": [{"message": "price is invalid"}], "warnings": []},
            {"retailer_id": "A", "errors": [], "warnings": [{"message": "description is short"}]},
        ]
    )
    status_route({"status": "finished", "errors": []})
    config = meta_config(tmp_path, HEADER + row("A") + row("B", size="L"))
    report = push(config)
    assert findings(report) == [
        ("DST003", "B", "Meta rejected the item: price is invalid"),
        ("DST005", "A", "Meta: description is short"),
    ]
    assert sent(config) == {"A"}


@respx.mock
def test_no_handle_means_nothing_was_ingested(tmp_path: Path) -> None:
    refusal = [{"retailer_id": "A", "errors": [{"message": "price is invalid"}], "warnings": []}]
    respx.post(f"{GRAPH}/items_batch").mock(
        return_value=httpx.Response(200, json={"handles": [], "validation_status": refusal})
    )
    polls = status_route()
    config = meta_config(tmp_path, HEADER + row("A") + row("B", size="L"))
    report = push(config)
    sync_failure(report, r"items_batch ingested nothing of a batch of 2 request\(s\) \(no handle; 1 refused by name\)")
    assert [f for f in findings(report) if f[0] == "DST003"] == [
        ("DST003", "A", "Meta rejected the item: price is invalid")
    ]
    assert sent(config) == set() and polls.call_count == 0


@respx.mock
def test_no_handle_for_a_batch_refused_whole_by_name_is_no_failure(tmp_path: Path) -> None:
    refusal = [{"retailer_id": "A", "errors": [{"message": "price is invalid"}], "warnings": []}]
    respx.post(f"{GRAPH}/items_batch").mock(
        return_value=httpx.Response(200, json={"handles": [], "validation_status": refusal})
    )
    config = meta_config(tmp_path, HEADER + row("A"))
    report = push(config)
    assert findings(report) == [("DST003", "A", "Meta rejected the item: price is invalid")]
    assert not report.channels["facebook"].failed and sent(config) == set()


@respx.mock
def test_a_refused_delete_is_told_and_sent_again(tmp_path: Path) -> None:
    batch = batch_route()
    status_route({"status": "finished", "errors": []})
    extra = "    max_drop_percent: 90\n"
    push(meta_config(tmp_path, HEADER + row("A") + row("B", size="L"), extra))
    refused = {"status": "finished", "errors_total_count": 1, "errors": [{"line": 0, "message": "cannot delete"}]}
    status_route(refused, {"status": "finished", "errors": []})
    config = meta_config(tmp_path, HEADER + row("A"), extra)
    report = push(config)
    assert findings(report) == [
        ("DST003", "B", "Meta refused to delete the item (the next push deletes it again): cannot delete")
    ]
    assert sent(config) == {"A", "B"}
    assert push(config).diagnostics == []
    assert requested(batch)[1:] == [[("DELETE", "B")], [("DELETE", "B")]]
    assert sent(config) == {"A"}


@respx.mock
def test_a_throttled_status_poll_is_polled_again(tmp_path: Path) -> None:
    """80009: "too many calls to this Catalog account" (check_batch_request_status)."""
    batch = batch_route()
    throttled = {"error": {"message": "(#80009) too many calls", "type": "OAuthException", "code": 80009}}
    polls = respx.get(f"{GRAPH}/check_batch_request_status").mock(
        side_effect=[
            httpx.Response(400, json=throttled),
            httpx.Response(200, json={"data": [{"status": "finished", "errors": []}]}),
        ]
    )
    config = meta_config(tmp_path, HEADER + row("A"))
    assert push(config).diagnostics == []
    assert batch.call_count == 1 and polls.call_count == 2 and sent(config) == {"A"}


@respx.mock
@pytest.mark.parametrize("http", [200, 400, 401])
def test_an_expired_token_fails_the_channel_at_once_with_metas_words(tmp_path: Path, http: int) -> None:
    expired = {
        "message": f"Error validating access token {TOKEN}: Session has expired",
        "type": "OAuthException",
        "code": 190,
        "error_subcode": 463,
        "fbtrace_id": "AbC",
    }
    batch = respx.post(f"{GRAPH}/items_batch").mock(return_value=httpx.Response(http, json={"error": expired}))
    config = meta_config(tmp_path, HEADER + row("A"))
    report = push(config)
    failure = sync_failure(
        report, rf"items_batch: HTTP {http}, Meta error 190/463 \(OAuthException\): Error validating access token"
    )
    assert "(fbtrace_id AbC)" in failure and "new system user token" in failure
    assert TOKEN not in failure and TOKEN not in str(report.diagnostics)
    assert batch.call_count == 1 and sent(config) == set()


@respx.mock
def test_a_graph_error_in_a_200_is_told_with_metas_message(tmp_path: Path) -> None:
    error = {"message": "Invalid parameter", "type": "OAuthException", "code": 100, "fbtrace_id": "X1"}
    batch = respx.post(f"{GRAPH}/items_batch").mock(return_value=httpx.Response(200, json={"error": error}))
    config = meta_config(tmp_path, HEADER + row("A"))
    sync_failure(
        push(config), r"^items_batch: HTTP 200, Meta error 100 \(OAuthException\): Invalid parameter \(fbtrace_id X1\)"
    )
    assert batch.call_count == 1 and sent(config) == set()


@respx.mock
@pytest.mark.parametrize("http", [200, 400])
def test_a_transient_graph_error_is_retried(tmp_path: Path, http: int) -> None:
    transient = {
        "error": {"message": "An unexpected error has occurred. Please retry", "code": 2, "is_transient": True}
    }
    batch = respx.post(f"{GRAPH}/items_batch").mock(
        side_effect=[httpx.Response(http, json=transient), httpx.Response(200, json={"handles": ["h-1"]})]
    )
    status_route({"status": "finished", "errors": []})
    config = meta_config(tmp_path, HEADER + row("A"))
    assert push(config).diagnostics == []
    assert requested(batch) == [[("CREATE", "A")]] * 2 and sent(config) == {"A"}


def test_an_id_or_line_naming_no_request_of_the_batch_counts_as_unnamed() -> None:
    errors = [{"id": "Z", "message": "x"}, {"line": 7, "message": "y"}, {"line": 1, "message": "z"}]
    outcome = read_status({"status": "finished", "errors": errors, "errors_total_count": "3"}, ["A", "B"])
    assert outcome.refused == {"B": "z"} and outcome.unnamed == 2


def test_a_line_given_as_text_counts_and_a_total_that_is_no_number_does_not() -> None:
    outcome = read_status({"errors": [{"line": "0", "message": "m"}], "errors_total_count": True}, ["A"])
    assert outcome.refused == {"A": "m"} and outcome.unnamed == 0
