"""What Meta made of one Catalog Batch API call, read from its answers: the ``validation_status`` of the
``items_batch`` answer and the errors and warnings of ``check_batch_request_status``.

A status has ``errors`` and ``warnings``, each ``{"line", "id", "message"}``; both lists are samples ("does not
include all errors"), counted in full by ``errors_total_count`` and ``warnings_total_count``, and
``ids_of_invalid_requests`` lists the retailer ids of the refused requests. ``line`` is the request's index in the
batch, 0-based as Meta's guide shows it (``"line": 0`` for the first request); an error naming both its line and its
id in the same answer confirms, or corrects, that base. A refusal that is counted but tied to no request of the
batch is ``unnamed``: it may be any of the batch's items. Statuses: scheduled, dispatched, started, then finished,
error (some requests may not have been applied) or canceled.
Facts: developers.facebook.com, marketing-api catalog-batch guides (get-batch-request) and the reference of
items_batch, check_batch_request_status and CheckBatchRequestStatus.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

FINISHED = "finished"
FAILED = "error"
CANCELED = frozenset({"canceled", "cancelled"})
FINAL = frozenset({FINISHED, FAILED}) | CANCELED
"""The statuses after which a batch changes no more (polling stops)."""


@dataclass
class Outcome:
    """Meta's findings on one batch, by the id each request was sent under."""

    refused: dict[str, str] = field(default_factory=dict)
    """Sent id -> Meta's message(s): the requests Meta refused by name."""
    warnings: list[tuple[str | None, str]] = field(default_factory=list)
    """(sent id, or None when it names no request of the batch; message)."""
    unnamed: int = 0
    """Refusals Meta counted without naming a request of the batch."""
    unlisted_warnings: int = 0
    """Warnings Meta counted but did not list."""

    def refuse(self, sent_id: str, message: str) -> None:
        known = self.refused.get(sent_id)
        self.refused[sent_id] = message if known is None or message in known else f"{known}; {message}"


def read_validation(body: Mapping[str, Any], sent_ids: Sequence[str]) -> Outcome:
    """The ``validation_status`` of an ``items_batch`` answer: ``[{retailer_id, errors: [{message}], warnings}]``
    (a request it refuses is not ingested)."""
    outcome = Outcome()
    batch = set(sent_ids)
    for entry in body.get("validation_status") or []:
        retailer_id = str(entry.get("retailer_id") or "")
        named = retailer_id if retailer_id in batch else None
        for error in entry.get("errors") or []:
            message = _message(error)
            if named is None:
                outcome.unnamed += 1
            else:
                outcome.refuse(named, message)
        outcome.warnings += [(named, _message(warning)) for warning in entry.get("warnings") or []]
    return outcome


def read_status(status: Mapping[str, Any], sent_ids: Sequence[str]) -> Outcome:
    """The refusals and warnings of a ``check_batch_request_status`` answer for a batch sent as ``sent_ids`` (the id
    of each request, in order)."""
    outcome = Outcome()
    errors = list(status.get("errors") or [])
    warnings = list(status.get("warnings") or [])
    base = _line_base(errors + warnings, sent_ids)
    batch = frozenset(sent_ids)
    named_errors = 0
    for error in errors:
        item = _request(error, sent_ids, batch, base)
        if item is not None:
            outcome.refuse(item, _message(error))
            named_errors += 1
    extra = 0  # refused requests named only by ids_of_invalid_requests (each accounts for at least one error)
    for item in map(str, status.get("ids_of_invalid_requests") or []):
        if item in batch and item not in outcome.refused:
            outcome.refuse(item, "rejected by Meta")
            extra += 1
    total = _count(status.get("errors_total_count"), len(errors))
    outcome.unnamed = max(total - named_errors - extra, 0)
    outcome.warnings = [(_request(w, sent_ids, batch, base), _message(w)) for w in warnings]
    outcome.unlisted_warnings = max(_count(status.get("warnings_total_count"), len(warnings)) - len(warnings), 0)
    return outcome


def _request(entry: Mapping[str, Any], sent_ids: Sequence[str], batch: frozenset[str], base: int) -> str | None:
    """The sent id of the request an error or warning names: by its id, else by its line; None when it names none
    of the batch's."""
    named = entry.get("id") or entry.get("retailer_id")
    if named:
        return str(named) if str(named) in batch else None
    line = _line(entry)
    if line is not None and 0 <= line - base < len(sent_ids):
        return sent_ids[line - base]
    return None


def _line_base(entries: list[Any], sent_ids: Sequence[str]) -> int:
    """Whether lines count from 0 (Meta's guide) or 1: told by the first entry naming its line and an id that sit
    together at one base only; 0 when none does."""
    for entry in entries:
        line, named = _line(entry), str(entry.get("id") or "")
        if line is None or not named:
            continue
        at_zero = 0 <= line < len(sent_ids) and sent_ids[line] == named
        at_one = 1 <= line <= len(sent_ids) and sent_ids[line - 1] == named
        if at_zero != at_one:
            return 0 if at_zero else 1
    return 0


def _line(entry: Mapping[str, Any]) -> int | None:
    line = entry.get("line")
    if isinstance(line, bool):
        return None
    if isinstance(line, int):
        return line
    if isinstance(line, str) and line.isdigit():
        return int(line)
    return None


def _count(value: Any, listed: int) -> int:
    """A ``*_total_count`` (never fewer than the entries listed; the listed count when absent or not a number)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return listed
    try:
        return max(int(value), listed)
    except ValueError:
        return listed


def _message(entry: Mapping[str, Any]) -> str:
    return str(entry.get("message") or "rejected by Meta")
