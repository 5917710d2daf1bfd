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
    "The item has more than the ten additional images Pinterest uses; the ones after the tenth are not shown. "
    "Order the images so the best come first, or slice them in the profile (`additional_image_links[:10]`).",
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
