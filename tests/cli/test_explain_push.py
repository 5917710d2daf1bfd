"""explain takes a handle or group id (and lists its variants), and shows what push reports for an item: the
findings of the checks push runs (variant-group duplicates included) and whether push leaves the item out."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from typer.testing import CliRunner

from feedsync.cli.app import app
from tests.sources.realdata import needs_realdata, real

runner = CliRunner(env={"COLUMNS": "200"})
HANDLE = "initial-clover-necklace"


def _config(tmp_path: Path, source: Path | str) -> Path:
    config = tmp_path / "feedsync.yaml"
    config.write_text(
        f"source: {{path: {json.dumps(str(source))}, currency: EUR, base_url: 'https://shop.example'}}\n"
        "channels:\n  google: {profile: google_merchant}\n",
        encoding="utf-8",
    )
    return config


def _native(tmp_path: Path) -> Path:
    rows = [
        "id,group_id,title,description,price,link,image_link,brand,gtin,color,size,availability,Print",
        "T-1,T,Tee,A tee,10.00,https://s.example/t,https://s.example/t.jpg,Acme,,red,M,in_stock,Moon",
        "T-2,T,Tee,A tee,10.00,https://s.example/t,https://s.example/t.jpg,Acme,,red,M,in_stock,Sun",
        "T-3,T,Tee,A tee,1x.00,https://s.example/t,https://s.example/t.jpg,Acme,,blue,M,in_stock,Star",
    ]
    (tmp_path / "c.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return _config(tmp_path, tmp_path / "c.csv")


def _errors_by_id(config: Path) -> dict[str, set[str]]:
    report = json.loads(runner.invoke(app, ["validate", "-c", str(config), "--format", "json"]).stdout)
    found: dict[str, set[str]] = {}
    for d in report["diagnostics"]:
        if d["severity"] == "error" and d["product_id"]:
            found.setdefault(d["product_id"], set()).add(d["code"])
    return found


def test_explain_shows_the_group_duplicate_for_which_push_leaves_an_item_out(tmp_path: Path) -> None:
    config = _native(tmp_path)
    result = runner.invoke(app, ["explain", "T-2", "--channel", "google", "-c", str(config)])
    assert result.exit_code == 0, result.output
    assert "GMC012 same color, size" in result.stdout and "'T-1' in item_group_id 'T'" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("push leaves this item out: GMC012")
    first = runner.invoke(app, ["explain", "T-1", "--channel", "google", "-c", str(config)])
    assert first.stdout.splitlines()[-1] == "push publishes this item"


def test_explain_a_group_id_lists_its_variants_with_what_push_does(tmp_path: Path) -> None:
    config = _native(tmp_path)
    result = runner.invoke(app, ["explain", "T", "--channel", "google", "-c", str(config)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "product T has 2 variants on channel google:"
    assert lines[1].split() == ["T-1", "Tee", "(red,", "M,", "Print:", "Moon)", "[ok]"]  # what tells it apart
    assert lines[2].endswith("[push leaves it out: GMC012]")
    assert lines[3] == f"explain one: feedsync explain T-1 --channel google -c {shlex.quote(str(config))}"  # to copy


def test_explain_a_row_left_out_by_the_source_names_why(tmp_path: Path) -> None:
    config = _native(tmp_path)
    result = runner.invoke(app, ["explain", "T-3", "--channel", "google", "-c", str(config)])
    assert result.exit_code == 2
    assert "no product with id 'T-3' was read: its row is left out (MDL002 price '1x.00'" in result.stderr
    assert "c.csv:4:5" in result.stderr


@needs_realdata
def test_explain_a_shopify_handle_lists_its_variants_as_push_sees_them(tmp_path: Path) -> None:
    config = _config(tmp_path, real("shopify/rosarose-products_export_1.csv"))
    result = runner.invoke(app, ["explain", HANDLE, "--channel", "google", "-c", str(config)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"product {HANDLE} has 26 variants on channel google:"
    listed = {line.split()[0]: line for line in lines[1:27]}
    assert all(variant.startswith(HANDLE) for variant in listed)
    errors = _errors_by_id(config)
    for variant, line in listed.items():  # explain's verdict is validate's (push's) verdict
        assert line.endswith("[ok]") == (variant not in errors), line


@needs_realdata
def test_explain_one_shopify_variant_agrees_with_push(tmp_path: Path) -> None:
    config = _config(tmp_path, real("shopify/rosarose-products_export_1.csv"))
    errors = _errors_by_id(config)
    listing = runner.invoke(app, ["explain", HANDLE, "--channel", "google", "-c", str(config)]).stdout
    variants = [line.split()[0] for line in listing.splitlines()[1:27]]
    for variant in (next((v for v in variants if v in errors), None), next(v for v in variants if v not in errors)):
        if variant is None:
            continue
        result = runner.invoke(app, ["explain", variant, "--channel", "google", "-c", str(config)])
        assert result.exit_code == 0, result.output
        last = result.stdout.splitlines()[-1]
        if variant in errors:
            assert last.startswith("push leaves this item out: "), last
            assert set(last.split(": ", 1)[1].split(" (", 1)[0].split(", ")) == errors[variant]
        else:
            assert last == "push publishes this item"


def test_explain_keeps_apart_records_that_share_a_line(tmp_path: Path) -> None:
    record = {"group_id": "T", "title": "Tee", "price": "10.00", "link": "https://s.example/t", "color": "red"}
    records = [{**record, "id": "T-1"}, {**record, "id": "T-2"}]  # minified: both on line 1, the same variant
    (tmp_path / "c.json").write_text(json.dumps(records), encoding="utf-8")
    config = _config(tmp_path, tmp_path / "c.json")
    first = runner.invoke(app, ["explain", "T-1", "--channel", "google", "-c", str(config)])
    assert "GMC012" not in first.stdout and "id=T-2" not in first.stdout
    second = runner.invoke(app, ["explain", "T-2", "--channel", "google", "-c", str(config)])
    assert "push leaves this item out: " in second.stdout and "GMC012" in second.stdout.splitlines()[-1]
