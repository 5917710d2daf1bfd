"""Findings: the run's findings in flat memory. Past ``keep`` the earlier ones wait in a temporary file; every way
the project reads them gives what a list would."""

from __future__ import annotations

import dataclasses
import pickle
import tempfile
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedsync.diagnostics import Diagnostic, Location, Severity
from feedsync.diagnostics.findings import Findings, carried


def finding(n: int, severity: Severity = Severity.ERROR) -> Diagnostic:
    return Diagnostic(
        "GMC008",
        "invalid-gtin",
        severity,
        f"gtin '42{n:011d}' has check digit 0, but its digits give {n % 10}",
        channel="google",
        product_id=f"SKU-{n:07d}",
        field="gtin",
        value=f"42{n:011d}",
        location=Location("/catalog/products.csv", n + 2, 14, "gtin"),
    )


def test_many_findings_keep_their_order_and_memory_stays_flat() -> None:
    tracemalloc.start()
    try:
        found = Findings(keep=1000)
        for n in range(30_000):
            found.append(finding(n, Severity.ERROR if n % 3 else Severity.WARNING))
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert held < 2_000_000  # 30,000 findings as objects take about 13 MB
    assert len(found) == 30_000 and found.errors == 20_000
    assert [d.product_id for d in found] == [f"SKU-{n:07d}" for n in range(30_000)]
    assert list(found) == list(found)  # read again: the same
    assert found[0] == finding(0, Severity.WARNING) and found[-1] == finding(29_999, Severity.ERROR)
    assert found[12_345] == finding(12_345, Severity.WARNING)
    assert found[:3] == [finding(0, Severity.WARNING), finding(1), finding(2)]
    assert found[29_998:] == [finding(29_998), finding(29_999)]


def test_a_long_runs_findings_hold_a_few_hundred_kilobytes_by_default() -> None:
    # what each process of a row split holds of its share's findings, whatever the share's size
    tracemalloc.start()
    try:
        found = Findings()
        for n in range(10_000):
            found.append(finding(n))
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert held < 1_000_000  # 5,000 to 10,000 findings held before: 2 to 4.5 MB
    assert len(found) == 10_000 and [d.product_id for d in found][9_999] == "SKU-0009999"


@given(st.lists(st.integers(0, 99), max_size=60), st.integers(1, 7), st.integers(-70, 70), st.integers(-70, 70))
def test_it_is_the_list_it_replaces(numbers: list[int], keep: int, start: int, stop: int) -> None:
    items = [finding(n, Severity.ERROR if n % 2 else Severity.INFO) for n in numbers]
    found = Findings(keep=keep)
    found.extend(items)
    assert found == items and list(found) == items and len(found) == len(items) and bool(found) == bool(items)
    assert found[start:stop] == items[start:stop]
    assert found[::2] == items[::2]
    for index in (start, stop, 0, -1):
        if -len(items) <= index < len(items):
            assert found[index] == items[index]
    assert found.errors == sum(d.severity is Severity.ERROR for d in items)
    assert found.severities() == Counter(d.severity for d in items)
    assert pickle.loads(pickle.dumps(found)) == items
    with tempfile.TemporaryFile() as carrier, carried(carrier):  # as a row split's share hands them over
        received = pickle.loads(pickle.dumps(found))
        assert received == items and received.severities() == Counter(d.severity for d in items)


def test_an_empty_slice_past_the_spilled_findings_is_empty() -> None:
    """A slice whose stop lies before its start, past the findings on disk, is empty (as a list's): its stop is not
    counted from the end of the findings in memory (hypothesis found ``[2:0]`` of five findings, two spilled)."""
    items = [finding(n) for n in range(5)]
    found = Findings(keep=2)
    found.extend(items)
    assert found._spilled == 2
    assert found[2:0] == items[2:0] == [] and found[3:1] == [] and found[2:3] == items[2:3]


def test_a_forked_process_reads_what_was_spilled_before_and_spills_to_its_own_file() -> None:
    import os

    found = Findings(keep=100)
    found.extend(finding(n) for n in range(1000))
    child = os.fork()
    if child == 0:  # pragma: no cover - the child's outcome is its exit status
        ok = False
        try:
            found.extend(finding(n) for n in range(1000, 3000))
            ok = [d.product_id for d in found] == [f"SKU-{n:07d}" for n in range(3000)]
        finally:
            os._exit(0 if ok else 1)
    found.extend(finding(n) for n in range(5000, 6000))  # the parent goes on spilling meanwhile
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    expected = [f"SKU-{n:07d}" for n in [*range(1000), *range(5000, 6000)]]
    assert [d.product_id for d in found] == expected


def _spilled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Findings:
    """1,000 findings (every other one an error) keeping 100 in memory, spilled to files in ``tmp_path``."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    found = Findings(keep=100)
    found.extend(finding(n, Severity.ERROR if n % 2 else Severity.INFO) for n in range(1000))
    return found


def test_many_findings_pickled_outside_a_carrier_travel_as_themselves_and_name_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a named file would stay behind when the process that was to open and unlink it died first
    found = _spilled(tmp_path, monkeypatch)
    data = pickle.dumps(found)
    assert list(tmp_path.iterdir()) == []
    received = pickle.loads(data)
    assert received == found and len(received) == 1000 and received.errors == 500
    assert received._keep == 100  # it keeps in memory what the sender kept
    assert [d.product_id for d in received] == [f"SKU-{n:07d}" for n in range(1000)]
    received.extend(finding(n) for n in range(1000, 1300))  # spills to a file of its own
    assert [d.product_id for d in received][-1] == "SKU-0001299" and len(received) == 1300


def test_many_findings_carried_in_a_file_both_processes_hold_leave_no_file_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    found = _spilled(tmp_path, monkeypatch)
    with tempfile.TemporaryFile() as carrier:
        with carried(carrier):
            data = pickle.dumps(found)
        assert len(data) < 2000 and os.fstat(carrier.fileno()).st_size > 20_000  # the batches are in the carrier
        assert not list(tmp_path.iterdir())  # no file named anywhere
        with pytest.raises(RuntimeError, match="outside"):
            pickle.loads(data)
        with carried(carrier):
            received = pickle.loads(data)
    assert received == found and received.errors == 500 and len(received) == 1000  # the carrier closed: its copy
    received.extend(finding(n) for n in range(1000, 1300))
    assert [d.product_id for d in received][-1] == "SKU-0001299"


def test_a_finding_and_its_location_pickle_as_themselves_every_field_kept() -> None:
    """Findings spilled to disk are pickled by their own ``__reduce__`` (faster than a frozen dataclass's state):
    every field, in order, comes back; a field added later and left out of it would fail here."""
    from dataclasses import fields

    from feedsync.diagnostics.diagnostic import Diagnostic, Location, Severity

    location = Location("p.csv", 7, 3, "price")
    made = Diagnostic("AMZ015", "name", Severity.WARNING, "text", "amazon", "SKU-1", "weight", "2 kg", location)
    assert len({getattr(made, f.name) for f in fields(Diagnostic)}) == len(fields(Diagnostic))  # all distinct
    assert len({getattr(location, f.name) for f in fields(Location)}) == len(fields(Location))
    back = pickle.loads(pickle.dumps(made, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == made and back.location == location and type(back.location) is Location
    assert pickle.loads(pickle.dumps(Diagnostic("X", "n", Severity.INFO, "t"))) == Diagnostic(
        "X", "n", Severity.INFO, "t"
    )


def test_a_spilled_batch_gives_back_every_field_of_each_finding() -> None:
    """A batch lies on disk as tuples of the findings' fields (``_packed``): read back, each finding is equal to the
    one told, every field in order, its severity a ``Severity`` and its location a ``Location`` or None; a field
    added to either class later and left out of the tuples would fail here."""
    from dataclasses import fields

    location = Location("p.csv", 7, 3, "price")
    told = [
        Diagnostic("AMZ015", "name", Severity.WARNING, "text", "amazon", "SKU-1", "weight", "2 kg", location),
        Diagnostic("X", "n", Severity.INFO, "t"),
        finding(5, Severity.ERROR),
    ]
    assert len({getattr(told[0], f.name) for f in fields(Diagnostic)}) == len(fields(Diagnostic))  # all distinct
    assert len({getattr(location, f.name) for f in fields(Location)}) == len(fields(Location))
    found = Findings(keep=1)
    for diagnostic in told:
        found.append(diagnostic)
    assert found._spilled == 2  # the first two lie on disk
    back = list(found)
    assert back == told
    assert [type(d.severity) for d in back] == [Severity] * 3
    assert type(back[0].location) is Location and back[1].location is None
    assert [tuple(getattr(d, f.name) for f in fields(Diagnostic)) for d in back] == [
        tuple(getattr(d, f.name) for f in fields(Diagnostic)) for d in told
    ]


def test_findings_carried_to_another_process_are_copied_a_batch_at_a_time() -> None:
    """A share of a million variants hands over ~1.6 million spilled findings: the copy into the carrier holds one
    batch in memory, not all of them (they were 180 MB at once)."""
    found = Findings(keep=500)
    for n in range(30_000):
        found.append(finding(n))
    with tempfile.TemporaryFile() as carrier:
        tracemalloc.start()
        try:
            with carried(carrier):
                data = pickle.dumps(found)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        copied = carrier.seek(0, 2)
        assert copied > 3_000_000 and peak < copied / 5  # a batch of 500-1,000 findings is ~100 KB
        with carried(carrier):
            assert pickle.loads(data) == found


def _coded(n: int) -> Diagnostic:
    """A finding whose code is one of three (the told-once filter asks of one code only)."""
    made = finding(n, Severity.ERROR if n % 3 else Severity.WARNING)
    return Diagnostic(("AMZ018", "GMC008", "META006")[n % 3], *(getattr(made, f) for f in _FIELDS))


_FIELDS = ("name", "severity", "message", "channel", "product_id", "field", "value", "location")


@given(
    st.lists(st.integers(0, 99), max_size=40),
    st.lists(st.integers(0, 99), max_size=40),
    st.integers(1, 6),
    st.integers(1, 6),
    st.sets(st.integers(0, 99), max_size=10),
    st.booleans(),
)
def test_taking_anothers_findings_appends_them_in_order_but_the_dropped(
    mine: list[int], theirs: list[int], keep: int, their_keep: int, told: set[int], carry: bool
) -> None:
    """A row split's merge: each share's findings after the earlier shares', but a finding told once per run that
    an earlier share told already."""
    found = Findings([_coded(n) for n in mine], keep=keep)
    other = Findings([_coded(n) for n in theirs], keep=their_keep)
    with tempfile.TemporaryFile() as carrier, carried(carrier):
        if carry:  # as it comes back from another process
            other = pickle.loads(pickle.dumps(other))
        found.take(other, lambda d: int(d.product_id[4:]) in told, {"AMZ018"})
        expected = [_coded(n) for n in mine] + [_coded(n) for n in theirs if n % 3 or n not in told]
        assert found == expected and found.errors == sum(d.severity is Severity.ERROR for d in expected)
        assert found.severities() == Counter(d.severity for d in expected)
        assert len(other) == 0 and list(other) == [] and other.errors == 0 and not other.severities()
        found.extend([_coded(7)])  # it goes on growing
        assert found[-1] == _coded(7) and len(found) == len(expected) + 1


def test_batches_without_a_code_to_filter_move_over_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    import feedsync.diagnostics.findings as module

    found = Findings([_coded(n) for n in range(0, 3000, 3)], keep=100)  # AMZ018 only
    other = Findings([_coded(n) for n in range(1, 3000, 3)], keep=100)  # GMC008 only: never asked
    reads = []
    real = module._read
    monkeypatch.setattr(module, "_read", lambda *args: reads.append(args) or real(*args))
    other_spool = other._batches[0].spool
    found.take(other, lambda d: True, {"AMZ018"})
    assert reads == [] and len(found) == 2000
    more = Findings([_coded(n) for n in range(0, 600, 3)], keep=100)  # AMZ018: read and filtered
    read_whole, moved = more._batches[0].spool, other_spool
    found.take(more, lambda d: d.product_id == "SKU-0000003", {"AMZ018"})
    assert len(reads) == 1 and len(found) == 2199
    assert read_whole.closed and not moved.closed  # the file read whole is let go; the moved batches' is kept
    assert [d.product_id for d in found][-2:] == ["SKU-0000594", "SKU-0000597"]


def test_the_gate_and_the_summary_count_without_reading_the_findings_again() -> None:
    """A million-variant run's 1.6 million findings were read back three times to print the report (the gate's
    count, the summary's, the lines): the counts come from the tallies kept as findings come."""
    from feedsync.diagnostics import Report
    from feedsync.diagnostics.gate import Gate

    class Unread(Findings):
        def __iter__(self) -> Any:
            raise AssertionError("read again")

    report = Report(command="build")
    report.diagnostics = Unread(keep=10)
    for n in range(100):
        report.diagnostics.append(finding(n, (Severity.ERROR, Severity.WARNING, Severity.INFO)[n % 3]))
    assert report.counts() == Counter({Severity.ERROR: 34, Severity.WARNING: 33, Severity.INFO: 33})
    assert Gate().verdict(report) == (True, "34 finding(s) at or above error")
    assert Gate(fail_on="warning").verdict(report) == (True, "67 finding(s) at or above warning")
    assert Gate(fail_on="never").verdict(report) == (False, "no findings count against the gate")


def _lines(diagnostics: list[Any]) -> str:
    """A renderer's lines (``Render``: of findings as objects, or as their fields, as a spilled batch holds them)."""
    from feedsync.diagnostics.diagnostic import from_fields

    return "\n".join(
        f"{d.code} {d.product_id}" for d in (from_fields(k) if type(k) is tuple else k for k in diagnostics)
    )


@given(
    st.lists(st.integers(0, 99), max_size=40),
    st.lists(st.integers(0, 99), max_size=40),
    st.integers(1, 6),
    st.sets(st.integers(0, 99), max_size=10),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_lines_rendered_as_the_findings_are_spilled_are_read_not_made_again(
    mine: list[int], theirs: list[int], keep: int, told: set[int], carry: bool, render_mine: bool, filters: bool
) -> None:
    """A row split's share renders its findings' lines as it spills them (``render``); the merged findings give
    the lines a render of every finding gives, in order, reading those lines instead of making them again (only
    the findings kept in memory, or filtered by the merge, are rendered then), after travelling to another process
    and after a merge."""
    found = Findings(keep=keep)
    found.render = _lines if render_mine else None
    found.extend(_coded(n) for n in mine)
    other = Findings(keep=keep)
    other.render = _lines
    other.extend(_coded(n) for n in theirs)
    spilled = len(other) - len(other._memory)
    with tempfile.TemporaryFile() as carrier, carried(carrier):
        if carry:  # as it comes back from another process: its lines in memory rendered too
            other = pickle.loads(pickle.dumps(other))
        found.take(other, lambda d: int(d.product_id[4:]) in told, {"AMZ018"} if filters else set())
        rendered: list[int] = []

        def counted(diagnostics: list[Diagnostic]) -> str:
            rendered.append(len(diagnostics))
            return _lines(diagnostics)

        expected = [_coded(n) for n in mine] + [_coded(n) for n in theirs if not filters or n % 3 or n not in told]
        assert list(found) == expected
        assert "\n".join(found.lines(counted)) == _lines(expected)
        filtered = filters and any(n % 3 == 0 for n in theirs)  # AMZ018: batches read and filtered by the merge
        if render_mine and not filtered:  # only the findings still held in memory are rendered now
            assert sum(rendered) == len(found._memory) <= 2 * keep
        if not filtered:
            assert sum(rendered) <= len(found) - spilled  # their spilled lines were read, not made


@given(
    st.lists(st.tuples(st.integers(0, 99), st.integers(0, 2)), max_size=50),
    st.lists(st.tuples(st.integers(0, 99), st.integers(0, 2)), max_size=30),
    st.integers(1, 6),
    st.sets(st.integers(0, 99), max_size=10),
    st.booleans(),
    st.booleans(),
)
def test_findings_appended_as_their_fields_are_the_findings_those_fields_make(
    mine: list[tuple[int, int]],
    theirs: list[tuple[int, int]],
    keep: int,
    told: set[int],
    carry: bool,
    render: bool,
) -> None:
    """The columnar gate tells the AMZ015 findings of the rows it takes as their fields (``append_fields``, or a
    row's at once: ``extend_fields``, here each run of the findings drawn with 2):
    however they are read (iterated, indexed, sliced, counted, pickled, carried to another process, merged, their
    lines rendered at the spill or after), they are the findings ``from_fields`` makes of them, in their order
    among the ones appended as objects. Every finding here is one of each kind somewhere: a finding appended as its
    fields and its object are told apart by nothing."""
    from feedsync.diagnostics.diagnostic import finding_fields
    from feedsync.diagnostics.renderers.concise import render_line, render_lines

    def filled(items: list[tuple[int, int]]) -> tuple[Findings, list[Diagnostic]]:
        found = Findings(keep=keep)
        found.render = render_lines if render else None
        made: list[Diagnostic] = []
        batch: list[tuple[object, ...]] = []
        for n, kind in items:
            item = _coded(n) if n % 4 else finding(n, Severity.WARNING)
            if n % 7 == 0:  # a finding of no place
                item = dataclasses.replace(item, location=None, channel=None)
            if kind != 2 and batch:
                found.extend_fields(batch)
                batch = []
            if kind == 2:
                batch.append(finding_fields(item))
            elif kind == 1:
                found.append_fields(finding_fields(item))
            else:
                found.append(item)
            made.append(item)
        if batch:
            found.extend_fields(batch)
        return found, made

    found, expected = filled(mine)
    other, theirs_made = filled(theirs)
    assert list(found) == expected and len(found) == len(expected) and found == expected
    assert found.severities() == Counter(d.severity for d in expected) and found.errors == sum(
        d.severity is Severity.ERROR for d in expected
    )
    for index in (0, -1, len(expected) // 2):
        if expected:
            assert found[index] == expected[index]
    assert found[len(expected) // 2 :] == expected[len(expected) // 2 :]
    assert "\n".join(found.lines(render_lines)) == "\n".join(render_line(d) for d in expected)
    with tempfile.TemporaryFile() as carrier, carried(carrier):
        if carry:  # a share's findings, back from its process
            other = pickle.loads(pickle.dumps(other))
        found.take(other, lambda d: int(d.product_id[4:]) in told, {"AMZ018"})
        expected += [d for d in theirs_made if d.code != "AMZ018" or int(d.product_id[4:]) not in told]
        assert list(found) == expected and found.severities() == Counter(d.severity for d in expected)
        assert "\n".join(found.lines(render_lines)) == "\n".join(render_line(d) for d in expected)
        assert pickle.loads(pickle.dumps(found)) == expected
