"""Turn one record of raw values, keyed by model field, into a ``Product`` — or into diagnostics.

Every reader ends here, so the rules for prices, dates, enums and links are the same for all formats.
All problems of a record are reported, then the record is left out if any is an error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import tzinfo
from decimal import Decimal
from functools import lru_cache, partial
from typing import Any

from pydantic import ValidationError

from feedsync import values as v
from feedsync.checks import code_points, unseen
from feedsync.diagnostics import Emit, locate
from feedsync.diagnostics.codes import make
from feedsync.model.construct import construct
from feedsync.model.money import Money, minor_units
from feedsync.model.product import (
    AgeGroup,
    Availability,
    Condition,
    Gender,
    Product,
    SourceRef,
)

AVAILABILITY_ALIASES = {
    "instock": "in_stock",
    "available": "in_stock",
    "outofstock": "out_of_stock",
    "sold_out": "out_of_stock",
    "pre_order": "preorder",
    "back_order": "backorder",
    "onbackorder": "backorder",
    "on_backorder": "backorder",
}
GENDER_ALIASES = {"men": "male", "man": "male", "women": "female", "woman": "female", "unisex": "unisex"}

_TEXT_FIELDS = (
    "group_id",
    "description",
    "brand",
    "mpn",
    "product_type",
    "google_product_category",
    "color",
    "size",
    "material",
    "pattern",
    "custom_label_0",
    "custom_label_1",
    "custom_label_2",
    "custom_label_3",
    "custom_label_4",
)


@dataclass(frozen=True, slots=True)
class NormalizeContext:
    currency: str | None
    base_url: str | None
    tz: tzinfo


def _field_text(value: Any, field: str, problems: list[tuple[str, str, str, str]]) -> str | None:
    """``_text`` of a value that is no text (a JSON number, list, ...), or None with its problem added."""
    try:
        return _text(value, field)
    except v.ValueProblem as problem:
        problems.append((problem.code, field, shown(value), problem.message))
        return None


def shows_nothing(text: str) -> bool:
    """Whether a non-empty id's or title's ``text`` shows nothing (``checks.unseen``: zero-width spaces and the
    like, which a channel reads as empty); most begin with a visible ASCII character, which tells it at once."""
    return not ("!" <= text[0] <= "~") and unseen(text)


def unseen_message(field: str, text: str) -> str:
    """MDL001's message of a ``field`` whose ``text`` shows nothing."""
    return f"{field} holds only invisible characters ({code_points(text)}), which a channel reads as empty"


def _text(value: Any, what: str = "value") -> str | None:
    """A field's value as text (None: empty). A list or an object (a JSON catalog's) is no one value: MDL020."""
    if type(value) is str:  # the common case first
        return value.strip() or None
    if value is None:
        return None
    if isinstance(value, (list, tuple, dict)):
        if not value:
            return None
        raise _not_one(value, what)
    text = scalar_text(value).strip()
    return text or None


def scalar_text(value: Any) -> str:
    """The text of a value a typed source hands in (a JSON number or Boolean) as every reader writes it: a number
    as ``values.number_text`` writes it (``1001``, never ``1001.0`` nor ``1e+21``), a Boolean as the Excel reader
    writes a Boolean cell (``TRUE``, ``FALSE``)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (float, Decimal)):
        return v.number_text(value)
    return str(value)


def shown(value: Any) -> str:
    """A value of a JSON record as its JSON text, for a finding (its first 80 characters; a number as
    ``values.number_text`` writes it)."""
    if isinstance(value, Decimal):
        return v.number_text(value)
    return json.dumps(value, ensure_ascii=False, default=float)[:80]


def _not_one(value: Any, what: str) -> v.ValueProblem:
    if isinstance(value, dict):
        inner = next((str(key) for key in value), "name")
        return v.ValueProblem(
            "MDL020",
            f"{what} is an object ({shown(value)}), not one value: give {what} one value, or map the key inside "
            f"it that holds the value with source.columns ({what}.{inner}: {what})",
        )
    return v.ValueProblem(
        "MDL020",
        f"{what} is a list ({shown(value)}), not one value: give {what} one value (a list is read only for "
        "additional_image_links)",
    )


def _list(value: Any, what: str = "value") -> list[str]:
    if type(value) is str:  # the common case first: what _text makes of each part
        return [part for part in map(str.strip, value.split(",")) if part]
    if value is None:
        return []
    if isinstance(value, dict):
        raise _not_one(value, what)
    parts = value if isinstance(value, (list, tuple)) else str(value).split(",")
    try:
        return [x for x in (_text(p, what) for p in parts) if x]
    except v.ValueProblem:  # a list of lists or of objects
        raise v.ValueProblem(
            "MDL020", f"{what} is a list of lists or objects ({shown(value)}): give it a list of texts"
        ) from None


# What no feed can carry: C0 controls but tab and line ends, DEL, lone surrogates, and the two non-characters
# XML forbids.
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


_CONTROL_BYTES = bytes(byte for byte in range(128) if _BAD_CHARS.match(chr(byte)))


def is_clean(text: str) -> bool:
    """Whether ``text`` holds no character ``_BAD_CHARS`` matches: what ``not _BAD_CHARS.search(text)`` answers,
    faster (a control is the same byte in UTF-8, never part of another character; a lone surrogate does not
    encode)."""
    if text.isascii():
        data = text.encode("ascii")
        return len(data.translate(None, _CONTROL_BYTES)) == len(data)
    try:
        return utf8_clean(text.encode("utf-8"))
    except UnicodeEncodeError:
        return False


def utf8_clean(data: bytes) -> bool:
    """``is_clean`` of the text that ``data``, whole UTF-8 characters, decodes to: no control byte (never part of
    another character), and neither U+FFFE nor U+FFFF (an EF byte always starts a character). A lone surrogate does
    not decode."""
    if len(data.translate(None, _CONTROL_BYTES)) != len(data):
        return False
    # an EF byte is rare (U+F000..U+FFFF) and looked for in C at memory speed; a search for three bytes is not
    return b"\xef" not in data or (b"\xef\xbf\xbe" not in data and b"\xef\xbf\xbf" not in data)


def _scrub(text: str) -> str:
    return _BAD_CHARS.sub(lambda m: "\ufffd" if "\ud800" <= m.group() <= "\udfff" else "", text)


def clean_characters(
    raw: Mapping[str, Any], attributes: Mapping[str, str], ref: SourceRef, emit: Emit
) -> tuple[Mapping[str, Any], Mapping[str, str]]:
    """``raw`` and ``attributes`` without control characters and broken (surrogate) characters: they are dropped
    (a broken one becomes U+FFFD) and reported once for the record (SRC011)."""
    texts = [v for v in raw.values() if isinstance(v, str)]
    texts += [str(x) for v in raw.values() if isinstance(v, list) for x in v]
    texts += attributes.values()
    if is_clean("".join(texts)):  # the common case: one pass (the pattern matches single characters)
        return raw, attributes
    dirty = [k for k, v in raw.items() if isinstance(v, str) and _BAD_CHARS.search(v)]
    dirty += [k for k, v in raw.items() if isinstance(v, list) and any(_BAD_CHARS.search(str(x)) for x in v)]
    dirty_attributes = [k for k, v in attributes.items() if _BAD_CHARS.search(v)]
    if not dirty and not dirty_attributes:
        return raw, attributes
    raw = dict(raw)
    for key in dirty:
        value = raw[key]
        raw[key] = _scrub(value) if isinstance(value, str) else [_scrub(str(x)) for x in value]
    attributes = {k: _scrub(v) if k in dirty_attributes else v for k, v in attributes.items()}
    names = dirty + dirty_attributes
    emit(
        make(
            "SRC011",
            f"control or broken characters removed from {', '.join(names)}",
            product_id=str(raw.get("id") or "") or None,
            field=dirty[0] if dirty else None,
            value=_scrub(str(raw[dirty[0]]))[:80] if dirty else None,
            location=locate(ref, dirty[0] if dirty else None),
        )
    )
    return raw, attributes


def clean_gtin(text: str) -> str:
    """One leading ``'`` (spreadsheet text marker) dropped; spaces and dashes dropped from a number
    (``978-1-98765-432-1``), as Google ignores them."""
    value = text[1:] if text.startswith("'") else text
    digits = value.replace(" ", "").replace("-", "")
    return digits if digits.isdigit() else value


def _str_dict(value: Any) -> bool:
    return all(type(k) is str and type(x) is str for k, x in value.items())


def _constructible(out: Mapping[str, Any]) -> bool:
    """Whether pydantic's validation of ``out`` could only return the same values: every value here comes from this
    module's own rules (plain ``str`` texts, non-empty id and title, ``int`` quantity, enum members, ``Money``,
    ``DateRange`` and ``Weight`` built by feedsync.values, currencies of price and sale price matched, no sale dates
    without a sale price) but for what the readers hand in. Those are checked here; anything else is validated by
    pydantic, which reports it (MDL007) as before."""
    return (
        _str_dict(out["attributes"]) and _str_dict(out.get("variant_options", {})) and type(out["source"]) is SourceRef
    )


Parse = Callable[[str], Any]


_REMEMBERED = 4096
"""Texts a parser keeps the value of; when full, it forgets them all and starts again."""


class _Repeated:
    """A parser that keeps the values of the texts it parsed: the variants of a product repeat most of their cells
    (price, condition, gender...) and a catalog a few thousand weights and quantities, so an equal cell is parsed
    once. Every value is immutable (text, a number, an enum member, frozen ``Money``, ``DateRange``, ``Weight``), so
    products may share it; a problem is not kept (the next equal cell is parsed, and reported, again)."""

    __slots__ = ("memo", "parse")

    def __init__(self, parse: Parse) -> None:
        self.parse = parse
        self.memo: dict[str, Any] = {}

    def __call__(self, text: str) -> Any:
        memo = self.memo
        value = memo.get(text, memo)  # the dict itself: not a value any text has
        if value is memo:
            value = self.parse(text)
            self.keep(text, value)
        return value

    def keep(self, text: str, value: Any) -> None:
        memo = self.memo
        if len(memo) >= _REMEMBERED:
            memo.clear()
        memo[text] = value


@lru_cache(maxsize=16)
def _parsers(ctx: NormalizeContext) -> tuple[tuple[str, Parse], ...]:
    """The rule for each parsed field, in the order its problems are reported; made once per context."""
    currency, base_url, tz = ctx.currency, ctx.base_url, ctx.tz
    return tuple(
        (name, _Repeated(parse))
        for name, parse in (
            ("price", partial(v.parse_money, default_currency=currency, what="price")),
            ("sale_price", partial(v.parse_money, default_currency=currency, what="sale_price")),
            ("sale_price_effective_date", partial(v.parse_date_range, tz=tz, what="sale_price_effective_date")),
            (
                "availability",
                partial(v.parse_enum, enum=Availability, what="availability", aliases=AVAILABILITY_ALIASES),
            ),
            ("quantity", partial(v.parse_int, what="quantity")),
            ("condition", partial(v.parse_enum, enum=Condition, what="condition")),
            ("gender", partial(v.parse_enum, enum=Gender, what="gender", aliases=GENDER_ALIASES)),
            ("age_group", partial(v.parse_enum, enum=AgeGroup, what="age_group")),
            ("weight", v.parse_weight),
            ("gtin", clean_gtin),
            ("link", partial(v.parse_url, base_url=base_url, what="link")),
            ("image_link", partial(v.parse_url, base_url=base_url, what="image_link")),
        )
    )


class _ImageLinks:
    """The additional image links of a cell, each a URL (``values.parse_url``), keeping the last cell's: the
    variants of a product often share their images. A cell with a problem is not kept."""

    __slots__ = ("base_url", "last")

    def __init__(self, base_url: str | None) -> None:
        self.base_url = base_url
        self.last: tuple[str, tuple[str, ...]] | None = None

    def __call__(self, links: Any, problems: list[tuple[str, str, str, str]]) -> tuple[str, ...]:
        if links is None:
            return ()
        last = self.last
        if last is not None and type(links) is str and last[0] == links:
            return last[1]
        images: list[str] = []
        wrong = len(problems)
        try:
            urls = _list(links, "additional_image_links")
        except v.ValueProblem as problem:
            problems.append((problem.code, "additional_image_links", shown(links), problem.message))
            return ()
        for url in urls:
            try:
                images.append(v.parse_url(url, self.base_url, what="additional_image_links"))
            except v.ValueProblem as problem:
                problems.append((problem.code, "additional_image_links", url, problem.message))
        made = tuple(images)
        if type(links) is str and len(problems) == wrong:
            self.last = (links, made)
        return made


@lru_cache(maxsize=16)
def _image_links(ctx: NormalizeContext) -> _ImageLinks:
    return _ImageLinks(ctx.base_url)


def rounding(money: Money, field: str) -> str | None:
    """MDL019's message where ``money`` has more decimals than its currency has, not all zeros (else None)."""
    if money.amount.as_tuple().exponent >= -minor_units(money.currency):  # most prices: one comparison
        return None
    rounded = money.quantized()
    if rounded == money.amount:
        return None
    return (
        f"{field} {money.amount} {money.currency} has more decimals than {money.currency} has: Google and Meta are "
        f"sent {rounded} {money.currency} (rounded half up); Amazon takes no such offer (AMZ022)"
    )


def rounded(money: Money, field: str, value: str, product_id: Any, ref: SourceRef, emit: Emit) -> None:
    """MDL019 of ``field``'s cell ``value`` where ``rounding`` has a message."""
    message = rounding(money, field)
    if message is not None:
        emit(make("MDL019", message, product_id=product_id, field=field, value=value, location=locate(ref, field)))


def build_product(
    raw: Mapping[str, Any],
    attributes: Mapping[str, str],
    ref: SourceRef,
    ctx: NormalizeContext,
    emit: Emit,
    variant_options: Mapping[str, str] | None = None,
) -> Product | None:
    """``raw``: model field -> raw value (str from text files, JSON scalars or lists from JSON).
    ``variant_options``: options that tell the variant apart but map to no variant field."""
    raw, attributes = clean_characters(raw, attributes, ref, emit)
    problems: list[tuple[str, str, str, str]] = []  # (code, field, value, message)
    out: dict[str, Any] = {}
    get = raw.get
    for field in ("id", "title"):
        value = get(field)
        try:
            text = _text(value, field)
        except v.ValueProblem as problem:
            problems.append((problem.code, field, shown(value), problem.message))
            continue
        if text is None:
            problems.append(("MDL001", field, "", f"{field} is empty"))
        elif shows_nothing(text):
            problems.append(("MDL001", field, text, unseen_message(field, text)))
        else:
            out[field] = text
    price = get("price")
    if price is None or (type(price) is str and not price.strip()):
        problems.append(("MDL001", "price", "", "price is empty"))
    for field, parse in _parsers(ctx):
        value = get(field)
        if value is None:
            continue
        text = (value.strip() or None) if type(value) is str else _field_text(value, field, problems)
        if text is None:
            continue
        try:
            out[field] = parse(text)
        except v.ValueProblem as problem:
            problems.append((problem.code, field, text, problem.message))
    out["additional_image_links"] = _image_links(ctx)(get("additional_image_links"), problems)
    for field in _TEXT_FIELDS:
        value = get(field)
        if value is None:
            continue
        text = (value.strip() or None) if type(value) is str else _field_text(value, field, problems)
        if text is not None:
            out[field] = text

    if "availability" not in out and "quantity" in out and not any(p[1] == "availability" for p in problems):
        out["availability"] = Availability.IN_STOCK if out["quantity"] > 0 else Availability.OUT_OF_STOCK
    if "sale_price" in out and "price" in out and out["sale_price"].currency != out["price"].currency:
        problems.append(
            ("MDL007", "sale_price", str(raw.get("sale_price")), "sale_price is in another currency than price")
        )
    if (
        "sale_price_effective_date" in out
        and "sale_price" not in out
        and not any(p[1] == "sale_price" for p in problems)
    ):
        problems.append(
            (
                "MDL007",
                "sale_price_effective_date",
                str(raw.get("sale_price_effective_date")),
                "sale_price_effective_date is set but sale_price is empty",
            )
        )

    product_id = out.get("id")
    for code, field, value, message in problems:
        emit(make(code, message, product_id=product_id, field=field, value=value, location=locate(ref, field)))
    if problems:
        return None
    for field in ("price", "sale_price"):
        money = out.get(field)
        if money is not None:
            rounded(money, field, str(raw.get(field)), product_id, ref, emit)
    out["attributes"] = dict(attributes)
    if variant_options:
        out["variant_options"] = dict(variant_options)
    if isinstance(raw.get("inventory_tracked"), bool):
        out["inventory_tracked"] = raw["inventory_tracked"]
    out["source"] = ref
    if _constructible(out):
        return construct(Product, **out)
    try:
        return Product.model_validate(out)
    except ValidationError as exc:  # a rule this module does not know yet: report it, never crash
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else None
            emit(
                make(
                    "MDL007",
                    f"{field or 'product'}: {err['msg']}",
                    product_id=product_id,
                    field=field,
                    location=locate(ref, field),
                )
            )
        return None
