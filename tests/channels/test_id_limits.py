"""Ids and group ids longer than a channel allows are fitted (readable prefix + hash), not rejected; the fitted id
is the same every run, and the state maps it back to the catalog id."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import respx

from feedsync import pipeline
from feedsync.destinations.google_merchant import product_name
from feedsync.ids import fit_id
from feedsync.state import State
from tests.conftest import HEADER, make_config, row
from tests.destinations.gmc import gmc_config, mock_api
from tests.destinations.test_meta_catalog import GRAPH, meta_config, sent_requests

LONG_ID = "summer-collection-2026-linen-shirt-relaxed-fit-navy-xl"  # 54 characters
LONG_GROUP = "summer-collection-2026-linen-shirt-relaxed-fit-with-mother-of-pearl-buttons"  # 75
DEST = "    destination: {type: directory, path: www}\n"


def test_long_ids_are_fitted_and_published(tmp_path: Path) -> None:
    catalog = HEADER + row(LONG_ID, group_id=LONG_GROUP) + row(LONG_ID[:-2] + "xs", group_id=LONG_GROUP, size="XS")
    config = make_config(tmp_path, catalog, channel_extra=DEST)
    with State(config.state_path) as state:
        report = pipeline.run(config, "push", state=state)
        result = report.channels["google"]
        assert (result.items, result.rejected) == (2, 0)
        assert not [d for d in report.diagnostics if d.code == "GMC002"]
        fitted = [d for d in report.diagnostics if d.code == "MDL017"]
        assert [(d.product_id, d.field) for d in fitted] == [
            (LONG_ID, "id"),
            (LONG_ID, "item_group_id"),
            (LONG_ID[:-2] + "xs", "id"),
            (LONG_ID[:-2] + "xs", "item_group_id"),
        ]
        feed = (tmp_path / "www" / "google.xml").read_text(encoding="utf-8")
        published = fit_id(LONG_ID, 50)
        assert published == "summer-collection-2026-linen-shirt-relaxe-" + published[-8:]
        assert f"<g:id>{published}</g:id>" in feed
        assert feed.count(f"<g:item_group_id>{fit_id(LONG_GROUP, 50)}</g:item_group_id>") == 2
        assert LONG_ID not in feed
        # Orders reporting the published id map back to the catalog id.
        assert state.catalog_ids("google", published) == [LONG_ID]

        again = pipeline.run(config, "push", state=state)
        assert again.channels["google"].items == 2
        assert (tmp_path / "www" / "google.xml").read_text(encoding="utf-8") == feed  # the same ids every run


def test_meta_allows_longer_ids_than_google(tmp_path: Path) -> None:
    config = make_config(
        tmp_path, HEADER + row(LONG_ID), channel_extra="  meta:\n    profile: facebook\n    format: csv\n"
    )
    report = pipeline.run(config, "build", validate=True)
    assert [(d.channel, d.field) for d in report.diagnostics if d.code == "MDL017"] == [("google", "id")]
    assert LONG_ID in (tmp_path / "out" / "meta.csv").read_text(encoding="utf-8")


@respx.mock
def test_merchant_api_sends_and_deletes_the_fitted_offer_id(tmp_path: Path) -> None:
    insert, delete = mock_api(respx.mock)
    config = gmc_config(tmp_path, HEADER + row(LONG_ID) + row("B", size="L"))
    with State(config.state_path) as state:
        pipeline.run(config, "push", state=state)
        assert sorted(json.loads(c.request.content)["offerId"] for c in insert.calls) == ["B", fit_id(LONG_ID, 50)]
        config.source.path.write_text(HEADER + row("B", size="L"), encoding="utf-8")
        pipeline.run(config, "push", state=state, force=True)  # half the items gone: past the drop guardrail
    [call] = delete.calls
    assert str(call.request.url).split("/productInputs/")[1].split("?")[0] == product_name(
        "en", "US", fit_id(LONG_ID, 50)
    )


@respx.mock
def test_meta_api_matches_rejections_and_deletes_by_the_fitted_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    very_long = "v" * 120
    sent = fit_id(very_long, 100)
    batch = respx.post(f"{GRAPH}/items_batch").mock(return_value=httpx.Response(200, json={"handles": ["h"]}))
    finished = {"status": "finished", "errors": [{"id": sent, "message": "Invalid price"}]}
    status = respx.get(f"{GRAPH}/check_batch_request_status").mock(
        return_value=httpx.Response(200, json={"data": [finished]})
    )
    extra = "    max_drop_percent: 100\n"
    config = meta_config(tmp_path, HEADER + row(very_long) + row("B", size="L"), extra)
    with State(config.state_path) as state:
        report = pipeline.run(config, "push", state=state)
        assert [(d.code, d.product_id) for d in report.diagnostics if d.code == "DST003"] == [("DST003", very_long)]
        assert set(state.sent_items("facebook", "meta_catalog_api:987654")) == {"B"}
        status.mock(return_value=httpx.Response(200, json={"data": [{"status": "finished", "errors": []}]}))
        pipeline.run(config, "push", state=state)  # accepted now
        batch.reset()
        config.source.path.write_text(HEADER + row("B", size="L"), encoding="utf-8")
        pipeline.run(config, "push", state=state)
        assert set(state.sent_items("facebook", "meta_catalog_api:987654")) == {"B"}
    assert [[(r["method"], r["data"]["id"]) for r in requests] for requests in sent_requests(batch)] == [
        [("DELETE", sent)]
    ]
