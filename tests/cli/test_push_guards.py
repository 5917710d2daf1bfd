"""push from cron: the item-count guardrail, --force, --dry-run, the lock, --report, history, kept versions."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import respx
from typer.testing import CliRunner

from feedsync.cli.app import app
from feedsync.lock import run_lock
from feedsync.state import State
from tests.channels.test_channels import amazon_config, messages
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


def test_a_quiet_push_tells_cron_why_it_refused(tmp_path: Path) -> None:
    """--quiet (errors only, for cron): a refused publish is an error, so its finding is printed, and nothing else
    but the failure; a push that goes well prints nothing."""
    catalog(tmp_path, 10)
    done = runner.invoke(app, ["push", "-q"])
    assert done.exit_code == 0 and done.stderr == "" and done.stdout == ""
    catalog(tmp_path, 7)
    result = runner.invoke(app, ["push", "-q"])
    assert result.exit_code == 1 and feed_items(tmp_path) == 10
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and "DST002 google not published: the item count fell from 10 to 7" in lines[0], lines
    assert lines[0].endswith("(error [google])") and lines[1].startswith("failed: ")


def test_dry_run_changes_nothing(tmp_path: Path) -> None:
    catalog(tmp_path, 3)
    result = runner.invoke(app, ["push", "--dry-run"])
    assert result.exit_code == 0
    assert (
        f"google: 3 items, 0 excluded, 0 rejected; would publish 3 items to directory:{tmp_path / 'www'}"
        in result.stderr
    )
    assert not (tmp_path / "www").exists() and not (tmp_path / "out").exists()
    assert (
        "no runs yet" in runner.invoke(app, ["history"]).stdout or "push" not in runner.invoke(app, ["history"]).stdout
    )


def test_a_dry_run_names_no_file_of_its_temporary_folder(tmp_path: Path) -> None:
    """A dry run (and a validate that counts the changes) builds into a temporary folder, gone once it ends: its
    report named that folder's feed as the output, and a refusal was located at it."""
    catalog(tmp_path, 10)
    assert runner.invoke(app, ["push"]).exit_code == 0
    catalog(tmp_path, 7)
    result = runner.invoke(app, ["push", "--dry-run", "--report", "run.json"])
    assert result.exit_code == 1
    assert "<run>: DST002 google not published: the item count fell from 10 to 7" in result.stderr
    report = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert report["channels"]["google"]["output"] is None
    [refusal] = [d for d in report["diagnostics"] if d["code"] == "DST002"]
    assert refusal["location"] is None
    checked = runner.invoke(app, ["validate", "--html", "report.html", "--format", "json"])
    assert json.loads(checked.stdout)["channels"]["google"]["output"] is None
    assert runner.invoke(app, ["push"]).exit_code == 1  # a push's own output is named as before
    assert "out/google.xml: DST002" in runner.invoke(app, ["push"]).stderr


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


def test_a_version_link_and_temp_files_left_by_a_killed_push_do_not_wedge_publishing(tmp_path: Path) -> None:
    catalog(tmp_path, 3)
    assert runner.invoke(app, ["push"]).exit_code == 0
    www, out = tmp_path / "www", tmp_path / "out"
    # What a push killed after versioning the feed, halfway through copying the new one, leaves behind.
    feed = www / "google.xml"
    stamp = datetime.fromtimestamp(feed.stat().st_mtime, UTC).strftime("%Y%m%dT%H%M%S%fZ")
    os.link(feed, www / f"google.xml.{stamp}")
    for leftover in (www / ".google.xml.k1ll3d_1.tmp", out / ".google.xml.k1ll3d_2.tmp"):
        leftover.write_bytes(b"<rss>half a feed")
        os.utime(leftover, (1_000_000_000, 1_000_000_000))
    (www / ".other.xml.k1ll3d_3.tmp").write_bytes(b"not ours")  # another file's temp name: left alone
    catalog(tmp_path, 4)
    for _ in range(2):
        result = runner.invoke(app, ["push"])
        assert result.exit_code == 0, result.output
    assert feed_items(tmp_path) == 4
    assert sorted(p.name for p in out.iterdir()) == ["google.xml"]
    names = sorted(p.name for p in www.iterdir())
    assert names[:2] == [".other.xml.k1ll3d_3.tmp", "google.xml"] and len(names) == 4  # + the 2 kept versions
    assert f"google.xml.{stamp}" in names  # the link the killed run made was reused


def test_a_channel_that_cannot_be_published_does_not_stop_the_others(tmp_path: Path) -> None:
    make_config(
        tmp_path,
        HEADER + row("P1"),
        channel_extra="    destination: {type: directory, path: blocked}\n"
        "  local:\n    profile: google_merchant\n    destination: {type: directory, path: www}\n",
    )
    (tmp_path / "blocked").write_text("a file where the folder should be", encoding="utf-8")
    result = runner.invoke(app, ["push"])
    assert result.exit_code == 3
    assert f"DST006 google not published to directory:{tmp_path / 'blocked'}: cannot publish to" in result.stderr
    assert f"{tmp_path / 'blocked'} is a file, not a folder: give the destination's path a folder" in result.stderr
    assert "the feed published before stays" in result.stderr
    assert (tmp_path / "www" / "local.xml").read_text(encoding="utf-8").count("<item>") == 1
    history = runner.invoke(app, ["history"]).stdout
    assert re.search(r" local .* published\n", history) and re.search(r" google .* failed: cannot publish", history)


def test_a_split_feed_that_shrinks_leaves_no_old_part_behind(tmp_path: Path) -> None:
    path = amazon_config(tmp_path, ", max_messages: 2}\n    destination: {type: directory, path: www, keep: 1")
    assert runner.invoke(app, ["push"]).exit_code == 0
    www = tmp_path / "www"
    assert sorted(p.name for p in www.iterdir()) == ["amazon.2.json", "amazon.3.json", "amazon.json"]
    path.write_text(path.read_text(encoding="utf-8").replace("max_messages: 2", "max_messages: 3"), encoding="utf-8")
    assert runner.invoke(app, ["push"]).exit_code == 0
    current = sorted(p.name for p in www.iterdir() if not p.name.endswith("Z"))
    assert current == ["amazon.2.json", "amazon.json"]  # amazon.3.json is gone: its SKUs are not listed twice
    skus = [m["sku"] for name in current for m in messages(www / name)]
    assert sorted(skus) == ["A1", "B1", "B2", "C1", "G"]
    assert sorted(p.name[: p.name.index("json") + 4] for p in www.iterdir() if p.name.endswith("Z")) == [
        "amazon.2.json",
        "amazon.3.json",  # kept as a version like any replaced file, then pruned to keep: 1 in turn
        "amazon.json",
    ]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["amazon.2.json", "amazon.json"]


def test_a_gradual_collapse_is_refused_against_the_largest_recent_count(tmp_path: Path) -> None:
    for count in (88, 72, 59):  # each push loses less than 20 %
        catalog(tmp_path, count)
        result = runner.invoke(app, ["push"])
    assert result.exit_code == 1 and feed_items(tmp_path) == 72
    assert (
        "DST007 google not published: the item count fell from 88 (the largest of the last 2 pushes) to 59 (33.0%"
        in result.stderr
    )
    assert runner.invoke(app, ["push", "--force"]).exit_code == 0 and feed_items(tmp_path) == 59
    catalog(tmp_path, 50)  # 15 % below the forced push, which starts the history again
    assert runner.invoke(app, ["push"]).exit_code == 0 and feed_items(tmp_path) == 50
    history = runner.invoke(app, ["history"]).stdout.splitlines()
    assert "published: published with --force past a guardrail" in history[2]


def test_the_history_is_a_channel_key(tmp_path: Path) -> None:
    for count in (88, 72, 59):
        make_config(
            tmp_path,
            HEADER + "".join(row(f"P{i}", size=str(i)) for i in range(count)),
            channel_extra=DEST + "    guardrail_history: 1\n",
        )
        assert runner.invoke(app, ["push"]).exit_code == 0  # only the last push counts, as before


def test_status_shows_a_killed_push_as_interrupted(tmp_path: Path) -> None:
    catalog(tmp_path, 3)
    assert runner.invoke(app, ["push"]).exit_code == 0
    state_path = tmp_path / ".feedsync" / "state.sqlite"
    with State(state_path) as state:
        state.start_run("push", "google", "directory:www")  # a push killed before it recorded its outcome
    with run_lock(state_path):  # while a process holds the lock, the run may be alive
        live = runner.invoke(app, ["status", "--format", "json"])
    assert live.exit_code == 0 and json.loads(live.stdout)["channels"][0]["outcome"] == "running"
    dead = runner.invoke(app, ["status", "--format", "json"])
    assert dead.exit_code == 1
    assert json.loads(dead.stdout)["channels"][0]["outcome"] == "interrupted"
    assert "interrupted: the run ended without recording its outcome" in runner.invoke(app, ["history"]).stdout
    assert runner.invoke(app, ["push"]).exit_code == 0
    with State(state_path) as state:
        assert [run.outcome for run in state.runs()] == ["published", "interrupted", "published"]


def test_a_push_stopped_with_ctrl_c_is_recorded_as_interrupted_not_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C during a push ended 130 and said "interrupted", but its runs were recorded as failed
    (``failed: KeyboardInterrupt:``), which status and history showed."""
    from feedsync.destinations.directory import DirectoryPublisher

    catalog(tmp_path, 3)

    def stopped(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(DirectoryPublisher, "publish", stopped)
        assert runner.invoke(app, ["push"]).exit_code == 130
    history = runner.invoke(app, ["history"]).stdout
    assert "interrupted: stopped by the user (Ctrl-C)" in history and "KeyboardInterrupt" not in history
    status = runner.invoke(app, ["status", "--format", "json"])
    assert json.loads(status.stdout)["channels"][0]["outcome"] == "interrupted"
    assert runner.invoke(app, ["push"]).exit_code == 0
    with State(tmp_path / ".feedsync" / "state.sqlite") as state:
        assert [run.outcome for run in state.runs()] == ["published", "interrupted"]  # (newest first)
