"""``feedsync init``: a first ``feedsync.yaml`` for a catalog file. The file is inspected (format, currency,
whether links are absolute), and the config gets the three channels (Google, Meta, Amazon) publishing into a
local folder, with ``TODO`` placeholders for what only the merchant knows. The config loader refuses a value
that still starts with ``TODO`` (pointing at its line), so a forgotten one cannot reach a channel."""

from __future__ import annotations

import json
from pathlib import Path
from typing import get_args

from feedsync.channels.amazon.marketplaces import MarketplaceCode
from feedsync.diagnostics.renderers.summary import counts_line
from feedsync.sources.inspect import Inspection

PLACEHOLDER = "TODO"


def _quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def currency_line(inspection: Inspection) -> str:
    """The ``currency:`` line: a TODO unless every price read names its currency (then, commented out, the one
    they name)."""
    named = inspection.currencies.most_common(1)
    if named and not inspection.unnamed_prices:
        return f"# currency: {named[0][0]}              # prices in the file name their currency"
    why = (
        f"{inspection.unnamed_prices} price(s) in the file name no currency"
        if inspection.unnamed_prices
        else "no price in the file could be read to tell"
    )
    return f"currency: {PLACEHOLDER}            # TODO: ISO 4217 code of your prices, e.g. USD or EUR ({why})"


WEIGHT_UNIT_FORMATS = ("magento", "bigcommerce")
"""Exports whose weights name no unit (the store's setting holds it): without ``weight_unit`` none is read."""


def config_text(source: Path, inspection: Inspection, *, relative_to: Path) -> str:
    """The commented YAML of a first config for ``source`` (written in ``relative_to``)."""
    try:
        path = source.resolve().relative_to(relative_to.resolve())
    except ValueError:
        path = source.resolve()
    currency = currency_line(inspection)
    lines = [
        f"# feedsync.yaml, written by `feedsync init` for {path.name}:",
        f"#   {inspection.format} catalog, {counts_line(inspection.products, inspection.variants_read)}, "
        f"{len(inspection.diagnostics)} finding(s) on reading.",
        "# Edit every line marked TODO (feedsync refuses a value that still starts with TODO), then:",
        "#   feedsync validate     # check each channel's rules",
        "#   feedsync push         # build the three feeds into public/",
        "source:",
        f"  path: {_quote(str(path))}",
        f"  format: {inspection.format}",
        f"  {currency}",
        f"  base_url: {PLACEHOLDER}            # TODO: your shop's address, e.g. https://shop.example.com "
        "(links and image paths are made from it)",
        *(
            [
                f"  weight_unit: {PLACEHOLDER}         # TODO: the store's weight unit, g, kg, lb or oz "
                f"({inspection.format.title()} keeps it in the store's settings, not in the file)"
            ]
            if inspection.format in WEIGHT_UNIT_FORMATS
            else []
        ),
        "",
        "channels:",
        "  google:",
        "    profile: google_merchant",
        "    destination: {type: directory, path: public}",
        "    # Google's scheduled fetch reads public/google.xml; or upload through the Merchant API:",
        '    # destination: {type: google_merchant_api, account_id: "123", data_source: "456",',
        "    #               credentials: {env: GOOGLE_APPLICATION_CREDENTIALS_JSON}}",
        "",
        "  facebook:",
        "    profile: facebook",
        "    destination: {type: directory, path: public}",
        "    # or Meta's Catalog Batch API (token from the environment, never written here):",
        '    # destination: {type: meta_catalog_api, catalog_id: "123", access_token: {env: META_ACCESS_TOKEN}}',
        "",
        "  amazon:",
        "    profile: amazon",
        "    settings:",
        f"      seller_id: {PLACEHOLDER}           # TODO: your merchant token (Seller Central > Account info)",
        f"      marketplace: {PLACEHOLDER}          # TODO: your Amazon marketplace: "
        f"{', '.join(get_args(MarketplaceCode))}",
        f"      default_product_type: {PLACEHOLDER}  # TODO: Amazon product type of your items, e.g. SHIRT "
        "(per category: a category_map's amazon_product_type; find names: feedsync amazon definitions search "
        "KEYWORDS)",
        "      # definitions: definitions      # Amazon's product type definitions: every message is checked "
        "against them",
        "      #   (and mapped fields are shaped by them); fetch them with the amazon_sp_api destination below:",
        "      #   feedsync amazon definitions pull SHIRT --into definitions",
        "    destination: {type: directory, path: public}",
        "    # or the SP-API (credentials from the environment):",
        "    # destination: {type: amazon_sp_api, region: na, client_id: amzn1.application-oa2-client.XXXX,",
        "    #               client_secret: {env: LWA_CLIENT_SECRET}, refresh_token: {env: LWA_REFRESH_TOKEN}}",
        "",
    ]
    return "\n".join(lines)
