"""The Pinterest catalog rule codes (PIN…): stable, never reused; registered when the channel is discovered."""

from feedsync.diagnostics.codes import register
from feedsync.diagnostics.diagnostic import Severity

E, W = Severity.ERROR, Severity.WARNING

register(
    "PIN001",
    "missing-required-attribute",
    E,
    "Pinterest requires this attribute on every item of a catalog data source (id, title, description, link, "
    "image_link, price, availability). The item is rejected when Pinterest ingests the feed.",
    ("required",),
)
register(
    "PIN002",
    "value-too-long",
    E,
    "The value is longer than Pinterest allows (id and item_group_id 127, title 500, description 10,000, link 511, "
    "each image link 2,000, product_type and custom labels 1,000 characters). Shorten it in the profile "
    "(truncate_words) or at the source.",
    ("limits",),
)
register(
    "PIN003",
    "invalid-value",
    E,
    "The attribute takes only Pinterest's own values, in upper or lower case: availability in stock, out of "
    "stock or preorder; condition new, used or refurbished; gender male, female or unisex; age_group newborn, "
    "infant, toddler, kids or adult; size_type and size_system from Pinterest's lists.",
    ("values",),
)
register(
    "PIN004",
    "invalid-url",
    E,
    "A link or image link is not an absolute http:// or https:// URL Pinterest can fetch (no host, spaces or "
    "characters that are not percent-encoded).",
    ("links",),
)
register(
    "PIN005",
    "invalid-price",
    E,
    "price or sale_price is not an amount with an ISO 4217 currency (`24.99 USD`). Pinterest reads a bare number "
    "as US dollars, so feedsync always writes the currency.",
    ("prices",),
)
register(
    "PIN006",
    "sale-price-not-below-price",
    E,
    "Pinterest requires sale_price to be lower than price (in the same currency). Drop the sale price or fix "
    "the price rules.",
    ("prices",),
)
register(
    "PIN007",
    "image-link-has-comma",
    E,
    "An image link holds a comma, which Pinterest cannot process in image links (in CSV and TSV feeds the comma "
    "also separates additional images). Percent-encode it as %2C or remove it.",
    ("links",),
)
register(
    "PIN008",
    "too-many-additional-images",
    W,
    "The item has more additional images than the 10 Pinterest uses (additional_image_link: up to 10). The images "
    "past the tenth are left out of the feed; the finding names how many and the first of them. Told once per first "
    "image left out, with the number of items (the variants of a product share their images). Order the images so "
    "the best come first.",
    ("links",),
)
register(
    "PIN009",
    "invalid-gtin",
    E,
    "The gtin is not a valid GTIN-8, -12, -13 or -14 (digits only, with a correct check digit). Fix it at the "
    "source or leave it empty.",
    ("identifiers",),
)
register(
    "PIN010",
    "value-cut",
    W,
    "The title or description is longer than Pinterest takes (title 500, description 10,000 characters: Pinterest's "
    "product data source specification). The channel cuts it at the last space within the limit; the finding names "
    "the item, the length and the limit, once per text with the number of items. Shorten it at the source to choose "
    "the cut yourself (a profile's own truncate_words cuts before the channel, untold: it is the profile's choice).",
    ("limits",),
)
