"""The stream tells item observers, built before it starts, about every item a channel made (with the records it
was written as, or None when an error left it out); it keeps no delivery state of its own."""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from feedsync.channels.base import ChannelItem
from feedsync.channels.profile import compile_channels
from feedsync.diagnostics import ChannelResult, Report
from feedsync.diagnostics.gate import DiagnosticFilter, Selection
from feedsync.model.money import Money
from feedsync.model.product import AgeGroup, Gender, Product
from feedsync.sources import open_source, quiet_read
from feedsync.stream import Records, Stream, item_variant_key, open_encoder, product_variant_key
from tests.conftest import HEADER, make_config, row


class Seen:
    def __init__(self) -> None:
        self.items: list[tuple[str, Records | None]] = []

    def take(self, item: ChannelItem, records: Records | None) -> None:
        self.items.append((item.id, records))


def test_observers_are_told_every_item_with_its_records_or_none_when_left_out(tmp_path: Path) -> None:
    config = make_config(tmp_path, HEADER + row("A") + row("B", gtin="4006381333932") + row("C", size="L"))
    compiled = compile_channels(config, None)
    report = Report(command="build", channels={c.name: ChannelResult(c.name) for c in compiled})
    stream = Stream(report, DiagnosticFilter(Selection(), {}))
    seen = Seen()
    encoders = {c.name: open_encoder(c, lambda: quiet_read(config.source)) for c in compiled}
    stream.run(
        open_source(config.source),
        compiled,
        tmp_path,
        [],
        "USD",
        check=True,
        encoders=encoders,
        observers={"google": [seen]},
    )
    assert [(item, records is not None) for item, records in seen.items] == [("A", True), ("B", False), ("C", True)]
    first = seen.items[0][1]
    assert first is not None and [dict(r)["id"] for r in first] == ["A"]
    assert "<g:id>A</g:id>" in (tmp_path / "google.xml").read_text(encoding="utf-8")
    assert report.channels["google"].items == 2 and report.channels["google"].rejected == 1


def test_the_stream_holds_no_delivery_state() -> None:
    names = {f.name for f in fields(Stream)}
    assert not names & {"collectors", "staged", "record_items"}


def usd(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="USD")


_TEXT = st.one_of(st.none(), st.text(max_size=4), st.sampled_from(["", " ", "0", "Red"]))
_OPTIONS = st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=3)


@given(
    st.fixed_dictionaries({"color": _TEXT, "size": _TEXT, "material": _TEXT, "pattern": _TEXT}),
    st.one_of(st.none(), st.sampled_from(Gender)),
    st.one_of(st.none(), st.sampled_from(AgeGroup)),
    _OPTIONS,
)
def test_product_variant_keys_are_the_keys_they_were(
    fields: dict[str, str | None], gender: Gender | None, age_group: AgeGroup | None, options: dict[str, str]
) -> None:
    product = Product(
        id="A", title="Tee", price=usd("10"), gender=gender, age_group=age_group, variant_options=options, **fields
    )
    names = ("color", "size", "material", "pattern", "gender", "age_group")
    reference = (*(str(getattr(product, f) or "") for f in names), *sorted(product.variant_options.items()))
    assert product_variant_key(product) == reference


@given(
    st.dictionaries(
        st.sampled_from(["color", "size", "gender", "title"]),
        st.one_of(st.text(max_size=4), st.lists(st.text(max_size=3), max_size=2)),
    ),
    _OPTIONS,
)
def test_item_variant_keys_are_the_keys_they_were(values: dict[str, object], options: dict[str, str]) -> None:
    attributes = ("color", "size", "material", "pattern", "gender", "age_group")
    reference = (*(str(values.get(a, "")) for a in attributes), *sorted(options.items()))
    assert item_variant_key(values, attributes, options) == reference


_IDS = st.sampled_from(["A", "B", "C", "é", "A "])
_ROWS = st.lists(st.tuples(_IDS, st.one_of(st.none(), st.sampled_from(["A", "G", "H"])), st.sampled_from(["", "Red"])))


@given(_ROWS)
def test_admitting_products_finds_what_sets_of_their_ids_find(rows: list[tuple[str, str | None, str]]) -> None:
    """``_admit``'s bookkeeping (an id of no group hashed once for the ids and the groups; no variant key made for
    a product of no group) against plain sets: a repeated id is left out (MDL008), a group (or a product of no
    group) is counted once, a variant of a group like an earlier one of that group's run is told (MDL013)."""
    stream = Stream(Report(command="build"), DiagnosticFilter(Selection(), {}))
    admitted, seen, groups = [], set(), set()
    expected: list[tuple[str, str]] = []
    run: tuple[str | None, set[str]] = (None, set())
    for number, (product_id, group_id, color) in enumerate(rows):
        product = Product(id=product_id, group_id=group_id, title=f"T{number}", price=usd("1"), color=color or None)
        admitted.append(stream._admit(product, [], "USD") is not None)
        groups.add(group_id or product_id)
        if product_id in seen:
            expected.append(("MDL008", product_id))
            continue
        seen.add(product_id)
        if group_id is not None:
            run = run if run[0] == group_id else (group_id, set())
            if color in run[1]:
                expected.append(("MDL013", product_id))
            run[1].add(color)
    found = [(d.code, d.product_id) for d in stream.report.diagnostics]
    assert found == expected
    assert admitted.count(False) == stream.rejected == sum(code == "MDL008" for code, _ in expected)
    assert len(stream.groups) == len(groups) and len(stream.seen) == len(seen)
