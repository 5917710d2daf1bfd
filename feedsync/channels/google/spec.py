"""Google Merchant Center product data specification: the facts the rules and writers need.

Source: support.google.com/merchants/answer/7052112 (product data specification) and the attribute pages
(id answer/6324405, item_group_id answer/6324507, image_link answer/6324350, custom labels answer/6324473).
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
    **{f"custom_label_{i}": 100 for i in range(5)},
}
