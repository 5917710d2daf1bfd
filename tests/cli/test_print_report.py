"""``print_report``'s concise findings on stderr: the same lines as one ``err`` per finding, told in batches (one
write for many findings), and paths shown relative to the working directory of the moment."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from feedsync.cli import common, output
from feedsync.cli.common import print_report
from feedsync.diagnostics import Location, Report
from feedsync.diagnostics.codes import make
from feedsync.diagnostics.renderers.concise import display_path, render_concise, render_line


@pytest.fixture(autouse=True)
def _mode() -> None:
    output.configure(False, 0, "text")
    yield
    output.configure(False, 0, "text")


def _report(path: Path, count: int) -> Report:
    report = Report(command="validate")
    for row in range(2, count + 2):
        report.add(
            make("MDL001", "title is empty", product_id=f"SKU-{row}", field="title", location=Location(str(path), row))
        )
    return report


def _one_err_per_line(report: Report, capsys: pytest.CaptureFixture[str]) -> str:
    for diagnostic in report.diagnostics:
        common.err(render_line(diagnostic))
    return capsys.readouterr().err


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_findings_are_the_lines_one_err_each_gives_in_few_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, log_format: str
) -> None:
    monkeypatch.chdir(tmp_path)
    output.configure(False, 0, log_format)
    report = _report(tmp_path / "cat.csv", 600)
    expected = _one_err_per_line(report, capsys)
    told: list[str] = []
    say = output.say
    monkeypatch.setattr(common, "say", lambda message, level="info": (told.append(message), say(message, level=level)))
    assert print_report(report, findings_to_stdout=False) == common.EXIT_FINDINGS
    printed = capsys.readouterr().err.splitlines()
    lines = expected.splitlines()
    if log_format == "json":  # each line its own record (their times differ)
        printed, lines = ([json.loads(line)["message"] for line in part] for part in (printed, lines))
    else:
        assert lines[0] == "cat.csv:2: MDL001 title is empty (error id=SKU-2)"
    assert printed[: len(lines)] == lines
    findings = [message for message in told if "MDL001" in message]
    assert 1 <= len(findings) <= 3  # not 600 writes
    assert "\n".join(findings) == "\n".join(render_line(d) for d in report.diagnostics)


def test_quiet_prints_no_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output.configure(True, 0, "text")
    print_report(_report(tmp_path / "cat.csv", 300), findings_to_stdout=False)
    assert "MDL001" not in capsys.readouterr().err


def test_a_path_is_shown_relative_to_the_working_directory_of_the_moment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inner = tmp_path / "shop" / "cat.csv"
    inner.parent.mkdir()
    monkeypatch.chdir(tmp_path)
    assert display_path(str(inner)) == os.path.join("shop", "cat.csv")
    monkeypatch.chdir(inner.parent)
    assert display_path(str(inner)) == "cat.csv"
    monkeypatch.chdir(tmp_path / "shop")
    (tmp_path / "other").mkdir()
    monkeypatch.chdir(tmp_path / "other")
    assert display_path(str(inner)) == str(inner)  # not below: shown whole
    assert display_path("relative/cat.csv") == "relative/cat.csv"


def test_a_report_s_lines_read_the_working_directory_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rendering a report asks for the working directory once per batch of findings, not once per finding, and
    gives each finding's line as ``render_line`` gives it alone (relative below it, whole elsewhere)."""
    inner, outer = tmp_path / "shop" / "cat.csv", tmp_path.parent / "elsewhere.csv"
    inner.parent.mkdir()
    monkeypatch.chdir(tmp_path)
    report = _report(inner, 300)
    report.add(make("MDL001", "title is empty", product_id="X", location=Location(str(outer), 2)))
    alone = [render_line(d) for d in report.diagnostics]
    asked = []
    getcwd = os.getcwd
    monkeypatch.setattr(os, "getcwd", lambda: asked.append(1) or getcwd())
    assert "\n".join(render_concise(report.diagnostics)) == "\n".join(alone)
    assert len(asked) == 1
    assert alone[0].startswith(os.path.join("shop", "cat.csv") + ":2: MDL001") and alone[-1].startswith(str(outer))


def test_texts_of_many_lines_are_told_a_megabyte_or_so_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A report's findings come in texts of a batch of lines each (rendered as they were spilled): they are told a
    few at a time, not 256 texts (hundreds of MB) joined at once."""
    told: list[str] = []
    monkeypatch.setattr(common, "err", lambda message, level="info": told.append(message))
    block = "\n".join(f"cat.csv:{n}: AMZ015 " + "x" * 250 for n in range(1000))  # ~270 KB
    common.say_lines([block] * 40)
    assert "\n".join(told) == "\n".join([block] * 40)
    assert len(told) >= 10 and max(map(len, told)) <= common._BYTES_AT_ONCE + len(block) + 1
