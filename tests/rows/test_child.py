"""A share made in a forked process (``feedsync.rows.child``): what it makes comes back, an error it meets is told
(a project error as why the split cannot be used, any other raised again), its death is a clean error, and a
process still running when the run stops waiting is killed and reaped."""

from __future__ import annotations

import os
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from feedsync import rows
from feedsync.diagnostics.findings import Findings
from feedsync.errors import FeedsyncError, SourceError
from feedsync.rows import child, here
from feedsync.rows import share as worker
from tests.diagnostics.test_findings import finding


def _gone(pid: int) -> bool:
    """Whether the process ``pid`` ended (reaped, or a zombie its new parent has not reaped)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def test_what_the_forked_process_made_comes_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker, "work", lambda index: {"index": index, "pid": os.getpid(), "data": b"x" * 5_000_000})
    made: Any = child.start(3).result()
    assert made["index"] == 3 and made["pid"] != os.getpid() and made["data"] == b"x" * 5_000_000


def test_an_error_the_forked_process_meets_is_told(monkeypatch: pytest.MonkeyPatch) -> None:
    def work(index: int) -> None:
        if index == 1:
            raise SourceError("products.csv: no data rows")
        raise KeyError("a bug")

    monkeypatch.setattr(worker, "work", work)
    assert child.start(1).result() == "a share met an error (products.csv: no data rows)"
    with pytest.raises(KeyError, match="a bug"):
        child.start(2).result()


def test_a_forked_process_that_dies_is_a_clean_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker, "work", lambda index: os.kill(os.getpid(), signal.SIGKILL))
    with pytest.raises(FeedsyncError, match="a process building a share of the rows died"):
        child.start(1).result()
    with pytest.raises(FeedsyncError, match="a process reading a share of the rows first died"):  # a survey's part
        child.fork(lambda: os.kill(os.getpid(), signal.SIGKILL), "reading a share of the rows first").result()


def test_the_forked_processes_are_killed_and_reaped_when_this_one_stops_waiting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[int] = []
    monkeypatch.setattr(worker, "work", lambda index: time.sleep(120))
    monkeypatch.setattr(child, "start", lambda index, start=child.start: started.append((c := start(index)).pid) or c)

    def interrupted(index: int, seed: object = None) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(here, "make", interrupted)
    with pytest.raises(KeyboardInterrupt):
        rows._make_all(3)
    assert len(started) == 2
    for pid in started:
        with pytest.raises(ChildProcessError):  # reaped: no longer this process's child
            os.waitpid(pid, os.WNOHANG)


def test_a_fork_that_fails_stops_the_share_processes_started_before_it(monkeypatch: pytest.MonkeyPatch) -> None:
    stopped: list[int] = []

    class Started:
        def __init__(self, index: int) -> None:
            self.index = index

        def stop(self) -> None:
            stopped.append(self.index)

    def start(index: int) -> Started:
        if index == 3:
            raise BlockingIOError(11, "Resource temporarily unavailable")  # fork: EAGAIN
        return Started(index)

    monkeypatch.setattr(child, "start", start)
    with pytest.raises(BlockingIOError):
        rows._make_all(4)
    assert stopped == [1, 2]


def test_a_shares_many_findings_come_back_with_no_file_left_whenever_this_process_dies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the forked process spills its findings and hands them over in an anonymous file made before the fork: once it
    # has ended, and before this process reads them (a kill here), no file lies named anywhere
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def work(index: int) -> Findings:
        found = Findings(keep=50)
        found.extend(finding(n) for n in range(index * 1000, index * 1000 + 1000))
        return found

    monkeypatch.setattr(worker, "work", work)
    process = child.start(2)
    os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)  # ended, not reaped yet
    assert not list(tmp_path.iterdir())
    made: Any = process.result()
    assert [d.product_id for d in made] == [f"SKU-{n:07d}" for n in range(2000, 3000)]
    assert not list(tmp_path.iterdir())


def test_a_shares_findings_are_spilled_where_they_travel_and_not_copied_when_it_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # before the fork: findings spilled by this process (inherited; copied into the carrier as they were), then the
    # share's own, spilled by two objects from two threads into the carrier and handed over where they lie
    from concurrent.futures import ThreadPoolExecutor

    from feedsync.diagnostics import findings as module

    inherited = Findings(keep=50)
    inherited.extend(finding(n) for n in range(300))

    def work(index: int) -> dict[str, Any]:
        private = []
        made = tempfile.TemporaryFile

        def counted(*args: Any, **kwargs: Any) -> Any:
            private.append(1)
            return made(*args, **kwargs)

        monkeypatch.setattr(tempfile, "TemporaryFile", counted)  # (in the forked process only)
        read: list[int] = []
        reading = module._read
        monkeypatch.setattr(
            module, "_read", lambda spool, offset, length: read.append(length) or reading(spool, offset, length)
        )
        other = Findings(keep=40)
        other.render = lambda batch: "\n".join(f"{d.code} {d.product_id}" for d in batch)

        def spill(found: Findings, start: int) -> None:
            for n in range(start, start + 2000):
                found.append(finding(n))

        with ThreadPoolExecutor(2) as pool:
            list(pool.map(spill, [inherited, other], [1000, 5000]))
        return {"inherited": inherited, "other": other, "private": private, "read": read}

    monkeypatch.setattr(worker, "work", work)
    made: Any = child.start(1).result()
    assert made["private"] == []  # no spool of its own: the share's batches were written into the carrier
    assert made["read"] == [inherited._batches[0].length] * len(inherited._batches)  # only the inherited were copied
    assert [d.product_id for d in made["inherited"]] == [f"SKU-{n:07d}" for n in [*range(300), *range(1000, 3000)]]
    assert [d.product_id for d in made["other"]] == [f"SKU-{n:07d}" for n in range(5000, 7000)]
    assert "\n".join(made["other"].lines(lambda batch: "unused")).splitlines()[:-40] == [
        f"GMC008 SKU-{n:07d}" for n in range(5000, 6960)
    ]  # the lines rendered as they were spilled travel with them (the last 40 were held in memory)
