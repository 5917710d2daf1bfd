"""The Amazon listings rule codes (AMZ…): stable, never reused; registered when the channel is discovered."""

from feedsync.diagnostics.codes import register
from feedsync.diagnostics.diagnostic import Severity

E, W = Severity.ERROR, Severity.WARNING

register(
    "AMZ001",
    "missing-product-type",
    E,
    "The item has no Amazon product type. Map its product_type to one (amazon_product_type in the category map), "
    "give the product an amazon_product_type column, or set the channel's settings.default_product_type.",
    ("required", "categories"),
)
register(
    "AMZ002",
    "invalid-sku",
    E,
    "Amazon SKUs (and parent SKUs) are 1 to 40 printable ASCII characters. Ids made by feedsync are fitted "
    "(MDL017); this finding is for a SKU set by a per-product override column or that the fitting cannot reach. "
    "The message says what is wrong: the length, or which characters. Map a valid SKU with the channel's sku field.",
    ("identifiers",),
)
register(
    "AMZ003",
    "missing-required-attribute",
    E,
    "A listing needs sku, item_name, brand and price (an offer on an existing ASIN needs sku and price).",
    ("required",),
)
register(
    "AMZ004",
    "value-too-long",
    E,
    "item_name is longer than the 200 characters Amazon's product type schemas allow.",
    ("limits",),
)
register(
    "AMZ005",
    "invalid-asin",
    E,
    "An ASIN is 10 upper-case letters and digits (B07N4M94X4). An offer-only listing needs a valid one.",
    ("identifiers",),
)
register(
    "AMZ006",
    "missing-main-image",
    E,
    "A listing needs a main image (main_product_image_locator) that Amazon can download over HTTPS.",
    ("images", "required"),
)
register(
    "AMZ007",
    "invalid-gtin",
    E,
    "The product identifier is not 8, 12, 13 or 14 digits with a correct GS1 check digit; Amazon rejects it.",
    ("identifiers",),
)
register(
    "AMZ008",
    "no-product-type-definition",
    W,
    "The Amazon channel has a folder of product type definitions (settings.definitions) but none for this "
    "product type on the channel's marketplace, so its messages are written unchecked and Amazon may reject them "
    "after the upload. Fetch the definition with `feedsync amazon definitions pull TYPE --marketplace XX`, or fix "
    "the product type name (the category map's amazon_product_type or settings.default_product_type). Told once "
    "per product type.",
    ("categories",),
)
register(
    "AMZ009",
    "fails-product-type-definition",
    E,
    "A feed message breaks its product type's definition (Amazon's JSON schema for the product type and "
    "marketplace, checked for the message's requirement set): the finding names the SKU, the attribute path, what "
    "the definition requires and what was written. Amazon would reject the message in its processing report; the "
    "item is left out. Map the attribute in the channel's fields or fix the value in the source.",
    ("required", "values"),
)
register(
    "AMZ010",
    "offer-currency-not-marketplace",
    E,
    "The offer's currency is not the currency of the channel's Amazon marketplace (settings.marketplace: USD on "
    "US, EUR on DE, JPY on JP, ...). Amazon prices an offer in the marketplace's currency only; the item is left "
    "out rather than offered at a wrong price. Set the marketplace, convert the price (the channel's price rules) "
    "or give the source prices in that currency.",
    ("values",),
)
register(
    "AMZ012",
    "untracked-quantity-not-sent",
    W,
    "The shop does not track this variant's stock (Shopify: Variant Inventory Tracker empty), so its quantity "
    "column means nothing (it can be 0 or negative while the shop sells the item). Amazon gets no quantity "
    "(settings.untracked_quantity: skip, the default), and a new listing without one is not buyable. Set "
    "settings.untracked_quantity to the number Amazon should offer. Told once with the count of items.",
    ("inventory",),
)
register(
    "AMZ013",
    "negative-quantity",
    W,
    "The quantity is negative (oversold in the shop). Amazon never gets a negative quantity: it gets 0. Told "
    "once per value with the count of items.",
    ("inventory",),
)
register(
    "AMZ014",
    "sale-price-without-dates",
    Severity.INFO,
    "A sale price without dates is the price the shop sells at now, so it is the offer's price on Amazon "
    "(purchasable_offer our_price) and the regular price is sent as list_price. Amazon's discounted_price needs a "
    "start and an end date; give sale_price_effective_date to send a scheduled sale instead.",
    ("price",),
)
register(
    "AMZ015",
    "variants-disagree-on-parent-fact",
    W,
    "A parent listing carries the product facts its product type definition requires of a parent (brand, "
    "bullet_point, country_of_origin, ...), taken from the first variant of its family. This variant has another "
    "value for one of them, so the parent shows a fact that is not true of every variant. Make the variants agree "
    "(the same value in the source or a field template that gives one), or split the family. Not told of weights "
    "and dimensions (a parent is never shipped; variants differ in them by nature) nor of identifiers (a parent "
    "takes none).",
    ("values",),
)
register(
    "AMZ016",
    "no-allowed-variation-theme",
    E,
    "The attributes the variants of a family differ by (color, size, material, pattern) match none of the "
    "variation themes the product type's definition allows (variation_theme), so Amazon would reject the family. "
    "Map an option that is neither colour nor size to material or pattern in source.options, give the variants "
    "the attributes an allowed theme names, or choose a product type whose themes fit.",
)
register(
    "AMZ017",
    "mapped-value-not-in-definition-enum",
    E,
    "A value mapped in the Amazon channel's fields is not one the product type's definition allows for that "
    "attribute (its enum on the channel's marketplace): the finding names the allowed values. Amazon would reject "
    "the message; the item is left out. Map the source value to one of them (a template or the category map).",
    ("values",),
)
register(
    "AMZ018",
    "mapped-attribute-unchecked",
    W,
    "An attribute mapped in the Amazon channel's fields is not checked against a definition: either the channel "
    "has no definitions folder (settings.definitions), so mapped attributes are written unchecked, or the item's "
    "product type has no such attribute, so it is left out of that product type's messages (it is written for "
    "the product types that have it), or the message is offer-only (a product with an asin: Amazon keeps the "
    "ASIN's product facts, so only offer attributes are sent). Told once per product type (once per run without "
    "definitions, and for offer-only messages).",
    ("values",),
)
register(
    "AMZ019",
    "parent-fact-not-mapped",
    E,
    "The product type's definition requires a fact of a parent listing (batteries_required, "
    "item_package_dimensions, ...) that no variant of the family carries, so feedsync cannot give it to the parent "
    "and Amazon would reject the family. The finding names the attribute and the fields: keys that set it (NAME for "
    "its value, NAME__PART for a part): map it in the Amazon channel's fields (a value or a template) so the "
    "variants carry it and their parent takes it. The variants are left out until then. An identifier (a GTIN, a "
    "suggested ASIN) is never taken from a variant: where a definition requires one of a parent and declares no "
    "exemption to claim, the finding says so; pull the product type's current definition.",
    ("values",),
)
register(
    "AMZ021",
    "invalid-product-type-name",
    E,
    "The item's Amazon product type is not a product type name: Amazon's names are upper-case letters, digits and "
    "underscores (HOME, SHIRT, KITCHEN_KNIFE), and Amazon rejects a listing of any other. The item is left out. "
    "Fix the category map's amazon_product_type or settings.default_product_type; `feedsync amazon definitions "
    "search KEYWORDS` lists the names.",
    ("categories",),
)
register(
    "AMZ022",
    "offer-number-invalid",
    E,
    "A number of the item's offer is not one a listing can carry: the price or sale price is not a finite decimal "
    '(a template made it "abc", "NaN" or "Infinity"), is 0 (Amazon takes no offer below 0.01; price rules leave '
    "a price of 0 as it is) or has more decimals than its currency (`1580.5 JPY`: "
    "Amazon's definitions ask a multiple of the currency's unit), the sale price is not below the price (Amazon "
    "would sell at it above the list price: `our_price`, or `discounted_price` within its dates), the quantity is "
    "not a whole number, or a weight in a unit feedsync converts is not a finite decimal. Amazon would reject the "
    "listing (a NaN is not even JSON) or sell at the wrong price, so the item is left out. Fix the channel's field "
    "(its template or value) so it gives the number.",
    ("values",),
)
register(
    "AMZ023",
    "empty-feed",
    E,
    "The channel's listings feed holds no message: every variant was excluded or rejected (see the findings). "
    "Amazon's listings feed schema requires at least one message, so Amazon refuses such a document, and push "
    "never publishes it as a file (push --force and allow_empty included). Pushed through the SP-API, only the "
    "changes are sent, so an empty catalog deletes the listings pushed before (allow_empty: true).",
    ("required",),
)
register(
    "AMZ024",
    "value-cut",
    W,
    "The item_name, parent_name or product_description is longer than Amazon takes (item names 200 characters, as "
    "the HOME definition and most others set it; product_description 10,000 bytes in UTF-8, the maxUtf8ByteLength "
    "of the product type definitions). The channel cuts it at the last space within the limit; the finding names "
    "the item, the length and the limit, once per text with the number of items. Shorten it at the source to "
    "choose the cut yourself (a profile's own truncate_words cuts before the channel, untold: it is the profile's "
    "choice).",
    ("limits",),
)
register(
    "AMZ025",
    "other-images-dropped",
    W,
    "The item has more other images than the eight a listing holds (other_product_image_locator_1 to _8 in the "
    "product type definitions). The images past the eighth are left out of the feed; the finding names how many "
    "and the first of them. Told once per first image left out, with the number of items (the variants of a "
    "product share their images). Order the images so the best come first.",
    ("links", "images"),
)
