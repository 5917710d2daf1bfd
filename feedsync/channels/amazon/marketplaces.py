"""Amazon marketplaces by country code: marketplace id (Amazon's SP-API marketplace id list), the default
language tag of listings there, and the currency offers are priced in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Marketplace:
    code: str
    id: str
    language_tag: str
    currency: str
    domain: str


MarketplaceCode = Literal[
    "US", "CA", "MX", "BR", "GB", "DE", "FR", "IT", "ES", "NL", "SE", "PL", "BE", "IE", "TR", "JP", "AU", "SG", "IN",
    "AE", "SA", "EG",
]  # fmt: skip

MARKETPLACES: dict[str, Marketplace] = {
    m.code: m
    for m in (
        Marketplace("US", "ATVPDKIKX0DER", "en_US", "USD", "amazon.com"),
        Marketplace("CA", "A2EUQ1WTGCTBG2", "en_CA", "CAD", "amazon.ca"),
        Marketplace("MX", "A1AM78C64UM0Y8", "es_MX", "MXN", "amazon.com.mx"),
        Marketplace("BR", "A2Q3Y263D00KWC", "pt_BR", "BRL", "amazon.com.br"),
        Marketplace("GB", "A1F83G8C2ARO7P", "en_GB", "GBP", "amazon.co.uk"),
        Marketplace("DE", "A1PA6795UKMFR9", "de_DE", "EUR", "amazon.de"),
        Marketplace("FR", "A13V1IB3VIYZZH", "fr_FR", "EUR", "amazon.fr"),
        Marketplace("IT", "APJ6JRA9NG5V4", "it_IT", "EUR", "amazon.it"),
        Marketplace("ES", "A1RKKUPIHCS9HS", "es_ES", "EUR", "amazon.es"),
        Marketplace("NL", "A1805IZSGTT6HS", "nl_NL", "EUR", "amazon.nl"),
        Marketplace("SE", "A2NODRKZP88ZB9", "sv_SE", "SEK", "amazon.se"),
        Marketplace("PL", "A1C3SOZRARQ6R3", "pl_PL", "PLN", "amazon.pl"),
        Marketplace("BE", "AMEN7PMS3EDWL", "fr_BE", "EUR", "amazon.com.be"),
        Marketplace("IE", "A28R8C7NBKEWEA", "en_IE", "EUR", "amazon.ie"),
        Marketplace("TR", "A33AVAJ2PDY3EV", "tr_TR", "TRY", "amazon.com.tr"),
        Marketplace("JP", "A1VC38T7YXB528", "ja_JP", "JPY", "amazon.co.jp"),
        Marketplace("AU", "A39IBJ37TRP1C6", "en_AU", "AUD", "amazon.com.au"),
        Marketplace("SG", "A19VAU5U5O7RUS", "en_SG", "SGD", "amazon.sg"),
        Marketplace("IN", "A21TJRUUN4KGV", "en_IN", "INR", "amazon.in"),
        Marketplace("AE", "A2VIGQ35RCS4UG", "en_AE", "AED", "amazon.ae"),
        Marketplace("SA", "A17E79C6D8DWNP", "ar_AE", "SAR", "amazon.sa"),
        Marketplace("EG", "ARBP9OOSHTCHU", "ar_AE", "EGP", "amazon.eg"),
    )
}
BY_ID: dict[str, Marketplace] = {m.id: m for m in MARKETPLACES.values()}


def code_of(marketplace_id: str) -> str:
    """The country code of a marketplace id (the id itself when it is not in the table)."""
    found = BY_ID.get(marketplace_id)
    return found.code if found else marketplace_id
