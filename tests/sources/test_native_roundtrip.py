"""Property: whatever the native profile writes, the native CSV reader reads back as the same product."""

from __future__ import annotations

import io
import tempfile
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from feedsync.channels.profile import compile_channels
from feedsync.checks import unseen
from feedsync.config import SourceConfig, config_from_flags
from feedsync.diagnostics import Diagnostic
from feedsync.formats import open_writer
from feedsync.model import AgeGroup, Condition, DateRange, Gender, Money, Product
from feedsync.model.money import minor_units
from feedsync.model.product import Availability, Weight, WeightUnit
from feedsync.sources import open_source
from tests.conftest import apply_one

[NATIVE] = compile_channels(
    config_from_flags(
        source=Path("unused.csv"), source_format="csv", currency=None, base_url=None, channels=["native"], out=None
    )
)

# Text as a catalog holds it: no control characters but tab and line ends (readers remove them, SRC011), no
# surrounding whitespace (readers trim cells), and something that shows (a title of invisible characters only is
# missing, MDL001).
CONTROLS = "".join(map(chr, [*range(9), 11, 12, *range(14, 32), 127])) + "\ufffe\uffff"
text = (
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters=CONTROLS), min_size=1, max_size=40)
    .map(str.strip)
    .filter(lambda value: bool(value) and not unseen(value))
)
ids = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=30)
urls = st.builds(lambda path: f"https://shop.example.com/{path}", st.text("abcdefghij0123456789-_/.%", max_size=30))
currencies = st.sampled_from(["USD", "EUR", "JPY", "KWD", "CHF"])
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1)).map(
    lambda d: d.replace(microsecond=0)
)
offsets = st.integers(-12 * 4, 14 * 4).map(lambda q: timezone(timedelta(minutes=15 * q)))


def money(currency: str) -> st.SearchStrategy[Money]:
    places = minor_units(currency)
    return st.integers(0, 10**9).map(lambda n: Money(amount=Decimal(n).scaleb(-places), currency=currency))


@st.composite
def products(draw: st.DrawFn) -> Product:
    currency = draw(currencies)
    price = draw(money(currency))
    sale = draw(st.none() | money(currency))
    window = None
    if sale is not None and draw(st.booleans()):
        start = draw(moments).replace(tzinfo=draw(offsets))
        window = DateRange(start=start, end=start + timedelta(seconds=draw(st.integers(1, 10**8))))
    optional_text = st.none() | text
    return Product(
        id=draw(ids),
        group_id=draw(st.none() | ids),
        title=draw(text),
        description=draw(optional_text),
        link=draw(st.none() | urls),
        image_link=draw(st.none() | urls),
        additional_image_links=tuple(draw(st.lists(urls, max_size=3))),
        price=price,
        sale_price=sale,
        sale_price_effective_date=window,
        availability=draw(st.sampled_from(Availability)),
        quantity=draw(st.none() | st.integers(-1000, 10**6)),
        brand=draw(optional_text),
        gtin=draw(st.none() | st.text("0123456789", min_size=8, max_size=14)),
        mpn=draw(optional_text),
        condition=draw(st.none() | st.sampled_from(Condition)),
        product_type=draw(optional_text),
        google_product_category=draw(optional_text),
        color=draw(optional_text),
        size=draw(optional_text),
        gender=draw(st.none() | st.sampled_from(Gender)),
        age_group=draw(st.none() | st.sampled_from(AgeGroup)),
        material=draw(optional_text),
        pattern=draw(optional_text),
        weight=draw(
            st.none()
            | st.builds(
                lambda n, u: Weight(value=Decimal(n).scaleb(-3), unit=u),
                st.integers(0, 10**7),
                st.sampled_from(WeightUnit),
            )
        ),
        **{f"custom_label_{i}": draw(optional_text) for i in range(5)},
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(products(), min_size=1, max_size=5, unique_by=lambda p: p.id))
def test_native_csv_round_trips_what_the_native_profile_writes(catalog: list[Product]) -> None:
    buffer = io.BytesIO()
    with open_writer("delimited", buffer, columns=NATIVE.columns, meta={}, options=NATIVE.format.options) as writer:
        for product in catalog:
            item = apply_one(NATIVE, product, lambda d: None)
            assert item is not None
            writer.write(item.values)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "catalog.csv"
        path.write_bytes(buffer.getvalue())
        found: list[Diagnostic] = []
        back = list(open_source(SourceConfig(path=path, format="csv")).products(found.append))
    assert found == []
    assert [p.model_dump(exclude={"source"}) for p in back] == [p.model_dump(exclude={"source"}) for p in catalog]
