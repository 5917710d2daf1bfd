"""Amazon: JSON_LISTINGS_FEED documents (Feeds API 2021-06-30) in Amazon's listing attribute shape."""

from feedsync.channels.amazon import (
    codes,  # noqa: F401  (registers the channel's rule codes)
    rules,
    screen,
)
from feedsync.channels.amazon.spec import MAX_SKU_LENGTH, AmazonSettings
from feedsync.channels.amazon.transform import AmazonEncoder, parent_written
from feedsync.channels.amazon.validation import check_fields
from feedsync.channels.base import ChannelSpec, FormatSpec, Screened, register_channel

EMPTY = "Amazon's listings feed schema requires at least one message, so Amazon would refuse the document"

AMAZON = register_channel(
    ChannelSpec(
        name="amazon",
        formats={"json": FormatSpec("json", "json_listings", {}, empty=("AMZ023", EMPTY))},
        check_item=Screened(screen.clean, rules.check_item),
        prepare_item=rules.prepare_item,
        encoder=AmazonEncoder,
        settings_model=AmazonSettings,
        id_limits={"sku": MAX_SKU_LENGTH, "parent_sku": MAX_SKU_LENGTH},
        ascii_ids=True,
        written_id="sku",
        written_parent=parent_written,
        path_settings=("definitions",),
        check_fields=check_fields,
        sync_target=lambda settings: AmazonSettings.model_validate(settings).marketplace_id,
    )
)
