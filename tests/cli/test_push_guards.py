"""push from cron: the item-count guardrail, --force, --dry-run, the lock, --report, history, kept versions."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pytest
import respx
from typer.testing import CliRunner

from feedsync.cli.app import app
from feedsync.lock import run_lock
from tests.conftest import HEADER, make_config, row

runner = CliRunner(env={"COLUMNS": "200"})
DEST = "    destination: {type: directory, path: www, keep: 2}\n"


def catalog(tmp_path: Path, count: int) -> None:
    make_config(tmp_path, HEADER + "".join(row(f"P{i}", size=str(i)) for i in range(count)), channel_extra=DEST)


@pytest.fixture(autouse=True)
def _chdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def feed_items(tmp_path: Path) -> int:
    return (tmp_path / "www" / "google.xml").read_text(encoding="utf-8").count("<item>")


def test_a_broken_export_does_not_wipe_the_feed(tmp_path: Path) -> None:
    catalog(tmp_path, 10)
    assert runner.invoke(app, ["push"]).exit_code == 0
    catalog(tmp_path, 7)  # a partial export: 30 % of the items are gone
    result = runner.invoke(app, ["push"])
    assert result.exit_code == 1
    assert (
        "DST002 google not published: the item count fell from 10 to 7 (30.0%, more than max_drop_percent 20%)"
        in result.stderr
    )
    assert feed_items(tmp_path) == 10  # the last good feed stays
    catalog(tmp_path, 9)  # 10 % is within the limit
    assert runner.invoke(app, ["push"]).exit_code == 0 and feed_items(tmp_path) == 9
    catalog(tmp_path, 5)
    assert runner.invoke(app, ["push", "--force"]).exit_code == 0 and feed_items(tmp_path) == 5
    history = runner.invoke(app, ["history"]).stdout.splitlines()
    assert [line.split()[4].rstrip(":") for line in history[1:]] == ["published", "published", "refused", "published"]
    assert "refused: the item count fell from 10 to 7" in history[3]  # newest first


def test_dry_run_changes_nothing(tmp_path: Path) -> None:
    catalog(tmp_path, 3)
    result = runner.invoke(app, ["push", "--dry-run"])
    assert result.exit_code == 0
    assert f"google: 3 items: would publish 3 items to directory:{tmp_path / 'www'}" in result.stderr
    assert not (tmp_path / "www").exists() and not (tmp_path / "out").exists()
    assert (
        "no runs yet" in runner.invoke(app, ["history"]).stdout or "push" not in runner.invoke(app, ["history"]).stdout
    )


def test_a_second_push_while_one_runs_does_nothing(tmp_path: Path) -> None:
    catalog(tmp_path, 3)
    with run_lock(tmp_path / ".feedsync" / "state.sqlite"):
        result = runner.invoke(app, ["push"])
    assert result.exit_code == 2
    assert "another feedsync run holds" in result.stderr and f"pid {os.getpid()}" in result.stderr
    assert not (tmp_path / "www").exists()
    assert runner.invoke(app, ["push"]).exit_code == 0  # released


def test_report_file_and_kept_versions(tmp_path: Path) -> None:
    catalog(tmp_path, 3)
    for _ in range(4):
        assert runner.invoke(app, ["push", "--report", "run.json"]).exit_code == 0
    report = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert report["command"] == "push" and report["channels"]["google"]["published"] == str(
        tmp_path / "www" / "google.xml"
    )
    versions = sorted(p.name for p in (tmp_path / "www").iterdir())
    assert versions[0] == "google.xml" and len(versions) == 3  # the feed and the 2 kept versions
    assert all(v.startswith("google.xml.2") and v.endswith("Z") for v in versions[1:])


@respx.mock
def test_failed_pushes_and_tripped_guardrails_are_notified(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    hook = respx.post("https://hooks.example.com/feedsync").mock(return_value=httpx.Response(204))
    notify = "notify: {webhook: 'https://hooks.example.com/feedsync'}\n"
    catalog(tmp_path, 10)
    (tmp_path / "feedsync.yaml").write_text(
        (tmp_path / "feedsync.yaml").read_text(encoding="utf-8") + notify, encoding="utf-8"
    )
    assert runner.invoke(app, ["push"]).exit_code == 0
    assert hook.call_count == 0  # a good push is quiet
    catalog(tmp_path, 5)
    (tmp_path / "feedsync.yaml").write_text(
        (tmp_path / "feedsync.yaml").read_text(encoding="utf-8") + notify, encoding="utf-8"
    )
    assert runner.invoke(app, ["push"]).exit_code == 1
    body = json.loads(hook.calls[0].request.content)
    assert body["event"] == "push_refused" and "google: the item count fell from 10 to 5" in body["reason"]
    assert body["channels"]["google"]["refused"].startswith("the item count fell")
    (tmp_path / "products.csv").unlink()
    assert runner.invoke(app, ["push"]).exit_code == 2
    failed = json.loads(hook.calls[1].request.content)
    assert failed["event"] == "push_failed" and "source file not found" in failed["reason"]


@respx.mock
def test_an_unreachable_webhook_does_not_fail_the_push(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    respx.post("https://hooks.example.com/down").mock(return_value=httpx.Response(503))
    catalog(tmp_path, 4)
    config = tmp_path / "feedsync.yaml"
    config.write_text(
        config.read_text(encoding="utf-8") + "notify: {webhook: 'https://hooks.example.com/down'}\n", encoding="utf-8"
    )
    assert runner.invoke(app, ["push"]).exit_code == 0
    catalog(tmp_path, 1)
    config.write_text(
        config.read_text(encoding="utf-8") + "notify: {webhook: 'https://hooks.example.com/down'}\n", encoding="utf-8"
    )
    assert runner.invoke(app, ["push"]).exit_code == 1  # the refusal, not the webhook, decides the exit code
