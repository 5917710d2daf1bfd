"""``path:row:col: CODE message`` lines, one per diagnostic (the format editors and CI logs understand)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from feedsync.diagnostics.diagnostic import Diagnostic, Severity, location_fields
from feedsync.diagnostics.findings import PASS, Findings, Kept
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
    d = diagnostic
    return _line(
        location_fields(d.location), d.code, d.message, d.severity.value, d.channel, d.product_id, d.field, cwd
    )


def _line(
    where: tuple[str, int | None, int | None, str | None] | None,
    code: str,
    message: str,
    severity: str,
    channel: str | None,
    product_id: str | None,
    field: str | None,
    cwd: str | None,
) -> str:
    """A finding's line, of its fields (``finding_fields``: ``where`` is its location's)."""
    shown = "<run>"
    column_name = None
    if where is not None:
        path, row, column, column_name = where
        shown = display_path(path, cwd)
        if row is not None:
            shown += f":{row}"
            if column is not None:
                shown += f":{column}"
    details = [severity]
    if channel:
        details.append(f"[{channel}]")
    if product_id:
        details.append(f"id={product_id}")
    if column_name and column_name != field:
        details.append(f"column {column_name!r}")
    return mask(f"{shown}: {code} {message} ({' '.join(details)})")


def render_lines(diagnostics: Iterable[Kept]) -> str:
    """The diagnostics' lines, joined by newlines (each an object, or its fields: ``Findings.append_fields``)."""
    cwd = os.getcwd()  # once: a report has a line per finding
    return "\n".join(
        [_fields_line(kept, cwd) if type(kept) is tuple else render_line(kept, cwd) for kept in diagnostics]
    )


def render_error_lines(diagnostics: Iterable[Kept]) -> str:
    """``render_lines`` of the errors alone (``--quiet``: errors only); "" where the batch holds none."""
    return render_lines([kept for kept in diagnostics if _rank(kept) >= 2])


def render_warning_lines(diagnostics: Iterable[Kept]) -> str:
    """``render_lines`` of the errors and warnings (``--quiet`` with ``--fail-on warning``)."""
    return render_lines([kept for kept in diagnostics if _rank(kept) >= 1])


SHOWN_FROM: dict[str, Callable[[Iterable[Kept]], str]] = {
    "error": render_error_lines,
    "warning": render_warning_lines,
    "info": render_lines,
}
"""How the lines of the findings at or above a severity are rendered (every one's at ``info``)."""


def _rank(kept: Kept) -> int:
    severity = kept[2] if type(kept) is tuple else kept.severity  # type: ignore[index,union-attr]  # (fields, or it)
    return Severity(severity).rank


def _fields_line(fields: tuple[Any, ...], cwd: str) -> str:
    """The line of a finding held as its fields (``finding_fields``)."""
    code, _, severity, message, channel, product_id, field, _, where = fields
    return _line(where, code, message, severity, channel, product_id, field, cwd)


def encoded_concise(diagnostics: Iterable[Diagnostic], *, least: str = "info") -> Iterator[bytes]:
    """``render_concise``'s texts, UTF-8 encoded as ``Findings.encoded_lines`` encodes them: a run's ``Findings``
    gives the lines rendered as they were spilled as they lie on disk."""
    if isinstance(diagnostics, Findings):
        yield from (text for text in diagnostics.encoded_lines(SHOWN_FROM[least]) if text)
        return
    for text in render_concise(diagnostics, least=least):
        yield text.encode("utf-8", PASS)


def render_concise(diagnostics: Iterable[Diagnostic], *, least: str = "info") -> Iterator[str]:
    """The lines of the diagnostics at or above the severity ``least`` (``--quiet``: those the gate fails on), in
    texts of one line or more (a run's ``Findings``: a batch of them at a time, read as rendered when the batch was
    spilled, if it was, by the renderer of the same severity, ``SHOWN_FROM``)."""
    if isinstance(diagnostics, Findings):
        yield from (text for text in diagnostics.lines(SHOWN_FROM[least]) if text)
        return
    cwd = os.getcwd()  # once: a report has a line per finding
    rank = Severity(least).rank
    for diagnostic in diagnostics:
        if diagnostic.severity.rank >= rank:
            yield render_line(diagnostic, cwd)
