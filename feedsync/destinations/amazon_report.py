"""An Amazon ``JSON_LISTINGS_FEED`` processing report, checked before any of it is believed.

The report must have the parts ``listings-feed-processing-report-schema-v2.json`` requires (``header``, ``issues``,
``summary`` with its five counts) and describe the document that was sent: every issue's ``messageId`` one of
ours (1..n) naming the SKU we sent under it, a ``summary.messagesProcessed`` of n, and ``messagesAccepted`` /
``messagesInvalid`` matching the messages an ERROR names. A report that disagrees says nothing reliable about
which listings Amazon took, so the feed is failed whole (:class:`RemoteError`): nothing of it is recorded as
accepted, and its listings are sent again on the next push.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from feedsync.diagnostics import Emit, Severity
from feedsync.diagnostics.codes import make
from feedsync.errors import RemoteError
from feedsync.secrets import clip

COUNTS = ("errors", "warnings", "messagesProcessed", "messagesAccepted", "messagesInvalid")
"""The summary's required counts (non-negative integers)."""
SEVERITIES = ("ERROR", "WARNING", "INFO")


def refused_messages(report: Any, feed_id: str, skus: Mapping[int, str], emit: Emit, channel: str) -> dict[int, str]:
    """The messages of the feed Amazon refused (messageId -> the text of its first ERROR), from a report checked
    against ``skus`` (the SKU sent under each messageId, 1..n); tells each issue as a finding (DST003 / DST005).
    Raises :class:`RemoteError` naming the feed and what disagrees when the report cannot be believed."""
    issues, summary = _parts(report, feed_id)
    located = [(_message_of(issue, skus, feed_id), issue) for issue in issues]
    feed_level = [_text(i) for n, i in located if n is None and i["severity"] == "ERROR"]
    if feed_level:
        errors = clip("; ".join(feed_level), 500)
        raise RemoteError(f"Amazon feed {feed_id}: the processing report has errors of the feed itself: {errors}")
    refused: dict[int, str] = {}
    for n, issue in located:
        if issue["severity"] == "ERROR" and n is not None:
            refused.setdefault(n, _text(issue))
    _check_summary(summary, len(skus), len(refused), feed_id)
    for n, issue in located:
        sku = skus.get(n) if n is not None else None
        if issue["severity"] == "ERROR":
            emit(make("DST003", f"Amazon rejected the listing: {_text(issue)}", channel=channel, product_id=sku))
        elif issue["severity"] == "WARNING":
            text = f"Amazon: {_text(issue)}"
            emit(make("DST005", text, channel=channel, product_id=sku, severity=Severity.WARNING))
    return refused


def _parts(report: Any, feed_id: str) -> tuple[list[Mapping[str, Any]], Mapping[str, Any]]:
    """The report's issues and summary, once it has the parts the report schema requires."""
    where = f"Amazon feed {feed_id}: the processing report"
    if not isinstance(report, dict):
        raise RemoteError(f"{where} is not a JSON object")
    missing = [part for part in ("header", "issues", "summary") if part not in report]
    if missing:
        raise RemoteError(f"{where} lacks {', '.join(missing)} (required by the report schema)")
    issues, summary = report["issues"], report["summary"]
    if not isinstance(report["header"], dict) or not isinstance(issues, list) or not isinstance(summary, dict):
        raise RemoteError(f"{where} has a header, issues or summary of another shape than the report schema's")
    for issue in issues:
        if not isinstance(issue, dict) or issue.get("severity") not in SEVERITIES or not issue.get("message"):
            raise RemoteError(f"{where} has an issue without a severity or message: {clip(str(issue), 200)}")
    lacking = [name for name in COUNTS if not _count(summary.get(name))]
    if lacking:
        raise RemoteError(f"{where}'s summary lacks the counts {', '.join(lacking)}")
    return issues, summary


def _message_of(issue: Mapping[str, Any], skus: Mapping[int, str], feed_id: str) -> int | None:
    """The messageId an issue is about (by its messageId, else by a SKU sent once); None: the feed itself."""
    where = f"Amazon feed {feed_id}: the processing report"
    number, sku = issue.get("messageId"), issue.get("sku")
    if number is not None:
        if not _count(number) or number not in skus:
            raise RemoteError(f"{where} names messageId {clip(str(number), 40)}, which was not sent (1..{len(skus)})")
        if sku is not None and sku != skus[number]:
            raise RemoteError(
                f"{where} names SKU {clip(str(sku), 80)!r} for messageId {number}, which was sent as {skus[number]!r}"
            )
        return int(number)
    if sku is None:
        return None
    matches = [n for n, sent in skus.items() if sent == sku]
    if len(matches) != 1:
        raise RemoteError(f"{where} names SKU {clip(str(sku), 80)!r}, which was not sent in it")
    return matches[0]


def _check_summary(summary: Mapping[str, Any], sent: int, refused: int, feed_id: str) -> None:
    where = f"Amazon feed {feed_id}: the processing report's summary"
    processed, accepted, invalid = (summary[k] for k in ("messagesProcessed", "messagesAccepted", "messagesInvalid"))
    if processed != sent:
        raise RemoteError(f"{where} has {processed} messages processed, but {sent} were sent")
    if accepted != sent - refused or invalid != refused:
        raise RemoteError(
            f"{where} has {accepted} messages accepted and {invalid} invalid, but its issues refuse {refused} "
            f"of the {sent} sent"
        )


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _text(issue: Mapping[str, Any]) -> str:
    text = f"{issue.get('code', '')} {issue.get('message', '')}".strip()
    if issue.get("attributeName"):
        text += f" ({issue['attributeName']})"
    return text
