"""Hostile option values, handles and option mappings through ``feedsync validate`` (in process): no traceback, no
variant lost unnamed, ids within Google's 50 characters and distinct, option text never read as a template."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from feedsync.cli.app import app
from feedsync.ids import fit_id
from tests.conftest import write_config

runner = CliRunner()
HEAD = ["Handle", "Title", "Vendor", "Variant Price", "Image Src", "Option1 Name", "Option1 Value"]


def catalog(tmp: Path, rows: list[list[str]], source_extra: str = "") -> Path:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([HEAD, *rows])
    (tmp / "products.csv").write_text(out.getvalue(), encoding="utf-8")
    return write_config(
        tmp,
        "source:\n  path: products.csv\n  format: shopify\n  currency: USD\n  base_url: https://s.example\n"
        + source_extra
        + "channels:\n  google:\n    profile: google_merchant\n    destination: {type: directory, path: www}\n"
        "  meta:\n    profile: facebook\n",
    )


def validate(config: Path, *more: str) -> tuple[int, dict | None, str]:
    result = runner.invoke(app, ["validate", "-c", str(config), "--format", "json", *more])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError("unhandled exception") from result.exception
    assert "Traceback" not in result.output and result.exit_code != 70
    report = json.loads(result.stdout) if result.stdout.startswith("{") else None
    return result.exit_code, report, result.stderr


def variants(handle: str, title: str, name: str, values: list[str]) -> list[list[str]]:
    first = [handle, title, "Acme", "10.00", "/i.jpg", name, values[0]]
    return [first] + [[handle, "", "", "10.00", "", "", v] for v in values[1:]]


def build_ids(config: Path) -> list[str]:
    result = runner.invoke(app, ["build", "-c", str(config), "--channel", "google", "--out", str(config.parent / "o")])
    assert result.exit_code != 70, result.output
    text = (config.parent / "o" / "google.xml").read_text(encoding="utf-8")
    return [part.split("</g:id>")[0] for part in text.split("<g:id>")[1:]]


def test_huge_handles_and_values_in_any_script_fit_and_stay_apart(tmp_path: Path) -> None:
    handle = "h" * 1500  # the link stays within 2,000 characters, the title within 150
    values = ["خ" * 100, "ح" * 100, "Ж" * 100, "🔥" * 100, "Ω"]
    config = catalog(tmp_path, variants(handle, "Ring", "Choose Initial", values))
    code, report, _ = validate(config)
    assert code == 0 and report is not None
    assert report["channels"]["google"]["items"] == 5 and report["channels"]["google"]["rejected"] == 0
    assert not {d["code"] for d in report["diagnostics"]} & {"MDL008", "GMC002", "GMC012", "META002"}
    ids = build_ids(config)
    assert len(set(ids)) == 5 and all(len(i) <= 50 for i in ids)


def test_values_of_symbols_only_are_not_one_variant(tmp_path: Path) -> None:
    config = catalog(tmp_path, variants("mug", "Mug", "Mood", ["🔥", "💧", "★", "\u200b"]))
    code, report, _ = validate(config)
    assert code == 0 and report is not None
    assert report["channels"]["google"]["items"] == 4
    assert "MDL008" not in {d["code"] for d in report["diagnostics"]}


def test_values_equal_after_slugging_are_named_not_lost(tmp_path: Path) -> None:
    """``Red!`` and ``red`` make the same id: the second is left out, named by its row (MDL008)."""
    config = catalog(tmp_path, variants("tee", "Tee", "Colour", ["Red!", "red"]))
    _, report, _ = validate(config)
    assert report is not None
    [duplicate] = [d for d in report["diagnostics"] if d["code"] == "MDL008"]
    assert duplicate["location"]["row"] == 3
    assert report["channels"]["google"]["items"] == 1


def test_option_text_is_never_a_template_or_a_pattern(tmp_path: Path) -> None:
    values = ["{{ 7*7 }}", "(.*)", "C++", "[XL]"]
    config = catalog(tmp_path, variants("odd", "Odd C++ thing", "Flavour {{ x }}", values))
    code, report, _ = validate(config)
    assert code == 0 and report is not None
    assert report["channels"]["google"]["items"] == 4
    build_ids(config)
    feed = (tmp_path / "o" / "google.xml").read_text(encoding="utf-8")
    assert "<g:title>Odd C++ thing - {{ 7*7 }}</g:title>" in feed
    assert "<g:title>Odd C++ thing - (.*)</g:title>" in feed
    assert "<g:title>Odd C++ thing</g:title>" in feed  # the title already names C++
    assert "49" not in feed.split("<item>")[1]


def test_source_options_to_a_field_that_is_not_a_variant_field_is_a_config_error(tmp_path: Path) -> None:
    config = catalog(tmp_path, variants("a", "A", "Tiers", ["1", "2"]), "  options: {Tiers: price}\n")
    code, report, stderr = validate(config)
    assert code == 2 and report is None
    assert "options" in stderr and "Tiers" in stderr


def test_fitted_ids_of_near_identical_long_ids_differ(tmp_path: Path) -> None:
    base = "x" * 80
    fitted = {fit_id(base + str(i), 50) for i in range(1000)}
    assert len(fitted) == 1000 and all(len(f) == 50 for f in fitted)
