"""The human report: a table of findings grouped by code, then the first examples of each."""

from __future__ import annotations

import io
from collections import defaultdict

from rich.console import Console
from rich.table import Table

from feedsync.diagnostics.diagnostic import Diagnostic
from feedsync.diagnostics.renderers.concise import render_line
from feedsync.diagnostics.renderers.summary import render_summary
from feedsync.diagnostics.report import Report
from feedsync.secrets import mask

EXAMPLES = 3


def render_text(report: Report, *, color: bool = False, width: int = 120) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=width)
    by_code: dict[str, list[Diagnostic]] = defaultdict(list)
    for d in report.diagnostics:
        by_code[d.code].append(d)
    if by_code:
        table = Table(title="Findings by code", show_lines=False)
        for column in ("code", "name", "severity", "count", "channels"):
            table.add_column(column, justify="right" if column == "count" else "left")
        for code, found in sorted(by_code.items(), key=lambda kv: (-kv[1][0].severity.rank, kv[0])):
            channels = sorted({d.channel or "source" for d in found})
            table.add_row(code, found[0].name, found[0].severity.value, str(len(found)), ", ".join(channels))
        console.print(table)
        for code, found in sorted(by_code.items()):
            console.print(f"[bold]{code}[/bold] {found[0].name}: first {min(EXAMPLES, len(found))} of {len(found)}")
            for d in found[:EXAMPLES]:
                console.print("  " + render_line(d), markup=False, highlight=False)
    else:
        console.print("No findings.")
    for line in render_summary(report):
        console.print(mask(line), markup=False, highlight=False)
    return mask(buffer.getvalue())
