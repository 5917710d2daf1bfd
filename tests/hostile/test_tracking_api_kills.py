"""push-tracking through the SP-API, killed (SIGKILL) while a confirmShipment request is on the wire, against
a loopback server standing in for Amazon: the rerun sends the package in flight again with the same
packageReferenceId and the same body, sends the packages never sent, and nothing else."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from feedsync.cli.app import app
from tests.hostile.tracking_shop import make_shop, packages, runner, write_shipments

PACKAGES = packages(count=8, orders=3)  # under confirmShipment's burst of 10: no waiting on the rate limit
KILL_AT = 4  # the 4th confirmShipment request kills the run


class Amazon(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.confirmations: list[tuple[str, dict[str, Any]]] = []
        self.victim: subprocess.Popen[bytes] | None = None


class Handler(BaseHTTPRequestHandler):
    server: Amazon

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/auth/o2/token":
            self._answer(200, json.dumps({"access_token": "Atza|t", "expires_in": 3600}).encode())
            return
        order = self.path.split("/")[4]
        self.server.confirmations.append((order, json.loads(body)["packageDetail"]))
        victim = self.server.victim
        if victim is not None and len(self.server.confirmations) == KILL_AT:
            os.kill(victim.pid, signal.SIGKILL)  # Amazon has the request; the run dies before the answer
            victim.wait()
            return
        self._answer(204, b"")

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def amazon() -> Iterator[Amazon]:
    server = Amazon()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_run_killed_mid_request_resends_that_package_with_the_same_reference_and_nothing_twice_else(
    amazon: Amazon, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = tmp_path / "shop"
    make_shop(shop)
    base = f"http://127.0.0.1:{amazon.server_address[1]}"
    with (shop / "feedsync.yaml").open("a", encoding="utf-8") as config:
        config.write(
            "  api:\n    marketplace_id: ATVPDKIKX0DER\n    client_id: amzn1.application-oa2-client.x\n"
            f"    client_secret: {{env: FS_CLIENT}}\n    refresh_token: {{env: FS_REFRESH}}\n"
            f"    endpoint: {base}\n    lwa_url: {base}/auth/o2/token\n"
        )
    write_shipments(shop / "shipments.csv", PACKAGES)
    secrets = {"FS_CLIENT": "client-secret", "FS_REFRESH": "Atzr|refresh"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDSYNC_FAULT")} | secrets
    amazon.victim = subprocess.Popen(
        [sys.executable, "-m", "feedsync", "push-tracking", "--shipments", "shipments.csv"],
        cwd=shop,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert amazon.victim.wait(timeout=60) == -signal.SIGKILL
    amazon.victim = None
    with sqlite3.connect(shop / ".feedsync" / "state.sqlite") as db:
        left = Counter(state for (state,) in db.execute("SELECT state FROM shipments"))
    assert left == {"confirmed": KILL_AT - 1, "sending": 1}

    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    argv = ["push-tracking", "-c", str(shop / "feedsync.yaml"), "--shipments", str(shop / "shipments.csv")]
    rerun = runner.invoke(app, argv)
    assert rerun.exit_code == 0, rerun.output
    again = runner.invoke(app, argv)
    assert again.exit_code == 0 and "8 confirmed before" in again.stderr

    sent = Counter((order, detail["packageReferenceId"]) for order, detail in amazon.confirmations)
    assert len(sent) == len(PACKAGES) and sum(sent.values()) == len(PACKAGES) + 1
    [(twice, _)] = [(key, n) for key, n in sent.items() if n == 2]
    in_flight, resent = (
        detail for order, detail in amazon.confirmations if (order, detail["packageReferenceId"]) == twice
    )
    assert in_flight == resent and amazon.confirmations[KILL_AT - 1][1] == in_flight
    with sqlite3.connect(shop / ".feedsync" / "state.sqlite") as db:
        assert db.execute("SELECT state, COUNT(*) FROM shipments GROUP BY state").fetchall() == [("confirmed", 8)]
