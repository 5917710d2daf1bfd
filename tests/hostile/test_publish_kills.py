"""Kill ``feedsync push`` at every step of publishing (feedsync.faults) and check that the next push converges:
exit 0, the destination holds exactly the new feeds and the kept versions, no temp files, no stale parts of a
split feed, and a state that says what happened (the killed runs interrupted, the items of the new feeds)."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feedsync.cli.app import app
from feedsync.faults import KILLED
from tests.channels.test_channels import CSV
from tests.hostile.killing import points_passed, run_feedsync

runner = CliRunner(env={"COLUMNS": "200"})
AMAZON = "seller_id: A1SELLER, marketplace_id: A1PA6795UKMFR9, language_tag: de_DE, default_product_type: SHIRT"
VERSION = re.compile(r"google\.xml\.\d{8}T\d{12}Z")


def write_config(folder: Path, *, max_messages: int, price: str) -> None:
    """google (directory, keep: 2) and amazon (directory, split into documents of ``max_messages``)."""
    (folder / "products.csv").write_text(CSV.replace(",10,in stock,", f",{price},in stock,"), encoding="utf-8")
    (folder / "feedsync.yaml").write_text(
        "source: {path: products.csv, currency: EUR, base_url: 'https://s.example'}\nchannels:\n"
        "  google:\n    profile: google_merchant\n    destination: {type: directory, path: www, keep: 2}\n"
        f"  amazon:\n    profile: amazon\n    settings: {{{AMAZON}, max_messages: {max_messages}}}\n"
        "    destination: {type: directory, path: www}\n",
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder after one clean push (amazon in 3 documents), with the next catalog waiting (amazon in 1)."""
    folder = tmp_path_factory.mktemp("published")
    write_config(folder, max_messages=2, price="10")
    assert run_feedsync("push", cwd=folder).returncode == 0
    assert sorted(p.name for p in (folder / "www").iterdir()) == [
        "amazon.2.json",
        "amazon.3.json",
        "amazon.json",
        "google.xml",
    ]
    write_config(folder, max_messages=25000, price="11")
    return folder


# Every pass of a checkpoint in the second push, in order: the feeds are written into out/, then google.xml is
# versioned and replaced, then amazon.json replaced and the two parts it no longer has removed.
PUBLISH_STEPS = [
    "atomic.written",  # out/google.xml
    "atomic.written",  # out/amazon.json
    "directory.version-kept",  # www/google.xml.<stamp>
    "atomic.written",  # www/google.xml
    "directory.replaced",
    "atomic.written",  # www/amazon.json
    "directory.replaced",
    "directory.stale-removed",  # www/amazon.2.json
    "directory.stale-removed",  # www/amazon.3.json
]
KILLS = [f"{point}:{Counter(PUBLISH_STEPS[: i + 1])[point]}" for i, point in enumerate(PUBLISH_STEPS)]


def test_the_push_passes_these_publish_steps(published: Path, tmp_path: Path) -> None:
    work = shutil.copytree(published, tmp_path / "work")
    assert points_passed("push", cwd=work) == PUBLISH_STEPS


@pytest.mark.parametrize("fault", KILLS)
def test_a_push_killed_at_any_publish_step_is_finished_by_the_next(
    fault: str, published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = shutil.copytree(published, tmp_path / "work")
    before = {p.read_bytes() for p in (work / "www").iterdir()}
    killed = run_feedsync("push", cwd=work, fault=fault)
    assert killed.returncode == KILLED, killed.stderr
    monkeypatch.chdir(work)

    seen = runner.invoke(app, ["status", "--format", "json"])
    assert seen.exit_code == 1  # the killed run needs attention, it is not "running" for ever
    assert {c["outcome"] for c in json.loads(seen.stdout)["channels"]} == {"interrupted"}

    again = runner.invoke(app, ["push"])
    assert again.exit_code == 0, again.output
    out, www = work / "out", work / "www"
    assert sorted(p.name for p in out.iterdir()) == ["amazon.json", "google.xml"]  # no temp file, no old part
    published_now = sorted(p.name for p in www.iterdir() if not VERSION.fullmatch(p.name))
    assert published_now == ["amazon.json", "google.xml"]  # no temp file, no amazon.2.json / amazon.3.json
    for name in published_now:
        assert (www / name).read_bytes() == (out / name).read_bytes()
    versions = [p for p in www.iterdir() if VERSION.fullmatch(p.name)]
    assert 1 <= len(versions) <= 2
    assert all(v.read_bytes() in before | {(out / "google.xml").read_bytes()} for v in versions)

    assert runner.invoke(app, ["status"]).exit_code == 0
    with sqlite3.connect(work / ".feedsync" / "state.sqlite") as db:
        runs = db.execute("SELECT channel, outcome FROM runs ORDER BY id").fetchall()
        skus = {r[0] for r in db.execute("SELECT channel_key FROM items WHERE channel = 'amazon'")}
        staged = db.execute("SELECT COUNT(*) FROM items WHERE destination LIKE '%#staged'").fetchone()[0]
    assert [outcome for _, outcome in runs] == ["published"] * 2 + ["interrupted"] * 2 + ["published"] * 2
    amazon = json.loads((www / "amazon.json").read_text(encoding="utf-8"))["messages"]
    assert [m["sku"] for m in amazon] == ["A1", "G", "B1", "B2", "C1"] and staged == 0
    assert skus == {"A1", "B1", "B2", "C1"}  # the items (G is their parent listing), as orders map them back
