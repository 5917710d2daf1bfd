"""Amazon Selling Partner facts for the listings feed (listings-feed-schema-v2.json; the Listings Items API
v2021-08-01 attribute conventions; product type definition schemas)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_MESSAGES = 25_000  # listings-feed-schema-v2.json: messages maxItems
MAX_SKU_LENGTH = 40
MAX_ITEM_NAME = 200  # item_name maxLength in product type schemas
MAX_OTHER_IMAGES = 8  # other_product_image_locator_1 .. _8
CONDITION_TYPES = {"new": "new_new", "refurbished": "refurbished_refurbished", "used": "used_good"}
WEIGHT_UNITS = {"g": "grams", "kg": "kilograms", "lb": "pounds", "oz": "ounces"}
# Generic product type Amazon accepts for offer-only updates of existing ASINs.
OFFER_ONLY_PRODUCT_TYPE = "PRODUCT"


class AmazonSettings(BaseModel):
    """``settings:`` of an Amazon channel."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seller_id: str = Field(min_length=1, description="Your merchant token (Seller Central: Account info)")
    marketplace_id: str = "ATVPDKIKX0DER"
    language_tag: str = "en_US"
    issue_locale: str = "en_US"
    fulfillment_channel_code: str = "DEFAULT"
    default_product_type: str | None = None
    max_messages: int = Field(default=MAX_MESSAGES, ge=1, le=MAX_MESSAGES)
    untracked_quantity: Annotated[int, Field(ge=0)] | Literal["skip"] = Field(
        default="skip",
        description="The quantity Amazon gets for a variant whose stock the shop does not track (Shopify: no "
        "inventory tracker; it is always sellable there): a number, or skip to send no quantity (AMZ012)",
    )
