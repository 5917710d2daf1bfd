"""settings.marketplace sets the marketplace id, language tag and issueLocale; explicit settings override it."""

from __future__ import annotations

from feedsync.channels.amazon.marketplaces import MARKETPLACES
from feedsync.channels.amazon.spec import AmazonSettings
from feedsync.channels.amazon.transform import AmazonEncoder

VALUES = {"sku": "S1", "product_type": "HOME", "item_name": "Lamp", "price": "10.00", "currency": "EUR"}


def test_marketplace_sets_ids_language_and_locale() -> None:
    encoder = AmazonEncoder({"seller_id": "A1", "marketplace": "DE"})
    assert encoder.meta["header"]["issueLocale"] == "de_DE"
    (message,) = encoder.encode_values(VALUES)
    assert message["attributes"]["item_name"] == [
        {"value": "Lamp", "language_tag": "de_DE", "marketplace_id": "A1PA6795UKMFR9"}
    ]
    assert message["attributes"]["purchasable_offer"][0]["marketplace_id"] == "A1PA6795UKMFR9"


def test_default_is_amazon_com_and_overrides_still_work() -> None:
    assert AmazonSettings.model_validate({"seller_id": "A1"}).marketplace_id == "ATVPDKIKX0DER"
    legacy = AmazonSettings.model_validate({"seller_id": "A1", "marketplace_id": "A1VC38T7YXB528"})
    assert legacy.market is not None and legacy.market.currency == "JPY"
    mixed = AmazonSettings.model_validate({"seller_id": "A1", "marketplace": "BE", "language_tag": "nl_BE"})
    assert (mixed.marketplace_id, mixed.language_tag, mixed.issue_locale) == ("AMEN7PMS3EDWL", "nl_BE", "nl_BE")


def test_the_table_has_every_marketplace_once() -> None:
    assert len(MARKETPLACES) == 22
    assert len({m.id for m in MARKETPLACES.values()}) == 22
    assert MARKETPLACES["GB"].id == "A1F83G8C2ARO7P" and MARKETPLACES["JP"].currency == "JPY"
