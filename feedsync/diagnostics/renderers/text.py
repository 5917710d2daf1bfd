"""The human report: a table of findings grouped by code, then the first examples of each."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table

from feedsync.diagnostics.diagnostic import Diagnostic
from feedsync.diagnostics.renderers.concise import render_line
from feedsync.diagnostics.renderers.summary import render_summary
from feedsync.diagnostics.report import Report
from feedsync.secrets import mask

EXAMPLES = 3


@dataclass
class _Code:
    """What the report shows of one code: how many, in which channels, the first few."""

    count: int = 0
    channels: set[str] = field(default_factory=set)
    examples: list[Diagnostic] = field(default_factory=list)

    @property
    def first(self) -> Diagnostic:
        return self.examples[0]

    def add(self, diagnostic: Diagnostic) -> None:
        self.count += 1
        self.channels.add(diagnostic.channel or "source")
        if len(self.examples) < EXAMPLES:
            self.examples.append(diagnostic)


def render_text(report: Report, *, color: bool = False, width: int = 120, summed: bool = True) -> str:
    """The human report; ``summed``: ending with the run's summary (a report written to a file; on stdout the
    summary goes to stderr, as every format's does)."""
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=width)
    by_code: dict[str, _Code] = {}
    for d in report.diagnostics:  # one pass, keeping counts and the first examples (a long run's findings are many)
        found = by_code.get(d.code)
        if found is None:
            found = by_code[d.code] = _Code()
        found.add(d)
    if by_code:
        table = Table(title="Findings by code", show_lines=False)
        for column in ("code", "name", "severity", "count", "channels"):
            table.add_column(column, justify="right" if column == "count" else "left")
        for code, found in sorted(by_code.items(), key=lambda kv: (-kv[1].first.severity.rank, kv[0])):
            first = found.first
            channels = ", ".join(sorted(found.channels))
            table.add_row(code, first.name, first.severity.value, str(found.count), channels)
        console.print(table)
        for code, found in sorted(by_code.items()):
            console.print(f"[bold]{code}[/bold] {found.first.name}: first {len(found.examples)} of {found.count}")
            for d in found.examples:
                console.print("  " + render_line(d), markup=False, highlight=False)
    else:
        console.print("No findings.")
    for line in render_summary(report) if summed else ():
        console.print(mask(line), markup=False, highlight=False)
    return mask(buffer.getvalue())
