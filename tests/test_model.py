from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from feedsync.model import Availability, DateRange, Money, Product
from feedsync.model.money import ISO_4217, minor_units


def usd(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="USD")


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        ("12", "USD", "12.00 USD"),
        ("12.345", "USD", "12.35 USD"),  # half up, not banker's rounding
        ("12.325", "EUR", "12.33 EUR"),
        ("1000.4", "JPY", "1000 JPY"),
        ("1000.5", "JPY", "1001 JPY"),
        ("1.2345", "KWD", "1.235 KWD"),
        ("0", "gbp", "0.00 GBP"),
    ],
)
def test_money_formats_with_the_currency_minor_units(amount: str, currency: str, text: str) -> None:
    assert str(Money(amount=Decimal(amount), currency=currency)) == text


def test_money_rejects_unknown_currency_and_non_finite_amounts() -> None:
    with pytest.raises(ValidationError, match="ISO 4217"):
        Money(amount=Decimal(1), currency="XYZ")
    with pytest.raises(ValidationError, match="finite"):
        Money(amount=Decimal("NaN"), currency="USD")


@given(
    amount=st.decimals(min_value=0, max_value=10**9, allow_nan=False, allow_infinity=False, places=4),
    currency=st.sampled_from(sorted(ISO_4217)),
)
def test_money_format_is_dot_decimal_and_within_half_a_minor_unit(amount: Decimal, currency: str) -> None:
    text = Money(amount=amount, currency=currency).format()
    number, code = text.split(" ")
    assert code == currency
    places = minor_units(currency)
    assert (len(number.split(".")[1]) if "." in number else 0) == places
    assert "," not in number and "E" not in number
    assert abs(Decimal(number) - amount) <= Decimal(1).scaleb(-places) / 2


def test_date_range_needs_time_zones_and_order() -> None:
    start = datetime(2026, 11, 27, tzinfo=timezone(timedelta(hours=-5)))
    end = datetime(2026, 12, 1, 23, 59, 59, tzinfo=timezone(timedelta(hours=-5)))
    assert str(DateRange(start=start, end=end)) == "2026-11-27T00:00:00-0500/2026-12-01T23:59:59-0500"
    with pytest.raises(ValidationError, match="time zone"):
        DateRange(start=start.replace(tzinfo=None), end=end)
    with pytest.raises(ValidationError, match="after its start"):
        DateRange(start=end, end=start)


def test_product_requires_id_title_price_and_defaults_to_in_stock() -> None:
    product = Product(id="A", title="Tee", price=usd("10"))
    assert product.availability is Availability.IN_STOCK
    assert product.additional_image_links == ()
    for missing in ("id", "title", "price"):
        data = {"id": "A", "title": "Tee", "price": usd("10")}
        del data[missing]
        with pytest.raises(ValidationError, match=missing):
            Product.model_validate(data)
    with pytest.raises(ValidationError):
        Product(id="", title="Tee", price=usd("10"))


def test_product_sale_price_must_share_the_currency_and_dates_need_a_sale_price() -> None:
    with pytest.raises(ValidationError, match="same currency"):
        Product(id="A", title="T", price=usd("10"), sale_price=Money(amount=Decimal(8), currency="EUR"))
    window = DateRange(start=datetime(2026, 1, 1, tzinfo=UTC), end=datetime(2026, 1, 2, tzinfo=UTC))
    with pytest.raises(ValidationError, match="without a sale_price"):
        Product(id="A", title="T", price=usd("10"), sale_price_effective_date=window)


def test_product_is_immutable_and_rejects_unknown_fields() -> None:
    product = Product(id="A", title="Tee", price=usd("10"))
    with pytest.raises(ValidationError):
        product.title = "Other"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="colour"):
        Product.model_validate({"id": "A", "title": "T", "price": usd("1"), "colour": "red"})
