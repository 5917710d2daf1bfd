"""Guardrails: whether a channel's feed may be published (items with errors, an empty feed, a fall in the item count
since the last pushes) and whether a sync may delete as many items as it plans to."""

from __future__ import annotations

from feedsync.accounting import empty_refusal
from feedsync.channels.compiled import CompiledChannel
from feedsync.diagnostics import ChannelResult


def guardrail(
    channel: CompiledChannel, result: ChannelResult, counts: list[int], *, force: bool, file: bool = True
) -> tuple[str, str | None]:
    """(code, why the channel must not be published, or None): items with errors (DST001), then a feed with no
    items (DST008, unless the channel says allow_empty), then a fall in the item count since the last push
    (DST002), then a fall from the largest count of the recent pushes ``counts`` (newest first; DST007). The last
    three are overridden by ``force``.

    DST007 is its own code because its cause and remedy differ: each push lost less than the limit, so no
    single export is broken; a source shrinking push by push (88 -> 72 -> 59) is caught against the peak of the
    last ``guardrail_history`` pushes, and a push --force starts the window again.

    ``file``: the feed is published as a file (not synced item by item): an empty one whose format's documents
    cannot be empty (an Amazon listings feed) is refused whatever ``force`` and allow_empty say (DST008), since
    the channel would refuse it."""
    refusal = _refusal(channel, result)
    if refusal:
        return "DST001", refusal
    if file and not result.items and channel.format.empty is not None:
        why = channel.format.empty[1]
        return "DST008", f"the feed has no items: {why}; any feed published before stays"
    empty = empty_refusal(result, allowed=channel.config.allow_empty)
    if empty:
        return "DST008", None if force else empty
    limit = channel.config.max_drop_percent
    drop = _drop(counts[0] if counts else None, result.items, limit)
    if drop:
        return "DST002", None if force else drop
    peak = _drop(max(counts, default=None), result.items, limit, f" (the largest of the last {len(counts)} pushes)")
    return "DST007", None if force else peak


def too_many_deletes(
    channel: CompiledChannel, deletes: int, before: int, *, force: bool, gone: int | None = None
) -> str | None:
    """Why a push must not take ``deletes`` of the ``before`` items the destination holds off the channel (a sync's
    deletes, the items a file leaves out), unless ``force``: more than the channel's max_deletes, or more than
    max_delete_percent of them (a source of other ids, another store's file or ids renamed, keeps the item count and
    would replace the whole catalog). ``gone``: how many of ``deletes`` the catalog no longer has (where some only move,
    held under a former description); all of them where None."""
    if force:
        return None
    limit = channel.config.max_deletes
    if limit is not None and deletes > limit:
        return f"{deletes} items would be deleted, more than max_deletes {limit}; push --force to delete them"
    share = channel.config.max_delete_percent
    gone = deletes if gone is None else gone
    if before and gone * 100 / before > share:
        return (
            f"{gone} of the {before} items published before would leave the channel "
            f"({gone * 100 / before:.1f}%, more than max_delete_percent {share:g}%): the source names other ids "
            "(another catalog's file, ids renamed); push --force when they are real"
        )
    return None


def _refusal(channel: CompiledChannel, result: ChannelResult) -> str | None:
    """Why a channel's feed must not be published, after the items with errors were left out."""
    if result.rejected and channel.config.on_error == "fail":
        return f"{result.rejected} item(s) have errors and the channel says on_error: fail"
    limit = channel.config.max_error_rate
    total = result.items + result.rejected
    if limit is not None and total and result.rejected * 100 / total > limit:
        return f"{result.rejected * 100 / total:.1f}% of items have errors, more than max_error_rate {limit}%"
    return None


def _drop(previous: int | None, items: int, max_drop_percent: float, since: str = "") -> str | None:
    """Why a fall in the item count is too large to publish (a partial export must not wipe a catalog)."""
    if not previous or items >= previous:
        return None
    fall = (previous - items) * 100 / previous
    if fall <= max_drop_percent:
        return None
    return (
        f"the item count fell from {previous}{since} to {items} ({fall:.1f}%, more than max_drop_percent "
        f"{max_drop_percent:g}%); the last good feed stays; push --force to publish anyway"
    )
