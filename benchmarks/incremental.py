"""Incremental push vs full push: ``python benchmarks/incremental.py [N] [CHANGED_PERCENT]``.

Generates an N-variant catalog (default 100,000) and pushes its facebook channel to a ``meta_catalog_api``
destination whose endpoint is a Catalog Batch API stand-in on loopback (``items_batch`` answers a handle,
``check_batch_request_status`` answers ``finished``; nothing is slept). It times the first push (every item
sent), changes the price of CHANGED_PERCENT of the variants (default 1), and times the second push. It prints
both wall and CPU times, how many items each push sent, and their ratios (on a busy machine the CPU ratio is the
steadier one).
"""

from __future__ import annotations

import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bytecode import compile_package
from generate import generate

SENT = {"items": 0, "calls": 0}


class CatalogBatchApi(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return None

    def _answer(self, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        form = parse_qs(self.rfile.read(int(self.headers["content-length"])).decode())
        SENT["items"] += len(json.loads(form["requests"][0]))
        SENT["calls"] += 1
        self._answer({"handles": [f"h{SENT['calls']}"]})

    def do_GET(self) -> None:
        self._answer({"data": [{"status": "finished", "errors": []}]})


def _cpu() -> float:
    """CPU seconds (user + system) of the finished child processes."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def push(config: Path) -> tuple[float, float, int]:
    """Wall and CPU seconds of a push of ``config``, and how many items it sent."""
    before = SENT["items"]
    cpu = _cpu()
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "feedsync", "push", "-c", str(config), "--channel", "facebook"],
        capture_output=True,
        env={**os.environ, "FS_BENCH_TOKEN": "bench-token"},
    )
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr.decode()[-2000:])
    return wall, _cpu() - cpu, SENT["items"] - before


def change_prices(source: Path, percent: float) -> int:
    rows = list(csv.DictReader(source.open(encoding="utf-8", newline="")))
    step = max(1, round(100 / percent))
    changed = 0
    for index in range(0, len(rows), step):
        rows[index]["price"] = f"{float(rows[index]['price']) + 1:.2f}"
        changed += 1
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return changed


def main(count: int, percent: float) -> None:
    compile_package()
    server = ThreadingHTTPServer(("127.0.0.1", 0), CatalogBatchApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as tmp:
        config = generate(count, Path(tmp))
        text = config.read_text(encoding="utf-8").replace(
            "  facebook: {profile: facebook, category_map: categories.yaml}",
            "  facebook:\n    profile: facebook\n    category_map: categories.yaml\n"
            "    destination: {type: meta_catalog_api, catalog_id: '1234', access_token: {env: FS_BENCH_TOKEN}, "
            f"endpoint: 'http://127.0.0.1:{server.server_address[1]}', poll_interval: 0.01}}",
        )
        config.write_text(text, encoding="utf-8")
        full, full_cpu, sent_full = push(config)
        changed = change_prices(Path(tmp) / "products.csv", percent)
        delta, delta_cpu, sent_delta = push(config)
    server.shutdown()
    print(f"variants: {count:,}; changed: {changed:,} ({percent:g} %)")
    print(f"full push:        {full:7.1f} s ({full_cpu:.1f} s CPU), {sent_full:,} items sent")
    print(f"incremental push: {delta:7.1f} s ({delta_cpu:.1f} s CPU), {sent_delta:,} items sent")
    print(f"incremental / full: {delta / full * 100:.0f} % ({delta_cpu / full_cpu * 100:.0f} % of the CPU time)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000, float(sys.argv[2]) if len(sys.argv) > 2 else 1.0)
