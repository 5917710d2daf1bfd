"""Run by tests/columnar/test_gate_shares.py in a process of its own: a catalog built (or validated) with its rows
split over processes, each share's rows a column at a time where it can (Polars is imported only after the shares'
processes are forked, as in a real run), then in one process per row; prints what they did as JSON lines on the
standard output (each share's ``columnar`` event, the ``rows`` events, whether the two runs wrote and found the same).

    python -m tests.columnar.split_run DIRECTORY JOBS COMMAND CHUNK [JUDGE]

(``JUDGE``: the rows a gate judges the columns by, ``gate.JUDGE``; ``SPLIT_RUN_SLOW=SECONDS`` in the environment: the
reader takes each batch but the first that much later, so that the batches are made ahead of it.)
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROWS: list[dict[str, Any]] = []
"""This process's ``rows`` events."""


class _Lines(logging.Handler):
    """Each event a JSON line, written at once (a share's process ends without flushing its buffers)."""

    def emit(self, record: logging.LogRecord) -> None:
        fields = getattr(record, "fields", {})
        line = {"event": record.getMessage(), **{k: v for k, v in fields.items() if k != "why" or v}}
        if line["event"] == "rows":
            ROWS.append(line)
        os.write(1, (json.dumps(line, default=str) + "\n").encode())


def _findings(report: Any) -> list[str]:
    return [repr(d) for d in report.diagnostics]


def _documents(report: Any) -> dict[str, bytes]:
    return {
        path.name: path.read_bytes()
        for result in report.channels.values()
        for path in ([result.output] if result.output else []) + list(result.parts)
    }


def main(directory: Path, jobs: int, command: str, chunk: int, judge: int | None = None) -> None:
    from feedsync import pipeline, rows
    from feedsync.columnar import gate
    from feedsync.config import load_config

    assert "polars" not in sys.modules
    rows.MIN_ROWS = 1
    gate.MIN_BYTES, gate.SHARE_MIN_BYTES, gate.CHUNK, gate.EXPORT_CHUNK = 0, 0, chunk, chunk
    if judge is not None:
        gate.JUDGE = judge
    slow = float(os.environ.get("SPLIT_RUN_SLOW", "0"))
    if slow:
        taken = gate.Gate._next

        def late(self: gate.Gate) -> Any:
            if self.batch is not None:
                time.sleep(slow)
            return taken(self)

        gate.Gate._next = late  # type: ignore[method-assign]
    log = logging.getLogger("feedsync.events")
    log.setLevel(logging.INFO)
    log.addHandler(_Lines())
    options: dict[str, Any] = {"out_dir": directory / "split", "validate": True} if command == "build" else {}
    config = load_config(directory / "feedsync.yaml")
    split = pipeline.run(config, command, jobs=jobs, record_items=True, **options)  # type: ignore[arg-type]
    log.handlers.clear()
    pipeline._columnar = lambda *args, **named: None  # one process, per row
    options = {**options, "out_dir": directory / "serial"} if options else options
    serial = pipeline.run(config, command, jobs=1, record_items=True, **options)  # type: ignore[arg-type]
    counts = {n: (r.items, r.excluded, r.rejected) for n, r in split.channels.items()}
    last = next((e for e in reversed(ROWS) if "split" in e), {})
    by_rows = bool(last.get("split"))  # else the channel split tells each group's in turn (``rows.Unsplit`` too)
    same = {
        "documents": _documents(split) == _documents(serial),
        "findings": _findings(split) == _findings(serial)
        if by_rows
        else Counter(_findings(split)) == Counter(_findings(serial)),
        "counts": counts == {n: (r.items, r.excluded, r.rejected) for n, r in serial.channels.items()},
        "items": split.items == serial.items,
        "variants": (split.variants, split.products) == (serial.variants, serial.products),
    }
    codes = Counter(d.code for d in serial.diagnostics)
    print(json.dumps({"event": "same", **same, "findings_count": len(serial.diagnostics), "codes": codes}), flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), *map(int, sys.argv[5:6]))
