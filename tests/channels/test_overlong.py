"""``Overlong``: a text longer than a channel takes, cut at a word and told (AMZ024, META010, PIN010)."""

from __future__ import annotations

from decimal import Decimal

from feedsync.channels.amazon import rules as amazon_rules
from feedsync.channels.base import NOTED_TEXT, ChannelItem, Note, Overlong, noted_text
from feedsync.channels.meta import rules as meta_rules
from feedsync.channels.pinterest import rules as pinterest_rules
from feedsync.channels.tally import Tally
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


def test_a_note_keeps_a_bounded_value_that_still_tells_texts_apart() -> None:
    """A note of a cut description keeps its first 200 characters and a digest of the whole, not the whole text
    (a run tallies it until its findings are told): the same text makes the same value, texts that begin alike
    other values, and the finding shows the first 200 characters as before."""
    description = _text(meta_rules.TEXTS, "description")
    value = "Soft organic cotton, " * 600  # 12,600 characters
    note, _ = _cut(description, value)
    assert len(note.value) <= NOTED_TEXT + 33
    assert note.value.startswith(value[:NOTED_TEXT])
    assert _cut(description, value)[0].value == note.value
    other, _ = _cut(description, value[:-20] + "Warm merino wool, ok ")
    assert other.value != note.value and other.value[:NOTED_TEXT] == note.value[:NOTED_TEXT]
    tally = Tally()
    for at, made in enumerate((note, note, other)):
        tally.add(made.code, made.attribute, made.value, made.message, f"SKU-{at}", None)
    assert max(len(value) for _, _, value in tally.counts) <= NOTED_TEXT + 33
    found = tally.findings("facebook")
    assert [
        (d.product_id, d.value, d.message.endswith(f"({n} item(s); the first: {d.product_id})"))
        for d, n in zip(found, (2, 1), strict=True)
    ] == [("SKU-0", value[:NOTED_TEXT], True), ("SKU-2", value[:NOTED_TEXT], True)]
    assert noted_text("short") == "short"
