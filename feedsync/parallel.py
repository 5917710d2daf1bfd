"""build / validate on several cores: the channels are split into groups, one process per group; each process
reads the source itself and writes its own channels' feeds, so every feed is byte for byte what a single process
writes. The first group runs here and reports the catalog-level findings (MDL, SRC, ...); the others report only
their channels' findings, carried back in an anonymous file made before the fork (``findings.carried``): a run killed
while they are handed over leaves no file behind. Worth it for large catalogs only: a process costs a read of the
source."""

from __future__ import annotations

import os
import pickle
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from typing import IO, Any

from feedsync.config import Config
from feedsync.diagnostics import Report
from feedsync.diagnostics.findings import Findings, carried
from feedsync.errors import FeedsyncError
from feedsync.faults import checkpoint

AUTO_MIN_BYTES = 1_000_000
"""``jobs=None`` splits the channels only for a source file at least this large: each process reads the whole source
(a JSON catalog of about 850 bytes an item, two cores: 4,000 items 1.56-1.65 s against 1.81-1.94 s in one process,
1,000 items 0.76-0.79 s against 0.81-0.82 s, 300 items 0.60-0.62 s against 0.56-0.57 s)."""
WEIGHTS = {"amazon": 1.25, "google_merchant": 1.0, "facebook": 0.85}
"""Relative cost of a channel per item, by profile (measured on a generated 20,000-variant catalog)."""


def jobs_for(config: Config, jobs: int | None, channel_count: int, min_bytes: int = AUTO_MIN_BYTES) -> int:
    """How many processes to use: ``jobs`` as asked (0 or None: one per core, for a source of ``min_bytes`` or
    more)."""
    if jobs is None or jobs == 0:
        try:
            large = config.source.path.stat().st_size >= min_bytes
        except OSError:
            large = False
        jobs = (os.cpu_count() or 1) if large else 1
    return max(1, min(jobs, channel_count))


def groups(config: Config, names: list[str], count: int) -> list[list[str]]:
    """``names`` in ``count`` groups of about equal cost (each group keeps the config's channel order)."""
    profiles = {name: channel.profile for name, channel in config.channels.items()}
    loads = [0.0] * count
    chosen: dict[str, int] = {}
    for name in sorted(names, key=lambda n: -WEIGHTS.get(str(profiles.get(n)), 1.0)):
        index = loads.index(min(loads))
        chosen[name] = index
        loads[index] += WEIGHTS.get(str(profiles.get(name)), 1.0)
    return [group for group in ([n for n in names if chosen[n] == i] for i in range(count)) if group]


@dataclass
class _Job:
    config: Config
    command: str
    options: dict[str, Any]
    carriers: list[IO[bytes]]
    """One per process's group: where its findings that wait on disk travel (anonymous: nothing is left behind)."""


_JOB: _Job | None = None
"""What the forked workers run (inherited at fork, never pickled: a config holds parsed YAML nodes)."""


def _work(group: list[str], index: int) -> tuple[Report, bytes]:
    """The report of ``group`` (the ``index``-th of the other groups), without its findings, and its channels'
    findings pickled into its carrier (what travels through the pool's pipe is where they lie in it)."""
    from feedsync.pipeline import run

    assert _JOB is not None
    report = run(_JOB.config, _JOB.command, channels=group, jobs=1, **_JOB.options)  # type: ignore[arg-type]
    with carried(_JOB.carriers[index]):
        found = pickle.dumps(Findings(d for d in report.diagnostics if d.channel is not None), pickle.HIGHEST_PROTOCOL)
    report.diagnostics = Findings()
    report.line_of = None  # (it holds the config: the parent's report has its own)
    checkpoint("parallel.findings-carried")
    return report, found


def run_parallel(config: Config, command: str, names: list[str], jobs: int, **options: Any) -> Report:
    """``pipeline.run`` for build or validate, with the channels ``names`` split over ``jobs`` processes."""
    global _JOB
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from feedsync.pipeline import run
    from feedsync.rows.child import die_with

    split = groups(config, names, jobs)
    with ExitStack() as held:
        carriers = [held.enter_context(tempfile.TemporaryFile()) for _ in split[1:]]  # before the fork: both hold them
        _JOB = _Job(config, command, options, carriers)
        try:
            context = multiprocessing.get_context("fork")  # a worker dies with this process: a killed run ends it
            with ProcessPoolExecutor(len(split) - 1, context, initializer=die_with, initargs=(os.getpid(),)) as pool:
                others = [pool.submit(_work, group, index) for index, group in enumerate(split[1:])]
                report = run(config, command, channels=split[0], jobs=1, **options)  # type: ignore[arg-type]
                sent = [future.result() for future in others]
        except BrokenProcessPool:
            raise FeedsyncError(
                f"a process building {', '.join(n for group in split[1:] for n in group)} died (out of memory?); "
                "a feed it had not finished stays as it was; rerun with --jobs 1"
            ) from None
        finally:
            _JOB = None
        checkpoint("parallel.results-received")
        results = [_received(other, found, carrier) for (other, found), carrier in zip(sent, carriers, strict=True)]
    merged = Report(command=report.command, variants=report.variants, products=report.products)
    merged.line_of = report.line_of
    merged.diagnostics = Findings(report.diagnostics)
    merged.diagnostics.extend(d for other in results for d in other.diagnostics)
    for name in names:
        part = next(r for r in (report, *results) if name in r.channels)
        merged.channels[name] = part.channels[name]
        if name in part.items:
            merged.items[name] = part.items[name]
    return merged


def _received(report: Report, found: bytes, carrier: IO[bytes]) -> Report:
    """A worker's ``report`` with its findings, read from ``carrier`` (they keep their own handle of it)."""
    with carried(carrier):
        report.diagnostics = pickle.loads(found)
    return report
