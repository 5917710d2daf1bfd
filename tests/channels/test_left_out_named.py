"""An item its channel's profile leaves out (a rule's ``exclude: true``, a filter, an ``expand`` list that is empty)
is counted as excluded and named by a finding (CFG009) that says which part of the profile left it out: every
variant read ends in a feed or in a finding that names it, alike in validate, build and a push from the row cache."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from feedsync import pipeline
from feedsync.cli.app import app
from feedsync.config import load_config
from feedsync.explain import explain
from tests.conftest import HEADER, make_config, row
from tests.rowcache.shop import assert_same, cold_and_warm, prepare, push

CHANNEL = """    rules:
      - name: no samples
        when: [{field: title, contains: Sample}]
        then: [{exclude: true}]
    filters:
      include: ["price.amount > 5"]
      exclude: ["brand == 'Hidden'"]
"""


def _catalog() -> str:
    return (
        HEADER
        + row("KEPT")
        + row("SAMPLE", title="Sample Tee")
        + row("CHEAP", price="4.00")
        + row("HIDDEN", brand="Hidden")
        + row("ALSO-KEPT", title="Wool Tee")
    )


@pytest.mark.parametrize("command", ["validate", "build"])
def test_each_item_the_profile_leaves_out_is_named_with_what_left_it_out(tmp_path: Path, command: str) -> None:
    config = make_config(tmp_path, _catalog(), CHANNEL)
    report = pipeline.run(config, command)
    found = [d for d in report.diagnostics if d.code == "CFG009"]
    assert [(d.product_id, d.channel, d.severity.value, d.location.row) for d in found] == [  # type: ignore[union-attr]
        ("SAMPLE", "google", "info", 3),
        ("CHEAP", "google", "info", 4),
        ("HIDDEN", "google", "info", 5),
    ]
    assert [d.message for d in found] == [
        "left out of this channel: rule 'no samples' excludes it (exclude: true)",
        "left out of this channel: filters.include[0] 'price.amount > 5' is false for it",
        "left out of this channel: filters.exclude[0] \"brand == 'Hidden'\" is true for it",
    ]
    result = report.channels["google"]
    assert (result.items, result.excluded, result.rejected) == (2, 3, 0)
    assert result.excluded == len(found)


def test_the_finding_is_told_by_the_cli_and_explain_and_an_ignore_keeps_it_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_config(tmp_path, _catalog(), CHANNEL)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner(env={"COLUMNS": "200"})
    told = runner.invoke(app, ["validate"])
    assert told.exit_code == 0, told.output
    assert "products.csv:4: CFG009 left out of this channel: filters.include[0] 'price.amount > 5' is false for it" in (
        told.output
    )
    assert "google: 2 items, 3 excluded, 0 rejected" in told.output
    ignored = runner.invoke(app, ["validate", "--ignore", "CFG009"])
    assert ignored.exit_code == 0 and "CFG009" not in ignored.output
    assert "google: 2 items, 3 excluded, 0 rejected" in ignored.output
    explained = explain(load_config(tmp_path / "feedsync.yaml"), "SAMPLE", "google")
    assert explained.items == [] and [d.code for d in explained.diagnostics] == ["CFG009"]


def test_a_variant_with_no_store_rows_is_named_and_the_cached_push_names_it_too(
    demo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The local inventory channel makes an item per store row of the supplement: a variant without any is left out
    of it, named so; the push that replays rows from the row cache tells the same findings and counts."""
    stock = demo_copy / "store_stock.csv"
    lines = stock.read_text(encoding="utf-8").splitlines(keepends=True)
    stock.write_text("".join(line for line in lines if ",NW-TEE-NAV-M," not in line), encoding="utf-8")
    recorded = prepare(demo_copy, monkeypatch)
    first = push(demo_copy, recorded)
    named = [f for f in first.findings if "CFG009" in f]
    assert len(named) == 1 and "'NW-TEE-NAV-M'" in named[0] and "'google_local'" in named[0]
    assert "it has no stores (expand makes an item of each)" in named[0]
    assert first.counts["google_local"][1] == 1
    cold, warm = cold_and_warm(demo_copy, recorded)
    assert_same(cold, warm)
    assert warm.replayed > 0 and [f for f in warm.findings if "CFG009" in f] == named
