"""One Report per run: every diagnostic plus what happened per channel."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from feedsync.diagnostics.diagnostic import Diagnostic, Severity


@dataclass(slots=True)
class ChannelResult:
    channel: str
    items: int = 0
    excluded: int = 0
    """Left out on purpose: a filter, a rule's exclude, nothing to expand."""
    rejected: int = 0
    """Left out because of an error (a failing template or rule, an item that breaks the channel's rules)."""
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
    """Why push did not publish this channel (on_error: fail, max_error_rate)."""


@dataclass(slots=True)
class Report:
    command: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    channels: dict[str, ChannelResult] = field(default_factory=dict)
    products_read: int = 0
    items: dict[str, list[str]] = field(default_factory=dict)
    """Every item id per channel, when the run was asked to record them (JUnit reports need them)."""

    def add(self, diagnostic: Diagnostic) -> None:
        self.diagnostics.append(diagnostic)

    def extend(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics.extend(diagnostics)

    def counts(self) -> Counter[Severity]:
        return Counter(d.severity for d in self.diagnostics)

    def has_at_least(self, severity: Severity) -> bool:
        return any(d.severity.rank >= severity.rank for d in self.diagnostics)
