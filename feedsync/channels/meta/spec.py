"""Meta catalog field facts (developers.facebook.com catalog reference and the business SDK's ProductItem enums;
limits as published in Meta's catalog field documentation)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

REQUIRED: tuple[str, ...] = ("id", "title", "description", "availability", "condition", "price", "link", "image_link")
# item_group_id's 100 is taken to match id's (Meta's field reference gives no separate figure).
MAX_LENGTH: dict[str, int] = {"id": 100, "item_group_id": 100, "title": 200, "description": 9999, "brand": 100}
AVAILABILITY = {
    "in_stock": "in stock",
    "out_of_stock": "out of stock",
    "preorder": "preorder",
    "backorder": "available for order",
}
AVAILABILITY_VALUES = frozenset({"in stock", "out of stock", "preorder", "available for order", "discontinued"})
CONDITION_VALUES = frozenset(
    {"new", "refurbished", "used", "used_like_new", "used_good", "used_fair", "cpo", "open_box_new"}
)
MAX_ADDITIONAL_IMAGES = 20
VARIANT_FIELDS = ("color", "size", "pattern", "material", "gender", "age_group", "additional_variant_attribute")


class MetaSettings(BaseModel):
    """``settings:`` of a Meta channel that its profile reads (a profile may add its own, for its templates)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    variant_attributes: list[Any] = Field(default_factory=list)
    untracked_quantity: Annotated[int, Field(ge=0)] | Literal["skip"] = Field(
        default="skip",
        description="The quantity_to_sell_on_facebook of a variant whose stock the shop does not track: a number "
        "(0 or more), or skip to send none",
    )
