"""The Meta catalog rule codes (META…): stable, never reused; registered when the channel is discovered."""

from feedsync.diagnostics.codes import register
from feedsync.diagnostics.diagnostic import Severity

E, W = Severity.ERROR, Severity.WARNING

register(
    "META001",
    "missing-required-field",
    E,
    "Meta requires this field on every item (id, title, description, availability, condition, price, link, "
    "image_link). Items without it are rejected when the catalog is fetched.",
    ("required",),
)
register(
    "META002",
    "value-too-long",
    E,
    "The value is longer than Meta allows (id 100, title 200, description 9,999, brand 100 characters).",
    ("limits",),
)
register(
    "META003",
    "missing-brand-or-identifier",
    E,
    "Meta needs at least one of brand, gtin or mpn on each item.",
    ("identifiers", "required"),
)
register(
    "META004",
    "invalid-enum-value",
    E,
    "Meta spells availability with spaces (`in stock`, `out of stock`, `preorder`, `available for order`, "
    "`discontinued`) and takes condition `new`, `refurbished` or `used` (plus its used/open-box grades).",
    ("values",),
)
register(
    "META005",
    "invalid-price",
    E,
    "Meta wants prices as a number, a space and an ISO 4217 code (`9.99 USD`).",
    ("prices",),
)
register(
    "META006",
    "missing-variant-attribute",
    W,
    "The item belongs to an item_group_id but has no variant field (color, size, pattern, material, gender, "
    "age_group, additional_variant_attribute). Meta needs it, even when the variant is out of stock.",
    ("variants",),
)
register(
    "META007",
    "invalid-gtin",
    E,
    "The GTIN is not 8, 12, 13 or 14 digits with a correct GS1 check digit.",
    ("identifiers",),
)
register(
    "META008",
    "additional-images-dropped",
    W,
    "The item has more additional images than the 20 Meta takes (additional_image_link: up to 20 URLs). The "
    "images past the twentieth are left out of the feed; the finding names how many and the first of them. Told "
    "once per first image left out, with the number of items (the variants of a product share their images). "
    "Order the images so the best come first.",
    ("links", "images"),
)
register(
    "META009",
    "variant-attribute-separator-replaced",
    W,
    "additional_variant_attribute is written `Key:Value,Key2:Value2`, and Meta takes no escape for a ':' or ',' "
    "inside a name or value (it refuses the item as invalid; Meta's own WooCommerce plugin replaces them). "
    "`variant_pairs` sends each as a space, and this tells the name or value so changed, once per value with the "
    "number of items. Rename the option or value in the shop if the space reads wrongly.",
    ("variants", "values"),
)
register(
    "META010",
    "value-cut",
    W,
    "The title or description is longer than Meta takes (title 200, description 9,999 characters: Meta's catalog "
    "field reference). The channel cuts it at the last space within the limit; the finding names the item, the "
    "length and the limit, once per text with the number of items. Shorten it at the source to choose the cut "
    "yourself (a profile's own truncate_words cuts before the channel, untold: it is the profile's choice).",
    ("limits",),
)
