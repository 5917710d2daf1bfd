"""--log-format json, --quiet, -v and progress bars, on every command after its name."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feedsync.cli import output
from feedsync.cli.app import app
from feedsync.cli.output import Progress

runner = CliRunner(env={"COLUMNS": "200"})


@pytest.fixture(autouse=True)
def _chdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    yield
    output.configure(False, 0, "text")


def json_lines(text: str) -> list[dict[str, object]]:
    lines = text.splitlines()
    assert lines, "nothing logged"
    return [json.loads(line) for line in lines]  # every line parses on its own


def test_json_logs_parse_line_by_line_for_push_import_and_errors(demo_copy: Path) -> None:
    config = str(demo_copy / "feedsync.yaml")
    pushed = runner.invoke(app, ["push", "-c", config, "--log-format", "json"])
    assert pushed.exit_code == 0, pushed.output
    events = json_lines(pushed.stderr)
    assert len({e["run_id"] for e in events}) == 1
    read = next(e for e in events if e["event"] == "read")
    assert (read["command"], read["products"], read["variants"]) == ("push", 30, 88) and isinstance(
        read["seconds"], float
    )
    published = {e["channel"]: e for e in events if e["event"] == "publish"}
    assert set(published) == {"google", "facebook", "amazon", "google_local"}
    assert published["google"]["items"] == 88 and isinstance(published["google"]["seconds"], float)
    assert any(e["event"] == "message" and "30 products, 88 variants read" in str(e["message"]) for e in events)

    imported = runner.invoke(
        app, ["import-orders", "-c", config, "--from-file", str(demo_copy / "orders.txt"), "--log-format", "json"]
    )
    assert imported.exit_code == 0, imported.output
    (summary,) = [e for e in json_lines(imported.stderr) if e["event"] == "import"]
    assert (summary["imported"], summary["held"]) == (2, 0)

    broken = runner.invoke(app, ["validate", "-c", str(demo_copy / "missing.yaml"), "--log-format", "json"])
    assert broken.exit_code == 2
    (error,) = json_lines(broken.stderr)
    assert error["level"] == "error" and "file not found" in str(error["message"])


def test_quiet_prints_nothing_on_success_and_verbose_logs_events(demo_copy: Path) -> None:
    config = str(demo_copy / "feedsync.yaml")
    quiet = runner.invoke(app, ["build", "-c", config, "--quiet"])
    assert quiet.exit_code == 0 and quiet.stderr == "" and quiet.stdout == ""
    verbose = runner.invoke(app, ["build", "-c", config, "-v"])
    assert "channel: channel=google items=88" in verbose.stderr
    assert "30 products, 88 variants read" in verbose.stderr
    plain = runner.invoke(app, ["build", "-c", config])
    assert "channel: channel=google" not in plain.stderr  # events only with -v


def test_progress_bars_only_on_a_terminal(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    output.configure(False, 0, "text")
    with Progress().shown() as progress:
        assert not progress.active
        progress({"rows read": 500})
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    with Progress().shown() as progress:
        assert progress.active
        progress({"rows read": 500, "google items": 498})
    output.configure(False, 0, "json")
    with Progress().shown() as progress:
        assert not progress.active  # JSON logs on a terminal: still no bars


def test_build_on_a_pipe_shows_no_progress(demo_copy: Path) -> None:
    done = runner.invoke(app, ["build", "-c", str(demo_copy / "feedsync.yaml")])
    assert done.exit_code == 0
    assert "rows read" not in done.stderr and "\x1b[" not in done.stderr


def test_uploads_and_polling_show_as_progress_lines(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from feedsync.events import event
    from feedsync.state import State
    from feedsync.sync import Change, Recorder

    output.configure(False, 0, "text")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    with Progress().shown() as progress:
        event("poll", destination="amazon_sp_api", feed_id="50042", status="IN_PROGRESS")
        assert "waiting: amazon_sp_api 50042" in progress._tasks
        told: list[dict[str, int]] = []
        with State(tmp_path / "state.sqlite") as state:
            recorder = Recorder(state, "facebook", "meta_catalog_api:1", progress=told.append)
            recorder.accepted([Change("A1", {"id": "A1"}, "h1"), Change("A2", {"id": "A2"}, "h2")])
            recorder.removed(["OLD"])
        assert told == [{"facebook sent": 2, "facebook deleted": 0}, {"facebook sent": 2, "facebook deleted": 1}]


class _Stream:
    """A text stream that counts how often it is asked whether it is a terminal."""

    def __init__(self, terminal: bool) -> None:
        self.terminal, self.asked, self.written = terminal, 0, ""

    def isatty(self) -> bool:
        self.asked += 1
        return self.terminal

    def write(self, text: str) -> int:
        self.written += text
        return len(text)

    def flush(self) -> None:
        pass


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_stderr_is_asked_once_whether_it_is_a_terminal(monkeypatch: pytest.MonkeyPatch, log_format: str) -> None:
    """A run prints a line per finding: the stream is asked once (not per line); the lines are what typer writes,
    ANSI codes stripped off a terminal and kept on one."""
    for terminal in (False, True):
        output.configure(False, 0, log_format)
        stream = _Stream(terminal)
        monkeypatch.setattr(sys, "stderr", stream)
        for number in range(3):
            output.say(f"\x1b[1mline {number}\x1b[0m")
        assert stream.asked == (1 if not terminal else 1 + 3)  # on a terminal typer asks again: a person reads
        if log_format == "text":  # (JSON escapes the codes)
            assert ("\x1b[1m" in stream.written) == terminal
        assert stream.written.count("line ") == 3
    monkeypatch.undo()
    output.configure(False, 0, "text")
    other = _Stream(False)
    monkeypatch.setattr(sys, "stderr", other)  # a new stream (another command's): asked again
    output.say("one")
    assert other.asked == 1 and other.written == "one\n"
