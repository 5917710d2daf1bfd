"""One self-contained HTML page for a run (``validate --html``, ``push --report-html``): the summary, items per
channel with the changes since the last push, a chart of findings by code (inline SVG), and the worst items with
their findings. No scripts, no external assets; the template is ``templates/report/report.html.j2``."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from feedsync import __version__
from feedsync.channels.templating import render_page
from feedsync.diagnostics.codes import CODES
from feedsync.diagnostics.diagnostic import Diagnostic, Severity
from feedsync.diagnostics.renderers.summary import counts_line
from feedsync.diagnostics.report import ChannelResult, Report
from feedsync.resources import data_dir
from feedsync.secrets import mask

COLORS = {"error": "#d92d20", "warning": "#f79009", "info": "#2e90fa"}
WORST = 25
PER_ITEM = 8


def _finding(d: Diagnostic) -> dict[str, Any]:
    return {
        "code": d.code,
        "severity": d.severity.value,
        "channel": d.channel,
        "field": d.field,
        "message": mask(d.message),
        "where": mask(str(d.location)) if d.location is not None else None,
    }


def _chart(diagnostics: list[Diagnostic]) -> dict[str, Any]:
    counts = Counter(d.code for d in diagnostics)
    severity = {d.code: d.severity.value for d in diagnostics}
    most = max(counts.values(), default=1)
    left, span = 70, 420
    bars = [
        {
            "code": code,
            "name": CODES[code].name if code in CODES else "",
            "count": count,
            "y": 6 + index * 26,
            "width": max(2, round(span * count / most)),
            "color": COLORS.get(severity[code], "#667085"),
        }
        for index, (code, count) in enumerate(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    ]
    return {"bars": bars, "left": left, "width": left + span + 320, "height": 12 + 26 * len(bars)}


def _outcome(command: str, result: ChannelResult) -> str:
    if result.refused or result.failed:
        return f"not published: {result.refused or result.failed}"
    if command == "validate" or result.output is None:
        return "checked"
    return result.published or result.planned or str(result.output)


def render_html(report: Report, *, failed: bool, reason: str | None, now: datetime | None = None) -> str:
    by_item: dict[str, list[Diagnostic]] = defaultdict(list)
    general = []
    for d in report.diagnostics:
        (by_item[d.product_id] if d.product_id else general).append(d)

    def badness(item: tuple[str, list[Diagnostic]]) -> tuple[int, int, str]:
        found = item[1]
        errors = sum(d.severity is Severity.ERROR for d in found)
        return (-errors, -sum(d.severity is Severity.WARNING for d in found), item[0])

    worst = [
        {
            "id": item,
            "errors": sum(d.severity is Severity.ERROR for d in found),
            "warnings": sum(d.severity is Severity.WARNING for d in found),
            "findings": [_finding(d) for d in found[:PER_ITEM]],
        }
        for item, found in sorted(by_item.items(), key=badness)[:WORST]
    ]
    counts = report.counts()
    channels = [
        {
            "channel": name,
            "items": r.items,
            "excluded": r.excluded,
            "rejected": r.rejected,
            "outcome": mask(_outcome(report.command, r)),
            "changes": r.changes,
        }
        for name, r in report.channels.items()
    ]
    page = render_page(
        data_dir("templates") / "report",
        "report.html.j2",
        dict(
            command=report.command,
            generated=(now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC"),
            version=__version__,
            read=counts_line(report.products, report.variants),
            failed=failed,
            reason=mask(reason) if reason else reason,
            errors=counts.get(Severity.ERROR, 0),
            warnings=counts.get(Severity.WARNING, 0),
            infos=counts.get(Severity.INFO, 0),
            channels=channels,
            chart=_chart(report.diagnostics),
            worst=worst,
            general=[_finding(d) for d in general[:50]],
        ),
    )
    return mask(page)
