"""explain checks and encodes an item with the stream's own per-item step, so what it shows is what push writes."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from feedsync.config import load_config
from feedsync.explain import explain
from tests.conftest import HEADER, REPO, row
from tests.destinations.test_amazon_feeds import amazon_config


def test_explain_shows_the_records_push_writes_and_none_for_an_item_it_leaves_out(tmp_path: Path) -> None:
    broken = row("C", gtin="4006381333932", image_link="")  # a wrong check digit and no image: AMZ006, AMZ007
    config = amazon_config(tmp_path, HEADER + row("A", group_id="G") + broken)
    kept = explain(config, "A", "amazon")
    assert [(m["sku"], m["requirements"]) for m in kept.records] == [("G", "LISTING_PRODUCT_ONLY"), ("A", "LISTING")]
    left_out = explain(config, "C", "amazon")
    assert [d.code for d in left_out.left_out_by] == ["AMZ006", "AMZ007"]
    assert [item.id for item in left_out.items] == ["C"] and left_out.records == []  # push writes no record of it


def test_explain_finds_a_product_by_the_sku_amazon_was_sent(tmp_path: Path) -> None:
    """An id longer than Amazon's 40 characters is sent shortened (MDL017); the SKU Seller Central shows (on a
    listing or an order) was "no product with id ..." to explain."""
    long_id = "evelyn-pareo-anthracite-anthracite-extra-long-x1"
    config = amazon_config(tmp_path, HEADER + row(long_id) + row("B"))
    sent = explain(config, long_id, "amazon")
    [sku] = {m["sku"] for m in sent.records}
    assert sku != long_id and len(sku) == 40
    found = explain(config, sku, "amazon")
    assert found.product is not None and found.product.id == long_id
    assert [m["sku"] for m in found.records] == [sku]


def test_explain_keeps_the_findings_push_keeps(tmp_path: Path) -> None:
    """The channel's ``validation`` and a row's ``feedsync_ignore`` drop findings in explain as in push: an item whose
    only error (AMZ009, the definition's) is ignored is published and explain shows its record; an error of the
    channel's own rules still leaves an item out though ignored (AMZ007), and explain names it, in a group's list
    of variants too."""
    from feedsync.cli.app import app
    from feedsync.pipeline import run

    definitions = tmp_path / "definitions"
    definitions.mkdir()
    for path in (REPO / "examples" / "demo" / "amazon_definitions").iterdir():
        (definitions / path.name).write_bytes(path.read_bytes())
    lines = [(HEADER, "feedsync_ignore"), (row("A"), ""), (row("B"), "AMZ009")]
    lines += [(row("C", group_id="G", gtin="4006381333932"), ""), (row("D", group_id="G", size="L"), "AMZ009 AMZ019")]
    (tmp_path / "products.csv").write_text("".join(f"{line[:-1]},{extra}\n" for line, extra in lines), "utf-8")
    config_path = tmp_path / "feedsync.yaml"
    config_path.write_text(
        "source: {path: products.csv, currency: USD, base_url: 'https://shop.example.com'}\n"
        "channels:\n  amazon:\n    profile: amazon\n"
        "    settings: {seller_id: A1SELLER, marketplace: US, default_product_type: HOME, definitions: definitions}\n"
        "    validation: {ignore: [AMZ007]}\n",
        encoding="utf-8",
    )
    config = load_config(config_path)
    built = run(config, "validate", jobs=1)
    assert {d.product_id for d in built.diagnostics if d.code == "AMZ009"} == {"A"}  # B ignores it
    assert built.channels["amazon"].items == 2 and built.channels["amazon"].rejected == 2

    published = explain(config, "B", "amazon")
    assert [m["sku"] for m in published.records] == ["B"] and published.kept == 1 and not published.left_out_by
    refused = explain(config, "A", "amazon")
    assert refused.records == [] and refused.left_out_by[0].code == "AMZ009"
    ignored = explain(config, "C", "amazon")
    assert ignored.records == [] and ignored.kept == 0 and not ignored.left_out_by
    assert [d.code for d in ignored.withheld] == ["AMZ007"]

    said = CliRunner().invoke(app, ["explain", "C", "--channel", "amazon", "-c", str(config_path)])
    assert said.exit_code == 0, said.output
    assert said.stdout.splitlines()[-1].startswith("push leaves this item out: AMZ007 (gtin '4006381333932'")
    said = CliRunner().invoke(app, ["explain", "B", "--channel", "amazon", "-c", str(config_path)])
    assert said.stdout.splitlines()[-1] == "push publishes this item"
    assert '"sku": "B"' in said.stdout

    group = explain(config, "G", "amazon")  # the variants listed with what push does with each
    assert [d.code for d in group.verdicts["C"]] == ["AMZ007"] and group.verdicts["D"] == []
