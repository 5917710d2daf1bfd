"""``Overlong``: a text longer than a channel takes, cut at a word and told (AMZ024, META010, PIN010)."""

from __future__ import annotations

from decimal import Decimal

from feedsync.channels.amazon import rules as amazon_rules
from feedsync.channels.base import ChannelItem, Note, Overlong
from feedsync.channels.meta import rules as meta_rules
from feedsync.channels.pinterest import rules as pinterest_rules
from feedsync.model import Money, Product

PRODUCT = Product(id="A", title="T", price=Money(amount=Decimal(1), currency="USD"))


def _cut(text: Overlong, value: str) -> tuple[Note, str]:
    item = ChannelItem(id="A", values={text.attribute: value}, product=PRODUCT)
    [note] = text.cut(item)
    made = item.values[text.attribute]
    assert isinstance(made, str)
    return note, made


def _text(texts: tuple[Overlong, ...], attribute: str) -> Overlong:
    return next(text for text in texts if text.attribute == attribute)


def test_a_text_cut_to_characters_says_so_of_both_lengths() -> None:
    for texts, channel, limit in ((meta_rules.TEXTS, "Meta", 200), (pinterest_rules.TEXTS, "Pinterest", 500)):
        value = "linen " * (limit // 5)
        note, made = _cut(_text(texts, "title"), value)
        assert note.message == (
            f"title is {len(value)} characters, more than the {limit} {channel} takes: cut at a word to "
            f"{len(made)} characters"
        )
    note, made = _cut(_text(amazon_rules.TEXTS, "item_name"), "Tee " * 60)
    assert note.message.endswith(f"more than the 200 Amazon takes: cut at a word to {len(made)} characters")


def test_a_text_cut_to_bytes_in_utf8_says_bytes() -> None:
    value = "été " * 2600  # 10,400 characters, 15,600 bytes in UTF-8
    note, made = _cut(_text(amazon_rules.TEXTS, "product_description"), value)
    size = len(made.encode())
    assert 9_990 <= size <= 10_000
    assert note.message == (
        f"product_description is 15600 bytes in UTF-8, more than the 10000 Amazon takes: cut at a word to {size} bytes"
    )
