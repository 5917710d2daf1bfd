"""Items a channel's profile leaves out (a rule's ``exclude: true``, a filter, an ``expand`` list that is empty) are
counted as excluded and told by a finding a cause (CFG009): which part of the profile, how many items and the
first of them (one finding an item flooded a cron log with 50,000 lines where a filter left out 50,000 items), alike
in validate, build and a push from the row cache; ``explain`` tells it of any one."""

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
        + row("SAMPLE-2", title="Sample Scarf")
        + row("HIDDEN", brand="Hidden")
        + row("ALSO-KEPT", title="Wool Tee")
    )


@pytest.mark.parametrize("command", ["validate", "build"])
def test_the_items_the_profile_leaves_out_are_told_a_cause_at_a_time(tmp_path: Path, command: str) -> None:
    config = make_config(tmp_path, _catalog(), CHANNEL)
    report = pipeline.run(config, command)
    found = [d for d in report.diagnostics if d.code == "CFG009"]
    assert [(d.product_id, d.channel, d.severity.value, d.location.row, d.value) for d in found] == [  # type: ignore[union-attr]
        ("SAMPLE", "google", "info", 3, "rule no samples"),
        ("CHEAP", "google", "info", 4, "filters.include[0]"),
        ("HIDDEN", "google", "info", 6, "filters.exclude[0]"),
    ]
    assert [d.message for d in found] == [
        "left out of this channel: rule 'no samples' excludes it (exclude: true) (2 item(s); the first: SAMPLE)",
        "left out of this channel: filters.include[0] 'price.amount > 5' is false (1 item(s); the first: CHEAP)",
        "left out of this channel: filters.exclude[0] \"brand == 'Hidden'\" is true (1 item(s); the first: HIDDEN)",
    ]
    result = report.channels["google"]
    assert (result.items, result.excluded, result.rejected) == (2, 4, 0)


def test_the_finding_is_told_by_the_cli_and_explain_and_an_ignore_keeps_it_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_config(tmp_path, _catalog(), CHANNEL)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner(env={"COLUMNS": "200"})
    told = runner.invoke(app, ["validate"])
    assert told.exit_code == 0, told.output
    assert "products.csv:4: CFG009 left out of this channel: filters.include[0] 'price.amount > 5' is false" in (
        told.output
    )
    assert "google: 2 items, 4 excluded, 0 rejected" in told.output
    ignored = runner.invoke(app, ["validate", "--ignore", "CFG009"])
    assert ignored.exit_code == 0 and "CFG009" not in ignored.output
    assert "google: 2 items, 4 excluded, 0 rejected" in ignored.output
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
    assert "no stores (expand makes an item of each) (1 item(s); the first: NW-TEE-NAV-M)" in named[0]
    assert first.counts["google_local"][1] == 1
    cold, warm = cold_and_warm(demo_copy, recorded)
    assert_same(cold, warm)
    assert warm.replayed > 0 and [f for f in warm.findings if "CFG009" in f] == named
