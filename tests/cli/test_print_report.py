"""``print_report``'s concise findings on stderr: the same lines as one ``err`` per finding, told in batches (one
write for many findings), and paths shown relative to the working directory of the moment."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from feedsync import secrets
from feedsync.cli import common, output
from feedsync.cli.app import app
from feedsync.cli.common import print_report
from feedsync.diagnostics import Location, Report
from feedsync.diagnostics.codes import make
from feedsync.diagnostics.findings import PASS
from feedsync.diagnostics.gate import Gate
from feedsync.diagnostics.renderers.concise import display_path, render_concise, render_error_lines, render_line
from tests.conftest import REPO
from tests.sources.realdata import needs_realdata


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
    said = output.say_encoded
    monkeypatch.setattr(common, "say_encoded", lambda data, **kw: (told.append(data.decode()), said(data, **kw)))
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


def _mixed(path: Path, count: int) -> Report:
    """``count`` rows, each with an error, a warning and an info finding, in turn."""
    report = Report(command="validate")
    for row in range(2, count + 2):
        where = Location(str(path), row)
        report.add(make("MDL001", "title is empty", product_id=f"SKU-{row}", field="title", location=where))
        report.add(make("MDL013", "alike", product_id=f"SKU-{row}", location=where))
        report.add(make("SRC005", "left out", location=where))
    return report


@pytest.mark.parametrize("log_format", ["text", "json"])
@pytest.mark.parametrize("spilled", [False, True])
def test_quiet_prints_the_errors_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, log_format: str, spilled: bool
) -> None:
    """--quiet (errors only, for cron): the errors' lines, each as it is printed without it, and the failure; no
    warning, no info, no summary. ``spilled``: the findings kept on disk a batch at a time, their lines rendered as
    a quiet build renders them (the errors' alone)."""
    monkeypatch.chdir(tmp_path)
    report = _mixed(tmp_path / "cat.csv", 300)
    if spilled:
        findings = report.diagnostics
        findings.render = render_error_lines
        findings._spill(len(findings._memory) // 2)  # (half of them on disk, rendered)
    output.configure(True, 0, log_format)
    assert print_report(report, findings_to_stdout=False) == common.EXIT_FINDINGS
    printed = capsys.readouterr().err.splitlines()
    if log_format == "json":
        records = [json.loads(line) for line in printed]
        assert {r["level"] for r in records} == {"error"}  # (errors, as errors: a log's filter keeps them)
        printed = [r["message"] for r in records]
    errors = [render_line(d) for d in report.diagnostics if d.severity == "error"]
    assert len(errors) == 300 and printed[:-1] == errors
    assert printed[-1].startswith("failed: ")


def test_quiet_validate_prints_the_errors_alone_and_keeps_a_report_format_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    report = _mixed(tmp_path / "cat.csv", 20)
    output.configure(True, 0, "text")
    print_report(report, findings_to_stdout=True)
    shown = capsys.readouterr()
    assert shown.out.splitlines() == [render_line(d) for d in report.diagnostics if d.severity == "error"]
    assert shown.err.splitlines() == [f"failed: {Gate().verdict(report)[1]}"]
    print_report(report, findings_to_stdout=True, fmt="json")
    assert len(json.loads(capsys.readouterr().out)["diagnostics"]) == 60
    print_report(report, findings_to_stdout=True, output=tmp_path / "report.txt")
    assert len((tmp_path / "report.txt").read_text(encoding="utf-8").splitlines()) == 60


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
    told: list[bytes] = []
    monkeypatch.setattr(common, "say_encoded", lambda data, **kw: told.append(data))
    block = "\n".join(f"cat.csv:{n}: AMZ015 " + "x" * 250 for n in range(1000)).encode()  # ~270 KB
    common.say_lines([block] * 40)
    assert b"\n".join(told) == b"\n".join([block] * 40)
    assert len(told) >= 10 and max(map(len, told)) <= common._BYTES_AT_ONCE + len(block) + 1


def _stderr(monkeypatch: pytest.MonkeyPatch, encoding: str) -> io.BytesIO:
    """stderr replaced by a text stream over bytes in ``encoding`` (Python's own errors handler for it)."""
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding=encoding, errors="backslashreplace", write_through=True)
    monkeypatch.setattr(sys, "stderr", stream)
    return raw


TEXT = (
    "shop\udcff/cat.csv:2: MDL001 title 'Caf\u00e9 \U0001f600 \x1b[31mred\x1b[0m s3cr3t-t0ken-value' (error id=SKU-2)\n"
    "second line \ud55c"  # (a lone surrogate: a folder named in bytes that are not UTF-8; a character coded 0xED...)
)


@pytest.mark.parametrize("encoding", ["utf-8", "latin-1", "ascii"])
@pytest.mark.parametrize("mode", [("text", False), ("json", False), ("text", True)])
@pytest.mark.parametrize("secret", [False, True])
def test_lines_given_as_bytes_are_written_as_say_writes_their_text(
    monkeypatch: pytest.MonkeyPatch, encoding: str, mode: tuple[str, bool], secret: bool
) -> None:
    """``say_encoded``: the same bytes on stderr as ``say`` of the decoded text, whatever stderr's encoding, the
    log format, --quiet, a secret to mask or ANSI codes to strip (stderr is no terminal)."""
    log_format, quiet = mode
    output.configure(quiet, 0, log_format)
    if secret:
        secrets.register("s3cr3t-t0ken-value")
    try:
        said = _stderr(monkeypatch, encoding)
        output.say(TEXT)
        output.say_encoded(TEXT.encode("utf-8", PASS))
    finally:
        secrets.clear()
    first, second = said.getvalue()[: len(said.getvalue()) // 2], said.getvalue()[len(said.getvalue()) // 2 :]
    if log_format == "json":  # each line a record: all but their times alike
        first, second = (re.sub(rb'"time": "[^"]+"', b"", part) for part in (first, second))
    assert first == second
    assert (b"s3cr3t" in first) is (not secret and not quiet) and b"\x1b" not in first
    assert bool(first) is (not quiet) and b"shop\xff" not in first and b"shop\xed" not in first  # (a surrogate)


@pytest.mark.parametrize("color", [True, False])
def test_lines_given_as_bytes_keep_or_lose_ansi_codes_as_the_command_s_colour_says(
    monkeypatch: pytest.MonkeyPatch, color: bool
) -> None:
    said = _stderr(monkeypatch, "utf-8")
    with typer.Context(typer.main.get_command(app), color=color):
        output.say(TEXT)
        output.say_encoded(TEXT.encode("utf-8", PASS))
    half = len(said.getvalue()) // 2
    assert said.getvalue()[:half] == said.getvalue()[half:]
    assert (b"\x1b[31m" in said.getvalue()) is color


def test_a_report_s_spilled_lines_are_written_as_they_lie_never_said_as_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    report = _report(tmp_path / "cat.csv", 5000)  # spilled: most as the lines rendered then
    expected = "\n".join(render_line(d) for d in report.diagnostics) + "\n"
    said = output.say
    monkeypatch.setattr(
        output,
        "say",
        lambda message, level="info": (
            said(message, level=level) if "MDL001" not in message else pytest.fail(message[:80])
        ),
    )
    print_report(report, findings_to_stdout=False)
    assert capsys.readouterr().err.startswith(expected)


def test_a_split_build_of_a_catalog_in_a_folder_not_named_in_utf8_reports_what_one_process_reports(
    tmp_path: Path,
) -> None:
    """Both shares spill their findings' lines with the folder's name in them (a lone surrogate, as Python decodes a
    name whose bytes are not UTF-8): stderr gets them as one process writes them, not an internal error."""
    import subprocess

    from tests.test_rows import catalog, row

    rows = [row(n, f"G{n // 3}", sku="S1") for n in range(1, 6001)]  # a SKU told again in each: 5,999 findings
    config = catalog(tmp_path / "shop\udcff", rows)
    told = {}
    for jobs in ("1", "2", "2 -v"):
        args = [sys.executable, "-m", "feedsync", "build", "-c", str(config), "--out", "out", "--jobs", *jobs.split()]
        done = subprocess.run(args, cwd=tmp_path, capture_output=True, check=False, timeout=120)
        assert done.returncode in (0, 1), done.stderr[-2000:]
        told[jobs] = done.stderr
    assert told["1"] == told["2"] and told["1"].count(b"shop\\udcff/products.csv") == 5999
    assert b"shares=2" in told["2 -v"]  # (split)


QUIET_SPLIT = """
import sys
from feedsync import rows
import feedsync.diagnostics.findings as findings
rows.MIN_ROWS = 1  # (shares of any size)
findings.KEEP = 4  # (the findings kept on disk a few at a time, their lines rendered as they are spilled)
from feedsync.cli.entry import main
sys.argv = ["feedsync", *sys.argv[1:]]
main()
"""


@needs_realdata  # (the generator's catalog has warnings, AMZ018, where Amazon's real definitions are)
@pytest.mark.parametrize(("command", "fail_on"), [("build", None), ("validate", "warning")])
def test_a_quiet_run_split_by_rows_prints_what_one_process_prints(
    tmp_path: Path, command: str, fail_on: str | None
) -> None:
    """--quiet on a catalog split by rows, its findings spilled: the lines of the findings that fail the run (errors;
    warnings too with --fail-on warning), the same as one process prints, none other."""
    from tests.test_rows import generate

    config = generate(400, tmp_path / "catalog")
    options = ["--fail-on", fail_on] if fail_on else ["--out", str(tmp_path / "out")]

    def run(jobs: str, *more: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", QUIET_SPLIT, command, "-c", str(config), "-j", jobs, *options, *more],
            cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip

    everything, one, split = run("1"), run("1", "-q"), run("0", "-q")
    said = (everything.stdout if command == "validate" else everything.stderr).splitlines()
    kept = ("(error", "(warning") if fail_on == "warning" else ("(error",)
    lines = [line for line in said if line.endswith(")")]
    failing = [line for line in lines if any(k in line for k in kept)]
    assert len(failing) > 8  # (spilled: more than KEEP)
    if fail_on is None:
        assert len(failing) < len(lines)  # the warnings left out
    for quiet in (one, split):
        assert quiet.returncode == everything.returncode == 1
        shown = (quiet.stdout if command == "validate" else quiet.stderr).splitlines()
        assert [line for line in shown if not line.startswith("failed: ")] == failing, quiet.stderr[-2000:]
    assert split.stdout == one.stdout and split.stderr == one.stderr
