from __future__ import annotations

import csv
import json
import os
import re
import sqlite3
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from feedsync import __version__
from feedsync.cli.app import app
from tests.conftest import HEADER, make_config, row

runner = CliRunner(env={"COLUMNS": "200"})


def flat(text: str) -> str:
    """Output without rich's box drawing and line wrapping."""
    return " ".join(re.sub("[│╭╮╰╯─]", " ", text).split())


@pytest.fixture(autouse=True)
def _chdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_version_and_help() -> None:
    result = runner.invoke(app, ["--version"])
    assert (result.exit_code, result.output.strip()) == (0, f"feedsync {__version__}")
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("build", "validate", "push"):
        assert command in result.output


def test_push_on_the_demo_publishes_and_records_history(demo_copy: Path) -> None:
    result = runner.invoke(app, ["push", "-c", str(demo_copy / "feedsync.yaml")])
    assert result.exit_code == 0, result.output
    assert "google: 88 items, 0 excluded, 0 rejected; published to" in result.stderr
    feed = demo_copy / "public" / "google.xml"
    assert len(etree.parse(str(feed)).getroot().findall("channel/item")) == 88
    rows = (
        sqlite3.connect(demo_copy / ".feedsync" / "state.sqlite")
        .execute("SELECT command, channel, item_count, outcome FROM runs")
        .fetchall()
    )
    assert rows == [
        ("push", "google", 88, "published"),
        ("push", "facebook", 88, "published"),
        ("push", "amazon", 85, "published"),
        ("push", "google_local", 142, "published"),
    ]
    assert sorted(p.name for p in (demo_copy / "public").iterdir()) == [
        "amazon.json",
        "facebook.csv",
        "google.xml",
        "google_local.tsv",
    ]


def test_build_uses_feedsync_yaml_in_the_working_directory(demo_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(demo_copy)
    result = runner.invoke(app, ["build", "--out", "elsewhere"])
    assert result.exit_code == 0, result.output
    assert (demo_copy / "elsewhere" / "google.xml").is_file()
    assert not (demo_copy / "public").exists()  # build never publishes


def test_validate_prints_concise_findings_on_stdout_and_exits_1(tmp_path: Path) -> None:
    make_config(tmp_path, HEADER + row("A") + row("B", price="12,3x") + row("C", link=""))
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines == [
        "products.csv:3:7: MDL002 price '12,3x' is not an amount such as '12.00' or '12.00 USD' (error id=B)",
        "products.csv:4:5: GMC001 link is required and empty (error [google] id=C)",
    ]
    assert "1 error" not in result.stderr and "2 errors, 0 warnings" in result.stderr


def test_build_from_flags_without_a_config(tmp_path: Path) -> None:
    (tmp_path / "cat.csv").write_text(HEADER + row("A") + row("B"), encoding="utf-8")
    flags = ["--source", "cat.csv", "--currency", "EUR", "--base-url", "https://shop.example.com"]
    flags += ["--channel", "google_merchant"]
    result = runner.invoke(app, ["build", *flags, "--out", "feeds"])
    assert result.exit_code == 0, result.output
    feed = etree.parse(str(tmp_path / "feeds" / "google_merchant.xml")).getroot()
    assert [e.text for e in feed.iter("{http://base.google.com/ns/1.0}price")] == ["20.00 EUR", "20.00 EUR"]
    result = runner.invoke(app, ["validate", *flags])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build"], "no feedsync.yaml here; pass -c CONFIG or --source PATH"),
        (["push"], "no feedsync.yaml here; pass -c CONFIG (feedsync init CATALOG writes one)"),  # (no --source)
        (["status"], "no feedsync.yaml here; pass -c CONFIG (feedsync init CATALOG writes one)"),
        (["push", "--source", "x.csv"], "No such option: --source"),
        (["build", "--source", "x.csv"], "name at least one built-in profile"),
        (["build", "-c", "feedsync.yaml", "--source", "x.csv", "--channel", "google_merchant"], "not both"),
        (["build", "--source", "missing.csv", "--channel", "google_merchant"], "source file not found"),
        (["build", "--source", "missing.csv", "--channel", "bing"], "unknown profile 'bing'"),
        (["build", "--source", "x.csv", "--channel", "google_merchant", "--currency", "EURO"], "ISO 4217"),
        (["validate", "-c", "nope.yaml"], "file not found"),
        (["push", "--bogus"], "No such option"),
    ],
)
def test_unusable_input_exits_2(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in flat(result.output)


def test_a_config_error_shows_file_line_and_column(tmp_path: Path) -> None:
    make_config(tmp_path, HEADER + row("A"), channel_extra='    fields:\n      title: "{{ nmae }}"\n')
    result = runner.invoke(app, ["build"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: {os.path.join('feedsync.yaml')}:9:14: fields.title.template: unknown product field(s) nmae"
    )


def test_push_failing_to_publish_exits_3(tmp_path: Path) -> None:
    make_config(tmp_path, HEADER + row("A"), channel_extra="    destination: {type: directory, path: www}\n")
    (tmp_path / "www").write_text("not a folder", encoding="utf-8")
    result = runner.invoke(app, ["push"])
    assert result.exit_code == 3
    assert "cannot publish" in result.stderr


def test_interrupt_exits_130(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_config(tmp_path, HEADER + row("A"))

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("feedsync.pipeline.run", interrupted)
    result = runner.invoke(app, ["build"])
    assert result.exit_code == 130
    assert not (tmp_path / "out").exists()


def test_encoding_flag_and_the_cp1252_fallback_warning(tmp_path: Path) -> None:
    (tmp_path / "cat.csv").write_bytes((HEADER + row("A", title="Café crème")).encode("cp1252"))
    args = [
        "build",
        "--source",
        "cat.csv",
        "--currency",
        "EUR",
        "--base-url",
        "https://s.example",
        "--channel",
        "google_merchant",
        "--out",
        "feeds",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0
    assert "SRC003" in result.stderr and "read as cp1252" in result.stderr
    result = runner.invoke(app, [*args, "--encoding", "cp1252"])
    assert result.exit_code == 0 and "SRC003" not in result.stderr
    assert "Café crème - Navy - M" in (tmp_path / "feeds" / "google_merchant.xml").read_text(encoding="utf-8")


def test_import_orders_on_the_demo_imports_each_order_once(demo_copy: Path) -> None:
    config = str(demo_copy / "feedsync.yaml")
    orders = str(demo_copy / "orders.txt")
    # nothing pushed yet: only the order whose old SKU is in the demo's sku_map.csv maps; the other is held
    before = runner.invoke(app, ["import-orders", "-c", config, "--from-file", orders])
    assert before.exit_code == 1
    assert "ORD002" in before.stderr and "'NW-TEE-NAV-M' is not a listing feedsync published" in before.stderr
    assert before.stdout.splitlines() == ["imported 114-7730281-2245109", "held 112-3941567-8810623"]
    assert runner.invoke(app, ["push", "-c", config]).exit_code == 0

    dry = runner.invoke(app, ["import-orders", "-c", config, "--from-file", orders, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.splitlines() == ["would import 112-3941567-8810623"]

    first = runner.invoke(app, ["import-orders", "-c", config, "--from-file", orders])
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines() == ["imported 112-3941567-8810623"]
    again = runner.invoke(app, ["import-orders", "-c", config, "--from-file", orders])
    assert again.exit_code == 0 and again.stdout == ""
    assert "3 already known" in again.stderr
    written = sorted((demo_copy / "incoming-orders").glob("orders-*.jsonl"))
    events = [json.loads(text) for path in written for text in path.read_text(encoding="utf-8").splitlines()]
    assert [(e["order"]["order_id"], [x["catalog_id"] for x in e["order"]["lines"]]) for e in events] == [
        ("114-7730281-2245109", ["NW-TEE-NAV-L"]),
        ("112-3941567-8810623", ["NW-TEE-NAV-M", "NW-HOOD-BLA-M"]),
    ]


def test_a_quiet_import_tells_cron_why_an_order_is_held(demo_copy: Path) -> None:
    """--quiet (errors only): an order held for a SKU no feed published is an error (ORD002), so its line is
    printed, and nothing else."""
    config, orders = str(demo_copy / "feedsync.yaml"), str(demo_copy / "orders.txt")
    told = runner.invoke(app, ["import-orders", "-c", config, "--from-file", orders, "--dry-run"])
    quiet = runner.invoke(app, ["import-orders", "-q", "-c", config, "--from-file", orders, "--dry-run"])
    assert quiet.exit_code == told.exit_code == 1
    errors = [line for line in told.stderr.splitlines() if "(error" in line]
    assert errors and all("ORD002" in line for line in errors)
    assert quiet.stderr.splitlines() == errors
    assert "would import" in told.stdout and quiet.stdout == ""  # (what the run did: not an error)


def test_a_held_order_entered_by_hand_is_marked_handled_never_imported_and_its_shipment_still_confirmed(
    demo_copy: Path,
) -> None:
    """An order no run can import (an item-price of 59.985 USD for 2 units: ORD010, never rounded) would keep every
    import exiting 1; ops enters it in the store by hand and marks it handled: later imports leave it alone and
    exit 0, and push-tracking confirms its package. Only held orders are marked, all or none."""
    config, orders = str(demo_copy / "feedsync.yaml"), demo_copy / "orders.txt"
    lines = orders.read_text(encoding="utf-8").splitlines()
    header, row = lines[0].split("\t"), lines[1].split("\t")
    for name, value in {"order-id": "113-0000000-0000001", "order-item-id": "50000000000001"}.items():
        row[header.index(name)] = value
    row[header.index("item-price")] = "59.985"
    orders.write_text("\n".join([*lines, "\t".join(row)]) + "\n", encoding="utf-8")
    odd = "113-0000000-0000001"
    assert runner.invoke(app, ["push", "-c", config]).exit_code == 0
    held = runner.invoke(app, ["import-orders", "-c", config, "--from-file", str(orders)])
    assert held.exit_code == 1 and f"held {odd}" in held.stdout.splitlines()
    assert "ORD010" in held.stderr and "import-orders --handled ORDER_ID" in held.stderr
    assert runner.invoke(app, ["import-orders", "-c", config, "--from-file", str(orders)]).exit_code == 1  # again

    def held_ids() -> list[str]:
        return [
            h["order_id"]
            for h in json.loads(runner.invoke(app, ["status", "-c", config, "--format", "json"]).stdout)["held_orders"]
        ]

    wrong = runner.invoke(app, ["import-orders", "-c", config, "--handled", odd, "--handled", "112-3941567-8810623",
                                "--handled", "999-nope"])  # fmt: skip
    assert wrong.exit_code == 2
    assert "not held: '112-3941567-8810623' (imported into the store), '999-nope' (never seen)" in flat(wrong.stderr)
    assert "nothing was marked" in wrong.stderr and held_ids() == [odd]
    both = runner.invoke(app, ["import-orders", "-c", config, "--handled", odd, "--from-file", str(orders)])
    assert both.exit_code == 2 and held_ids() == [odd]
    dry = runner.invoke(app, ["import-orders", "-c", config, "--handled", odd, "--dry-run"])
    assert dry.exit_code == 0 and dry.stdout.startswith(f"would mark {odd} handled (it was held: line 50000000000001")
    assert held_ids() == [odd]

    marked = runner.invoke(app, ["import-orders", "-c", config, "--handled", odd])
    assert marked.exit_code == 0, marked.output
    assert (
        marked.stdout
        == f"marked {odd} handled (it was held: {flat(held.stderr).split(f'{odd} held: ')[1].split(' (error')[0]})\n"
    )
    assert held_ids() == []
    after = runner.invoke(app, ["import-orders", "-c", config, "--from-file", str(orders)])
    assert after.exit_code == 0 and after.stdout == "", after.output
    assert "ORD010" not in after.stderr and "4 already known" in after.stderr
    written = [json.loads(text) for path in (demo_copy / "incoming-orders").glob("orders-*.jsonl")
               for text in path.read_text(encoding="utf-8").splitlines()]  # fmt: skip
    assert written and odd not in {e["order"]["order_id"] for e in written}
    again = runner.invoke(app, ["import-orders", "-c", config, "--handled", odd])
    assert again.exit_code == 2 and f"not held: '{odd}' (marked handled before)" in again.stderr

    shipments = demo_copy / "shipments.csv"
    shipments.write_text(
        "order_id,carrier,tracking_number,ship_date,shipping_method,items\n"
        f"{odd},UPS,1Z999AA10123456999,2026-11-23T10:00:00Z,UPS Ground,NW-TEE-NAV-M:2\n",
        encoding="utf-8",
    )
    tracked = runner.invoke(app, ["push-tracking", "-c", config, "--shipments", str(shipments)])
    assert tracked.exit_code == 0, tracked.output
    assert tracked.stdout.startswith(f"confirmed order {odd} package 1: UPS 1Z999AA10123456999")


def test_push_tracking_on_the_demo_writes_the_upload_file_once(demo_copy: Path) -> None:
    config = str(demo_copy / "feedsync.yaml")
    assert runner.invoke(app, ["push", "-c", config]).exit_code == 0
    assert (
        runner.invoke(app, ["import-orders", "-c", config, "--from-file", str(demo_copy / "orders.txt")]).exit_code == 0
    )
    shipments = str(demo_copy / "shipments.csv")
    dry = runner.invoke(app, ["push-tracking", "-c", config, "--shipments", shipments, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert [text.split(":")[0] for text in dry.stdout.splitlines()] == [
        "would confirm order 112-3941567-8810623 package 1",
        "would confirm order 112-3941567-8810623 package 2",
        "would confirm order 114-7730281-2245109 package 1",
    ]
    assert "Other (Speedy Local Couriers)" in dry.stdout and not (demo_copy / "outgoing").exists()
    first = runner.invoke(app, ["push-tracking", "-c", config, "--shipments", shipments])
    assert first.exit_code == 0 and len(first.stdout.splitlines()) == 3
    again = runner.invoke(app, ["push-tracking", "-c", config, "--shipments", shipments])
    assert again.exit_code == 0 and again.stdout == "" and "3 confirmed before" in again.stderr
    [upload] = list((demo_copy / "outgoing").iterdir())
    assert len(upload.read_text(encoding="utf-8").splitlines()) == 4  # header + one row per order item shipped


def test_push_tracking_with_confirmations_dir_a_file_says_the_folder_is_a_file(demo_copy: Path) -> None:
    config = str(demo_copy / "feedsync.yaml")
    (demo_copy / "outgoing").write_text("not a folder", encoding="utf-8")
    result = runner.invoke(app, ["push-tracking", "-c", config, "--shipments", str(demo_copy / "shipments.csv")])
    assert result.exit_code == 2, result.output
    line = next(n for n, text in enumerate(Path(config).read_text().splitlines(), 1) if "confirmations_dir:" in text)
    assert flat(result.stderr) == (
        f"error: {config}:{line}:22: orders.confirmations_dir: {demo_copy / 'outgoing'} is a file, not a folder; point "
        "confirmations_dir at a folder for the upload files (or move the file away)"
    )


def test_status_shows_last_pushes_held_orders_and_open_orders(demo_copy: Path) -> None:
    config = str(demo_copy / "feedsync.yaml")
    never = runner.invoke(app, ["status", "-c", config])
    assert never.exit_code == 0, never.output
    assert re.search(r"^google\s+never", never.stdout, re.MULTILINE)
    # an order held before anything was pushed: status exits 1 and names it
    assert (
        runner.invoke(app, ["import-orders", "-c", config, "--from-file", str(demo_copy / "orders.txt")]).exit_code == 1
    )
    assert runner.invoke(app, ["push", "-c", config]).exit_code == 0
    held = runner.invoke(app, ["status", "-c", config, "--format", "json"])
    assert held.exit_code == 1
    found = json.loads(held.stdout)
    assert [(c["channel"], c["outcome"], c["items"]) for c in found["channels"]][:1] == [("google", "published", 88)]
    assert [h["order_id"] for h in found["held_orders"]] == ["112-3941567-8810623"]
    assert found["open_orders"] == 1
    assert (
        runner.invoke(app, ["import-orders", "-c", config, "--from-file", str(demo_copy / "orders.txt")]).exit_code == 0
    )
    clear = runner.invoke(app, ["status", "-c", config])
    assert clear.exit_code == 0, clear.output
    assert "orders: 0 held, 2 imported and not yet shipped, 0 shipment confirmation(s) failed" in clear.stdout
    # every package confirmed: nothing is left to ship, though Amazon tells it only on the next import
    shipments = str(demo_copy / "shipments.csv")
    assert runner.invoke(app, ["push-tracking", "-c", config, "--shipments", shipments]).exit_code == 0
    shipped = runner.invoke(app, ["status", "-c", config])
    assert "orders: 0 held, 0 imported and not yet shipped, 0 shipment confirmation(s) failed" in shipped.stdout


def test_status_names_an_order_sent_to_the_store_without_an_answer(demo_copy: Path) -> None:
    """An order marked 'creating' (a run sent it and never learnt whether it arrived) was counted nowhere: status
    exited 0 with '0 held'. It is named, and status exits 1, until an import-orders sends it again."""
    from feedsync.config import load_config
    from feedsync.state import State

    config = str(demo_copy / "feedsync.yaml")
    with State(load_config(Path(config)).state_path) as state:
        state.record_order("amazon", "111-1", status="unshipped", state="creating", payload="{}")
    said = runner.invoke(app, ["status", "-c", config])
    assert said.exit_code == 1, said.output
    assert "  sent 111-1: the store never answered whether it arrived; the next import-orders sends it again" in (
        said.stdout
    )
    assert json.loads(runner.invoke(app, ["status", "-c", config, "--format", "json"]).stdout)["unanswered_orders"] == [
        {"order_id": "111-1", "reason": None}
    ]


def test_diff_against_the_last_push_and_against_a_file(demo_copy: Path) -> None:
    config = str(demo_copy / "feedsync.yaml")
    none_yet = runner.invoke(app, ["diff", "-c", config, "--channel", "google"])
    assert none_yet.exit_code == 2 and "no push to compare with yet" in none_yet.stderr
    assert runner.invoke(app, ["push", "-c", config]).exit_code == 0
    same = runner.invoke(app, ["diff", "-c", config])
    assert same.exit_code == 0, same.output
    assert "google: 0 added, 0 removed, 0 changed, 88 unchanged" in same.stdout
    published = (demo_copy / "public" / "google.xml").read_bytes()

    source = demo_copy / "products.csv"
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    first, removed_id = rows[0], rows[1]["id"]
    first["price"] = "99.00"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(first))
        writer.writeheader()
        writer.writerows([first, *rows[2:]])

    changed = runner.invoke(app, ["diff", "-c", config, "--channel", "google", "--format", "json"])
    assert changed.exit_code == 1, changed.output
    (google,) = json.loads(changed.stdout)
    assert google["removed"] == [removed_id] and google["added"] == []
    assert google["changed"] == {first["id"]: [{"field": "price", "old": "45.00 USD", "new": "99.00 USD"}]}
    assert google["field_counts"] == {"price": 1}
    text = runner.invoke(app, ["diff", "-c", config, "--channel", "google"])
    assert f"~ {first['id']} price: 45.00 USD -> 99.00 USD" in text.stdout and f"- {removed_id}" in text.stdout
    # the snapshot is what the push published, and --against compares with any feed file
    old = demo_copy / "old-google.xml"
    old.write_bytes(published)
    against = runner.invoke(app, ["diff", "-c", config, "--channel", "google", "--against", str(old)])
    assert against.exit_code == 1 and "1 removed, 1 changed" in against.stdout


def test_diff_after_a_push_is_clean_when_push_left_items_out(demo_copy: Path) -> None:
    """An item push leaves out (an error) is in no published feed: diff compared a build without the checks and
    told it "added" after every push (exit 1 for ever, a CI gate never green)."""
    config = str(demo_copy / "feedsync.yaml")
    source = demo_copy / "products.csv"
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[0]["gtin"] = "4006381333932"  # a wrong check digit: an error in every channel, the item left out
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    pushed = runner.invoke(app, ["push", "-c", config])
    assert pushed.exit_code == 1 and "google: 87 items, 0 excluded, 1 rejected" in pushed.output
    same = runner.invoke(app, ["diff", "-c", config, "--channel", "google"])
    assert same.exit_code == 0, same.output
    assert "google: 0 added, 0 removed, 0 changed, 87 unchanged" in same.stdout


def test_a_text_report_on_stdout_is_the_report_and_its_summary_goes_to_stderr(tmp_path: Path) -> None:
    """Every format's summary goes to stderr (the README's promise, which a script piping the report relies on);
    the text report printed it on stdout instead. Written to a file, the report ends with it."""
    make_config(tmp_path, HEADER + row("A", gtin="4006381333932"))
    result = runner.invoke(app, ["validate", "--format", "text"])
    assert result.exit_code == 1
    assert "1 product, 1 variant read" in result.stderr and "variant read" not in result.stdout
    assert "GMC008" in result.stdout and "GMC008" not in result.stderr
    written = runner.invoke(app, ["validate", "--format", "text", "-o", "report.txt"])
    assert "1 product, 1 variant read" in written.stderr
    assert "1 product, 1 variant read" in (tmp_path / "report.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("args", [["push"], ["status"], ["history"], ["diff"]])
def test_a_state_damaged_inside_exits_2_naming_it(tmp_path: Path, args: list[str]) -> None:
    from tests.test_state import _damaged

    make_config(tmp_path, HEADER + row("A"))
    _damaged(tmp_path / ".feedsync" / "state.sqlite")
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "state.sqlite is unusable (database disk image is malformed): it is damaged: restore it from a backup" in (
        flat(result.stderr)
    )


def test_diff_with_a_state_that_is_no_database_says_so(tmp_path: Path) -> None:
    make_config(tmp_path, HEADER + row("A"))
    (tmp_path / ".feedsync").mkdir()
    (tmp_path / ".feedsync" / "state.sqlite").write_bytes(b"garbage\n" * 100)
    result = runner.invoke(app, ["diff"])
    assert result.exit_code == 2, result.output
    assert "state.sqlite is unusable (file is not a database): it is damaged" in flat(result.stderr)
    assert "no push to compare with" not in result.output
