"""Where the machine-readable reports put a finding: SARIF's artifact URI is a URI reference (a catalog named with a
space, a letter outside ASCII or a ``#`` too, below the working directory or outside it), and neither SARIF nor
GitHub's annotations give a cell's number as the character column of its line."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import pytest
from typer.testing import CliRunner

from feedsync.cli.app import app
from feedsync.diagnostics.renderers.machine import sarif_uri
from tests.conftest import HEADER, row, write_config
from tests.sources.realdata import REALDATA, needs_realdata

runner = CliRunner(env={"COLUMNS": "200"})

CATALOG = "dir x/my catalog ü#1.csv"
"""The catalog, in a folder of the config's: a space, a letter outside ASCII and a ``#`` (a URI's fragment)."""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A config over ``CATALOG``: one clean product, one with a bad GTIN (GMC008 at row 3, cell 10, ``gtin``)."""
    root = tmp_path / "project"
    (root / "dir x").mkdir(parents=True)
    (root / CATALOG).write_text(HEADER + row("A") + row("B", gtin="4006381333932", size="L"), encoding="utf-8")
    text = f"source:\n  path: {CATALOG}\n  currency: USD\n  base_url: https://shop.example.com\n"
    write_config(root, text + "channels:\n  google:\n    profile: google_merchant\n")
    return root


def validate(project: Path, *args: str) -> str:
    result = runner.invoke(app, ["validate", "-c", str(project / "feedsync.yaml"), *args])
    assert result.exit_code == 1, result.output
    return result.stdout


def sarif_of_a_run(project: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> dict:
    """The SARIF report of ``validate`` run in ``project`` (``where="inside"``) or in a folder beside it."""
    cwd = project if where == "inside" else project.parent / "elsewhere"
    cwd.mkdir(exist_ok=True)
    monkeypatch.chdir(cwd)
    return json.loads(validate(project, "--format", "sarif"))


@needs_realdata
@pytest.mark.parametrize("where", ["inside", "outside"])
def test_sarif_of_a_catalog_with_an_awkward_name_is_valid_sarif(
    project: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    import jsonschema

    document = sarif_of_a_run(project, monkeypatch, where)
    schema = json.loads((REALDATA / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    checker = jsonschema.FormatChecker()
    assert "uri-reference" in checker.checkers  # (rfc3986-validator, a test dependency: else no URI is checked)
    errors = [e.message for e in jsonschema.Draft7Validator(schema, format_checker=checker).iter_errors(document)]
    assert errors == []
    assert [r["ruleId"] for r in document["runs"][0]["results"]] == ["GMC008"]


@pytest.mark.parametrize("where", ["inside", "outside"])
def test_the_artifact_uri_names_the_catalog(project: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    (result,) = sarif_of_a_run(project, monkeypatch, where)["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert set(location) == {"uri"}  # no uriBaseId: GitHub code scanning reads no originalUriBaseIds
    uri = location["uri"]
    if where == "inside":  # a relative reference: the path from the working directory, percent-encoded
        assert uri == "dir%20x/my%20catalog%20%C3%BC%231.csv"
        assert unquote(uri) == CATALOG
    else:  # outside the working directory: a file URI
        parts = urlsplit(uri)
        assert (parts.scheme, parts.netloc, parts.query, parts.fragment) == ("file", "", "", "")
        assert Path(url2pathname(parts.path)) == project / CATALOG


def test_sarif_gives_the_row_as_the_region_and_the_cell_in_the_properties(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (result,) = sarif_of_a_run(project, monkeypatch, "inside")["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 3}  # no startColumn: a cell's number
    assert result["properties"] == {
        "channel": "google",
        "productId": "B",
        "field": "gtin",
        "value": "4006381333932",
        "column": 10,
        "columnName": "gtin",
    }


def test_github_annotations_name_the_cell_in_the_message_not_as_col(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    (line,) = validate(project, "--format", "github").splitlines()
    head, message = line.split("::")[1:]
    assert head == f"error file={CATALOG},line=3,title=GMC008 invalid-gtin"
    assert message.endswith("([google] id=B column 10 'gtin')")


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("products.csv", "products.csv"),
        ("/work/run/feeds/products.csv", "feeds/products.csv"),
        ("a:b.csv", "a%3Ab.csv"),  # not a scheme
        ("..products.csv", "..products.csv"),  # in the folder, not above it
        ("%20 50%.csv", "%2520%2050%25.csv"),
        ("../products.csv", "file:///work/products.csv"),
        ("/elsewhere/my catalog#2.csv", "file:///elsewhere/my%20catalog%232.csv"),
    ],
)
def test_sarif_uri(path: str, uri: str) -> None:
    assert sarif_uri(path, "/work/run") == uri


def _spread_demo(demo: Path) -> None:
    """The demo's catalog with descriptions over several lines in its first two records (as a Shopify or
    WooCommerce export writes HTML) and a price that is no amount in its fifth: row 6 as a spreadsheet shows it,
    starting on the file's line 9."""
    path = demo / "products.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        records = list(csv.reader(handle))
    header = records[0]
    records[1][header.index("description")] = "<p>Line one</p>\n<p>line two</p>\n<p>line three</p>"
    records[2][header.index("description")] = "A\nB"
    records[5][header.index("price")] = "abc"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(records)
    (line,) = [n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if ",abc," in text]
    assert line == 9


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_sarif_and_github_point_at_the_line_a_row_starts_on_after_values_over_several_lines(
    demo_copy: Path, monkeypatch: pytest.MonkeyPatch, jobs: str
) -> None:
    """SARIF's region and GitHub's annotations count the file's lines: after values over several lines, the row's
    number (6) pointed code scanning and the pull request's file view at another record's text (line 6). The rows
    a spreadsheet shows stay the finding's row in the other forms (DESIGN: the positions a spreadsheet user sees)."""
    _spread_demo(demo_copy)
    monkeypatch.chdir(demo_copy)
    config = str(demo_copy / "feedsync.yaml")

    def run(*args: str) -> str:
        result = runner.invoke(app, ["validate", "-c", config, "--select", "MDL002", "--jobs", jobs, *args])
        assert result.exit_code == 1, result.output
        return result.stdout

    (result,) = json.loads(run("--format", "sarif"))["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 9}
    assert "file=products.csv,line=9," in run("--format", "github")
    assert "products.csv:6:8: MDL002" in run("--format", "concise")
    (found,) = json.loads(run("--format", "json"))["diagnostics"]
    assert (found["location"]["row"], found["location"]["column"]) == (6, 8)


def test_a_supplement_and_a_table_with_lines_before_its_header_point_at_their_lines(tmp_path: Path) -> None:
    """Lines before the header (Excel's ``sep=`` line, a blank line) and a quoted value over several lines in a
    catalog; a supplement's own values over several lines and a row without its key."""
    catalog = tmp_path / "catalog.csv"
    spread_row = row("B", title="Two lines").replace("Two lines", '"Two\nlines"')
    bad = row("C", gtin="4006381333932")
    catalog.write_text("sep=,\n\n" + HEADER + row("A") + spread_row + bad, encoding="utf-8")
    stock = tmp_path / "stock.csv"
    stock.write_text('id,note\nA,"one\ntwo\nthree"\n,orphan\n', encoding="utf-8")
    text = "source:\n  path: catalog.csv\n  currency: USD\n  base_url: https://shop.example.com\n"
    text += "supplements:\n  - path: stock.csv\n    key: id\n"
    write_config(tmp_path, text + "channels:\n  google:\n    profile: google_merchant\n")
    result = runner.invoke(app, ["validate", "-c", str(tmp_path / "feedsync.yaml"), "--format", "sarif"])
    assert result.exit_code == 1, result.output
    found = {
        (r["ruleId"], Path(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]).name): r["locations"][0][
            "physicalLocation"
        ]["region"]["startLine"]
        for r in json.loads(result.stdout)["runs"][0]["results"]
    }
    lines = catalog.read_text(encoding="utf-8").splitlines()
    assert found[("GMC008", "catalog.csv")] == next(n for n, t in enumerate(lines, 1) if t.startswith("C,"))
    assert found[("SRC001", "stock.csv")] == 5  # its row 3: the record after one over three lines
    concise = runner.invoke(app, ["validate", "-c", str(tmp_path / "feedsync.yaml")])
    assert "catalog.csv:6:10: GMC008" in concise.stdout + concise.stderr  # (sep=, blank, header, A, B: row 6)


def test_a_meta_xml_feed_s_lines_are_not_read_as_a_csv_s_records(tmp_path: Path) -> None:
    """A Meta source that is an XML feed (read as Google's RSS) has its findings at the lines of its items: a
    description whose text reads as a CSV quote over two lines (``M,"L`` ... ``XL"``) moved the later items' SARIF
    lines down one, off their ``<item>``."""
    feed = tmp_path / "meta.xml"
    item = (
        "<item>\n<g:id>{id}</g:id>\n<title>Shirt</title>\n<description>{text}</description>\n"
        "<link>https://x.example/{id}</link>\n<g:price>10.00 USD</g:price>\n"
        "<g:availability>in stock</g:availability>\n<g:condition>new</g:condition>\n<g:brand>B</g:brand>\n</item>\n"
    )
    feed.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss xmlns:g="http://base.google.com/ns/1.0" version="2.0">\n'
        "<channel>\n<title>Shop</title>\n"
        + item.format(id="A1", text='Sizes S, M,"L\nand XL" available')
        + item.format(id="A2", text="plain")
        + "</channel>\n</rss>\n",
        encoding="utf-8",
    )
    lines = feed.read_text(encoding="utf-8").splitlines()
    args = ["validate", "--source", str(feed), "--source-format", "meta", "--channel", "google_merchant"]
    result = runner.invoke(app, [*args, "--format", "sarif"])
    starts = [
        where["physicalLocation"]["region"]["startLine"]
        for found in json.loads(result.stdout)["runs"][0]["results"]
        for where in found.get("locations", [])
        if "region" in where["physicalLocation"]
    ]
    assert len(starts) >= 2 and all(lines[line - 1] == "<item>" for line in starts), starts
