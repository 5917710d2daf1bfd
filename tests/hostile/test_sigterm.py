"""SIGTERM (a cron's ``timeout``, a container stopped) stops a push as Ctrl-C does: ``terminated`` on stderr, exit
143, the runs recorded as interrupted, no temporary file left, the feed published before whole; the next push
finishes the job. Before, the process ended where it was (143, nothing said), its runs left running and its
temporary files behind."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from feedsync.cli import common, entry
from tests.hostile.loopback import JsonHandler, serving

HEADER = "id,title,description,link,image_link,price,availability,brand,condition\n"
ROWS = "".join(
    f"P{n},Tee {n},Soft,https://s.example/p{n},https://s.example/p{n}.jpg,10.00,in stock,Acme,new\n" for n in range(5)
)


class Stalling(JsonHandler):
    """Meta's items_batch that answers only once released (the push is waiting on it when SIGTERM comes)."""

    begun: ClassVar[threading.Event] = threading.Event()
    release: ClassVar[threading.Event] = threading.Event()

    def do_POST(self) -> None:
        self.body()
        Stalling.begun.set()
        Stalling.release.wait(60)
        self.answer({"handles": ["h-1"]})

    def do_GET(self) -> None:
        self.answer({"data": [{"handle": "h-1", "status": "finished", "errors": []}]})


@pytest.fixture
def server() -> Iterator[str]:
    Stalling.begun.clear()
    Stalling.release.clear()
    with serving(Stalling) as url:
        yield url
    Stalling.release.set()


def test_the_exit_code_is_the_cli_s() -> None:
    assert entry.EXIT_TERMINATED == common.EXIT_TERMINATED == 143


def test_sigterm_stops_a_push_as_ctrl_c_does(tmp_path: Path, server: str) -> None:
    (tmp_path / "products.csv").write_text(HEADER + ROWS, encoding="utf-8")
    (tmp_path / "feedsync.yaml").write_text(
        "source: {path: products.csv, currency: USD}\nchannels:\n"
        "  google:\n    profile: google_merchant\n    destination: {type: directory, path: www}\n"
        "  meta:\n    profile: facebook\n"
        "    destination: {type: meta_catalog_api, catalog_id: '42', access_token: {env: FS_META_TOKEN}, "
        f"poll_interval: 0.01, endpoint: '{server}'}}\n",
        encoding="utf-8",
    )
    env = {**os.environ, "FS_META_TOKEN": "meta-token"}
    env = {k: v for k, v in env.items() if not k.startswith("FEEDSYNC_FAULT")}
    process = subprocess.Popen(
        [sys.executable, "-m", "feedsync", "push"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert Stalling.begun.wait(60), process.communicate(timeout=60)
    time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 143, err
    assert err.decode().endswith("terminated\n"), err
    left = [p.name for p in tmp_path.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".feedsync-rows")]
    assert left == []
    with sqlite3.connect(tmp_path / ".feedsync" / "state.sqlite") as db:
        runs = db.execute("SELECT channel, outcome, message FROM runs ORDER BY id").fetchall()
    assert [r[1] for r in runs if r[0] == "meta"] == ["interrupted"]
    assert all("SIGTERM" in (r[2] or "") for r in runs if r[1] == "interrupted")
    Stalling.release.set()
    done = subprocess.run(
        [sys.executable, "-m", "feedsync", "push"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "www" / "google.xml").read_text(encoding="utf-8").count("<item>") == 5
