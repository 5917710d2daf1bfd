"""Pinterest catalog facts, as Pinterest publishes them for catalog data sources and for the catalog items API
(pinterest-python-generated-api-client, docs/ItemAttributesRequest.md): the required attributes, the length
limits, and the values the enumerated attributes take (in upper or lower case)."""

from __future__ import annotations

REQUIRED: tuple[str, ...] = ("id", "title", "description", "link", "image_link", "price", "availability")
MAX_LENGTH: dict[str, int] = {
    "id": 127,
    "item_group_id": 127,
    "title": 500,
    "description": 10_000,
    "link": 511,
    "image_link": 2000,
    "additional_image_link": 2000,  # each link
    "product_type": 1000,
    **{f"custom_label_{n}": 1000 for n in range(5)},
}
MAX_ADDITIONAL_IMAGES = 10
VALUES: dict[str, frozenset[str]] = {
    "availability": frozenset({"in stock", "out of stock", "preorder"}),
    "condition": frozenset({"new", "used", "refurbished"}),
    "gender": frozenset({"male", "female", "unisex"}),
    "age_group": frozenset({"newborn", "infant", "toddler", "kids", "adult"}),
    "size_type": frozenset({"regular", "petite", "plus", "big_and_tall", "maternity"}),
    "size_system": frozenset({"us", "uk", "eu", "de", "fr", "jp", "cn", "it", "br", "mex", "au"}),
}
"""Attribute -> its allowed values, lower-cased (Pinterest takes them in either case)."""
LINKS: tuple[str, ...] = ("link", "mobile_link", "image_link", "additional_image_link")
IMAGES: tuple[str, ...] = ("image_link", "additional_image_link")
