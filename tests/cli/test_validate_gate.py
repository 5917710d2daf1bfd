"""validate as a CI gate: report formats, selection, --fail-on and the limits, and push's publishing guards."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feedsync.cli.app import app
from tests.conftest import HEADER, make_config, row, write_config
from tests.sources.realdata import REALDATA, needs_realdata

runner = CliRunner(env={"COLUMNS": "200"})


@pytest.fixture
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Four products: one clean, one with a bad GTIN (error), one shouting (warning), one without a link."""
    monkeypatch.chdir(tmp_path)
    make_config(
        tmp_path,
        HEADER
        + row("A")
        + row("B", gtin="4006381333932", size="L")
        + row("C", title="MERINO CREW TEE", color="NAVY", size="XL")
        + row("D", link="", size="S"),
    )
    return tmp_path


def invoke(*args: str) -> object:
    return runner.invoke(app, ["validate", *args])


def test_concise_default_and_exit_1_on_errors(catalog: Path) -> None:
    result = invoke()
    assert result.exit_code == 1
    codes = [line.split(": ")[1].split()[0] for line in result.stdout.splitlines()]
    assert codes == ["GMC008", "GMC014", "GMC001"]
    assert "failed: 2 finding(s) at or above error" in result.stderr


@pytest.mark.parametrize(
    ("args", "exit_code", "codes"),
    [
        (["--ignore", "GMC008,GMC001"], 0, ["GMC014"]),
        (["--ignore", "identifiers", "--ignore", "required"], 0, ["GMC014"]),
        (["--select", "GMC008"], 1, ["GMC008"]),
        (["--select", "promotional"], 0, ["GMC014"]),
        (["--select", "promotional", "--fail-on", "warning"], 1, ["GMC014"]),
        (["--fail-on", "never"], 0, ["GMC008", "GMC014", "GMC001"]),
        (["--max-errors", "2"], 0, ["GMC008", "GMC014", "GMC001"]),
        (["--max-errors", "1"], 1, ["GMC008", "GMC014", "GMC001"]),
        (["--max-error-rate", "50"], 0, ["GMC008", "GMC014", "GMC001"]),  # 2 of 4 products
        (["--max-error-rate", "49"], 1, ["GMC008", "GMC014", "GMC001"]),
    ],
)
def test_selection_and_gate(catalog: Path, args: list[str], exit_code: int, codes: list[str]) -> None:
    result = invoke(*args)
    assert result.exit_code == exit_code, result.output
    assert [line.split(": ")[1].split()[0] for line in result.stdout.splitlines()] == codes


def test_profile_validation_and_per_item_ignores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    make_config(
        tmp_path,
        HEADER.strip()
        + ",feedsync_ignore\n"
        + row("A", title="SHOUTING TITLE HERE").strip()
        + ",\n"
        + row("B", gtin="4006381333932", size="L").strip()
        + ",GMC008\n",
        channel_extra="    validation: {ignore: [promotional]}\n",
    )
    result = invoke()
    assert result.exit_code == 0 and result.stdout == ""


def test_bad_gate_options_exit_2(catalog: Path) -> None:
    assert invoke("--fail-on", "sometimes").exit_code == 2
    assert invoke("--format", "pdf").exit_code == 2


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--select", "prics"], "--select: 'prics' selects"),  # (a name or tag misspelt: the gate passed)
        (["--select", "MDL0002"], "--select: 'MDL0002' selects"),  # (a code with a digit too many)
        (["--select", "GMC008,idenitifers,MDL"], "--select: 'idenitifers' selects"),
        (["--ignore", "GMC008", "--ignore", "promotonal,requird"], "--ignore: 'promotonal', 'requird' select"),
    ],
)
def test_a_selection_that_selects_no_code_exits_2_naming_it(catalog: Path, args: list[str], named: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert named in " ".join(result.output.replace("│", " ").split()), result.output
    before = sorted(catalog.rglob("*"))
    push = runner.invoke(app, ["push", *args])
    assert push.exit_code == 2 and sorted(catalog.rglob("*")) == before  # (nothing made, nothing published)


def test_a_profile_validation_that_selects_no_code_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "products.csv").write_text(HEADER + row("A"), encoding="utf-8")
    write_config(
        tmp_path,
        "source:\n  path: products.csv\n  currency: USD\nchannels:\n  google:\n    profile: google_merchant\n"
        "    validation: {ignore: [GMC014, promotonal]}\n",
    )
    result = invoke()
    assert result.exit_code == 2
    assert "validation.ignore" in result.output and "'promotonal' selects no diagnostic code" in result.output


def test_json_report(catalog: Path) -> None:
    result = invoke("--format", "json", "-o", "report.json")
    assert result.exit_code == 1 and result.stdout == ""
    document = json.loads((catalog / "report.json").read_text(encoding="utf-8"))
    assert document["schema_version"] == 2 and document["result"]["failed"] is True
    assert document["summary"] == {"products": 4, "variants": 4, "errors": 2, "warnings": 1, "info": 0}
    google = document["channels"]["google"]
    assert (google["items"], google["excluded"], google["rejected"]) == (2, 0, 2)
    first = document["diagnostics"][0]
    assert {k: first[k] for k in ("code", "name", "severity", "channel", "product_id", "field")} == {
        "code": "GMC008",
        "name": "invalid-gtin",
        "severity": "error",
        "channel": "google",
        "product_id": "B",
        "field": "gtin",
    }
    assert first["location"]["row"] == 3 and first["location"]["column_name"] == "gtin"


def test_junit_report_parses_with_a_case_per_item(catalog: Path) -> None:
    assert invoke("--format", "junit", "-o", "junit.xml").exit_code == 1
    root = ET.parse(catalog / "junit.xml").getroot()
    assert root.tag == "testsuites" and root.get("failures") == "2"
    google = next(s for s in root.iter("testsuite") if s.get("name") == "google")
    cases = {c.get("name"): c for c in google.iter("testcase")}
    assert sorted(cases) == ["A", "B", "C", "D"] and google.get("tests") == "4"
    assert cases["B"].find("failure").get("type") == "GMC008"
    assert cases["A"].find("failure") is None
    assert "GMC014 warning" in cases["C"].find("system-out").text


def test_github_annotations(catalog: Path) -> None:
    lines = invoke("--format", "github").stdout.splitlines()
    assert lines[0].startswith("::error file=products.csv,line=3,title=GMC008 invalid-gtin::gtin '4006381333932'")
    assert lines[0].endswith("column 10 'gtin')")  # (``col=`` would be a character column)
    assert lines[1].startswith("::warning file=products.csv,line=4,title=GMC014 title-all-caps::")  # title: 3 fields


@needs_realdata
def test_sarif_report_validates_against_the_sarif_schema(catalog: Path) -> None:
    import jsonschema

    assert invoke("--format", "sarif", "-o", "out.sarif").exit_code == 1
    document = json.loads((catalog / "out.sarif").read_text(encoding="utf-8"))
    schema = json.loads((REALDATA / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).validate(document)
    run = document["runs"][0]
    assert [r["ruleId"] for r in run["results"]] == ["GMC008", "GMC014", "GMC001"]
    assert run["results"][0]["locations"][0]["physicalLocation"]["region"] == {"startLine": 3}
    assert run["results"][0]["properties"]["column"] == 10  # a cell, not a character column
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == {"GMC008", "GMC014", "GMC001"}


def test_text_report_groups_by_code(catalog: Path) -> None:
    out = invoke("--format", "text").stdout
    assert "Findings by code" in out and "GMC008" in out and "first 1 of 1" in out


def test_push_skips_items_with_errors_or_refuses_the_channel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    dest = "    destination: {type: directory, path: www}\n"
    make_config(tmp_path, HEADER + row("A") + row("B", link="", size="L"), channel_extra=dest)
    result = runner.invoke(app, ["push"])
    assert result.exit_code == 1
    assert (tmp_path / "www" / "google.xml").read_text(encoding="utf-8").count("<item>") == 1
    make_config(
        tmp_path, HEADER + row("A") + row("B", link="", size="L"), channel_extra=dest + "    max_error_rate: 40\n"
    )
    (tmp_path / "www" / "google.xml").write_text("previous feed", encoding="utf-8")
    result = runner.invoke(app, ["push"])
    assert result.exit_code == 1
    assert "DST001 google not published: 50.0% of items have errors, more than max_error_rate 40.0%" in result.stderr
    assert (tmp_path / "www" / "google.xml").read_text(encoding="utf-8") == "previous feed"


@needs_realdata
def test_metas_sample_feeds_gtins(tmp_path: Path) -> None:
    # The training feed's hyphenated ISBN-13s all carry wrong check digits; the DPA sample's GTIN is valid.
    training = runner.invoke(
        app,
        [
            "validate",
            "--source",
            str(REALDATA / "meta" / "da_sales_training_products.csv"),
            "--currency",
            "USD",
            "--channel",
            "facebook",
            "--select",
            "identifiers",
        ],
    )
    assert training.exit_code == 1
    lines = training.stdout.splitlines()
    assert len(lines) == 6 and all(" META007 " in line for line in lines)
    assert "gtin '9783161484101' has check digit 1, but its digits give 0" in lines[0]
    dpa = runner.invoke(
        app,
        [
            "validate",
            "--source",
            str(REALDATA / "meta" / "dpa_product_catalog_sample_feed.csv"),
            "--channel",
            "facebook",
            "--select",
            "identifiers",
        ],
    )
    assert dpa.exit_code == 0 and dpa.stdout == ""


def test_build_validate_checks_rules_and_writes_the_feed_push_would_publish(catalog: Path) -> None:
    plain = runner.invoke(app, ["build"])
    assert plain.exit_code == 0 and "GMC008" not in plain.stderr
    assert (catalog / "out" / "google.xml").read_text(encoding="utf-8").count("<item>") == 4
    checked = runner.invoke(app, ["build", "--validate"])
    assert checked.exit_code == 1 and "GMC008" in checked.stderr
    assert "google: 2 items, 0 excluded, 2 rejected; written to" in checked.stderr
    assert (catalog / "out" / "google.xml").read_text(encoding="utf-8").count("<item>") == 2


def test_rules_command_lists_and_explains() -> None:
    listed = runner.invoke(app, ["rules"])
    assert listed.exit_code == 0
    assert "GMC008   error    invalid-gtin  [identifiers]" in listed.stdout
    explained = runner.invoke(app, ["rules", "GMC008"])
    assert explained.stdout.startswith("GMC008 invalid-gtin (error) tags: identifiers\n  The GTIN is not 8, 12, 13")
    tagged = runner.invoke(app, ["rules", "promotional"])
    assert [line.split()[0] for line in tagged.stdout.splitlines() if line and not line.startswith(" ")] == [
        "GMC014",
        "GMC015",
    ]
    assert runner.invoke(app, ["rules", "NOPE99"]).exit_code == 2
