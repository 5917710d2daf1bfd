"""Carrier names as shippers write them -> Amazon ``carrierCode`` values, which must match Seller Central's list
exactly (case and spaces); anything else is sent as ``Other`` with ``carrierName``. Values from the carrier
list in the research notes (amazon.md §4.2, from the legacy ``CarrierCode`` enumeration); config
``orders.carriers`` adds or overrides entries."""

from __future__ import annotations

import re

AMAZON_CARRIERS = (
    "USPS", "UPS", "UPSMI", "FedEx", "DHL", "DHL Global Mail", "UPS Mail Innovations", "FedEx SmartPost", "OnTrac",
    "OSM", "Newgistics", "Streamlite", "Canada Post", "Royal Mail", "Parcelforce", "DPD", "GLS",
    "Hermes Logistik Gruppe", "Deutsche Post", "TNT", "Chronopost", "La Poste", "Poste Italiane", "SDA", "Fastway",
    "City Link", "Yamato Transport", "Sagawa Express", "Nippon Express", "BlueDart", "India Post", "DTDC", "Aramex",
)  # fmt: skip
ALIASES = {
    "unitedstatespostalservice": "USPS",
    "unitedparcelservice": "UPS",
    "fedexground": "FedEx",
    "federalexpress": "FedEx",
    "dhlexpress": "DHL",
    "hermes": "Hermes Logistik Gruppe",
    "evri": "Hermes Logistik Gruppe",
    "dpdgroup": "DPD",
    "yamato": "Yamato Transport",
    "sagawa": "Sagawa Express",
}


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


class Carriers:
    def __init__(self, extra: dict[str, str] | None = None) -> None:
        self.table = {_norm(code): code for code in AMAZON_CARRIERS}
        self.table.update(ALIASES)
        self.table.update({_norm(name): code for name, code in (extra or {}).items()})

    def code(self, carrier: str) -> tuple[str, str | None]:
        """(carrierCode, carrierName): the exact Amazon code, or ``Other`` with the name as written."""
        code = self.table.get(_norm(carrier))
        return (code, None) if code else ("Other", carrier)
