"""The catalog read in the parts of a row split, a process each (``Parts.map``): what an encoder's survey makes of
each part's products, before the shares are made. This process reads the first part, a process forked before it each
of the others (``child.fork``: it dies with this one and leaves no file)."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import partial
from typing import TypeVar

from feedsync.config import SourceConfig
from feedsync.errors import FeedsyncError
from feedsync.faults import checkpoint
from feedsync.model.product import Product
from feedsync.sources.base import quiet_read
from feedsync.sources.tabular import READ_RANGE, ByteRange

T = TypeVar("T")


@dataclass(frozen=True)
class Parts:
    """The ``shares`` of the file ``source`` reads, to be read apart."""

    source: SourceConfig
    shares: list[ByteRange]

    def map(self, work: Callable[[Iterable[Product]], T]) -> list[T] | None:
        """``work`` of each part's products (read quietly), in the parts' order; None when a part met an error (a
        read of the whole file meets it, or not). Raises what else a part met, or that its process died."""
        from feedsync.rows import child

        children: list[child.Child] = []
        try:
            for index in range(1, len(self.shares)):  # one by one: a fork that fails stops the ones started before
                children.append(child.fork(partial(self._read, work, index), "reading a share of the rows first"))
            try:  # in a context of its own: the range it reads is not this process's after it
                made = [contextvars.copy_context().run(self._read, work, 0)]
            except FeedsyncError:
                return None
            made += [process.result() for process in children]
        finally:
            for process in children:
                process.stop()
        return None if any(isinstance(m, str) for m in made) else made  # type: ignore[misc]

    def _read(self, work: Callable[[Iterable[Product]], T], index: int) -> T:
        READ_RANGE.set(replace(self.shares[index], read=[]))  # the share's own record of its rows stays its own
        made = work(quiet_read(self.source))
        checkpoint("parts.read")
        return made
