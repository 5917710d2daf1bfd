"""A catalog's products read a family ahead: each family (the variants of one group id, one after another, with the
variants of no group among them) is held until the next family's first variant is read, told to the surveys that
need it whole (``FamilyFeed``), then handed on. What the reader tells (its findings) is told just before the product
it came before, so the findings come in the order of a read that does not look ahead."""

from __future__ import annotations

import mmap
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence

from feedsync.channels.base import FamilyFeed, Stopped, Unsurveyed
from feedsync.diagnostics import Diagnostic, Emit
from feedsync.model.product import Product

HELD = 5000
"""Variants held at most: a longer family (or run of variants of no group after one) is not read ahead
(``Unsurveyed``, local: a row split's share surveys its own rows whole, a run not split the catalog)."""


class Stop:
    """A flag the processes of a row split share (anonymous shared memory, made before they fork): the share that
    finds its families cannot be read ahead, nor surveyed from its own rows, sets it, and the others stop at their
    next family rather than finish what will not be used (the run is made as though not split: ``rows.Unsplit``)."""

    def __init__(self) -> None:
        self._memory = mmap.mmap(-1, 1)

    def set(self) -> None:
        self._memory[0] = 1

    def __bool__(self) -> bool:
        return self._memory[0] == 1

    def close(self) -> None:
        self._memory.close()


STOP: Stop | None = None
"""The row split's flag while its shares are made a family ahead (else None)."""
CUTS: tuple[int, ...] = ()
"""With ``STOP``: the first row of each share after the first, in order."""


def apart(spans: Iterable[tuple[str, int, int]]) -> None:
    """Told by a reader whose first pass over the whole file found the rows each family's variants span (family,
    first row, last row), before its products: raises ``Unsurveyed`` when one of them is in two shares of a row split
    made a family ahead (the catalog's families cannot be surveyed apart: ``rows.Unsplit``), as soon as the share
    begins rather than once it is made."""
    if STOP is None or not CUTS:
        return
    for family, first, last in spans:
        if bisect_right(CUTS, first) != bisect_right(CUTS, last):
            raise Unsurveyed(f"family {family!r} is in two shares (rows {first} and {last})")


def families_ahead(
    read: Callable[[Emit], Iterator[Product]], emit: Emit, feeds: Sequence[FamilyFeed]
) -> Iterator[Product]:
    """``read(emit)``'s products, each family's once all of it is read and told to ``feeds``; raises ``Unsurveyed``
    when a family cannot be (and sets ``STOP`` where a read of the share's own rows whole would not do), or another
    process of the row split set ``STOP``."""
    try:
        yield from _ahead(read, emit, feeds)
    except Unsurveyed as exc:
        if STOP is not None and not exc.local:
            STOP.set()
        raise


def _ahead(read: Callable[[Emit], Iterator[Product]], emit: Emit, feeds: Sequence[FamilyFeed]) -> Iterator[Product]:
    told: list[Diagnostic] = []  # what the reader told since the last product handed on
    held: list[tuple[int, Product]] = []  # a held product, and how many of ``told`` came before it
    group: str | None = None  # the held family's
    for product in read(told.append):
        current = product.group_id
        if current and current != group:
            if held:
                yield from _hand_on(held, told, emit, feeds)
            group = current
        elif not held:  # a variant of no group, no family held: nothing to wait for
            for diagnostic in told:
                emit(diagnostic)
            told.clear()
            yield product
            continue
        if len(held) >= HELD:
            raise Unsurveyed(f"more than {HELD} variants of family {group!r} or after it", local=True)
        held.append((len(told), product))
    yield from _hand_on(held, told, emit, feeds)
    for diagnostic in told:  # what the reader told after its last product
        emit(diagnostic)


def _hand_on(
    held: list[tuple[int, Product]], told: list[Diagnostic], emit: Emit, feeds: Sequence[FamilyFeed]
) -> Iterator[Product]:
    """The held family told to ``feeds``, then each of its products after what was told before it; ``held`` and
    the findings told before it are cleared."""
    if not held:
        return
    if STOP:
        raise Stopped()
    products = [product for _, product in held]
    for feed in feeds:
        feed.family(products)
    done = 0
    for before, product in held:
        for diagnostic in told[done:before]:
            emit(diagnostic)
        done = before
        yield product
    del told[:done]
    held.clear()
