"""Money: an exact ``Decimal`` amount with an ISO 4217 currency. Never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal

from pydantic import BaseModel, ConfigDict, field_validator

# Currencies whose minor unit is not 2 (ISO 4217 "minor unit" column); every other code has 2.
_MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    "CLF": 4,
    "UYW": 4,
}

# Active ISO 4217 codes (funds codes included, precious metals and testing codes excluded).
ISO_4217: frozenset[str] = frozenset(
    [
        "AED",
        "AFN",
        "ALL",
        "AMD",
        "ANG",
        "AOA",
        "ARS",
        "AUD",
        "AWG",
        "AZN",
        "BAM",
        "BBD",
        "BDT",
        "BGN",
        "BHD",
        "BIF",
        "BMD",
        "BND",
        "BOB",
        "BOV",
        "BRL",
        "BSD",
        "BTN",
        "BWP",
        "BYN",
        "BZD",
        "CAD",
        "CDF",
        "CHE",
        "CHF",
        "CHW",
        "CLF",
        "CLP",
        "CNY",
        "COP",
        "COU",
        "CRC",
        "CUP",
        "CVE",
        "CZK",
        "DJF",
        "DKK",
        "DOP",
        "DZD",
        "EGP",
        "ERN",
        "ETB",
        "EUR",
        "FJD",
        "FKP",
        "GBP",
        "GEL",
        "GHS",
        "GIP",
        "GMD",
        "GNF",
        "GTQ",
        "GYD",
        "HKD",
        "HNL",
        "HTG",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "IQD",
        "IRR",
        "ISK",
        "JMD",
        "JOD",
        "JPY",
        "KES",
        "KGS",
        "KHR",
        "KMF",
        "KPW",
        "KRW",
        "KWD",
        "KYD",
        "KZT",
        "LAK",
        "LBP",
        "LKR",
        "LRD",
        "LSL",
        "LYD",
        "MAD",
        "MDL",
        "MGA",
        "MKD",
        "MMK",
        "MNT",
        "MOP",
        "MRU",
        "MUR",
        "MVR",
        "MWK",
        "MXN",
        "MXV",
        "MYR",
        "MZN",
        "NAD",
        "NGN",
        "NIO",
        "NOK",
        "NPR",
        "NZD",
        "OMR",
        "PAB",
        "PEN",
        "PGK",
        "PHP",
        "PKR",
        "PLN",
        "PYG",
        "QAR",
        "RON",
        "RSD",
        "RUB",
        "RWF",
        "SAR",
        "SBD",
        "SCR",
        "SDG",
        "SEK",
        "SGD",
        "SHP",
        "SLE",
        "SOS",
        "SRD",
        "SSP",
        "STN",
        "SVC",
        "SYP",
        "SZL",
        "THB",
        "TJS",
        "TMT",
        "TND",
        "TOP",
        "TRY",
        "TTD",
        "TWD",
        "TZS",
        "UAH",
        "UGX",
        "USD",
        "USN",
        "UYI",
        "UYU",
        "UYW",
        "UZS",
        "VED",
        "VES",
        "VND",
        "VUV",
        "WST",
        "XAF",
        "XCD",
        "XCG",
        "XOF",
        "XPF",
        "YER",
        "ZAR",
        "ZMW",
        "ZWG",
    ]
)


MINOR_UNITS: dict[str, int] = {code: _MINOR_UNITS.get(code, 2) for code in ISO_4217}
"""Every ISO 4217 currency's decimal places (``minor_units`` of each)."""


def minor_units(currency: str) -> int:
    """Number of decimal places ISO 4217 gives ``currency``."""
    return _MINOR_UNITS.get(currency, 2)


def decimal_places(amount: Decimal) -> int:
    """The decimal places ``amount`` needs (``1.2340``: 3, ``1500``: 0), whatever its precision: counted on its
    digits, never rounded in a decimal context."""
    _, digits, exponent = amount.as_tuple()
    if not isinstance(exponent, int) or exponent >= 0:
        return 0
    zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(-exponent - zeros, 0) if zeros < len(digits) else 0


def finer_than(amount: Decimal, currency: str | None) -> str | None:
    """Why ``amount`` is no amount of ``currency`` (more decimal places than its minor unit: 1.2345 KWD, 10.5 JPY;
    no finite number), or None. No currency: 2 places."""
    places = minor_units(currency or "")
    if not amount.is_finite():
        return f"{amount} {currency} is not a finite amount"
    if decimal_places(amount) > places:
        return f"{amount} {currency} has more decimal places than {currency}'s {places}"
    return None


def exact_amount(amount: Decimal, currency: str | None) -> str:
    """``amount`` written with exactly its currency's minor unit (``1.235`` KWD, ``1500`` JPY, ``12.50`` USD), as
    stores take a decimal string: never in exponent form, never rounded. ValueError for an amount with more decimal
    places than its currency has (``finer_than``)."""
    problem = finer_than(amount, currency)
    if problem is not None:
        raise ValueError(problem)
    places = minor_units(currency or "")
    _, digits, exponent = amount.as_tuple()
    room = Context(prec=len(digits) + max(int(exponent), 0) + places + 1)
    return f"{amount.quantize(Decimal(1).scaleb(-places), context=room):f}"


class Money(BaseModel):
    """An amount of money. ``str(Money)`` is the feed form ``12.00 USD``."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    amount: Decimal
    currency: str

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        code = value.strip().upper()
        if code not in ISO_4217:
            raise ValueError(f"unknown ISO 4217 currency code {value!r}")
        return code

    @field_validator("amount")
    @classmethod
    def _finite(cls, value: Decimal) -> Decimal:
        if not value.is_finite():
            raise ValueError("amount must be a finite number")
        return value

    def quantized(self) -> Decimal:
        """The amount rounded half-up to the currency's minor unit."""
        return self.amount.quantize(Decimal(1).scaleb(-minor_units(self.currency)), rounding=ROUND_HALF_UP)

    def share(self, part: int, whole: int) -> Money:
        """What ``part`` of ``whole`` units owe of this amount (the amount of all ``whole``): rounded half-up to the
        currency's minor unit, its remainder left to the other units, so that the shares sum to the amount."""
        if part >= whole:
            return self
        exact = self.amount * part / whole if whole > 0 else Decimal(0)
        return self.model_copy(update={"amount": Money(amount=exact, currency=self.currency).quantized()})

    def format(self) -> str:
        """``12.00 USD``: dot decimal separator, the currency's minor units, a space, the ISO code."""
        return f"{self.quantized():f} {self.currency}"

    def __str__(self) -> str:
        return self.format()
