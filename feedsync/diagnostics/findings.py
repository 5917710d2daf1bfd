"""The findings of a run, in the order they were told, in flat memory.

A catalog with bad data can have a finding for every few variants: a million variants gave 60,000 findings, about
27 MB of objects held until the report is printed (each process of a row split holds its share's). ``Findings``
keeps the latest ``keep`` in memory and moves the earlier ones, pickled in batches, to an anonymous temporary file
(gone when the process ends, whatever ends it); reading them is iterating, which reads the batches back one at a
time. It behaves as the list it replaces for what the project does with it: append, extend, iterate (again and
again), len, index and slice, compare with a list, pickle.

A finding made by the hundred thousand (the AMZ015 findings of rows the columnar gate takes) can be appended as its
fields (``append_fields``: ``finding_fields``'s tuple) and stays that tuple until it is read: spilled, it is pickled
and rendered as it is; read, it is the finding those fields make. Nothing that reads the findings tells the two
apart."""

from __future__ import annotations

import os
import pickle
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Set
from contextlib import contextmanager
from typing import IO, Any, NamedTuple, overload

from feedsync.diagnostics.diagnostic import SEVERITIES, Diagnostic, Severity, finding_fields, from_fields

PASS = "surrogatepass"
"""How the findings' lines are encoded in UTF-8, and decoded: a lone surrogate (a file name not in UTF-8, as
Python decodes it) is kept, for whoever writes the lines to say how it is shown, as it would a text."""
KEEP = 1000
"""Findings held in memory (up to twice as many) before the earlier ones go to the temporary file: about 450 bytes
each as objects, a few hundred KB in all (a batch of them pickles in about a millisecond)."""


Fields = tuple[Any, ...]
"""A finding as its fields (``finding_fields``)."""
Kept = Diagnostic | Fields
"""A finding as ``Findings`` holds it in memory: the object, or its fields (``Findings.append_fields``)."""
Render = Callable[[list[Kept]], str]
"""Findings (objects or fields) -> the report's lines for them, joined by newlines
(``renderers.concise.render_lines``)."""


class _Batch(NamedTuple):
    """Findings pickled together: where they lie, how many (of each severity) and their codes; ``text``: the length
    of their lines rendered when they were spilled (UTF-8, after the pickle), 0 when they were not."""

    spool: IO[bytes]
    offset: int
    length: int
    count: int
    severities: dict[Severity, int]
    codes: frozenset[str]
    text: int = 0


class Findings:
    __slots__ = ("_batches", "_end", "_keep", "_memory", "_pid", "_severities", "_spilled", "_spool", "render")

    def __init__(self, items: Iterable[Diagnostic] = (), *, keep: int | None = None) -> None:
        self._memory: list[Kept] = []
        self._spool: IO[bytes] | None = None
        self._pid = 0  # the process that made the spool: a forked process writes to a spool of its own
        self._end = 0
        self._batches: list[_Batch] = []
        self._spilled = 0
        self._severities: dict[Severity, int] = {}
        self._keep = max(1, KEEP if keep is None else keep)
        self.render: Render | None = None
        """Renders each batch's lines as it is spilled (a row split's share, whose report is printed as lines by
        the process that merges the shares: the lines are made while the shares are, on every core)."""
        self.extend(items)

    @property
    def errors(self) -> int:
        """How many of the findings are errors (counted as they come: no pass over the spool)."""
        return self._severities.get(Severity.ERROR, 0)

    def severities(self) -> Counter[Severity]:
        """How many findings of each severity (counted as they come: the report's summary and the gate read these,
        not the million findings of a long run again)."""
        return Counter(self._severities)

    def append(self, diagnostic: Diagnostic) -> None:
        self._held(diagnostic, diagnostic.severity)

    def append_fields(self, fields: Fields) -> None:
        """Append the finding ``from_fields(fields)`` makes, kept as those fields until it is read (a finding made
        by the hundred thousand is then never an object: it is pickled and rendered from them)."""
        self._held(fields, SEVERITIES[fields[2]])

    def extend_fields(self, batch: list[Fields]) -> None:
        """``append_fields`` of each of ``batch``, in order (a row taken by the columnar gate tells its AMZ015
        findings at once)."""
        memory = self._memory
        memory += batch
        severities = self._severities
        for fields in batch:
            severity = SEVERITIES[fields[2]]
            severities[severity] = severities.get(severity, 0) + 1
        if len(memory) >= 2 * self._keep:
            self._spill(len(memory) - self._keep)

    def _held(self, kept: Kept, severity: Severity) -> None:
        """``kept`` appended in memory and counted; the earlier ones spilled once twice ``keep`` are held."""
        self._memory.append(kept)
        severities = self._severities
        severities[severity] = severities.get(severity, 0) + 1
        if len(self._memory) >= 2 * self._keep:
            self._spill(len(self._memory) - self._keep)

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        for diagnostic in diagnostics:
            self.append(diagnostic)

    def _spill(self, count: int) -> None:
        # Positional reads and writes: a process forked with these findings shares the spool's file offset, never
        # its bytes (it reads the batches written before the fork where they lie and writes to a spool of its own:
        # within ``spilled_into``, the carrier its findings travel in).
        if self._spool is None or self._pid != os.getpid():
            into = _INTO
            self._spool = (  # (closed with the object, or the process)
                tempfile.TemporaryFile() if into is None else open(os.dup(into.fileno()), "r+b")  # noqa: SIM115
            )
            self._pid, self._end = os.getpid(), 0
        batch = self._memory[:count]
        data = _packed(batch)
        text = self.render(batch).encode("utf-8", PASS) if self.render is not None else b""
        offset = _claimed(self._spool, len(data) + len(text), self._end)
        _write(self._spool, data + text, offset)
        self._batches.append(_Batch(self._spool, offset, len(data), count, _counted(batch), _codes(batch), len(text)))
        self._end = offset + len(data) + len(text)
        self._spilled += count
        del self._memory[:count]

    def _spilled_batches(self) -> Iterator[list[Diagnostic]]:
        for batch in list(self._batches):
            yield _unpacked(_read(batch.spool, batch.offset, batch.length))

    def take(self, other: Findings, dropped: Callable[[Diagnostic], bool], codes: Set[str]) -> None:
        """Append the findings of ``other``, in their order, but those ``dropped`` says (asked only of findings with
        one of ``codes``), and leave ``other`` empty. Its batches on disk with none of ``codes`` move over as they
        lie, neither read nor written again (merging a row split's shares: a million variants' findings would be
        unpickled and pickled again only to be appended)."""
        kept = (lambda d: d.code not in codes or not dropped(d)) if codes else None
        moved: set[int] = set()
        for batch in other._batches:
            if kept is not None and not codes.isdisjoint(batch.codes):
                self.extend(filter(kept, _unpacked(_read(batch.spool, batch.offset, batch.length))))
                continue
            if self._memory:  # the findings before the batch go first
                self._spill(len(self._memory))
            self._batches.append(batch)
            self._spilled += batch.count
            for severity, count in batch.severities.items():
                self._severities[severity] = self._severities.get(severity, 0) + count
            moved.add(id(batch.spool))
        held = _objects(other._memory)
        self.extend(filter(kept, held) if kept is not None else held)
        for spool in {id(b.spool): b.spool for b in other._batches if id(b.spool) not in moved}.values():
            spool.close()  # read whole: no batch of this object's lies there
        other._batches, other._memory, other._spilled, other._severities, other._spool = [], [], 0, {}, None

    def __iter__(self) -> Iterator[Diagnostic]:
        for batch in self._spilled_batches():
            yield from batch
        yield from _objects(self._memory)

    def lines(self, render: Render) -> Iterator[str]:
        """The findings' lines as ``render`` makes them, in order, a batch at a time (each a text of one or more
        lines): a batch's lines rendered when it was spilled (``self.render``, which must render as ``render``
        does) are read, not made again."""
        for text in self._texts(render):
            yield text if type(text) is str else text.decode("utf-8", PASS)  # type: ignore[union-attr]

    def encoded_lines(self, render: Render) -> Iterator[bytes]:
        """``lines``, UTF-8 encoded (a lone surrogate, as a path not in UTF-8 gives, as ``PASS`` encodes it): the
        lines rendered when they were spilled are given as they lie on disk, neither decoded nor encoded again (a
        million variants' findings are about 480 MB of lines)."""
        for text in self._texts(render):
            yield text if type(text) is bytes else text.encode("utf-8", PASS)  # type: ignore[union-attr]

    def _texts(self, render: Render) -> Iterator[str | bytes]:
        """``lines``: those read from disk as their bytes, those rendered now as texts."""
        for batch in list(self._batches):
            if batch.text:
                yield _read(batch.spool, batch.offset + batch.length, batch.text)
            else:
                yield render(pickle.loads(_read(batch.spool, batch.offset, batch.length)))  # (their fields)
        if self._memory:
            yield render(list(self._memory))

    def __len__(self) -> int:
        return self._spilled + len(self._memory)

    def __bool__(self) -> bool:
        return len(self) > 0

    @overload
    def __getitem__(self, index: int) -> Diagnostic: ...

    @overload
    def __getitem__(self, index: slice) -> list[Diagnostic]: ...

    def __getitem__(self, index: int | slice) -> Diagnostic | list[Diagnostic]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if start >= self._spilled and step == 1:  # the latest findings: no need to read the spool
                # (an empty slice's stop may lie before its start: before the memory too, never counted from its end)
                return _objects(self._memory[start - self._spilled : max(start, stop) - self._spilled])
            if stop <= self._keep and step == 1 and start == 0:  # the first few
                return self._head(stop)
            return list(self)[index]
        position = index + len(self) if index < 0 else index
        if not 0 <= position < len(self):
            raise IndexError("finding index out of range")
        if position >= self._spilled:
            return _objects([self._memory[position - self._spilled]])[0]
        return self._head(position + 1)[position]

    def _head(self, count: int) -> list[Diagnostic]:
        head: list[Diagnostic] = []
        for diagnostic in self:
            if len(head) >= count:
                break
            head.append(diagnostic)
        return head

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Findings | list):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, as the list it replaces

    def __repr__(self) -> str:
        return f"Findings({len(self)} findings, {self._spilled} in the spool)"

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled (sent to another process): within ``carried``, findings that wait on disk are written to the
        anonymous file both processes have open and only where they lie is pickled (memory stays flat on both sides,
        and nothing is left behind whichever process dies); else (few findings, or no carrier) as their list."""
        carrier = _CARRIER
        if carrier is None or not self._batches:
            return (_listed, (list(self), self._keep))
        lying = _file(carrier)
        spools = {id(b.spool): b.spool for b in self._batches}
        there = {key: _file(spool) == lying for key, spool in spools.items()}  # spilled into it (``spilled_into``)
        batches = []
        pieces: list[tuple[_Batch | None, int, dict[Severity, int], frozenset[str]]] = [
            (b, b.count, b.severities, b.codes) for b in self._batches
        ]
        if self._memory:
            pieces.append((None, len(self._memory), _counted(self._memory), _codes(self._memory)))
        for batch, *shape in pieces:  # a batch at a time in memory
            if batch is not None and there[id(batch.spool)]:  # already where it travels: neither read nor copied
                batches.append((batch.offset, batch.length, *shape, batch.text))
                continue
            if batch is None:  # the ones in memory (their lines rendered too, as a spill would)
                data = _packed(self._memory)
                text = self.render(self._memory).encode("utf-8", PASS) if self.render is not None else b""
                length, rendered = len(data), len(text)
                data += text
            else:
                length, rendered = batch.length, batch.text
                data = _read(batch.spool, batch.offset, length + rendered)
            end = _claimed(carrier, len(data), os.fstat(carrier.fileno()).st_size)
            _write(carrier, data, end)
            batches.append((end, length, *shape, rendered))
        return (_carried, (batches, len(self), self._severities, self._keep))

    def __del__(self) -> None:
        for spool in {id(batch.spool): batch.spool for batch in self._batches}.values():
            spool.close()


def _packed(batch: list[Kept]) -> bytes:
    """A batch of findings as it lies on disk: each finding's fields (``finding_fields``), pickled. Texts, numbers
    and tuples are pickled in C: several times quicker than the objects, each of which pickle asks for its
    ``__reduce__``."""
    fields = [kept if type(kept) is tuple else finding_fields(kept) for kept in batch]  # type: ignore[arg-type]
    return pickle.dumps(fields, protocol=pickle.HIGHEST_PROTOCOL)


def _objects(batch: list[Kept]) -> list[Diagnostic]:
    """The findings held, each an object (those kept as fields made of them)."""
    return [from_fields(kept) if type(kept) is tuple else kept for kept in batch]  # type: ignore[misc,arg-type]


def _unpacked(data: bytes) -> list[Diagnostic]:
    """The findings of a batch ``_packed`` made, equal to those it was made of."""
    return [*map(from_fields, pickle.loads(data))]


_CARRIER: IO[bytes] | None = None
_INTO: IO[bytes] | None = None
"""Within ``spilled_into``: the carrier this process's findings spill into."""
_INTO_FILE: tuple[int, int] | None = None
_INTO_END = 0
_INTO_LOCK = threading.Lock()


@contextmanager
def carried(handle: IO[bytes]) -> Iterator[None]:
    """Findings pickled or unpickled within carry their batches in ``handle``: an anonymous file that the sending
    and the receiving process both have open (made before the fork), written at its end and read where written."""
    global _CARRIER
    _CARRIER = handle
    try:
        yield
    finally:
        _CARRIER = None


@contextmanager
def spilled_into(handle: IO[bytes]) -> Iterator[None]:
    """Within it (a forked process whose findings are pickled into ``handle`` when it ends: ``carried``), the
    findings it spills are written straight into ``handle`` and travel where they lie: a million variants' later
    share spills about 450 MB of findings and their lines, which would otherwise be copied into it at the end
    (2.5 s, while the process that waits for them does little else)."""
    global _INTO, _INTO_FILE, _INTO_END
    with _INTO_LOCK:
        _INTO, _INTO_FILE, _INTO_END = handle, _file(handle), os.fstat(handle.fileno()).st_size
    try:
        yield
    finally:
        with _INTO_LOCK:
            _INTO = _INTO_FILE = None


def _claimed(spool: IO[bytes], length: int, end: int) -> int:
    """Where ``length`` bytes are written in ``spool``: at ``end`` (a spool of one object's), or, in the file
    ``spilled_into`` names, after what every object (and thread) of this process claimed there."""
    global _INTO_END
    if _INTO_FILE is None or _file(spool) != _INTO_FILE:
        return end
    with _INTO_LOCK:
        offset, _INTO_END = _INTO_END, _INTO_END + length
    return offset


def _file(spool: IO[bytes]) -> tuple[int, int]:
    """The file ``spool`` is open on (handles of the same file, duplicated or inherited, are equal)."""
    status = os.fstat(spool.fileno())
    return status.st_dev, status.st_ino


def _write(spool: IO[bytes], data: bytes, offset: int) -> None:
    written = 0
    while written < len(data):
        written += os.pwrite(spool.fileno(), data[written:], offset + written)


def _read(spool: IO[bytes], offset: int, length: int) -> bytes:
    parts = []
    while length:
        part = os.pread(spool.fileno(), length, offset)
        if not part:
            raise OSError(f"the findings' temporary file ended {length} bytes early")
        parts.append(part)
        offset, length = offset + len(part), length - len(part)
    return b"".join(parts)


def _counted(batch: list[Kept]) -> dict[Severity, int]:
    return dict(Counter(SEVERITIES[k[2]] if type(k) is tuple else k.severity for k in batch))  # type: ignore[union-attr]


def _codes(batch: list[Kept]) -> frozenset[str]:
    return frozenset(k[0] if type(k) is tuple else k.code for k in batch)  # type: ignore[union-attr]


def _listed(items: list[Diagnostic], keep: int) -> Findings:
    """Findings pickled as their list, with the number they keep in memory."""
    return Findings(items, keep=keep)


def _carried(batches: list[tuple[Any, ...]], count: int, severities: dict[Severity, int], keep: int) -> Findings:
    """The findings another process pickled into the file ``carried`` names (this process's handle of it, its own
    copy: it lives as long as the object)."""
    if _CARRIER is None:
        raise RuntimeError("findings carried in a file were unpickled outside feedsync.diagnostics.findings.carried")
    found = Findings(keep=keep)
    spool = open(os.dup(_CARRIER.fileno()), "rb")  # noqa: SIM115 (closed with the object, or the process)
    found._batches = [_Batch(spool, *batch) for batch in batches]
    found._spilled, found._severities = count, dict(severities)
    return found
