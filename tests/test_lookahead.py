"""Products read a family ahead (``feedsync.lookahead``): each family is told to the surveys whole, before any of its
variants is handed on; the products and what the reader told come in the order of a read that does not look ahead;
a family longer than ``HELD`` is not held (``Unsurveyed``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsync import lookahead
from feedsync.channels.base import Unsurveyed
from feedsync.lookahead import families_ahead

rows = st.lists(
    st.tuples(st.sampled_from(["A", "B", "C", None]), st.integers(min_value=0, max_value=2), st.booleans()),
    max_size=16,
)
"""Each row: its group, how many findings the reader tells before it, whether it is a product (else a row left
out, its findings told all the same)."""


def _reader(table: list[tuple[str | None, int, bool]]) -> Any:
    def read(emit: Any) -> Iterator[Any]:
        for number, (group, findings, kept) in enumerate(table):
            for n in range(findings):
                emit(f"finding {n} of row {number}")
            if kept:
                yield SimpleNamespace(id=f"row {number}", group_id=group)
        emit("after the last row")

    return read


class Log:
    """What happened, in order: findings told, products handed on, families surveyed."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def family(self, products: Sequence[Any]) -> None:
        self.events.append(("family", [p.id for p in products]))

    def told(self, diagnostic: Any) -> None:
        self.events.append(("told", diagnostic))


@settings(max_examples=400)
@given(table=rows)
def test_read_a_family_ahead_the_products_and_findings_come_as_a_plain_read(
    table: list[tuple[str | None, int, bool]],
) -> None:
    read = _reader(table)
    plain: list[tuple[str, Any]] = []
    for product in read(lambda d: plain.append(("told", d))):
        plain.append(("product", product.id))
    log = Log()
    ahead = []
    for product in families_ahead(read, log.told, [log]):
        log.events.append(("product", product.id))
        ahead.append(product)
    assert [e for e in log.events if e[0] != "family"] == plain
    # each family is told whole before any of its variants is handed on; a variant of no group before any family
    # is handed on as it comes
    products = ahead
    handed: set[str] = set()
    for kind, what in log.events:
        if kind == "family":
            assert not handed & set(what)
            run = [p for p in products if p.id in what]
            groups = {p.group_id for p in run if p.group_id}
            assert len(groups) == 1
            at = products.index(run[0])
            assert [p.id for p in products[at : at + len(run)]] == what  # one after another
            after = products[at + len(run) :]
            assert not after or after[0].group_id not in groups  # the family ended where it was cut
        elif kind == "product":
            handed.add(what)
    surveyed = {i for kind, what in log.events if kind == "family" for i in what}
    grouped = {p.id for p in products if p.group_id}
    assert grouped <= surveyed
    first = next((i for i, p in enumerate(products) if p.group_id), len(products))
    assert not {p.id for p in products[:first]} & surveyed  # no family held yet: handed on as they come


def test_a_family_longer_than_what_is_held_is_not_read_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lookahead, "HELD", 3)
    log = Log()
    three = [("A", 0, True)] * 3 + [("B", 0, True)]
    assert [p.id for p in families_ahead(_reader(three), log.told, [log])] == [f"row {n}" for n in range(4)]
    with pytest.raises(Unsurveyed, match="more than 3 variants of family 'A'"):
        list(families_ahead(_reader([("A", 0, True)] * 4), log.told, [log]))
    with pytest.raises(Unsurveyed, match="family 'A' or after it"):  # variants of no group after it are held too
        list(families_ahead(_reader([("A", 0, True), (None, 0, True), (None, 0, True), (None, 0, True)]), log.told, []))


def test_what_the_reader_tells_between_two_families_comes_before_the_second() -> None:
    table = [("A", 1, True), ("A", 0, True), (None, 2, False), ("B", 1, True)]
    log = Log()
    for product in families_ahead(_reader(table), log.told, [log]):
        log.events.append(("product", product.id))
    assert log.events == [
        ("family", ["row 0", "row 1"]),
        ("told", "finding 0 of row 0"),
        ("product", "row 0"),
        ("product", "row 1"),
        ("family", ["row 3"]),
        ("told", "finding 0 of row 2"),
        ("told", "finding 1 of row 2"),
        ("told", "finding 0 of row 3"),
        ("product", "row 3"),
        ("told", "after the last row"),
    ]


def test_a_share_that_cannot_read_ahead_stops_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    """The flag is shared with a process forked after it is made: the one that raises sets it, the others raise
    at their next family instead of reading on."""
    import os

    stop = lookahead.Stop()
    monkeypatch.setattr(lookahead, "STOP", stop)
    scattered = [("A", 0, True), ("B", 0, True), ("A", 0, True)]

    class Refuses:
        def family(self, products: Sequence[Any]) -> None:
            if products[0].id == "row 2":
                raise Unsurveyed("family 'A' comes again after another family")

    pid = os.fork()
    if not pid:  # the other share: finds its family scattered, and sets the flag
        try:
            list(families_ahead(_reader(scattered), lambda d: None, [Refuses()]))
        except Unsurveyed:
            os._exit(0)
        os._exit(1)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    assert stop
    handed = []
    with pytest.raises(Unsurveyed, match="families of another share"):
        for product in families_ahead(_reader([("C", 0, True), ("D", 0, True)]), lambda d: None, []):
            handed.append(product)
    assert handed == []
    stop.close()


def test_an_unsurveyed_share_says_whether_its_own_rows_would_do_across_processes() -> None:
    """A share's process hands back what it raised pickled: whether a survey of the share's own rows whole would
    answer (``local``) goes with it."""
    import pickle

    from feedsync.channels.base import Unsurveyed

    for local in (True, False):
        again = pickle.loads(pickle.dumps(Unsurveyed("family 'G-1' comes again after another family", local=local)))
        assert (type(again), str(again), again.local) == (
            Unsurveyed,
            "family 'G-1' comes again after another family",
            local,
        )
