"""Dated offers against Amazon's real definitions (HOME on amazon.com, PRODUCT-us-2023): the sale schedule the
feed writes passes (its dates are ``oneOf`` date / date-time, which only asserted formats can tell apart), and a
malformed date in it is refused where it is written, as the independent jsonschema check refuses it."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from feedsync.channels.amazon.schema_check import compile_schema
from feedsync.cli.app import app
from tests.channels.amazon_reference import DEFINITIONS, error_paths, load, reference
from tests.channels.test_amazon_definitions import HEADER, catalog, rejected_by_reference, written
from tests.sources.realdata import needs_realdata

runner = CliRunner(env={"COLUMNS": "200"})
pytestmark = needs_realdata
SALE = "2026-11-27T00:00:00-05:00/2026-12-01T23:59:59-05:00"
START = ("purchasable_offer", 0, "discounted_price", 0, "schedule", 0, "start_at")


def dated_catalog(tmp_path: Path) -> Path:
    """The HOME catalog of the definition tests, every item on sale over Black Friday (New York time)."""
    config = catalog(tmp_path, "US")
    source = tmp_path / "products.csv"
    lines = source.read_text(encoding="utf-8").splitlines()
    assert lines[0] == HEADER.rstrip("\n")
    rows = [lines[0] + ",sale_price,sale_price_effective_date", *(line + f",5.00,{SALE}" for line in lines[1:])]
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return config


def offers_of(definition: dict[str, Any]) -> dict[str, Any]:
    """The definition cut down to its offer attributes (its other requirements are another catalog's)."""
    return {
        "$defs": definition["$defs"],
        "type": "object",
        "properties": {"purchasable_offer": definition["properties"]["purchasable_offer"]},
    }


@pytest.fixture(scope="module")
def feed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp_path = tmp_path_factory.mktemp("dated")
    config = dated_catalog(tmp_path)
    result = runner.invoke(app, ["build", "--validate", "-c", str(config), "--out", str(tmp_path / "feeds")])
    assert result.exit_code == 0, result.output  # before: AMZ009 for start_at and end_at of every item, exit 1
    return written(tmp_path)


def test_home_accepts_the_sale_schedule_the_feed_writes(feed: dict[str, Any]) -> None:
    [schedule] = feed["messages"][0]["attributes"]["purchasable_offer"][0]["discounted_price"][0]["schedule"]
    assert (schedule["start_at"], schedule["end_at"]) == ("2026-11-27T05:00:00Z", "2026-12-02T04:59:59Z")
    assert rejected_by_reference(feed, load(DEFINITIONS / "HOME-us.json")) == {}


@pytest.mark.parametrize("name", ["HOME-us.json", "PRODUCT-us-2023.json"])
@pytest.mark.parametrize(
    ("date", "accepted"),
    [
        (None, True),  # as the feed wrote it
        ("2026-11-27", True),  # a date is the other alternative
        ("2026-11-27T05:00:00", False),  # no offset: not RFC 3339
        ("2026-13-01", False),
        ("6/30/17", False),
        ("", False),
    ],
)
def test_a_definition_refuses_a_malformed_sale_date_where_it_is_written(
    feed: dict[str, Any], name: str, date: str | None, accepted: bool
) -> None:
    schema = offers_of(load(DEFINITIONS / name))
    compiled, validator = compile_schema(schema), reference(schema)
    declared = schema["properties"]["purchasable_offer"]["items"]["properties"]  # PRODUCT-us-2023: no audience yet
    for message in feed["messages"]:
        entries = message["attributes"]["purchasable_offer"]
        offer = {"purchasable_offer": [{k: v for k, v in e.items() if k in declared} for e in entries]}
        attributes = json.loads(json.dumps(offer), parse_float=Decimal)  # as the feed file reads back
        if date is not None:
            attributes["purchasable_offer"][0]["discounted_price"][0]["schedule"][0]["start_at"] = date
        assert compiled.valid(attributes) is accepted
        assert [f.path for f in compiled.failures(attributes)] == ([] if accepted else [START])
        assert error_paths(validator, attributes) == ({} if accepted else {START: 1})


def test_validate_passes_a_catalog_on_sale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = dated_catalog(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["validate", "-c", str(config)])
    assert result.exit_code == 0, result.output  # before: exit 1, AMZ009 for every item's start_at and end_at
    assert "AMZ009" not in result.output
