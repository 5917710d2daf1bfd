"""Delivery sends what the stream made: an item sync gets the records each item was encoded into while the feed
was written (encoded once), with a family's parent listing before its first changed variant."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from feedsync import pipeline
from feedsync.channels.amazon.transform import AmazonEncoder
from feedsync.state import State
from tests.conftest import HEADER, row
from tests.destinations.test_amazon_feeds import amazon_config, mock_amazon, reports_of_what_was_sent

LIMITS = "    max_drop_percent: 50\n"
DONE = httpx.Response(200, json={"processingStatus": "DONE", "resultFeedDocumentId": "amzn1.tortuga.4.eu.out"})


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.sleep", lambda seconds: None)


@pytest.fixture
def encodings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SKU of every item the Amazon encoder makes messages for, in order."""
    made: list[str] = []
    original = AmazonEncoder._messages

    def counting(self: AmazonEncoder, values: Mapping[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
        made.append(str(values["sku"]))
        return original(self, values)

    monkeypatch.setattr(AmazonEncoder, "_messages", counting)
    return made


def written(path: Path) -> dict[str, dict[str, Any]]:
    """The messages of a written listings feed by SKU, without their messageId."""
    messages = json.loads(path.read_text(encoding="utf-8"))["messages"]
    return {m["sku"]: {k: v for k, v in m.items() if k != "messageId"} for m in messages}


def uploaded(route: respx.Route) -> list[dict[str, Any]]:
    [call] = route.calls
    return [{k: v for k, v in m.items() if k != "messageId"} for m in json.loads(call.request.content)["messages"]]


@respx.mock
def test_an_item_sync_sends_what_the_feed_holds_and_each_item_is_encoded_once(
    tmp_path: Path, encodings: list[str]
) -> None:
    routes = mock_amazon(respx.mock, b"")
    reports_of_what_was_sent(routes)
    routes["status"].side_effect = [DONE, DONE]
    family = row("A", group_id="G") + row("B", group_id="G", size="L")
    config = amazon_config(tmp_path, HEADER + family + row("S", gtin="4006381333948"), LIMITS)
    with State(config.state_path) as state:
        report = pipeline.run(config, "push", state=state)
    assert report.channels["amazon"].items == 3 and not report.diagnostics
    assert encodings == ["A", "B", "S"]  # checked and written once; the sync sends those messages, not new ones
    feed = written(config.output_dir / "amazon.json")
    assert list(feed) == ["G", "A", "B", "S"]
    assert uploaded(routes["upload"]) == list(feed.values())

    routes["upload"].reset()
    encodings.clear()
    changed = row("A", group_id="G") + row("B", group_id="G", size="L", price="25.00")
    config = amazon_config(tmp_path, HEADER + changed, LIMITS)
    with State(config.state_path) as state:
        pipeline.run(config, "push", state=state)
    assert encodings == ["A", "B"]
    feed = written(config.output_dir / "amazon.json")
    sent = uploaded(routes["upload"])
    # the family's parent goes once before its first changed variant (it came with A, which did not change)
    assert sent[:2] == [feed["G"], feed["B"]]
    assert sent[2:] == [{"sku": "S", "operationType": "DELETE"}]


def test_an_api_destination_that_fails_leaves_the_other_channels_their_turn(tmp_path: Path) -> None:
    """Google's API answers 500 to every insert: its channel fails (DST006, exit 3) and the directory channel
    beside it is still published; the run of each is recorded as it ended."""
    from typer.testing import CliRunner

    from feedsync.cli.app import app
    from tests.destinations.gmc import INSERT, gmc_config, mock_api

    gmc_config(tmp_path, HEADER + row("A") + row("B", size="L"))  # (writes feedsync.yaml: the google channel)
    yaml = tmp_path / "feedsync.yaml"
    yaml.write_text(
        yaml.read_text(encoding="utf-8")
        + "  facebook:\n    profile: facebook\n    destination: {type: directory, path: www}\n",
        encoding="utf-8",
    )
    with respx.mock(assert_all_called=False) as router:
        mock_api(router)
        router.post(INSERT).mock(return_value=httpx.Response(500, json={"error": {"message": "backend"}}))
        result = CliRunner().invoke(app, ["push", "-c", str(yaml)])
    assert result.exit_code == 3, result.output
    assert "DST006 google not synced with google_merchant_api:" in result.output
    assert (tmp_path / "www" / "facebook.csv").is_file()
    with State(tmp_path / ".feedsync" / "state.sqlite") as state:
        outcomes = {run.channel: run.outcome for run in state.runs()}
    assert outcomes == {"google": "failed", "facebook": "published"}


def test_a_feed_file_of_other_ids_is_not_published_without_force(tmp_path: Path) -> None:
    """A file destination took another store's catalog (as many items, other ids) over the live feed with exit 0:
    the item-count guardrail saw no fall. A feed leaving out more than max_delete_percent of the items published
    before is now DST004: the feed published before stays, the next run refuses again, --force publishes it."""
    config, live = _published(tmp_path, [f"P{i}" for i in range(10)])
    _catalog(tmp_path, [f"Q{i}" for i in range(10)])
    with State(config.state_path) as state:  # a dry run tells it too (it stages nothing: the ids it would write)
        dry = pipeline.run(config, "push", state=state, dry_run=True)
    assert [d.code for d in dry.diagnostics] == ["DST004"] and dry.channels["google"].planned is None
    for _ in range(2):
        with State(config.state_path) as state:
            report = pipeline.run(config, "push", state=state)
        assert [d.code for d in report.diagnostics] == ["DST004"]
        assert "10 of the 10 items published before would leave the channel" in report.diagnostics[0].message
        assert (tmp_path / "www" / "google.xml").read_bytes() == live
    with State(config.state_path) as state:
        assert not pipeline.run(config, "push", state=state, force=True).diagnostics
    assert b"<g:id>Q0</g:id>" in (tmp_path / "www" / "google.xml").read_bytes()
    _catalog(tmp_path, [f"Q{i}" if i else "R0" for i in range(10)])
    with State(config.state_path) as state:  # one of ten replaced: published as before
        assert not pipeline.run(config, "push", state=state).diagnostics
    assert b"<g:id>R0</g:id>" in (tmp_path / "www" / "google.xml").read_bytes()


def test_a_state_lost_does_not_let_a_partial_export_replace_a_directory_feed(tmp_path: Path) -> None:
    """With the state database gone (a container's cron with no volume for it), the item-count guardrail had no
    history, and a partial export of 4 of 10 items replaced the 10-item feed with exit 0. With no push recorded,
    the feed the directory holds now is the last push: DST002 names it, the feed stays; --force publishes."""
    import shutil

    config, live = _published(tmp_path, [f"P{i}" for i in range(10)])
    shutil.rmtree(config.state_path.parent)
    _catalog(tmp_path, [f"P{i}" for i in range(4)])
    with State(config.state_path) as state:
        report = pipeline.run(config, "push", state=state)
    assert [d.code for d in report.diagnostics] == ["DST002"]
    assert "the item count fell from 10 to 4" in report.diagnostics[0].message
    assert f"counted in {tmp_path / 'www' / 'google.xml'}, the feed the destination holds" in (
        report.diagnostics[0].message
    )
    assert (tmp_path / "www" / "google.xml").read_bytes() == live
    with State(config.state_path) as state:
        assert not pipeline.run(config, "push", state=state, force=True).diagnostics
    assert (tmp_path / "www" / "google.xml").read_bytes().count(b"<item>") == 4


def _catalog(directory: Path, ids: list[str]) -> None:
    """A catalog of ``ids`` and a config whose google channel publishes to the directory ``www``."""
    from tests.conftest import make_config

    make_config(directory, HEADER + "".join(row(i, size=str(n)) for n, i in enumerate(ids)), _WWW)


def _published(directory: Path, ids: list[str]) -> tuple[Any, bytes]:
    """The config of ``_catalog(ids)`` after a clean push, and the feed it published."""
    from feedsync.config import load_config

    _catalog(directory, ids)
    config = load_config(directory / "feedsync.yaml")
    with State(config.state_path) as state:
        assert not pipeline.run(config, "push", state=state).diagnostics
    return config, (directory / "www" / "google.xml").read_bytes()


_WWW = "    destination: {type: directory, path: www}\n"
