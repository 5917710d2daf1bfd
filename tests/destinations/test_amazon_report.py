"""The Amazon processing report is believed only when it has the parts Amazon's report schema requires and
describes the document that was sent; otherwise nothing of the feed is recorded accepted and the channel fails
(DST006) naming the feed and what disagrees. One push of four single listings, A, B, C, D (messageIds 1-4)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import httpx
import pytest
import respx

from feedsync import pipeline
from feedsync.state import State
from tests.conftest import HEADER, row, sync_failure
from tests.destinations.test_amazon_feeds import amazon_config, held_items, mock_amazon, processing_report

PRODUCTS = HEADER + "".join(
    row(sku, gtin=gtin)
    for sku, gtin in [("A", "4006381333931"), ("B", "4006381333948"), ("C", "4006381333955"), ("D", "4006381333962")]
)
REFUSAL = {"severity": "ERROR", "code": "90220", "message": "'[batteries_required]' is required but not supplied."}


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.sleep", lambda seconds: None)


DISAGREEING = {
    "feed_level_error": (
        processing_report(
            4,
            [{"severity": "ERROR", "code": "4000003", "message": "The feed header is invalid."}],
            messagesProcessed=0,
            messagesAccepted=0,
            messagesInvalid=0,
        ),
        r"^Amazon feed 50014: the processing report has errors of the feed itself: 4000003 The feed header is inv",
    ),
    "summary_all_invalid_no_issues": (
        processing_report(4, messagesAccepted=0, messagesInvalid=4, errors=4),
        r"^Amazon feed 50014: .* summary has 0 messages accepted and 4 invalid, but its issues refuse 0 of the 4 sent",
    ),
    "fewer_processed_than_sent": (
        processing_report(4, messagesProcessed=2, messagesAccepted=2),
        r"^Amazon feed 50014: .* summary has 2 messages processed, but 4 were sent",
    ),
    "error_for_a_message_not_sent": (
        processing_report(4, [dict(REFUSAL, messageId=7)], messagesAccepted=3, messagesInvalid=1),
        r"^Amazon feed 50014: the processing report names messageId 7, which was not sent \(1\.\.4\)",
    ),
    "sku_disagrees_with_message": (
        processing_report(4, [dict(REFUSAL, messageId=2, sku="NOT-OURS")]),
        r"^Amazon feed 50014: the processing report names SKU 'NOT-OURS' for messageId 2, which was sent as 'B'",
    ),
    "error_for_a_sku_not_sent": (
        processing_report(4, [dict(REFUSAL, sku="NOT-OURS")], messagesAccepted=3, messagesInvalid=1),
        r"^Amazon feed 50014: the processing report names SKU 'NOT-OURS', which was not sent in it",
    ),
    "no_issues_or_summary": (
        gzip.compress(b'{"header": {"sellerId": "A1SELLER"}}'),
        r"^Amazon feed 50014: the processing report lacks issues, summary \(required by the report schema\)",
    ),
    "summary_without_counts": (
        gzip.compress(b'{"header": {}, "issues": [], "summary": {}}'),
        r"^Amazon feed 50014: .* summary lacks the counts errors, warnings, messagesProcessed, messagesAccepted",
    ),
}


@respx.mock
@pytest.mark.parametrize("case", list(DISAGREEING))
def test_a_report_that_disagrees_with_the_feed_records_nothing_and_fails_the_channel(tmp_path: Path, case: str) -> None:
    report, finding = DISAGREEING[case]
    routes = mock_amazon(respx.mock, report)
    config = amazon_config(tmp_path, PRODUCTS)
    with State(config.state_path) as state:
        result = pipeline.run(config, "push", state=state)
    sync_failure(result, finding)
    assert routes["download"].call_count == 1
    assert held_items(config.state_path) == {}  # the next push sends A, B, C and D again
    assert [d.code for d in result.diagnostics] == ["DST006"]  # no per-listing findings from such a report


@respx.mock
def test_done_without_a_processing_report_records_nothing(tmp_path: Path) -> None:
    routes = mock_amazon(respx.mock, b"")
    routes["status"].side_effect = [httpx.Response(200, json={"feedId": "50014", "processingStatus": "DONE"})]
    config = amazon_config(tmp_path, PRODUCTS)
    with State(config.state_path) as state:
        sync_failure(pipeline.run(config, "push", state=state), r"^Amazon feed 50014 ended DONE without a processing")
    assert routes["result"].call_count == 0
    assert held_items(config.state_path) == {}


@respx.mock
@pytest.mark.parametrize(
    ("issue", "status"),
    [
        (dict(REFUSAL, messageId=2), {"A": "ok", "B": "rejected", "C": "ok", "D": "ok"}),
        (dict(REFUSAL, sku="C"), {"A": "ok", "B": "ok", "C": "rejected", "D": "ok"}),  # a SKU we sent: its message
        (dict(REFUSAL, messageId=2, sku="B", severity="WARNING"), {"A": "ok", "B": "ok", "C": "ok", "D": "ok"}),
    ],
)
def test_a_report_that_agrees_is_recorded_per_message(
    tmp_path: Path, issue: dict[str, object], status: dict[str, str]
) -> None:
    routes = mock_amazon(respx.mock, processing_report(4, [issue]))
    config = amazon_config(tmp_path, PRODUCTS)
    with State(config.state_path) as state:
        result = pipeline.run(config, "push", state=state)
    sent = json.loads(routes["upload"].calls.last.request.content)["messages"]
    assert [(m["messageId"], m["sku"]) for m in sent] == [(1, "A"), (2, "B"), (3, "C"), (4, "D")]
    assert held_items(config.state_path) == status
    assert not any(r.failed for r in result.channels.values())
    refused = [sku for sku, s in status.items() if s == "rejected"]
    assert [(d.code, d.product_id) for d in result.diagnostics if d.code.startswith("DST")] == (
        [("DST003", refused[0])] if refused else [("DST005", "B")]
    )
