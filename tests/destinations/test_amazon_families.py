"""Amazon variation families through the SP-API: a family's parent listing goes in front of its changed variants;
Amazon refusing the parent leaves the variants unlisted, so they are recorded refused and sent again, parent
first, on the next push. A parent listing Amazon took is deleted once no variant of it is left."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import httpx
import jsonschema
import pytest
import respx

from feedsync import pipeline
from feedsync.diagnostics.report import Report
from feedsync.state import State
from tests.conftest import HEADER, row
from tests.destinations.test_amazon_feeds import amazon_config, held_items, mock_amazon, reports_of_what_was_sent
from tests.sources.realdata import REALDATA, needs_realdata

FAMILY = row("A", group_id="G", size="S") + row("B", group_id="G", size="M") + row("C", group_id="G", size="L")
SINGLE = row("S", gtin="4006381333948")


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.sleep", lambda seconds: None)


def parents(state_path: Path) -> set[str]:
    """The parent listings the state says Amazon holds."""
    with State(state_path) as state:
        return state.parent_listings("amazon", "amazon_sp_api:eu")


def push(tmp_path: Path, products: str, settings: str = "") -> Report:
    limits = "    max_drop_percent: 100\n    max_delete_percent: 100\n"  # families leave: not a guardrail's case
    config = amazon_config(tmp_path, HEADER + products, limits, settings)
    with State(config.state_path) as state:
        return pipeline.run(config, "push", state=state)


def amazon(refusing: list[set[str]]) -> dict[str, respx.Route]:
    """The SP-API mocked: every feed DONE at once, its report refusing the SKUs ``refusing`` names for it."""
    routes = mock_amazon(respx.mock, b"")
    done = {"feedId": "50014", "processingStatus": "DONE", "resultFeedDocumentId": "amzn1.tortuga.4.eu.out"}
    routes["status"].mock(return_value=httpx.Response(200, json=done))
    reports_of_what_was_sent(routes, refusing)
    return routes


def sent(routes: dict[str, respx.Route]) -> list[list[tuple[str, str]]]:
    """(SKU, operation) of each uploaded document's messages."""
    documents = [json.loads(call.request.content)["messages"] for call in routes["upload"].calls]
    return [[(m["sku"], m["operationType"]) for m in messages] for messages in documents]


@respx.mock
def test_a_refused_parent_leaves_its_variants_refused_and_the_next_push_sends_the_family_again(
    tmp_path: Path,
) -> None:
    routes = amazon([{"G"}])  # the first feed refuses the parent listing, the next take all
    config = amazon_config(tmp_path, HEADER + FAMILY + SINGLE)
    with State(config.state_path) as state:
        first = pipeline.run(config, "push", state=state)
    assert sent(routes) == [[("G", "UPDATE"), ("A", "UPDATE"), ("B", "UPDATE"), ("C", "UPDATE"), ("S", "UPDATE")]]
    assert held_items(config.state_path) == {"A": "rejected", "B": "rejected", "C": "rejected", "S": "ok"}
    found = [(d.code, d.product_id) for d in first.diagnostics if d.code.startswith("DST")]
    assert found == [("DST003", "G"), ("DST003", "A"), ("DST003", "B"), ("DST003", "C")]
    assert "its parent listing G was refused (90220 invalid)" in first.diagnostics[1].message
    [result] = first.channels.values()
    assert (result.items, result.rejected, result.failed) == (1, 3, None)  # the run says three items rejected
    with State(config.state_path) as state:
        assert state.rejected_items("amazon") == 3

    with State(config.state_path) as state:
        second = pipeline.run(config, "push", state=state)
    assert sent(routes)[1] == [("G", "UPDATE"), ("A", "UPDATE"), ("B", "UPDATE"), ("C", "UPDATE")]
    assert held_items(config.state_path) == {"A": "ok", "B": "ok", "C": "ok", "S": "ok"}
    assert [d.code for d in second.diagnostics if d.code.startswith("DST")] == []


@respx.mock
def test_a_parent_refused_in_one_feed_keeps_its_variants_in_the_next_feeds_unlisted(tmp_path: Path) -> None:
    routes = amazon([{"G"}])
    config = amazon_config(tmp_path, HEADER + FAMILY + SINGLE, settings=", max_messages: 2")
    with State(config.state_path) as state:
        pipeline.run(config, "push", state=state)
    assert sent(routes) == [[("G", "UPDATE"), ("A", "UPDATE")], [("B", "UPDATE"), ("C", "UPDATE")], [("S", "UPDATE")]]
    assert held_items(config.state_path) == {"A": "rejected", "B": "rejected", "C": "rejected", "S": "ok"}


@respx.mock
@pytest.mark.parametrize("settings", ["", ", max_messages: 2"])
def test_a_parent_listing_is_deleted_once_its_last_variant_leaves(tmp_path: Path, settings: str) -> None:
    routes = amazon([])
    push(tmp_path, FAMILY + SINGLE, settings)
    state_path = tmp_path / ".feedsync" / "state.sqlite"
    assert parents(state_path) == {"G"}
    first = len(sent(routes))
    push(tmp_path, row("A", group_id="G", size="S") + SINGLE, settings)  # B and C leave; A keeps the family
    assert sent(routes)[first:] == [[("B", "DELETE"), ("C", "DELETE")]]
    assert parents(state_path) == {"G"}
    second = len(sent(routes))
    push(tmp_path, SINGLE, settings)  # the last variant leaves, its parent after it
    assert sent(routes)[second:] == [[("A", "DELETE"), ("G", "DELETE")]]
    assert held_items(state_path) == {"S": "ok"} and parents(state_path) == set()


@needs_realdata
@respx.mock
def test_every_document_of_a_family_s_life_passes_amazon_s_listings_feed_schema(tmp_path: Path) -> None:
    """Checked by jsonschema against Amazon's published schema, not feedsync's own checks: the family sent, a
    variant deleted, then the last variant and its parent deleted."""
    routes = amazon([])
    for products in (FAMILY + SINGLE, row("A", group_id="G", size="S") + SINGLE, SINGLE):
        push(tmp_path, products)
    schema = json.loads((REALDATA / "amazon" / "listings-feed-schema-v2.json").read_text(encoding="utf-8"))
    documents = [json.loads(call.request.content) for call in routes["upload"].calls]
    assert [("G", "DELETE") in [(m["sku"], m["operationType"]) for m in d["messages"]] for d in documents] == [
        False,
        False,
        True,
    ]
    for document in documents:
        assert list(jsonschema.Draft7Validator(schema).iter_errors(document)) == []


@respx.mock
@pytest.mark.parametrize(
    ("settings", "documents"),
    [
        ("", [[("A", "DELETE"), ("B", "DELETE"), ("C", "DELETE"), ("G", "DELETE")]]),
        (", max_messages: 2", [[("A", "DELETE"), ("B", "DELETE")], [("C", "DELETE"), ("G", "DELETE")]]),
    ],
)
def test_a_family_that_leaves_the_catalog_takes_its_parent_listing_with_it(
    tmp_path: Path, settings: str, documents: list[list[tuple[str, str]]]
) -> None:
    routes = amazon([])
    push(tmp_path, FAMILY + SINGLE, settings)
    first = len(sent(routes))
    push(tmp_path, SINGLE, settings)
    assert sent(routes)[first:] == documents
    state_path = tmp_path / ".feedsync" / "state.sqlite"
    assert held_items(state_path) == {"S": "ok"} and parents(state_path) == set()


@respx.mock
def test_a_parent_delete_amazon_refused_is_sent_again_until_it_is_confirmed(tmp_path: Path) -> None:
    routes = amazon([set(), {"G"}])
    push(tmp_path, FAMILY + SINGLE)
    state_path = tmp_path / ".feedsync" / "state.sqlite"
    push(tmp_path, SINGLE)
    assert sent(routes)[1] == [("A", "DELETE"), ("B", "DELETE"), ("C", "DELETE"), ("G", "DELETE")]
    assert held_items(state_path) == {"S": "ok"} and parents(state_path) == {"G"}
    push(tmp_path, SINGLE)
    assert sent(routes)[2:] == [[("G", "DELETE")]]
    assert parents(state_path) == set()
    push(tmp_path, SINGLE)
    assert len(sent(routes)) == 3  # nothing left to send


@respx.mock
def test_no_parent_listing_is_deleted_while_an_item_of_unknown_family_is_held(tmp_path: Path) -> None:
    """An item recorded before feedsync kept families (parent key NULL) could be a variant of any parent."""
    routes = amazon([])
    push(tmp_path, FAMILY + SINGLE)
    state_path = tmp_path / ".feedsync" / "state.sqlite"
    with closing(sqlite3.connect(state_path)) as db, db:
        db.execute("UPDATE items SET parent_key = NULL WHERE item_id = 'S'")
    push(tmp_path, SINGLE)
    assert sent(routes)[1] == [("A", "DELETE"), ("B", "DELETE"), ("C", "DELETE")]
    assert parents(state_path) == {"G"}


@respx.mock
def test_a_push_s_documents_are_cut_by_their_size_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Documents were cut by their count of messages alone (25,000 at most): 25,000 listings with long
    descriptions went as one upload of 76 MB, where Amazon asks for feeds under 10 MB, larger ones divided. Each
    document is now at most ``MAX_DOCUMENT_BYTES`` as uploaded, the messages in their order, each sent once."""
    from feedsync.destinations import amazon_feeds

    routes = amazon([])
    (tmp_path / "one").mkdir()
    push(tmp_path / "one", FAMILY + SINGLE)
    [whole] = [call.request.content for call in routes["upload"].calls]
    cap = len(whole) // 3
    monkeypatch.setattr(amazon_feeds, "MAX_DOCUMENT_BYTES", cap)
    routes["upload"].calls.clear()
    (tmp_path / "cut").mkdir()
    push(tmp_path / "cut", FAMILY + SINGLE)
    uploads = [call.request.content for call in routes["upload"].calls]
    assert len(uploads) >= 3 and max(len(body) for body in uploads) <= cap
    documents = [json.loads(body)["messages"] for body in uploads]
    assert all([m["messageId"] for m in messages] == list(range(1, len(messages) + 1)) for messages in documents)
    assert [m["sku"] for messages in documents for m in messages] == [m["sku"] for m in json.loads(whole)["messages"]]
