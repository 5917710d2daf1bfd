"""A copy of the demo shop pushed with its row cache: google (RSS, to a folder), facebook (CSV, synced to a Meta
catalog whose sync is recorded, not sent) and google_local (one item per store, from a supplement)."""

from __future__ import annotations

import csv
import io
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from feedsync import pipeline
from feedsync.config import load_config
from feedsync.destinations.meta_catalog import MetaCatalogApi
from feedsync.rowcache import RowCache
from feedsync.state import State

CHANNELS = ["google", "facebook", "google_local"]
META = (
    "    destination:\n      type: meta_catalog_api\n      catalog_id: '1234'\n"
    "      access_token: {env: FS_TEST_META_TOKEN}\n      endpoint: 'http://127.0.0.1:9'\n"
)


@dataclass
class Outcome:
    feeds: dict[str, bytes]
    findings: list[str]
    counts: dict[str, tuple[int, int, int]]
    plans: list[Any]
    replayed: int
    computed: int


@dataclass
class Recorded:
    plans: list[Any] = field(default_factory=list)
    runs: list[tuple[int, int]] = field(default_factory=list)


def prepare(directory: Path, monkeypatch: pytest.MonkeyPatch) -> Recorded:
    """Point the demo copy's facebook channel at a Meta catalog; record syncs and row cache runs."""
    config = directory / "feedsync.yaml"
    text = config.read_text(encoding="utf-8")
    start = text.index("  facebook:\n")
    end = text.index("    destination:\n", start)
    after = text.index("      path: public\n", end) + len("      path: public\n")
    config.write_text(text[:end] + META + text[after:], encoding="utf-8")
    monkeypatch.setenv("FS_TEST_META_TOKEN", "token-for-tests")
    recorded = Recorded()

    def sync(self: MetaCatalogApi, plan: Any, recorder: Any, emit: Any, encoder: Any) -> None:
        recorded.plans.append(
            (
                sorted((c.item_id, c.digest, tuple(map(repr, c.records))) for c in plan.creates),
                sorted((c.item_id, c.digest) for c in plan.updates),
                sorted((c.item_id, c.digest) for c in plan.refreshes),
                list(plan.deletes),
                plan.unchanged,
            )
        )
        recorder.accepted(plan.upserts)
        recorder.removed(plan.deletes)

    monkeypatch.setattr(MetaCatalogApi, "sync", sync)
    save = RowCache.save

    def saving(self: RowCache) -> None:
        recorded.runs.append((self.replayed, self.computed))
        save(self)

    monkeypatch.setattr(RowCache, "save", saving)
    return recorded


def push(directory: Path, recorded: Recorded, *, fresh: bool = False, channels: list[str] = CHANNELS) -> Outcome:
    config = load_config(directory / "feedsync.yaml")
    plans, runs = len(recorded.plans), len(recorded.runs)
    with State(config.state_path) as state:
        report = pipeline.run(config, "push", channels=channels, state=state, force=True, fresh_cache=fresh)
    feeds = {f"{p.parent.name}/{p.name}": p.read_bytes() for d in ("out", "public") for p in (directory / d).glob("*")}
    where = re.escape(str(directory))
    findings = [re.sub(where, "<shop>", repr(d)) for d in report.diagnostics]
    counts = {name: (r.items, r.excluded, r.rejected) for name, r in report.channels.items()}
    replayed, computed = recorded.runs[runs] if len(recorded.runs) > runs else (0, 0)
    return Outcome(feeds, findings, counts, recorded.plans[plans:], replayed, computed)


def cold_and_warm(directory: Path, recorded: Recorded) -> tuple[Outcome, Outcome]:
    """The push of a copy of ``directory`` computing every row, and the push of ``directory`` with its cache."""
    copy = directory.parent / f"{directory.name}-cold"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(directory, copy)
    cold = push(copy, recorded, fresh=True)
    warm = push(directory, recorded)
    return cold, warm


def assert_same(cold: Outcome, warm: Outcome) -> None:
    assert warm.feeds == cold.feeds
    assert warm.findings == cold.findings
    assert warm.counts == cold.counts
    assert warm.plans == cold.plans


def rows(directory: Path) -> tuple[list[str], list[dict[str, str]]]:
    with (directory / "products.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_rows(directory: Path, header: list[str], records: list[dict[str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    (directory / "products.csv").write_text(buffer.getvalue(), encoding="utf-8")


def edit_config(directory: Path, after: str, insert: str) -> None:
    """Insert ``insert`` after the first line of feedsync.yaml that equals ``after``."""
    config = directory / "feedsync.yaml"
    text = config.read_text(encoding="utf-8")
    assert after in text
    config.write_text(text.replace(after, after + insert, 1), encoding="utf-8")
