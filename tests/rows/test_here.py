"""A share made in the run's own process (``feedsync.rows.here``) leaves the process as it was: made twice, it is
the same share, and the channels', encoders', source's and filter's state is what it was before (nothing a later
share, the merge or a fallback to one process reads is counted twice)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from feedsync import rows
from feedsync.channels.profile import compile_channels
from feedsync.config import load_config
from feedsync.diagnostics import ChannelResult, Report
from feedsync.diagnostics.gate import DiagnosticFilter, Selection
from feedsync.rows import here
from feedsync.rows import share as worker
from feedsync.rows.share import Share, told_state
from feedsync.sources import open_source, quiet_read
from feedsync.stream import Stream, open_encoder
from tests.rows_compare import write_config

HEADER = "id,group_id,title,description,link,image_link,price,availability,brand,gtin,color,size,product_type\n"


def line(n: int) -> str:
    kind = "Unmapped > Type" if n % 2 else "Tops"  # CFG004 once per run; an Amazon parent once per family
    gtin = "4006381333932" if n % 5 else ""  # a wrong check digit: GMC008
    size = "SML"[n % 3]
    return f"V{n},G{n // 3},Tee {n},=SUM({n}),/p/{n},/i/{n}.jpg,1{n}.00,in_stock,Acme,{gtin},Red,{size},{kind}\n"


@pytest.fixture
def job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[worker.Job]:
    (tmp_path / "products.csv").write_text(HEADER + "".join(line(n) for n in range(1, 40)), encoding="utf-8")
    (tmp_path / "categories.yaml").write_text("- {product_type: Tops, google_product_category: 212}\n")
    path = write_config(tmp_path, "products.csv", max_messages=5)
    mapped = "google: {profile: google_merchant, category_map: categories.yaml}"
    path.write_text(path.read_text().replace("google: {profile: google_merchant}", mapped))
    config = load_config(path)
    compiled = compile_channels(config, None)
    monkeypatch.setattr(rows, "MIN_ROWS", 1)
    shares = rows.plan(config, compiled, 2)
    assert len(shares) == 2
    encoders = {c.name: open_encoder(c, lambda: quiet_read(config.source)) for c in compiled}
    report = Report(command="build", channels={c.name: ChannelResult(c.name) for c in compiled})
    stream = Stream(report, DiagnosticFilter(Selection(), {c.name: c.selection for c in compiled}))
    (tmp_path / "scratch").mkdir()
    source = open_source(config.source)
    worker.JOB = worker.Job(shares, stream, source, compiled, tmp_path / "scratch", [], "USD", True, encoders, [])
    try:
        yield worker.JOB
    finally:
        worker.JOB = None


def _made(share: Share, folder: Path) -> tuple[Any, ...]:
    documents = {path.name: path.read_bytes() for path in sorted(folder.iterdir())}
    counts = {n: (r.items, r.excluded, r.rejected) for n, r in share.results.items()}
    tallies = {n: t.counts for n, t in share.tallies.items()}
    stats = (share.stats.rows, share.stats.left_out, share.stats.columns)
    return list(share.diagnostics), counts, tallies, stats, share.told, share.last_row, share.variants, documents


def test_a_share_made_here_twice_is_the_same_share_and_leaves_the_process_as_it_was(job: worker.Job) -> None:
    before = told_state(job.compiled, job.encoders)
    settings = {c.name: dict(c.settings) for c in job.compiled}
    first = here.make(0)
    made = _made(first, job.scratch / "0")  # type: ignore[operator]
    assert made == _made(here.make(0), job.scratch / "0")  # type: ignore[operator]
    diagnostics, counts, _, stats, told, *_ = made
    assert [d.code for d in diagnostics].count("CFG004") == 1 and "GMC008" in {d.code for d in diagnostics}
    assert told != before and stats[0] > 0 and counts["amazon"][0] > 0  # the share changed the state: put back
    assert told_state(job.compiled, job.encoders) == before
    assert {c.name: c.settings for c in job.compiled} == settings  # one document per share: not this process's
    assert all(not c.tally.counts for c in job.compiled)
    assert job.source.stats.rows == 0 and job.stream.findings.items == {}
    assert worker.READ_RANGE.get() is None


def test_a_share_made_here_again_from_the_state_after_the_ones_before_it(job: worker.Job) -> None:
    before = told_state(job.compiled, job.encoders)
    first = here.make(0)
    seed = worker.Seed(first.ids, first.trackers, dict(first.told))
    alone = _made(here.make(1), job.scratch / "1")  # type: ignore[operator]
    seeded = _made(here.make(1, seed), job.scratch / "1")  # type: ignore[operator]
    assert seeded != alone  # the parents and the product types told of before its cut are not told again
    assert told_state(job.compiled, job.encoders) == before
    assert _made(here.make(1), job.scratch / "1") == alone  # type: ignore[operator]
