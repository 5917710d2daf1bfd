"""An order's money goes to the store with its currency's minor unit, exactly: 3 decimals for KWD (Amazon.ae and
Amazon.sa sell in such currencies), none for JPY, 2 for USD. ``f"{amount:.2f}"`` rounded 1.235 KWD to 1.24 in the
store order; an amount with more digits than its currency has (a broken or hostile answer) holds the order (ORD010)
rather than being rounded silently."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import respx
from hypothesis import given
from hypothesis import strategies as st

from feedsync.config import DirectoryOrderSink
from feedsync.diagnostics import Diagnostic
from feedsync.model.money import ISO_4217, Money, exact_amount, minor_units
from feedsync.model.order import Charge, Order, OrderLine, OrderStatus
from feedsync.orders.sinks import DirectorySink
from feedsync.state import State
from tests.orders.test_import import into, line, published, report
from tests.orders.test_shopify_sink import URL, VARIANT, Store, answers
from tests.orders.test_shopify_sink import sink as shopify_sink
from tests.orders.test_woocommerce_sink import mock_store
from tests.orders.test_woocommerce_sink import sink as woocommerce_sink


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FS_TEST_WC_KEY", "ck_0123456789")
    monkeypatch.setenv("FS_TEST_WC_SECRET", "cs_abcdefghij")
    monkeypatch.setenv("FS_TEST_SHOPIFY", "shpat_secret_token")
    monkeypatch.setattr("time.sleep", lambda seconds: None)


# (currency, item-price for 2 units, item-tax, shipping-price) -> (unit price, line total, tax, shipping, paid)
CASES = {
    "KWD": (("2.470", "0.124", "1.235"), ("1.235", "2.470", "0.124", "1.235", "3.829")),
    "JPY": (("3000", "240", "500"), ("1500", "3000", "240", "500", "3740")),
    "USD": (("40.00", "1.60", "4.99"), ("20.00", "40.00", "1.60", "4.99", "46.59")),
}


def priced(currency: str, price: str, tax: str, shipping: str) -> str:
    """A report line of 2 units in ``currency``."""
    text = line("111-1", "9001", "SKU-A", qty="2", price=price)
    return text.replace(f"\tUSD\t{price}\t1.60\t4.99\t", f"\t{currency}\t{price}\t{tax}\t{shipping}\t")


def kwd(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="KWD")


def order_with_everything(unit_price: str = "1.235") -> Order:
    """A KWD order of 3 units with tax, shipping and its tax, a discount and gift wrap with its tax."""
    return Order(
        marketplace="amazon",
        order_id="111-7",
        status=OrderStatus.UNSHIPPED,
        purchased_at=datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
        currency="KWD",
        lines=(
            OrderLine(
                line_id="9001",
                marketplace_sku="SKU-A",
                quantity=3,
                unit_price=kwd(unit_price),
                tax=kwd("0.185"),
                shipping=kwd("0.750"),
                shipping_tax=kwd("0.038"),
                discount=kwd("0.105"),
                charges=(Charge(kind="gift_wrap", amount=kwd("0.500"), tax=kwd("0.025")),),
            ),
        ),
    )


def shop(amount: str, currency: str) -> dict[str, Any]:
    return {"shopMoney": {"amount": amount, "currencyCode": currency}}


@pytest.mark.parametrize("currency", list(CASES))
@respx.mock(assert_all_mocked=True)
def test_woocommerce_gets_each_amount_in_its_currency_s_minor_unit(
    respx_mock: respx.Router, tmp_path: Path, currency: str
) -> None:
    (price, tax, shipping), (_, total, _, shipping_total, _) = CASES[currency]
    routes = mock_store(respx_mock)
    path = report(tmp_path, priced(currency, price, tax, shipping))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        assert into(woocommerce_sink(), state, path).imported == ["111-1"]
        payload = state.order_payload("amazon", "111-1") or ""
    body = json.loads(routes["create"].calls[0].request.content)
    assert body["currency"] == currency
    assert [(x["subtotal"], x["total"]) for x in body["line_items"]] == [(total, total)]
    assert body["shipping_lines"][0]["total"] == shipping_total
    stored = json.loads(payload)["lines"][0]  # (the state keeps the amounts as the decimal text read)
    assert (stored["shipping"]["amount"], stored["tax"]["amount"]) == (shipping, tax)


@pytest.mark.parametrize("currency", list(CASES))
@respx.mock(assert_all_mocked=True)
def test_shopify_gets_each_amount_in_its_currency_s_minor_unit(
    respx_mock: respx.Router, tmp_path: Path, currency: str
) -> None:
    (price, tax, shipping), (unit, _, tax_amount, shipping_amount, paid) = CASES[currency]
    store = Store(answers())
    respx_mock.post(URL).mock(side_effect=store)
    path = report(tmp_path, priced(currency, price, tax, shipping))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        assert into(shopify_sink(), state, path).imported == ["111-1"]
    (created,) = store.named("orderCreate")
    order = created["order"]
    [item] = order["lineItems"]
    assert item["priceSet"] == shop(unit, currency)
    assert [x["priceSet"] for x in item["taxLines"]] == [shop(tax_amount, currency)]
    assert order["shippingLines"][0]["priceSet"] == shop(shipping_amount, currency)
    assert order["transactions"][0]["amountSet"] == shop(paid, currency)


@respx.mock(assert_all_mocked=True)
def test_woocommerce_gets_a_kwd_discount_gift_wrap_and_shipping_to_the_fils(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    routes = mock_store(respx_mock)
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        assert into(woocommerce_sink(), state, [order_with_everything()]).imported == ["111-7"]
    body = json.loads(routes["create"].calls[0].request.content)
    assert [(x["subtotal"], x["total"]) for x in body["line_items"]] == [("3.705", "3.600")]  # 3 x 1.235, less 0.105
    assert body["shipping_lines"][0]["total"] == "0.750"
    assert body["fee_lines"] == [{"name": "Gift wrap", "total": "0.500"}]


@respx.mock(assert_all_mocked=True)
def test_shopify_gets_a_kwd_discount_gift_wrap_and_shipping_tax_to_the_fils(
    respx_mock: respx.Router, tmp_path: Path
) -> None:
    store = Store(answers())
    respx_mock.post(URL).mock(side_effect=store)
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        assert into(shopify_sink(), state, [order_with_everything()]).imported == ["111-7"]
    (created,) = store.named("orderCreate")
    order = created["order"]
    assert order["lineItems"] == [
        {
            "variantId": VARIANT,
            "quantity": 3,
            "priceSet": shop("1.235", "KWD"),
            "taxLines": [{"title": "Tax", "rate": "0.0499", "priceSet": shop("0.185", "KWD")}],
        },
        {
            "title": "Gift wrap",
            "quantity": 1,
            "priceSet": shop("0.500", "KWD"),
            "requiresShipping": False,
            "taxable": True,
            "taxLines": [{"title": "Tax", "rate": "0.0500", "priceSet": shop("0.025", "KWD")}],
        },
    ]
    assert order["shippingLines"] == [
        {
            "title": "Amazon shipping",
            "priceSet": shop("0.750", "KWD"),
            "taxLines": [{"title": "Tax", "rate": "0.0507", "priceSet": shop("0.038", "KWD")}],
        }
    ]
    # 3.705 + 0.185 tax - 0.105 discount + 0.500 gift wrap + 0.025 its tax + 0.750 shipping + 0.038 its tax
    assert order["transactions"][0]["amountSet"] == shop("5.098", "KWD")
    # the promotion is the order's discount: its total is what was paid, with no balance left to collect
    assert order["discountCode"] == {
        "itemFixedDiscountCode": {"code": "Amazon promotion", "amountSet": shop("0.105", "KWD")}
    }


@pytest.mark.parametrize(("amount", "currency"), [("1.2345", "KWD"), ("10.5", "JPY"), ("20.005", "USD")])
@respx.mock(assert_all_mocked=True, assert_all_called=False)
def test_an_amount_finer_than_its_currency_holds_the_order_and_nothing_reaches_the_store(
    respx_mock: respx.Router, tmp_path: Path, amount: str, currency: str
) -> None:
    """An order kept from before (held, its payload retried) or made by any reader with an amount its currency
    cannot pay is held (ORD010, naming the order, the field and the value), never rounded into the store."""
    routes = mock_store(respx_mock)
    good = order_with_everything()
    bad_line = good.lines[0].model_copy(update={"unit_price": Money(amount=Decimal(amount), currency=currency)})
    bad = good.model_copy(update={"currency": currency, "lines": (bad_line.model_copy(update={"charges": ()}),)})
    found: list[Diagnostic] = []
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        result = into(woocommerce_sink(), state, [bad], found.append)
        record = state.order("amazon", "111-7")
    assert (result.imported, result.held) == ([], ["111-7"])
    assert record is not None and record.state == "held"
    assert routes["create"].call_count == 0
    [finding] = found
    assert (finding.code, finding.product_id, finding.field, finding.value) == (
        "ORD010",
        "111-7",
        "unit_price",
        f"{amount} {currency}",
    )
    places = minor_units(currency)
    assert f"line 9001: unit_price {amount} {currency} has more decimal places than {currency}'s {places}" in (
        finding.message
    )


def test_a_directory_sink_order_keeps_its_kwd_amounts_exact(tmp_path: Path) -> None:
    sink = DirectorySink(DirectoryOrderSink(type="directory", path=tmp_path / "in"))
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        into(sink, state, [order_with_everything()])
    [file] = (tmp_path / "in").glob("orders-*.jsonl")
    [event] = [json.loads(text) for text in file.read_text(encoding="utf-8").splitlines()]
    [written] = event["order"]["lines"]
    assert (written["unit_price"]["amount"], written["shipping_tax"]["amount"]) == ("1.235", "0.038")


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        ("1.235", "KWD", "1.235"),
        ("1.2", "KWD", "1.200"),
        ("1500", "JPY", "1500"),
        ("1500.00", "JPY", "1500"),
        ("1E+3", "JPY", "1000"),
        ("12.5", "USD", "12.50"),
        ("-0.105", "BHD", "-0.105"),
        ("0.0001", "CLF", "0.0001"),
    ],
)
def test_exact_amount_writes_the_currency_s_minor_unit(amount: str, currency: str, text: str) -> None:
    assert exact_amount(Decimal(amount), currency) == text


@pytest.mark.parametrize(("amount", "currency"), [("1.2345", "KWD"), ("10.5", "JPY"), ("1.005", "USD")])
def test_exact_amount_never_rounds(amount: str, currency: str) -> None:
    with pytest.raises(ValueError, match=f"{amount} {currency} has more decimal places than {currency}'s"):
        exact_amount(Decimal(amount), currency)


@given(
    st.integers(min_value=-(10**15), max_value=10**15),
    st.sampled_from(sorted(ISO_4217)),
)
def test_exact_amount_is_the_amount_with_exactly_its_minor_unit(units: int, currency: str) -> None:
    places = minor_units(currency)
    amount = Decimal(units).scaleb(-places)
    text = exact_amount(amount, currency)
    assert Decimal(text) == amount
    assert len(text.partition(".")[2]) == places and "E" not in text


def test_a_sink_handed_an_amount_finer_than_its_currency_rejects_the_order_rather_than_round_it() -> None:
    """The importer holds such orders first; a sink handed one anyway refuses it (held, ORD007), never rounds."""
    from feedsync.errors import OrderRejected

    good = order_with_everything()
    bad_line = good.lines[0].model_copy(update={"catalog_id": "cat-SKU-A", "shipping": kwd("0.7505")})
    bad = good.model_copy(update={"lines": (bad_line,)})
    woocommerce = woocommerce_sink()
    woocommerce._products["cat-SKU-A"] = {"product_id": 800}
    with pytest.raises(OrderRejected, match=r"shipping: 0.7505 KWD has more decimal places than KWD's 3"):
        woocommerce.body(bad)
    shopify = shopify_sink()
    shopify._variants["cat-SKU-A"] = VARIANT
    with pytest.raises(OrderRejected, match=r"shipping: 0.7505 KWD has more decimal places than KWD.s 3; not rounded"):
        shopify.order_input(bad)


REPORT_HEAD = (
    "order-id\torder-item-id\tpurchase-date\tsku\tquantity-purchased\tquantity-shipped\tquantity-to-ship\t"
    "currency\titem-price\n"
)


def test_an_order_report_line_its_currency_cannot_price_holds_a_new_order_but_not_a_later_cancellation(
    tmp_path: Path,
) -> None:
    """An order report's item-price that is no unit price times the units (10.00 USD for 3) holds a new order
    (ORD010, before any store order is made); an order imported before (as a version that rounded it did) still
    hears of its cancelled units from a report that shows them so: the reader no longer leaves the whole order out."""
    from feedsync.orders.report_file import read_order_report

    def read(name: str, to_ship: str, price: str) -> list[Order]:
        path = tmp_path / name
        row = f"111-5\t9001\t2026-11-20T10:00:00Z\tSKU-A\t3\t0\t{to_ship}\tUSD\t{price}\n"
        path.write_text(REPORT_HEAD + row, encoding="utf-8")
        return list(read_order_report(path, pytest.fail))

    found: list[Diagnostic] = []
    with State(tmp_path / "state.sqlite") as state:
        published(state, "SKU-A")
        sink = DirectorySink(DirectoryOrderSink(type="directory", path=tmp_path / "in"))
        new = into(sink, state, read("new.txt", "3", "10.00"), found.append)
        assert (new.imported, new.held) == ([], ["111-5"])
        assert [(d.code, d.field) for d in found] == [("ORD010", "unit_price")]
        state.record_order("amazon", "111-5", status=OrderStatus.UNSHIPPED, state="imported")  # (imported before)
        found.clear()
        into(sink, state, read("cancelled.txt", "0", "10.00"), found.append)
        # its units cancelled since: told (ORD003, once), where the whole order was left out as ORD010 before
        assert [(d.code, d.product_id, d.field, d.value) for d in found] == [("ORD003", "111-5", "quantity", "3")]
