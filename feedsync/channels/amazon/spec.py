"""Amazon Selling Partner facts for the listings feed (listings-feed-schema-v2.json; the Listings Items API
v2021-08-01 attribute conventions; product type definition schemas)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from feedsync.channels.amazon.marketplaces import BY_ID, MARKETPLACES, Marketplace, MarketplaceCode
from feedsync.formats.json_listings import MAX_MESSAGES

MAX_SKU_LENGTH = 40
MAX_ITEM_NAME = 200  # item_name maxLength in product type schemas
MAX_OTHER_IMAGES = 8  # other_product_image_locator_1 .. _8
MAX_DESCRIPTION_BYTES = 10_000  # product_description maxUtf8ByteLength in product type schemas (PRODUCT, HOME)
CONDITION_TYPES = {"new": "new_new", "refurbished": "refurbished_refurbished", "used": "used_good"}
WEIGHT_UNITS = {"g": "grams", "kg": "kilograms", "lb": "pounds", "oz": "ounces"}
# Generic product type Amazon accepts for offer-only updates of existing ASINs.
OFFER_ONLY_PRODUCT_TYPE = "PRODUCT"


class AmazonSettings(BaseModel):
    """``settings:`` of an Amazon channel."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seller_id: str = Field(min_length=1, description="Your merchant token (Seller Central: Account info)")
    marketplace: MarketplaceCode | None = Field(
        default=None,
        description="The Amazon marketplace (US, GB, DE, JP, ...): sets marketplace_id, language_tag, issue_locale "
        "and the currency offers must be in. Default: US, or the one marketplace_id names",
    )
    marketplace_id: str = Field(default="", description="Overrides the marketplace's id")
    language_tag: str = Field(default="", description="Overrides the marketplace's default language tag")
    issue_locale: str = Field(default="", description="The feed header's issueLocale; default: the language tag")
    definitions: str | None = Field(
        default=None,
        description="A folder of Amazon product type definitions (JSON schemas, found by their content; "
        "relative to the file that sets it). Every message is checked against its product type's definition",
    )
    fulfillment_channel_code: str = "DEFAULT"
    merchant_shipping_group: str | None = Field(
        default=None,
        description="The shipping template (merchant_shipping_group) of merchant-fulfilled offers, as Seller "
        "Central names it (legacy-template-id for the default template)",
    )
    identifier_exemption: bool = Field(
        default=False,
        description="Products without a GTIN are sent with supplier_declared_has_product_identifier_exemption "
        "(for brands Amazon granted a GTIN exemption)",
    )
    default_product_type: str | None = None
    max_messages: int = Field(default=MAX_MESSAGES, ge=1, le=MAX_MESSAGES)
    untracked_quantity: Annotated[int, Field(ge=0)] | Literal["skip"] = Field(
        default="skip",
        description="The quantity Amazon gets for a variant whose stock the shop does not track (Shopify: no "
        "inventory tracker; it is always sellable there): a number, or skip to send no quantity (AMZ012)",
    )

    @model_validator(mode="before")
    @classmethod
    def _from_marketplace(cls, data: Any) -> Any:
        """Fill marketplace_id, language_tag and issue_locale from the marketplace where they are not given."""
        if not isinstance(data, dict):
            return data
        data = {k: v for k, v in data.items() if v is not None}
        code = data.get("marketplace")
        market = MARKETPLACES.get(code) if isinstance(code, str) else BY_ID.get(str(data.get("marketplace_id") or ""))
        market = market or (None if code or data.get("marketplace_id") else MARKETPLACES["US"])
        if market is not None:
            data.setdefault("marketplace_id", market.id)
            data.setdefault("language_tag", market.language_tag)
        data.setdefault("language_tag", "en_US")
        data.setdefault("issue_locale", data["language_tag"])
        return data

    @property
    def market(self) -> Marketplace | None:
        """The marketplace the messages are for (None: a marketplace_id the table does not know)."""
        return BY_ID.get(self.marketplace_id)
