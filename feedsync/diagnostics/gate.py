"""What counts and what fails: --select/--ignore (codes, prefixes, names or tags), per-channel and per-item
ignores, and the gate (--fail-on, --max-errors, --max-error-rate) that turns a report into an exit code."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from feedsync.diagnostics.codes import CODES, CodeInfo
from feedsync.diagnostics.diagnostic import Diagnostic, Severity
from feedsync.diagnostics.report import Report

FailOn = Literal["error", "warning", "never"]
_CODE_LIKE = re.compile(r"[A-Za-z]{3,4}\d*")


def matches(pattern: str, info: CodeInfo) -> bool:
    """A pattern names a code (``GMC008``), a prefix (``GMC``, ``GMC00``), a name (``invalid-gtin``) or a tag
    (``identifiers``)."""
    text = pattern.strip()
    if _CODE_LIKE.fullmatch(text):
        return info.code.startswith(text.upper())
    return text.lower() == info.name or text.lower() in info.tags


def unmatched(patterns: Iterable[str]) -> list[str]:
    """Those of ``patterns`` that name no code, prefix, name or tag (``matches``), in their order."""
    infos = list(CODES.values())
    return [p for p in patterns if not any(matches(p, info) for info in infos)]


SELECTS = "a code (GMC008), a prefix (GMC), a name (invalid-gtin) or a tag (identifiers)"
"""What a pattern of --select, --ignore or a profile's ``validation`` names."""


@dataclass(frozen=True)
class Selection:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    @classmethod
    def parse(cls, select: Iterable[str] = (), ignore: Iterable[str] = ()) -> Selection:
        def split(values: Iterable[str]) -> tuple[str, ...]:
            return tuple(p.strip() for v in values for p in v.replace(" ", ",").split(",") if p.strip())

        return cls(split(select), split(ignore))

    def unknown(self) -> str | None:
        """What is wrong with the patterns that select no code (None: each selects one): a typo (``prics``,
        ``MDL0002``) would select nothing, or ignore nothing, without a word, and a gate of ``--select`` would pass
        whatever the feed holds."""
        wrong = unmatched([*self.select, *self.ignore])
        if not wrong:
            return None
        names = ", ".join(repr(p) for p in wrong)
        return f"{names} {'selects' if len(wrong) == 1 else 'select'} no diagnostic code: give {SELECTS}"

    def keeps(self, code: str) -> bool:
        if not self.select and not self.ignore:  # most runs select nothing: asked of every finding
            return True
        info = CODES[code]
        if self.select and not any(matches(p, info) for p in self.select):
            return False
        return not any(matches(p, info) for p in self.ignore)


@dataclass
class DiagnosticFilter:
    """Which findings a run keeps: the command line's selection, each channel's profile ``validation``, and
    the codes a product lists in its ``feedsync_ignore`` column."""

    run: Selection = field(default_factory=Selection)
    channels: Mapping[str, Selection] = field(default_factory=dict)
    items: dict[str, Selection] = field(default_factory=dict)

    def keeps(self, diagnostic: Diagnostic) -> bool:
        return self.keeps_of(diagnostic.code, diagnostic.channel, diagnostic.product_id)

    def keeps_of(self, code: str, channel: str | None, product_id: str | None) -> bool:
        """``keeps`` of a finding with these fields (made of them only if kept)."""
        if not self.run.keeps(code):
            return False
        selection = self.channels.get(channel or "")
        if selection is not None and not selection.keeps(code):
            return False
        item = self.items.get(product_id or "")
        return item is None or item.keeps(code)


@dataclass(frozen=True)
class Gate:
    fail_on: FailOn = "error"
    max_errors: int | None = None
    max_error_rate: float | None = None  # percent of the variants read

    def counted(self, diagnostic: Diagnostic) -> bool:
        return self._counts(diagnostic.severity)

    def _counts(self, severity: Severity) -> bool:
        if self.fail_on == "never":
            return False
        threshold = Severity.WARNING if self.fail_on == "warning" else Severity.ERROR
        return severity.rank >= threshold.rank

    def count(self, report: Report) -> int:
        """The findings that count against the gate, from the report's count of each severity (a long run's
        findings are many: they are read again only for an error rate)."""
        return sum(n for severity, n in report.counts().items() if self._counts(severity))

    def verdict(self, report: Report) -> tuple[bool, str]:
        """(failed, why) for ``report``."""
        counted = self.count(report)
        if not counted:
            return False, "no findings count against the gate"
        if self.max_errors is None and self.max_error_rate is None:
            return True, f"{counted} finding(s) at or above {self.fail_on}"
        if self.max_errors is not None and counted > self.max_errors:
            return (
                True,
                f"{counted} finding(s) at or above {self.fail_on}, more than --max-errors {self.max_errors}",
            )
        if self.max_error_rate is not None:
            variants = max(report.variants, 1)
            ids = {d.product_id for d in report.diagnostics if d.product_id and self.counted(d)}
            affected = len(ids) + sum(1 for d in report.diagnostics if not d.product_id and self.counted(d))
            rate = affected * 100 / variants
            if rate > self.max_error_rate:
                return (
                    True,
                    f"{rate:.1f}% of the variants have findings, more than --max-error-rate {self.max_error_rate}%",
                )
        return False, "findings within the limits"
