"""``path:row:col: CODE message`` lines, one per diagnostic (the format editors and CI logs understand)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from feedsync.diagnostics.diagnostic import Diagnostic
from feedsync.diagnostics.findings import Findings
from feedsync.secrets import mask

_SHOWN: dict[tuple[str, str], str] = {}
"""``display_path`` of (path, working directory): a report names a few paths, once per finding."""
_SHOWN_SIZE = 256


def display_path(path: str, cwd: str | None = None) -> str:
    """``path`` relative to the working directory (``cwd``: it, read already) when it lies below it."""
    key = (path, cwd or os.getcwd())
    shown = _SHOWN.get(key)
    if shown is None:
        try:
            relative = os.path.relpath(path, key[1])
        except ValueError:
            relative = ".."
        shown = path if relative.startswith("..") or not Path(path).is_absolute() else relative
        if len(_SHOWN) >= _SHOWN_SIZE:
            _SHOWN.clear()
        _SHOWN[key] = shown
    return shown


def render_line(diagnostic: Diagnostic, cwd: str | None = None) -> str:
    """The diagnostic's line (``cwd``: the working directory, read already by a caller that renders many)."""
    where = "<run>"
    loc = diagnostic.location
    if loc is not None:
        where = display_path(loc.path, cwd)
        if loc.row is not None:
            where += f":{loc.row}"
            if loc.column is not None:
                where += f":{loc.column}"
    details = [diagnostic.severity.value]
    if diagnostic.channel:
        details.append(f"[{diagnostic.channel}]")
    if diagnostic.product_id:
        details.append(f"id={diagnostic.product_id}")
    if loc is not None and loc.column_name and loc.column_name != diagnostic.field:
        details.append(f"column {loc.column_name!r}")
    return mask(f"{where}: {diagnostic.code} {diagnostic.message} ({' '.join(details)})")


def render_lines(diagnostics: Iterable[Diagnostic]) -> str:
    """The diagnostics' lines, joined by newlines."""
    cwd = os.getcwd()  # once: a report has a line per finding
    return "\n".join([render_line(diagnostic, cwd) for diagnostic in diagnostics])


def render_concise(diagnostics: Iterable[Diagnostic]) -> Iterator[str]:
    """The diagnostics' lines, in texts of one line or more (a run's ``Findings``: a batch of them at a time, read
    as rendered when the batch was spilled, if it was)."""
    if isinstance(diagnostics, Findings):
        yield from diagnostics.lines(render_lines)
        return
    cwd = os.getcwd()  # once: a report has a line per finding
    for diagnostic in diagnostics:
        yield render_line(diagnostic, cwd)
