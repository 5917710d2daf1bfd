"""Builds a catalog in one process and with its rows split, and tells every difference: the files written, the
findings in order, the counts. Shared by the row-split tests."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from feedsync import pipeline, rows
from feedsync.config import Config
from feedsync.diagnostics import Report

CHANNELS = """channels:
  google: {profile: google_merchant}
  facebook: {profile: facebook}
  amazon: {profile: amazon, settings: {seller_id: A2ROWS0001, default_product_type: SHIRT%s}}
"""


def write_config(folder: Path, source: str, *, max_messages: int | None = None, extra: str = "") -> Path:
    settings = f", max_messages: {max_messages}" if max_messages else ""
    text = (
        f"source:\n  path: {source}\n  currency: USD\n  base_url: https://shop.example.com\n{extra}"
        + CHANNELS % settings
        + "output_dir: out\n"
    )
    path = folder / "feedsync.yaml"
    path.write_text(text, encoding="utf-8")
    return path


class RowEvents(logging.Handler):
    """The ``rows`` events of a run: whether its rows were split, and why not."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage() == "rows":
            self.found.append(dict(record.fields))  # type: ignore[attr-defined]


@contextmanager
def row_events() -> Iterator[RowEvents]:
    logger = logging.getLogger("feedsync.events")
    handler, level = RowEvents(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}


def summary(report: Report) -> tuple[Any, ...]:
    counts = {name: (r.items, r.excluded, r.rejected, len(r.parts)) for name, r in report.channels.items()}
    return report.variants, report.products, counts, report.items


def build_both(
    config: Config, tmp: Path, monkeypatch: pytest.MonkeyPatch, *, jobs: int = 3, command: str = "build"
) -> tuple[Report, Report, list[dict[str, Any]]]:
    """The run in one process and the run with the rows split in ``jobs`` (shares of any size), asserted the
    same: files, findings in order, counts. Returns both reports and the split run's ``rows`` events."""
    monkeypatch.setattr(rows, "MIN_ROWS", 1)
    serial = pipeline.run(config, command, out_dir=tmp / "serial", validate=True, record_items=True, jobs=1)  # type: ignore[arg-type]
    with row_events() as events:
        split = pipeline.run(config, command, out_dir=tmp / "split", validate=True, record_items=True, jobs=jobs)  # type: ignore[arg-type]
    if command == "build":
        mine, theirs = files(tmp / "serial"), files(tmp / "split")
        assert mine.keys() == theirs.keys()
        for name in mine:
            assert mine[name] == theirs[name], name
        assert not [p for p in (tmp / "split").iterdir() if p.is_dir()], "a scratch folder was left"
    if events.found[-1]["split"]:
        assert split.diagnostics == serial.diagnostics
    else:  # not split (or ``rows.Unsplit``: made as though never split): the channel split tells each group's in turn
        assert Counter(split.diagnostics) == Counter(serial.diagnostics)
    assert summary(split) == summary(serial)
    return serial, split, events.found
