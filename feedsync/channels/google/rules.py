"""Google Merchant Center rules (GMC codes) applied to each channel item."""

from __future__ import annotations

from feedsync.channels.base import ChannelItem
from feedsync.channels.google.spec import MAX_LENGTH, REQUIRED
from feedsync.diagnostics import Diagnostic, Location, locate
from feedsync.diagnostics.codes import make


def _where(item: ChannelItem, attr: str) -> Location | None:
    return locate(item.product.source, item.origins.get(attr))


def check_item(item: ChannelItem, channel: str) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    values = item.values
    for attr in REQUIRED:
        if attr not in values:
            found.append(
                make(
                    "GMC001",
                    f"{attr} is required and empty",
                    channel=channel,
                    product_id=item.id,
                    field=attr,
                    location=_where(item, attr),
                )
            )
    for attr, limit in MAX_LENGTH.items():
        value = values.get(attr)
        if value is None:
            continue
        for text in [value] if isinstance(value, str) else value:
            if len(text) > limit:
                found.append(
                    make(
                        "GMC002",
                        f"{attr} is {len(text)} characters, more than Google's {limit}",
                        channel=channel,
                        product_id=item.id,
                        field=attr,
                        value=text[:80],
                        location=_where(item, attr),
                    )
                )
    if "gtin" not in values and not ("brand" in values and "mpn" in values) and values.get("identifier_exists") != "no":
        found.append(
            make(
                "GMC003",
                "no gtin, no brand + mpn, and identifier_exists is not 'no'",
                channel=channel,
                product_id=item.id,
                field="gtin",
                location=_where(item, "gtin"),
            )
        )
    return found
