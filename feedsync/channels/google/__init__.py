"""Google Merchant Center: the attribute table, output formats and rules."""

from feedsync.channels.base import ChannelSpec, FormatSpec, Screened, VariantGroup, register_channel
from feedsync.channels.google import (
    codes,  # noqa: F401  (registers the channel's rule codes)
    names,
    rules,
    screen,
    spec,
)

GOOGLE = register_channel(
    ChannelSpec(
        name="google",
        formats={
            "xml": FormatSpec("xml", "rss", {"namespace": spec.NAMESPACE, "prefix": "g"}),
            "tsv": FormatSpec(
                "tsv",
                "delimited",
                {"delimiter": "\t", "list_separator": ",", "extra_columns": True, "quoted_entries": True},
            ),
        },
        check_item=Screened(screen.clean, rules.check_item),
        variant_group=VariantGroup("item_group_id", spec.VARIANT_ATTRIBUTES, "GMC012"),
        passthrough=True,
        prepare_item=rules.prepare_item,
        id_limits={a: spec.MAX_LENGTH[a] for a in ("id", "item_group_id")},
        check_fields=names.check_fields,
        written_id="id",  # (compared as written: Google's ids are case-sensitive, answer/6324405)
    )
)
