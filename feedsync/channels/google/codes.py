"""The Google Merchant Center rule codes (GMC…): stable, never reused; registered when the channel is discovered."""

from feedsync.diagnostics.codes import register
from feedsync.diagnostics.diagnostic import Severity

E, W = Severity.ERROR, Severity.WARNING

register(
    "GMC001",
    "missing-required-attribute",
    E,
    "Google Merchant Center requires this attribute on every item (id, title, description, link, "
    "image_link, availability, price). The item would be disapproved.",
    ("required",),
)
register(
    "GMC002",
    "value-too-long",
    E,
    "The value is longer than Google allows for this attribute (id 50, title 150, description 5000, "
    "links 2000, item_group_id 50, custom labels 100 characters). Google rejects or truncates it.",
    ("limits",),
)
register(
    "GMC003",
    "missing-product-identifier",
    W,
    "The item has no gtin, no brand + mpn pair, and does not say identifier_exists = no. Google limits "
    "the performance of items without unique product identifiers.",
    ("identifiers",),
)
register(
    "GMC004",
    "invalid-value",
    E,
    "The value is not one Google accepts for this attribute (for example local inventory availability "
    "in_stock, limited_availability, on_display_to_order or out_of_stock; pickup_method buy, reserve, ship to "
    "store or not supported; pickup_sla same_day, next_day, 2-day … multi-week).",
    ("values",),
)
register(
    "GMC005",
    "invalid-price",
    E,
    "Google wants prices as a positive number, a space and an ISO 4217 code (`15.00 USD`). A price of 0 is "
    "disapproved.",
    ("prices",),
)
register(
    "GMC006",
    "sale-price-not-below-price",
    E,
    "sale_price must be lower than price, in the same currency; otherwise Google disapproves the item.",
    ("prices",),
)
register(
    "GMC007",
    "invalid-sale-date",
    E,
    "sale_price_effective_date must be an ISO 8601 interval with time zone offsets whose end comes after its "
    "start (`2026-11-27T00:00-0500/2026-12-01T23:59-0500`).",
    ("prices",),
)
register(
    "GMC008",
    "invalid-gtin",
    E,
    "The GTIN is not 8, 12, 13 or 14 digits with a correct GS1 check digit, or it is a number Google refuses for a "
    "product: a restricted circulation number (its 13-digit form starting 2, 02 or 04) or a coupon's (981 to 984, "
    "99, 05). Google disapproves items with invalid GTINs; a wrong one is worse than none.",
    ("identifiers",),
)
register(
    "GMC009",
    "identifier-exists-with-identifiers",
    E,
    "identifier_exists is 'no' although the item has a GTIN or an MPN. Google disapproves such items: leave "
    "identifier_exists out, or remove the identifier.",
    ("identifiers",),
)
register(
    "GMC010",
    "invalid-url",
    E,
    "link, image_link and additional_image_link must be absolute http(s) URLs in ASCII (percent-encode spaces "
    "and other characters).",
    ("links", "images"),
)
register(
    "GMC011",
    "missing-apparel-attribute",
    E,
    "Items in Google's 'Apparel & Accessories' category need color, gender and age_group (and size for clothing "
    "and shoes) in the countries where Google requires them (BR, FR, DE, JP, UK, US).",
    ("apparel", "required"),
)
register(
    "GMC012",
    "duplicate-variant",
    E,
    "Two items with the same item_group_id have the same variant attributes (color, size, material, pattern, "
    "gender, age_group). Google cannot tell the variants apart. Variants that a source option tells apart are "
    "not duplicates (see MDL016); if the option that differs is read as an attribute, map it to a variant field "
    'with `source.options: {"Tiers": size}`.',
    ("variants",),
)
register(
    "GMC013",
    "invalid-google-category",
    E,
    "google_product_category is neither an id nor a full path of Google's product taxonomy.",
    ("categories",),
)
register(
    "GMC014",
    "title-all-caps",
    W,
    "The title is written in capital letters. Google treats that as promotional text and may disapprove it.",
    ("promotional",),
)
register(
    "GMC015",
    "promotional-text",
    W,
    "The title holds promotional text ('free shipping', 'sale', '% off', 'best price'). Google's editorial rules "
    "forbid it; put promotions in sale_price or Merchant promotions.",
    ("promotional",),
)
register(
    "GMC017",
    "unknown-google-category-dropped",
    W,
    "google_product_category is neither an id nor a full path of the Google product taxonomy feedsync ships. The "
    "attribute is optional and Google assigns a category itself, only warning about one it does not know, so the "
    "value is left out of the item and the item stays in the feed. Told once per value, with the number of items. "
    "Use a taxonomy id or path (`feedsync` ships the en-US taxonomy), or map product_type with a category map.",
    ("categories",),
)
register(
    "GMC018",
    "source-attribute-replaced",
    W,
    "The source is a Google feed, and this attribute of it is not written as it was: the channel profile makes "
    "the attribute itself (identifier_exists from gtin, brand and mpn; one value of product_type; a mapping in "
    "fields:), and the profile's value wins. Every other attribute of the source feed that feedsync does not model "
    "(shipping, tax, product_detail, certification, …) is written back unchanged. Also told when a TSV feed is "
    "written and a sub-attribute value holds ':' or ',', which Google's text form (`ES:Standard:4.95 EUR`) cannot "
    "carry: use the XML format. Told once per attribute, with the number of items. To keep the source's value, "
    'map it in the channel\'s fields: (`NAME: "{{ attributes.NAME }}"`).',
    ("values",),
)
register(
    "GMC019",
    "availability-date-missing",
    E,
    "The item's availability is preorder or backorder, which Google takes only with an availability_date: the day "
    "the item ships, up to a year ahead. Google disapproves the item without it. Map the date (a column "
    "availability_date, as 2027-01-15T09:00+0100, through the channel's fields), or send the item as in_stock or "
    "out_of_stock.",
    ("required",),
)
register(
    "GMC020",
    "invalid-availability-date",
    E,
    "availability_date must be an ISO 8601 date and time with a time zone offset (2027-01-15T09:00+0100), at most "
    "25 characters; Google cannot use another form.",
    ("values",),
)
register(
    "GMC021",
    "additional-images-dropped",
    W,
    "The item has more additional images than the 10 Google takes (additional_image_link, a repeated field of up "
    "to 10: support.google.com/merchants/answer/6324370). The images past the tenth are left out of the feed; the "
    "finding names how many and the first of them. Told once per first image left out, with the number of items "
    "(the variants of a product share their images). Order the images so the best come first.",
    ("links", "images"),
)
