"""The native channel: the normalized catalog written back in feedsync's own CSV columns (for example to turn a
platform export into a native catalog file). It has no channel rules."""

from feedsync.channels.base import ChannelItem, ChannelSpec, FormatSpec, register_channel
from feedsync.diagnostics import Diagnostic


def _no_rules(item: ChannelItem, channel: str) -> list[Diagnostic]:
    return []


NATIVE = register_channel(
    ChannelSpec(
        name="native",
        formats={
            "csv": FormatSpec("csv", "delimited", {"delimiter": ",", "list_separator": ","}),
            "tsv": FormatSpec("tsv", "delimited", {"delimiter": "\t", "list_separator": ","}),
        },
        check_item=_no_rules,
    )
)
