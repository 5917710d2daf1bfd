"""One Report per run: every diagnostic plus what happened per channel."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from feedsync.diagnostics.diagnostic import Diagnostic, Severity
from feedsync.diagnostics.findings import Findings


@dataclass(slots=True)
class ChannelResult:
    channel: str
    items: int = 0
    excluded: int = 0
    """Left out on purpose: a filter, a rule's exclude, nothing to expand."""
    rejected: int = 0
    """Left out because of an error: a failing template or rule, an item that breaks the channel's rules, and
    every variant left out before the channels (a row that failed to become a product, a duplicate id). With
    ``items`` and ``excluded`` it accounts for every variant read: items + excluded + rejected == variants."""
    output: Path | None = None
    parts: list[Path] = field(default_factory=list)
    """Further documents when the channel's feed is split (Amazon: 25,000 messages each)."""
    published: str | None = None
    refused: str | None = None
    failed: str | None = None
    """Why the destination failed to take the feed (push exits 3); the previously published feed stays."""
    forced: bool = False
    """push --force published past a guardrail that would have refused the feed."""
    planned: str | None = None
    """What a dry run would have done."""
    samples: list[str] = field(default_factory=list)
    """A few payloads a dry run would have sent."""
    changes: dict[str, int] | None = None
    """Items added, removed and changed since the feed of the last push (when asked for and one exists)."""


@dataclass(slots=True)
class Report:
    command: str
    diagnostics: Findings = field(default_factory=Findings)
    """Every finding, in the order told (the earlier ones of a long run wait in a temporary file)."""
    channels: dict[str, ChannelResult] = field(default_factory=dict)
    variants: int = 0
    """Variants read: every product the source yielded, plus every row the reader named in an error finding and
    left out (a row that could not become a product is a variant read and rejected in every channel)."""
    products: int = 0
    """Distinct products (variant groups) among the variants the source yielded."""
    items: dict[str, list[str]] = field(default_factory=dict)
    """Every item id per channel, when the run was asked to record them (JUnit reports need them)."""
    line_of: Callable[[str, int], int] | None = None
    """The line of its file a finding's row starts on, for the formats that point at lines (SARIF, GitHub): a
    delimited table's row is a record, and a value over several lines moves the records after it down
    (``sources.lines``). None: rows are lines."""

    @property
    def products_read(self) -> int:
        """The variants read (the name this count had before products and variants were told apart)."""
        return self.variants

    def add(self, diagnostic: Diagnostic) -> None:
        self.diagnostics.append(diagnostic)

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics.extend(diagnostics)

    def counts(self) -> Counter[Severity]:
        return self.diagnostics.severities()
