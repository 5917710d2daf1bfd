from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from feedsync import collector, pipeline
from feedsync.diagnostics import Emit
from feedsync.errors import ConfigError
from feedsync.model import Product
from feedsync.sources import open_source
from feedsync.state import State
from tests.conftest import HEADER, make_config, row

G = "{http://base.google.com/ns/1.0}"
DEST = "    destination: {type: directory, path: www}\n"


def ids(path: Path) -> list[str]:
    return [i.findtext(f"{G}id") for i in etree.parse(str(path)).getroot().iter("item")]


def test_build_leaves_out_a_bad_row_and_reports_its_row_and_column(tmp_path: Path) -> None:
    config = make_config(tmp_path, HEADER + row("A") + row("B", price="12,3x") + row("C"))
    report = pipeline.run(config, "build")
    assert ids(tmp_path / "out" / "google.xml") == ["A", "C"]
    [diagnostic] = report.diagnostics
    assert (diagnostic.code, diagnostic.product_id, str(diagnostic.location)) == (
        "MDL002",
        "B",
        f"{tmp_path / 'products.csv'}:3:7",
    )
    # the row that could not become a product is a variant read, rejected in every channel
    assert (report.products, report.variants) == (2, 3)
    google = report.channels["google"]
    assert (google.items, google.excluded, google.rejected) == (2, 0, 1)


def test_duplicate_ids_keep_the_first(tmp_path: Path) -> None:
    config = make_config(tmp_path, HEADER + row("A", title="First") + row("A", title="Second") + row("B"))
    report = pipeline.run(config, "build")
    assert ids(tmp_path / "out" / "google.xml") == ["A", "B"]
    assert [(d.code, d.location.row) for d in report.diagnostics] == [("MDL008", 3)]


def test_a_build_that_fails_midway_keeps_the_previous_feed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = make_config(tmp_path, HEADER + row("A") + row("B") + row("C"))
    pipeline.run(config, "build")
    feed = tmp_path / "out" / "google.xml"
    good = feed.read_bytes()

    class Exploding:
        def __init__(self, inner: object) -> None:
            self.inner = inner
            self.path = tmp_path

        def products(self, emit: Emit) -> Iterator[Product]:
            for n, product in enumerate(self.inner.products(emit)):  # type: ignore[attr-defined]
                if n == 2:
                    raise OSError("disk went away")
                yield product

    monkeypatch.setattr(pipeline, "open_source", lambda cfg: Exploding(open_source(cfg)))
    with pytest.raises(OSError, match="disk went away"):
        pipeline.run(config, "build")
    assert feed.read_bytes() == good
    assert sorted(p.name for p in feed.parent.iterdir()) == ["google.xml"]  # no temp file left behind


def test_validate_checks_rules_and_writes_nothing(tmp_path: Path) -> None:
    config = make_config(tmp_path, HEADER + row("A") + row("B", description="", link=""))
    report = pipeline.run(config, "validate")
    assert not (tmp_path / "out").exists()
    assert sorted((d.code, d.product_id, d.field) for d in report.diagnostics) == [("GMC001", "B", "link")]
    # description falls back to the title in the Google profile, so only the link is missing; B is left out
    # of the feed push would publish, and validate counts it rejected as push does
    google = report.channels["google"]
    assert (google.items, google.excluded, google.rejected) == (1, 0, 1)


def test_push_publishes_valid_items_and_records_the_run(tmp_path: Path) -> None:
    config = make_config(tmp_path, HEADER + row("A") + row("B", link="") + row("C"), channel_extra=DEST)
    with State(config.state_path) as state:
        report = pipeline.run(config, "push", state=state)
        runs = state.runs()
    assert ids(tmp_path / "www" / "google.xml") == ["A", "C"]
    assert [(d.code, d.product_id) for d in report.diagnostics] == [("GMC001", "B")]
    result = report.channels["google"]
    assert (result.items, result.rejected, result.excluded) == (2, 1, 0)
    assert result.published == str(tmp_path / "www" / "google.xml")
    [run] = runs
    assert (run.command, run.channel, run.item_count, run.outcome) == ("push", "google", 2, "published_with_findings")
    assert run.destination == f"directory:{tmp_path / 'www'}"


def test_push_that_cannot_publish_records_a_failed_run(tmp_path: Path) -> None:
    config = make_config(tmp_path, HEADER + row("A"), channel_extra=DEST)
    (tmp_path / "www").write_text("a file where the folder should be", encoding="utf-8")
    with State(config.state_path) as state:
        report = pipeline.run(config, "push", state=state)  # a failed channel is reported, not raised
        [run] = state.runs()
    assert (run.outcome, run.item_count) == ("failed", 1)
    assert "cannot publish" in (run.message or "") and "the feed published before stays" in (run.message or "")
    result = report.channels["google"]
    assert result.published is None and "cannot publish" in (result.failed or "")
    assert [d.code for d in report.diagnostics] == ["DST006"]


def test_push_needs_a_destination_for_every_selected_channel(tmp_path: Path) -> None:
    config = make_config(tmp_path, HEADER + row("A"))
    with pytest.raises(ConfigError, match="google have no destination"):
        pipeline.run(config, "push")


def test_tsv_format_writes_the_same_profile_as_a_table(tmp_path: Path) -> None:
    config = make_config(
        tmp_path, HEADER + row("A", title='Tee, "classic"') + row("B", color=""), channel_extra="    format: tsv\n"
    )
    pipeline.run(config, "build")
    with (tmp_path / "out" / "google.tsv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert [r["id"] for r in rows] == ["A", "B"]
    assert rows[0]["title"] == 'Tee, "classic" - Navy - M'
    assert rows[1]["title"] == "Merino Tee - M"
    assert rows[0]["price"] == "20.00 USD" and rows[0]["availability"] == "in_stock"
    assert rows[0]["link"] == "https://shop.example.com/products/tee"
    assert rows[1]["color"] == ""


def test_push_to_a_file_records_what_it_published_once_the_file_is_in_place(tmp_path: Path) -> None:
    config = make_config(tmp_path, HEADER + row("A") + row("B", link="") + row("C"), channel_extra=DEST)
    destination = f"directory:{tmp_path / 'www'}"
    with State(config.state_path) as state:
        pipeline.run(config, "push", state=state)
        assert set(state.sent_items("google", destination)) == {"A", "C"}  # B was rejected, not published
        assert state.catalog_ids("google", "C") == ["C"]

        # the next push cannot publish: what the destination holds is still the first file's items
        config.source.path.write_text(HEADER + row("C") + row("D"), encoding="utf-8")
        (tmp_path / "www" / "google.xml").unlink()
        (tmp_path / "www").rmdir()
        (tmp_path / "www").write_text("a file where the folder should be", encoding="utf-8")
        assert pipeline.run(config, "push", state=state).channels["google"].failed
        assert set(state.sent_items("google", destination)) == {"A", "C"}
        assert state.catalog_ids("google", "D") == []

        (tmp_path / "www").unlink()
        pipeline.run(config, "push", state=state)
        assert set(state.sent_items("google", destination)) == {"C", "D"}
        assert state.catalog_ids("google", "A") == []  # no longer published: orders for it are not mapped


def test_the_rows_stream_with_what_came_before_frozen_and_the_collector_is_restored_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    from feedsync.stream import Stream

    config = make_config(tmp_path, HEADER + row("A") + row("B"))
    seen: list[tuple[int, int]] = []
    original = Stream.run

    def run(self: Stream, *args: object, **kwargs: object) -> object:
        seen.append((gc.get_freeze_count(), gc.get_threshold()[0]))
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Stream, "run", run)
    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    pipeline.run(config, "build")
    [(frozen, young)] = seen
    assert frozen > 1000  # the modules and the compiled channels, out of the collector's view
    assert young == collector.YOUNG
    assert (gc.get_freeze_count(), gc.get_threshold()) == (0, before)


def test_the_collector_is_restored_when_the_stream_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    from feedsync.stream import Stream

    config = make_config(tmp_path, HEADER + row("A"))

    def run(self: Stream, *args: object, **kwargs: object) -> object:
        raise OSError("disk gone")

    monkeypatch.setattr(Stream, "run", run)
    before = gc.get_threshold()
    with pytest.raises(OSError):
        pipeline.run(config, "build")
    assert (gc.get_freeze_count(), gc.get_threshold()) == (0, before)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_price_with_more_decimals_than_its_currency_is_sent_rounded_and_named(tmp_path: Path, jobs: int) -> None:
    rows = row("A", price="19.999") + row("B", price="19.990") + row("C", price="1500.5 JPY") + row("D")
    config = make_config(tmp_path, HEADER + rows, channel_extra="  facebook:\n    profile: facebook\n")
    report = pipeline.run(config, "build", jobs=jobs)
    prices = {
        i.findtext(f"{G}id"): i.findtext(f"{G}price")
        for i in etree.parse(str(tmp_path / "out" / "google.xml")).getroot().iter("item")
    }
    assert prices == {"A": "20.00 USD", "B": "19.99 USD", "C": "1501 JPY", "D": "20.00 USD"}
    with (tmp_path / "out" / "facebook.csv").open(encoding="utf-8") as handle:
        assert {r["id"]: r["price"] for r in csv.DictReader(handle)} == prices
    # each rounded price is named, once per variant (not once per channel); 19.990 is 19.99 and is not
    named = [(d.code, d.product_id, d.field, d.value, d.location.row, d.location.column) for d in report.diagnostics]
    assert named == [("MDL019", "A", "price", "19.999", 2, 7), ("MDL019", "C", "price", "1500.5 JPY", 4, 7)]
    assert all(d.severity.value == "warning" for d in report.diagnostics)
    assert report.channels["google"].items == 4
