"""Pinterest catalogs: a data source file (CSV, TSV or RSS XML) of product Pins, with Pinterest's rules."""

from feedsync.channels.base import ChannelSpec, FormatSpec, register_channel
from feedsync.channels.google.spec import NAMESPACE
from feedsync.channels.pinterest import codes, rules  # noqa: F401  (codes registers the PIN rule codes)
from feedsync.channels.pinterest.spec import MAX_LENGTH

PINTEREST = register_channel(
    ChannelSpec(
        name="pinterest",
        formats={
            "csv": FormatSpec("csv", "delimited", {"delimiter": ",", "list_separator": ","}),
            "tsv": FormatSpec("tsv", "delimited", {"delimiter": "\t", "list_separator": ","}),
            # Pinterest reads RSS 2.0 feeds with Google's g: namespace.
            "xml": FormatSpec("xml", "rss", {"namespace": NAMESPACE, "prefix": "g"}),
        },
        check_item=rules.check_item,
        prepare_item=rules.prepare_item,
        written_id="id",
        id_limits={"id": MAX_LENGTH["id"], "item_group_id": MAX_LENGTH["item_group_id"]},
    )
)
