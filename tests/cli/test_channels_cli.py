from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from feedsync.cli.app import app
from tests.conftest import REPO

runner = CliRunner(env={"COLUMNS": "200"})


def test_explain_shows_each_change_and_the_item(demo_copy: Path) -> None:
    result = runner.invoke(
        app, ["explain", "NW-DRESS-SAG-S", "--channel", "amazon", "-c", str(demo_copy / "feedsync.yaml")]
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "categories category map categories.yaml: amazon_product_type: (empty) -> DRESS" in out
    assert "price      price rules: price: 89.00 USD -> 102.99 USD" in out
    assert "inventory  inventory rules: quantity: 8 -> 6" in out
    assert re.search(r"^  sku +NW-DRESS-SAG-S$", out, re.MULTILINE)  # the item's fields, aligned
    assert '"requirements": "LISTING_PRODUCT_ONLY"' in out  # the parent message the child brings


def test_explain_shows_the_rule_that_left_an_item_out(demo_copy: Path) -> None:
    result = runner.invoke(
        app, ["explain", "NW-PARKA-BLA-S", "--channel", "amazon", "-c", str(demo_copy / "feedsync.yaml")]
    )
    assert result.exit_code == 0
    assert "rules      no preorders on Amazon: (item): included -> excluded" in result.stdout
    assert "result: left out of this channel" in result.stdout


def test_explain_an_unknown_product_or_channel_exits_2(demo_copy: Path) -> None:
    config = str(demo_copy / "feedsync.yaml")
    result = runner.invoke(app, ["explain", "NOPE", "--channel", "google", "-c", config])
    assert result.exit_code == 2 and "no product with id, handle or group id 'NOPE'" in result.stderr
    result = runner.invoke(app, ["explain", "NW-BOWL", "--channel", "ebay", "-c", config])
    assert result.exit_code == 2 and "unknown channel(s) ebay" in result.stderr


def test_profiles_list_and_show() -> None:
    result = runner.invoke(app, ["profiles"])
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert names == sorted(path.stem for path in (REPO / "channel_profiles").glob("*.yaml"))
    assert {"amazon", "facebook", "google_local_inventory", "google_merchant", "native"} <= set(names)
    shown = runner.invoke(app, ["profiles", "show", "facebook"])
    assert shown.exit_code == 0 and "channel: meta" in shown.stdout
    assert runner.invoke(app, ["profiles", "show", "ebay"]).exit_code == 2
