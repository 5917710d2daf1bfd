"""The JSON and SARIF reports are written one finding at a time: the text must be what ``json.dumps`` of the
whole document gives (indent 2, UTF-8 kept), for no finding, one, and many past the findings' spool."""

from __future__ import annotations

import json

import pytest

from feedsync.diagnostics import Diagnostic, Location, Report, Severity
from feedsync.diagnostics.findings import Findings
from feedsync.diagnostics.renderers.machine import render_json, render_sarif


def report_with(count: int) -> Report:
    report = Report(command="validate", variants=count)
    report.diagnostics = Findings(keep=50)
    for n in range(count):
        report.add(
            Diagnostic(
                "GMC008" if n % 2 else "MDL002",
                "invalid-gtin" if n % 2 else "invalid-price",
                Severity.ERROR if n % 3 else Severity.WARNING,
                f'wert «{n}» is\nnot "valid" \\ ✓',
                channel="google" if n % 2 else None,
                product_id=f"SKU-{n}",
                field="gtin",
                value=f"{n}\t",
                location=Location("/catalog/products.csv", n + 2, 3 if n % 4 else None, "gtin"),
            )
        )
    return report


@pytest.mark.parametrize("count", [0, 1, 3, 400])
def test_json_and_sarif_are_what_dumping_the_whole_document_gives(count: int) -> None:
    for text in (
        "".join(render_json(report_with(count), failed=True, reason="r")),
        "".join(render_sarif(report_with(count))),
    ):
        document = json.loads(text)
        assert text == json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    assert len(json.loads("".join(render_json(report_with(count), failed=True, reason="r")))["diagnostics"]) == count
    results = json.loads("".join(render_sarif(report_with(count))))["runs"][0]["results"]
    assert [r["properties"]["productId"] for r in results] == [f"SKU-{n}" for n in range(count)]


def test_findings_are_rendered_as_they_are_written_not_all_at_once() -> None:
    chunks = render_json(report_with(400), failed=False, reason="")
    assert len(list(chunks)) == 402  # the head, one chunk per finding, the tail
