"""A short human summary of a run: the products and variants read, per channel its items, excluded and rejected
variants and what was written or published, and the finding counts. Every command words its counts the same."""

from __future__ import annotations

from collections.abc import Iterator

from feedsync.diagnostics.diagnostic import Severity
from feedsync.diagnostics.renderers.concise import display_path
from feedsync.diagnostics.report import ChannelResult, Report


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def counts_line(products: int, variants: int) -> str:
    """``155 products, 1192 variants read``: the words build, validate, push, inspect and init all use."""
    return f"{_plural(products, 'product')}, {_plural(variants, 'variant')} read"


def channel_counts(result: ChannelResult) -> str:
    """``google: 134 items, 0 excluded, 1058 rejected``: together they account for every variant read."""
    return f"{result.channel}: {_plural(result.items, 'item')}, {result.excluded} excluded, {result.rejected} rejected"


def render_summary(report: Report) -> Iterator[str]:
    yield counts_line(report.products, report.variants)
    for result in report.channels.values():
        line = channel_counts(result)
        if result.published:
            line += f"; published to {display_path(result.published)}"
        elif result.planned:
            line += f"; {result.planned}"
        elif result.refused or result.failed:
            line += "; NOT published"
        elif result.output and report.command != "validate":
            line += f"; written to {display_path(str(result.output))}"
        yield line
        for sample in result.samples:
            yield f"  e.g. {sample[:300]}"
    counts = report.counts()
    errors, warnings = counts.get(Severity.ERROR, 0), counts.get(Severity.WARNING, 0)
    yield f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}"
