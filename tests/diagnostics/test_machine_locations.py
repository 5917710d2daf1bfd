"""Where the machine-readable reports put a finding: SARIF's artifact URI is a URI reference (a catalog named with a
space, a letter outside ASCII or a ``#`` too, below the working directory or outside it), and neither SARIF nor
GitHub's annotations give a cell's number as the character column of its line."""

from __future__ import annotations

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
