"""Through the CLI: a template's fault on a product is a finding naming the product's row (exit 1); a bug in
feedsync's own code reached while rendering is the internal error (exit 70), not one CFG001 per product."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from feedsync.channels.templating import filters
from feedsync.cli.app import app
from feedsync.cli.common import EXIT_INTERNAL
from tests.conftest import HEADER, make_config, row

runner = CliRunner()


@pytest.mark.parametrize(
    ("template", "column", "said"),
    [
        ("{{ title | truncate_words('x') }}", 3, "CFG001 field custom_label_0: truncate_words: limit must be a whole"),
        (
            "{{ attributes | variant_pairs(3) }}",
            None,
            "CFG001 field custom_label_0: variant_pairs: names must be a list",
        ),
        ("{{ title + 1 }}", 3, 'CFG001 field custom_label_0: can only concatenate str (not "int") to str'),
        ("{{ title[99] }}", 3, "CFG001 field custom_label_0: str object has no element 99"),
        ("{{ 1 / 0 }}", None, "CFG001 field custom_label_0: division by zero"),
    ],
)
def test_a_template_s_fault_is_a_finding_at_the_product_s_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, template: str, column: int | None, said: str
) -> None:
    monkeypatch.chdir(tmp_path)
    make_config(
        tmp_path, HEADER + row("P1") + row("P2"), channel_extra=f'    fields:\n      custom_label_0: "{template}"\n'
    )
    result = runner.invoke(app, ["validate", "--format", "concise"])
    assert result.exit_code == 1, result.output
    where = "" if column is None else f":{column}"  # the column of the one product field the template reads
    first, second = result.stdout.splitlines()
    assert first.startswith(f"products.csv:2{where}: {said}") and second.startswith(f"products.csv:3{where}: ")


def test_a_bug_in_a_filter_is_the_internal_error_not_a_finding_per_product(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    make_config(tmp_path, HEADER + row("P1") + row("P2"))  # google_merchant: description | plaintext

    def bug(value: str) -> str:
        raise TypeError("a bug in plaintext")

    monkeypatch.setattr(filters, "_plaintext", bug)
    result = runner.invoke(app, ["build"])
    assert result.exit_code == EXIT_INTERNAL == 70
    assert result.stderr.startswith("internal error: TypeError: a bug in plaintext")
    assert "CFG001" not in result.stdout
