"""Meta (Facebook/Instagram) catalogs: formats and rules."""

from feedsync.channels.base import ChannelSpec, FormatSpec, Screened, register_channel
from feedsync.channels.google.spec import NAMESPACE
from feedsync.channels.meta import (
    codes,  # noqa: F401  (registers the channel's rule codes)
    names,
    rules,
    screen,
)
from feedsync.channels.meta.spec import MAX_LENGTH, MetaSettings

META = register_channel(
    ChannelSpec(
        name="meta",
        formats={
            # Meta reads a list of URLs as separated by a comma, a semicolon, a space or a vertical bar: each is
            # percent-encoded in a listed link (formats.delimited.listed_entry)
            "csv": FormatSpec("csv", "delimited", {"delimiter": ",", "list_separator": ",", "link_separators": ",; |"}),
            # Meta reads RSS feeds with Google's g: namespace.
            "xml": FormatSpec("xml", "rss", {"namespace": NAMESPACE, "prefix": "g"}),
        },
        check_item=Screened(screen.clean, rules.check_item),
        prepare_item=rules.prepare_item,
        id_limits={"id": MAX_LENGTH["id"], "item_group_id": MAX_LENGTH["item_group_id"]},
        settings_model=MetaSettings,
        check_fields=names.check_fields,
        written_id="id",
    )
)
