"""A share of a row split made in this process (``make``): the state it changes in the channels, their encoders,
the source and the findings' filter is put back after it (``Saved``), so that the merge, a share made again and a
run made as though not split (``rows.Unsplit``) find that state as it was before, and no share is counted twice."""

from __future__ import annotations

import contextvars
import copy
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from feedsync.idset import IdSet
from feedsync.rows import share as worker
from feedsync.rows.share import Seed, Share
from feedsync.sources.base import NonEmpty

DEPTH = 3
"""How deep the state is walked: a channel, what it holds (its tally), what that holds (the tally's counts)."""
_CONTAINERS = (set, dict, list, IdSet)


@dataclass
class Saved:
    """The attributes of some objects (and of the project's objects they hold, ``DEPTH`` deep), with a copy of
    each set, dict and list among them."""

    found: list[tuple[Any, str, Any, Any]] = field(default_factory=list)
    """(object, attribute, its value, a copy of the value when it is a container)."""

    @classmethod
    def of(cls, objects: Iterable[Any]) -> Saved:
        saved, seen = cls(), set[int]()
        for obj in objects:
            saved._walk(obj, seen, DEPTH)
        return saved

    def _walk(self, obj: Any, seen: set[int], depth: int) -> None:
        if obj is None or id(obj) in seen:
            return
        seen.add(id(obj))
        names = [*getattr(obj, "__dict__", {}), *(n for c in type(obj).__mro__ for n in getattr(c, "__slots__", ()))]
        for name in dict.fromkeys(names):
            try:
                value = getattr(obj, name)
            except AttributeError:  # a slot never set
                continue
            self.found.append((obj, name, value, copy.copy(value) if isinstance(value, _CONTAINERS) else None))
            if depth > 1 and type(value).__module__.startswith("feedsync.") and not isinstance(value, _CONTAINERS):
                self._walk(value, seen, depth - 1)  # a container (an IdSet too) is put back whole, not its parts

    def restore(self) -> None:
        """Every attribute as it was: the same object, a container with what it held (in place: whatever else
        holds it sees it too)."""
        for obj, name, value, content in self.found:
            if getattr(obj, name, None) is not value:
                object.__setattr__(obj, name, value)  # a frozen dataclass too
            if isinstance(value, list):
                value[:] = content
            elif isinstance(value, (set, dict, IdSet)):
                value.clear()
                value.update(content)


def make(index: int, seed: Seed | None = None) -> Share:
    """Share ``index`` made here (from the state ``seed``; its id sets then grow with the share's), this process
    left as it was before."""
    job = worker.JOB
    assert job is not None
    inner = job.source.source if isinstance(job.source, NonEmpty) else job.source
    saved = Saved.of([*job.compiled, *job.encoders.values(), job.source, inner, job.stream.findings])
    try:
        # in a context of its own: the range it reads (``READ_RANGE``) is not this process's after it
        share = contextvars.copy_context().run(worker.work, index, seed, "rows.own-share-written")
        return replace(  # what the share holds of the state put back: copies
            share,
            tallies=copy.deepcopy(share.tallies),
            stats=copy.deepcopy(share.stats),
            ignores=dict(share.ignores),
        )
    finally:
        saved.restore()
