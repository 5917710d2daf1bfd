"""A short human summary of a run: per channel what was written or published, and the finding counts."""

from __future__ import annotations

from collections.abc import Iterator

from feedsync.diagnostics.diagnostic import Severity
from feedsync.diagnostics.renderers.concise import display_path
from feedsync.diagnostics.report import Report


def render_summary(report: Report) -> Iterator[str]:
    yield f"{report.products_read} products read"
    for result in report.channels.values():
        line = f"{result.channel}: {result.items} items"
        if result.published:
            line += f" published to {display_path(result.published)}"
        elif result.planned:
            line += f": {result.planned}"
        elif result.refused or result.failed:
            line += ": NOT published"
        elif result.output and report.command != "validate":
            line += f" written to {display_path(str(result.output))}"
        if result.excluded:
            line += f", {result.excluded} excluded by filters or rules"
        if result.rejected:
            line += f", {result.rejected} left out for errors"
        yield line
        for sample in result.samples:
            yield f"  e.g. {sample[:300]}"
    counts = report.counts()
    errors, warnings = counts.get(Severity.ERROR, 0), counts.get(Severity.WARNING, 0)
    yield f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
