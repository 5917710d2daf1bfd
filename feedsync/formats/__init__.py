"""Streaming feed writers. They know nothing of channels: they get column names, metadata and values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, BinaryIO, Protocol

from feedsync.formats.delimited import DelimitedWriter
from feedsync.formats.json_listings import JsonListingsWriter, OpenPart, max_messages
from feedsync.formats.xml_rss import RssWriter

Values = Mapping[str, Any]


class FeedWriter(Protocol):
    def __enter__(self) -> FeedWriter: ...

    def __exit__(self, *exc: object) -> None: ...

    def write(self, values: Values) -> None: ...


def open_writer(
    kind: str,
    handle: BinaryIO,
    *,
    columns: list[str],
    meta: Mapping[str, Any],
    options: Mapping[str, Any],
    open_part: OpenPart | None = None,
) -> FeedWriter:
    if kind == "rss":
        return RssWriter(handle, meta=meta, namespace=options["namespace"], prefix=options["prefix"])
    if kind == "delimited":
        return DelimitedWriter(
            handle,
            columns=columns,
            delimiter=options.get("delimiter", ","),
            list_separator=options.get("list_separator", ","),
            extra_columns=bool(options.get("extra_columns")),
            link_separators=options.get("link_separators", ""),
            quoted_entries=bool(options.get("quoted_entries")),
        )
    if kind == "json_listings":
        return JsonListingsWriter(
            handle,
            header=meta["header"],
            max_messages=max_messages(options),
            open_part=open_part,
        )
    raise ValueError(f"unknown writer {kind!r}")


__all__ = ["DelimitedWriter", "FeedWriter", "JsonListingsWriter", "RssWriter", "open_writer"]
