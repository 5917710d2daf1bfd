"""Machine-readable reports: JSON (with a schema_version), JUnit XML, GitHub workflow annotations, SARIF 2.1.0."""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote_from_bytes

from feedsync import __version__
from feedsync.diagnostics.codes import CODES
from feedsync.diagnostics.diagnostic import Diagnostic, Severity
from feedsync.diagnostics.renderers.concise import display_path
from feedsync.diagnostics.report import Report
from feedsync.secrets import mask

JSON_SCHEMA_VERSION = 2
"""2: ``summary.products`` counts products (variant groups) and ``summary.variants`` the variants read; per
channel ``items + excluded + rejected == summary.variants`` (1: ``summary.products`` was the variants read)."""


def diagnostic_dict(d: Diagnostic) -> dict[str, Any]:
    location = None
    if d.location is not None:
        location = {
            "path": d.location.path,
            "row": d.location.row,
            "column": d.location.column,
            "column_name": d.location.column_name,
        }
    return {
        "code": d.code,
        "name": d.name,
        "severity": d.severity.value,
        "message": d.message,
        "channel": d.channel,
        "product_id": d.product_id,
        "field": d.field,
        "value": d.value,
        "location": location,
    }


def render_json(report: Report, *, failed: bool, reason: str) -> Iterator[str]:
    """The JSON report, in chunks. Its shape is documented in the README ("Report formats") and versioned by
    ``schema_version``."""
    counts = report.counts()
    document = {
        "schema_version": JSON_SCHEMA_VERSION,
        "tool": {"name": "feedsync", "version": __version__},
        "command": report.command,
        "result": {"failed": failed, "reason": reason},
        "summary": {
            "products": report.products,
            "variants": report.variants,
            "errors": counts.get(Severity.ERROR, 0),
            "warnings": counts.get(Severity.WARNING, 0),
            "info": counts.get(Severity.INFO, 0),
        },
        "channels": {
            name: {
                "items": r.items,
                "excluded": r.excluded,
                "rejected": r.rejected,
                "output": str(r.output) if r.output else None,
                "published": r.published,
                "refused": r.refused,
                "failed": r.failed,
            }
            for name, r in report.channels.items()
        },
        "diagnostics": _ITEMS,
    }
    return _streamed(document, (diagnostic_dict(d) for d in report.diagnostics), depth=1)


_ITEMS = "\x00feedsync: the streamed list\x00"
"""Where a document's long list goes: rendered one element at a time in its place."""


def _streamed(document: Any, items: Iterable[Any], *, depth: int) -> Iterator[str]:
    """``json.dumps(document, indent=2)`` with ``items`` in place of ``_ITEMS`` (a list ``depth`` levels deep), in
    chunks and masked: the same text, without holding the list (a long run's findings are many)."""
    head, tail = json.dumps(document, ensure_ascii=False, indent=2).split(json.dumps(_ITEMS), 1)
    yield mask(head)
    pad, first = "  " * (depth + 1), True
    for item in items:
        text = json.dumps(item, ensure_ascii=False, indent=2).replace("\n", "\n" + pad)
        yield mask(("[\n" if first else ",\n") + pad + text)
        first = False
    yield mask(("[]" if first else "\n" + "  " * depth + "]") + tail + "\n")


def _where(d: Diagnostic) -> str:
    if d.location is None:
        return ""
    text = display_path(d.location.path)
    if d.location.row is not None:
        text += f":{d.location.row}"
        if d.location.column is not None:
            text += f":{d.location.column}"
    return text


def render_junit(report: Report) -> str:
    """One test suite per channel (plus one for source findings), one test case per item; an item's findings
    at error level are its failures, warnings go to system-out."""
    by_item: dict[tuple[str, str], list[Diagnostic]] = defaultdict(list)
    for d in report.diagnostics:
        by_item[(d.channel or "source", d.product_id or "(file)")].append(d)
    suites: dict[str, list[str]] = {name: list(ids) for name, ids in report.items.items()}
    suites.setdefault("source", [])
    for channel, item in by_item:
        ids = suites.setdefault(channel, [])
        if item not in ids:
            ids.append(item)
    from xml.sax.saxutils import quoteattr  # it imports urllib.request: only for JUnit

    lines = ['<?xml version="1.0" encoding="UTF-8"?>']
    total_tests = sum(len(ids) for ids in suites.values())
    total_failures = sum(1 for key, found in by_item.items() if any(d.severity is Severity.ERROR for d in found))
    lines.append(f'<testsuites name="feedsync {report.command}" tests="{total_tests}" failures="{total_failures}">')
    for suite, ids in suites.items():
        failures = sum(1 for i in ids if any(d.severity is Severity.ERROR for d in by_item.get((suite, i), [])))
        lines.append(f'  <testsuite name={quoteattr(suite)} tests="{len(ids)}" failures="{failures}" errors="0">')
        for item in ids:
            found = by_item.get((suite, item), [])
            lines.append(f"    <testcase classname={quoteattr('feedsync.' + suite)} name={quoteattr(item)}>")
            for d in (d for d in found if d.severity is Severity.ERROR):
                text = f"{_where(d)}: {d.code} {d.message}"
                message = quoteattr(mask(d.message))
                lines.append(f"      <failure type={quoteattr(d.code)} message={message}>{_escape(text)}</failure>")
            notes = [d for d in found if d.severity is not Severity.ERROR]
            if notes:
                out = "\n".join(f"{_where(d)}: {d.code} {d.severity.value}: {d.message}" for d in notes)
                lines.append(f"      <system-out>{_escape(out)}</system-out>")
            lines.append("    </testcase>")
        lines.append("  </testsuite>")
    lines.append("</testsuites>")
    return mask("\n".join(lines) + "\n")


def _escape(text: str) -> str:
    return mask(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _gh(text: str, *, prop: bool = False) -> str:
    text = mask(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def render_github(report: Report) -> str:
    """GitHub Actions workflow commands: ``::error file=…,line=…,title=…::message``.

    No ``col``: GitHub reads it as a character of the line, and a finding's column is a cell's number (the message
    names it, as ``column 10 'gtin'``)."""
    lines = []
    for d in report.diagnostics:
        level = {"error": "error", "warning": "warning"}.get(d.severity.value, "notice")
        props = []
        if d.location is not None:
            props.append(f"file={_gh(display_path(d.location.path), prop=True)}")
            if d.location.row is not None:
                props.append(f"line={_line(report, d.location.path, d.location.row)}")
        props.append(f"title={_gh(f'{d.code} {d.name}', prop=True)}")
        scope = " ".join(
            x
            for x in (
                f"[{d.channel}]" if d.channel else "",
                f"id={d.product_id}" if d.product_id else "",
                _column(d),
            )
            if x
        )
        lines.append(f"::{level} {','.join(props)}::{_gh(d.message + (f' ({scope})' if scope else ''))}")
    return mask("\n".join(lines) + ("\n" if lines else ""))


def _line(report: Report, path: str, row: int) -> int:
    """The line of the file a finding's row starts on (a delimited table's row is a record: ``Report.line_of``)."""
    return row if report.line_of is None else report.line_of(path, row)


def _column(d: Diagnostic) -> str:
    """The finding's column in words (``column 10 'gtin'``), or "" where it names none."""
    if d.location is None or d.location.column is None:
        return ""
    name = d.location.column_name
    return f"column {d.location.column}" + (f" {name!r}" if name else "")


def render_sarif(report: Report) -> Iterator[str]:
    """SARIF 2.1.0, in chunks: one run, the rule registry as the driver's rules, one result per diagnostic.

    A result's region is the line its row starts on alone (``startLine``): SARIF's columns count the characters
    of the line, and a finding's column is a cell's number, which goes in the result's properties (``column``,
    ``columnName``)."""
    used = sorted({d.code for d in report.diagnostics})
    index = {code: i for i, code in enumerate(used)}
    rules = [
        {
            "id": code,
            "name": CODES[code].name,
            "shortDescription": {"text": CODES[code].name.replace("-", " ")},
            "fullDescription": {"text": CODES[code].doc},
            "defaultConfiguration": {"level": _level(CODES[code].severity)},
            "properties": {"tags": list(CODES[code].tags)},
        }
        for code in used
    ]
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "feedsync",
                        "version": __version__,
                        "informationUri": "https://github.com/feedsync/feedsync",
                        "rules": rules,
                    }
                },
                "results": _ITEMS,
            }
        ],
    }
    uris: dict[str, str] = {}
    cwd = os.getcwd()  # once: a report has a result per finding
    results = (_sarif_result(d, index, uris, cwd, report) for d in report.diagnostics)
    return _streamed(document, results, depth=3)


def _sarif_result(
    d: Diagnostic, index: dict[str, int], uris: dict[str, str], cwd: str, report: Report
) -> dict[str, Any]:
    """One SARIF result for a finding (``uris``: the artifact URIs of the paths met so far, ``sarif_uri``'s); its
    region the line of the file its row starts on."""
    result: dict[str, Any] = {
        "ruleId": d.code,
        "ruleIndex": index[d.code],
        "level": _level(d.severity),
        "message": {"text": d.message},
    }
    if d.location is not None:
        path = d.location.path
        uri = uris.get(path)
        if uri is None:
            uri = uris[path] = sarif_uri(path, cwd)
        physical: dict[str, Any] = {"artifactLocation": {"uri": uri}}
        if d.location.row is not None:
            physical["region"] = {"startLine": _line(report, path, d.location.row)}
        result["locations"] = [{"physicalLocation": physical}]
    properties: dict[str, Any] = {
        k: v
        for k, v in (("channel", d.channel), ("productId", d.product_id), ("field", d.field), ("value", d.value))
        if v
    }
    if d.location is not None and d.location.column is not None:
        properties["column"] = d.location.column
        if d.location.column_name:
            properties["columnName"] = d.location.column_name
    if properties:
        result["properties"] = properties
    return result


def sarif_uri(path: str, cwd: str) -> str:
    """``path`` as a SARIF artifact location's ``uri``, a URI reference (SARIF 2.1.0 §3.4.3), not a file name.

    A file below the working directory ``cwd`` is its path from there, percent-encoded (a space, a ``#``, a letter
    outside ASCII): a relative reference, which GitHub code scanning reads from the repository's root. A file
    elsewhere is a ``file://`` URI, which code scanning makes relative to the checkout when it lies in it. There is
    no ``uriBaseId``: code scanning reads no ``originalUriBaseIds``."""
    absolute = os.path.normpath(os.path.join(cwd, path))
    relative = os.path.relpath(absolute, cwd)
    if relative == os.curdir or relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return Path(absolute).as_uri()
    return quote_from_bytes(os.fsencode(Path(relative).as_posix()), safe="/")


def _level(severity: Severity) -> str:
    return {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}[severity]
