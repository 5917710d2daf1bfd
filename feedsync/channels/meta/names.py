"""The field names Meta's catalog feeds read, and the profile fields that misspell one (``channels.names``).

Meta reads the columns (or elements) it knows and leaves the rest out of the item: a field named ``colour`` or
``custom_lable_0`` reaches the feed and changes nothing Meta shows (its feed rules can map a column, feedsync's
profile is the place to name it right). A name close to none of Meta's is taken for one of the user's own (for a
supplementary tool reading the file) and written as it is.

Source: Meta's catalog field reference for products (developers.facebook.com, commerce-platform/catalog/fields and
the ads-commerce catalog reference: the common attributes, the commerce attributes and the localized catalog's
supported fields), under their feed names (the Graph API reads some back under others: ``retailer_id`` for
``id``). The category-specific fields (``product_weight``, ``size_system``, ``scent``, ...) are like none of these;
``tests/channels/test_meta_names.py`` checks each category field Meta's own mapping file names against them.
"""

from __future__ import annotations

from feedsync.channels.names import field_checker

ATTRIBUTES: frozenset[str] = frozenset(
    {
        # required, and the basics
        "id", "title", "description", "availability", "condition", "price", "link", "image_link", "brand",
        "rich_text_description", "short_description", "mobile_link", "additional_image_link", "video", "image",
        "applink", "status", "visibility", "expiration_date",
        # price and stock
        "sale_price", "sale_price_effective_date", "unit_price", "quantity_to_sell_on_facebook", "inventory",
        # identifiers and categories
        "gtin", "mpn", "item_group_id", "google_product_category", "fb_product_category", "product_type",
        "commerce_tax_category", "product_tags", "internal_label",
        # variants
        "color", "size", "gender", "age_group", "material", "pattern", "additional_variant_attribute",
        # shipping, returns, compliance
        "shipping", "shipping_weight", "return_policy_info", "origin_country", "importer_name", "importer_address",
        "manufacturer_info", "wa_compliance_category",
        # ads
        "custom_label_0", "custom_label_1", "custom_label_2", "custom_label_3", "custom_label_4",
        "custom_number_0", "custom_number_1", "custom_number_2", "custom_number_3", "custom_number_4",
    }
)  # fmt: skip

check_fields = field_checker(
    ATTRIBUTES,
    lambda name, meant: (
        f"{name!r} is not a field of Meta's catalog (did you mean {meant}?): Meta would leave the column out of "
        "the item and use none of it; name the field as Meta names it, or give a field of your own a name unlike "
        "any of Meta's"
    ),
)
"""The Meta profile's fields that misspell a field of Meta's, each with why it is refused."""
