"""A native catalog's cells normalized a column at a time: what ``sources.normalize.build_product`` makes of each
row (the row reader's rules), for the rows whose cells take its common forms; ``exact`` says which rows those are.
A row it is not true of (a problem to report, a form only the per-row parsers know) goes to the per-row reader.

The columns it gives, by the model's field names: texts stripped (null when empty); ``price`` and ``sale_price``
as the decimal's text (``Decimal(text)`` prints it so) with ``currency``; ``sale_start`` and ``sale_end`` as the
ISO texts of the range's ends; the enums' values; ``quantity`` a whole number; ``weight`` as the decimal's text with
``weight_unit``; ``gtin`` cleaned; ``link``, ``image_link`` and the ``additional_image_links`` list absolute.
tests/columnar/test_source.py holds each to the Product the per-row reader makes of the same row.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from feedsync.checks import UNSEEN_PATTERN
from feedsync.columnar.text import SPACES, holds_any, stripped
from feedsync.ids import ID_KEY_DIFFERS
from feedsync.model.money import ISO_4217, minor_units
from feedsync.model.product import AgeGroup, Availability, Condition, Gender
from feedsync.sources.normalize import _TEXT_FIELDS, AVAILABILITY_ALIASES, GENDER_ALIASES, NormalizeContext
from feedsync.values import _UNITS

TEXTS = ("id", "title", *_TEXT_FIELDS)
_BAD = "".join(map(chr, [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0xFFFE, 0xFFFF]))
"""``normalize._BAD_CHARS`` (a Polars text holds no lone surrogate): a row holding one is cleaned and reported per
row (SRC011)."""
_DECIMAL = "^(?:0|[1-9][0-9]{0,14})(?:\\.[0-9]+)?$"
"""A plain decimal Python's ``Decimal`` prints as it is written, within ``values.MAX_DIGITS``."""
_MOMENT = "[1-8][0-9]{3}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-5][0-9][+-](?:[01][0-9]|2[0-3]):[0-5][0-9]"
"""A date-time with its offset that ``datetime.fromisoformat`` reads as Polars does (no leap second, an offset
within a day) and UTC can tell (``values._in_range``), if its date is one."""
_RANGE = f"^{_MOMENT}/{_MOMENT}$"
_ENUMS: dict[str, tuple[type, Mapping[str, str]]] = {
    "availability": (Availability, AVAILABILITY_ALIASES),
    "condition": (Condition, {}),
    "gender": (Gender, GENDER_ALIASES),
    "age_group": (AgeGroup, {}),
}
_SEPARATORS = f"[{SPACES}_-]+"
"""``values._SEPARATORS`` (``[\\s_-]+``), Python's whitespace spelled out."""


def _token(e: pl.Expr, enum: type, aliases: Mapping[str, str]) -> pl.Expr:
    token = e.str.to_lowercase().str.replace_all(_SEPARATORS, "_")
    table = {value: value for value in (member.value for member in enum)}  # type: ignore[attr-defined]
    table |= {alias: value for alias, value in aliases.items() if value in table}
    return token.replace_strict(table, default=None)


def _url(e: pl.Expr, base_url: str | None) -> tuple[pl.Expr, pl.Expr]:
    """``values.parse_url`` of a stripped text where it needs no ``urljoin``: a path beginning with one ``/``, or an
    absolute http(s) URL; and whether it is one of those."""
    plain = ~e.str.contains(" ", literal=True)
    path = e.str.starts_with("/") & ~e.str.starts_with("//") & plain & ~e.str.contains("://", literal=True)
    lower = e.str.to_lowercase()
    absolute = (lower.str.starts_with("http://") | lower.str.starts_with("https://")) & plain
    absolute = absolute & (e.str.len_chars() > len("https://"))
    if base_url is None:
        return e, absolute
    return pl.when(path).then(pl.lit(base_url) + e).otherwise(e), path | absolute


def _amount(e: pl.Expr, currency: str) -> tuple[pl.Expr, pl.Expr]:
    """The amount of a stripped price cell as ``values.parse_money`` reads it, and whether the cell takes a form read
    here: a plain decimal (``_DECIMAL``), alone or with the run's own currency before or after it (``12.00 USD``,
    ``USD 12.00``, ``12.00usd``: what the ``native`` profile writes). Another currency goes per row. The code is
    spelled a letter at a time: Rust's case-insensitive matching would also take the Kelvin sign for a ``K``, which
    Python's ``[A-Za-z]`` does not."""
    if currency not in ISO_4217:
        return e, e.str.contains(_DECIMAL)
    code = "".join(f"[{letter}{letter.lower()}]" for letter in currency)
    gap = f"[{SPACES}]*"
    plain = _DECIMAL[1:-1]
    fits = e.str.contains(f"^(?:{plain}|{plain}{gap}{code}|{code}{gap}{plain})$")
    return e.str.replace(f"^{code}{gap}", "").str.replace(f"{gap}{code}$", ""), fits


def normalized(names: list[str], ctx: NormalizeContext, clean: bool = False) -> tuple[dict[str, pl.Expr], pl.Expr]:
    """The normalized columns of a frame of raw cells (its columns ``names``, the model's field names; a cell null
    or text), and the expression of the rows they are exact for. ``clean``: no cell holds a character the reader
    cleans (``normalize.utf8_clean`` of the frame's bytes), so that is not asked of each row."""
    present = set(names)
    cell = {name: stripped(pl.col(name)) if name in present else pl.lit(None, dtype=pl.String) for name in _ALL}
    exact = [] if clean else [~holds_any([pl.col(name) for name in names], _BAD)]
    exact += [cell["id"].is_not_null(), cell["title"].is_not_null(), cell["price"].is_not_null()]
    # an id or title that shows nothing: the reader tells it (MDL001), per row
    exact += [~cell[name].str.contains(UNSEEN_PATTERN).fill_null(False) for name in ("id", "title")]
    # an id ``ids.id_key`` may change (a run of whitespace): its duplicates are found per row (MDL008)
    exact.append(~cell["id"].str.contains(ID_KEY_DIFFERS).fill_null(False))
    out = {name: cell[name] for name in TEXTS}

    currency = (ctx.currency or "").upper()
    exact.append(pl.lit(currency in ISO_4217))
    # decimals past the currency's that are not all zeros: the reader tells of them (MDL019)
    past = f"\\.[0-9]{{{minor_units(currency)}}}[0-9]*[1-9]"
    for name in ("price", "sale_price"):
        out[name], fits = _amount(cell[name], currency)
        exact.append(cell[name].is_null() | (fits & ~out[name].str.contains(past)))
    out["currency"] = pl.lit(currency or None, dtype=pl.String)

    dates = cell["sale_price_effective_date"]
    start, end = dates.str.split("/").list.get(0, null_on_oob=True), dates.str.split("/").list.get(1, null_on_oob=True)
    start, end = (part.str.replace("-00:00$", "+00:00") for part in (start, end))  # Python reads -00:00 as UTC
    out["sale_start"], out["sale_end"] = start, end
    moments = [part.str.to_datetime("%Y-%m-%dT%H:%M:%S%:z", time_zone="UTC", strict=False) for part in (start, end)]
    exact.append(
        dates.is_null() | (cell["sale_price"].is_not_null() & dates.str.contains(_RANGE) & (moments[0] < moments[1]))
    )

    for name, (enum, aliases) in _ENUMS.items():
        out[name] = _token(cell[name], enum, aliases)
        exact.append(cell[name].is_null() | out[name].is_not_null())
    out["quantity"] = cell["quantity"].cast(pl.Int64, strict=False)
    exact.append(cell["quantity"].is_null() | cell["quantity"].str.contains("^[0-9]{1,9}$"))
    derived = pl.when(out["quantity"] > 0).then(pl.lit("in_stock")).otherwise(pl.lit("out_of_stock"))
    out["availability"] = pl.when(cell["availability"].is_null() & out["quantity"].is_not_null()).then(derived)
    given = _token(cell["availability"], Availability, AVAILABILITY_ALIASES).fill_null(Availability.IN_STOCK.value)
    out["availability"] = out["availability"].otherwise(given)  # none given nor derived: the model's default

    weight = cell["weight"].str.extract_groups(f"^([0-9.]+)[{SPACES}]*([A-Za-z]+)$")
    out["weight"] = weight.struct.field("1")
    units = {name: unit.value for name, unit in _UNITS.items()}
    out["weight_unit"] = weight.struct.field("2").str.to_lowercase().replace_strict(units, default=None)
    exact.append(cell["weight"].is_null() | (out["weight"].str.contains(_DECIMAL) & out["weight_unit"].is_not_null()))

    gtin = cell["gtin"]
    unquoted = pl.when(gtin.str.starts_with("'")).then(gtin.str.slice(1)).otherwise(gtin)
    digits = unquoted.str.replace_all("[ -]", "")
    out["gtin"] = pl.when(digits.str.contains("^[0-9]+$")).then(digits).otherwise(unquoted)
    # Python's isdigit is true of other digits too (superscripts, other scripts): those rows go per row
    exact.append(gtin.is_null() | digits.str.contains("^[0-9]+$") | ~unquoted.str.contains("[^\\x00-\\x7f]"))

    for name in ("link", "image_link"):
        out[name], fits = _url(cell[name], ctx.base_url)
        exact.append(cell[name].is_null() | fits)
    parts = cell["additional_image_links"].str.split(",").list.eval(stripped(pl.element())).list.drop_nulls()
    made = parts.list.eval(_url(pl.element(), ctx.base_url)[0])
    fit = parts.list.eval(_url(pl.element(), ctx.base_url)[1]).list.all()
    out["additional_image_links"] = made.fill_null([])
    exact.append(cell["additional_image_links"].is_null() | fit)
    return out, pl.all_horizontal(exact).fill_null(False)


_ALL = (
    *TEXTS,
    *("price", "sale_price", "sale_price_effective_date", "availability", "quantity", "condition", "gender"),
    *("age_group", "weight", "gtin", "link", "image_link", "additional_image_links"),
)
