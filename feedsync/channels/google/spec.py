"""Google Merchant Center product data specification: the facts the rules and writers need.

Source: support.google.com/merchants/answer/7052112 (product data specification) and the attribute pages
(id answer/6324405, item_group_id answer/6324507, image_link answer/6324350, price answer/6324371,
sale_price_effective_date answer/6324460, gtin answer/6324461, custom labels answer/6324473, availability
answer/6324448, availability_date answer/6324470). Limits the
research notes mark as unconfirmed (brand, mpn, product_type, color, size, material, pattern) are Google's
published maxima as commonly documented; they are warnings-worthy only past those numbers.
"""

from __future__ import annotations

NAMESPACE = "http://base.google.com/ns/1.0"

# Attributes every item needs (condition is only required for used/refurbished items; brand and
# identifiers are covered by GMC003).
REQUIRED: tuple[str, ...] = ("id", "title", "description", "link", "image_link", "availability", "price")

# Maximum length in characters.
MAX_LENGTH: dict[str, int] = {
    "id": 50,
    "item_group_id": 50,
    "title": 150,
    "description": 5000,
    "link": 2000,
    "mobile_link": 2000,
    "image_link": 2000,
    "additional_image_link": 2000,
    "brand": 70,
    "mpn": 70,
    "product_type": 750,
    "color": 100,
    "size": 100,
    "material": 200,
    "pattern": 100,
    "availability_date": 25,
    **{f"custom_label_{i}": 100 for i in range(5)},
}

MAX_ADDITIONAL_IMAGES = 10
"""additional_image_link is a repeated field of up to 10 images (answer/6324370)."""

ALLOWED: dict[str, frozenset[str]] = {
    "availability": frozenset({"in_stock", "out_of_stock", "preorder", "backorder"}),
    "condition": frozenset({"new", "refurbished", "used"}),
    "gender": frozenset({"male", "female", "unisex"}),
    "age_group": frozenset({"newborn", "infant", "toddler", "kids", "adult"}),
    "identifier_exists": frozenset({"yes", "no", "true", "false"}),
    "adult": frozenset({"yes", "no", "true", "false"}),
}

DATED_AVAILABILITY = frozenset({"preorder", "backorder"})
"""The availabilities Google takes only with an availability_date, the day the item ships (answer/6324470)."""

VARIANT_ATTRIBUTES = ("color", "size", "material", "pattern", "gender", "age_group")

# Google taxonomy roots (ids) whose items need apparel attributes.
APPAREL_ROOT = "Apparel & Accessories"
SIZED_CATEGORIES = ("Clothing", "Shoes")  # second-level categories under Apparel & Accessories that need a size

PROMOTIONAL = (
    "free shipping",
    "free delivery",
    "% off",
    "sale!",
    "best price",
    "cheapest",
    "buy now",
    "click here",
    "limited time",
)
