"""The channels' quick passes as boolean columns: where one is true, the channel's own quick pass (``screen.clean``
of Google and Meta) says True of the row's values, so its rules find nothing there. It may be false where that pass
says True (a form it does not look at a column at a time): such a row goes to the per-row checks, which write the
same findings (none). A value known to repeat (a title, a category, a sale window) is asked once, of the pass's own
functions. tests/columnar/test_screens.py holds each to its per-row pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import polars as pl

from feedsync.channels.amazon import rules as amazon_rules
from feedsync.channels.amazon import screen as amazon_screen
from feedsync.channels.amazon.rules import not_a_number
from feedsync.channels.amazon.spec import MAX_ITEM_NAME, MAX_SKU_LENGTH, WEIGHT_UNITS
from feedsync.channels.google import rules as google_rules
from feedsync.channels.google import screen as google_screen
from feedsync.channels.google.spec import DATED_AVAILABILITY, PROMOTIONAL
from feedsync.channels.meta import screen as meta_screen
from feedsync.checks import GTIN_RESERVED, UNSEEN_PATTERN, interval_problem
from feedsync.columnar.text import Bind, unbound
from feedsync.model.money import ISO_4217

_PLAIN_URL = "^[Hh][Tt][Tt][Pp][Ss]?://[^/: ]*\\."
_PRICE = "^([0-9]+(?:\\.[0-9]+)?) ([A-Z]{3})$"
_CURRENCIES = sorted(ISO_4217)
"""The codes a price's ``_PRICE`` form may end in (``checks.feed_price``)."""

Ask = Callable[[pl.Expr, Callable[[str], Any], pl.DataType], pl.Expr]
"""Asks a function of each distinct value of a column and gives the column of its answers (``Compiler.ask``)."""


def gtin_ok(e: pl.Expr, bind: Bind = unbound) -> pl.Expr:
    """``checks.gtin_problem`` is None: 8, 12, 13 or 14 ASCII digits, not all zeros, whose check digit is right
    (the GTINs it also takes with spaces or dashes are not looked at here). The digits are read as one number
    (``bind``: made once, read for each place; the verdict too): each is weighed by its place from the right (the
    check digit's 1, then 3, 1, 3...)."""
    number = bind(e.str.to_integer(strict=False))  # at most 14 digits: within an Int64
    total = pl.sum_horizontal([number // 10**place % 10 * (3 if place % 2 else 1) for place in range(14)])
    length = e.str.len_bytes()
    digits = e.str.contains("^[0-9]+$") & length.is_in([8, 12, 13, 14])
    return bind(digits & (total % 10 == 0) & ~e.str.contains("^0+$"))  # (a total of 0: all zeros)


def gtin_clear(values: Mapping[str, pl.Expr], bind: Bind = unbound) -> pl.Expr:
    """Where the item's GTIN, if it has one, is one (every channel's quick pass asks this of a text)."""
    gtin = values.get("gtin")
    return pl.lit(True) if gtin is None else gtin.is_null() | gtin_ok(gtin, bind)


def gtin_refused(values: Mapping[str, pl.Expr], lists: set[str], bind: Bind = unbound) -> pl.Expr | None:
    """Where the item's GTIN is ASCII digits that are not a GTIN (its length, all zeros, its check digit:
    ``checks.gtin_problem`` says which): every channel's rules find it an error. None: the item has no GTIN, or a
    list of them."""
    gtin = values.get("gtin")
    if gtin is None or "gtin" in lists:
        return None
    return bind((gtin.str.contains("^[0-9]+$") & ~gtin_ok(gtin, bind)).fill_null(False))


def gtin_reserved(values: Mapping[str, pl.Expr], lists: set[str]) -> pl.Expr:
    """Where the item's GTIN is ASCII digits in a range Google refuses (``checks.gtin_reserved``: its 13-digit form
    starts as ``checks.GTIN_RESERVED``); true of a list of them (a doubt)."""
    gtin = values.get("gtin")
    if gtin is None:
        return pl.lit(False)
    if "gtin" in lists:
        return pl.lit(True)
    length = gtin.str.len_bytes()
    form = (
        pl.when(length == 12)
        .then(pl.concat_str([pl.lit("0"), gtin]))
        .when(length == 13)
        .then(gtin)
        .when(length == 14)
        .then(gtin.str.slice(1))
    )
    reserved = form.str.contains(f"^(?:{GTIN_RESERVED.pattern})")
    return (gtin.str.contains("^[0-9]+$") & reserved).fill_null(False)


GTIN_CODES = {"google": "GMC008", "meta": "META007", "amazon": "AMZ007"}
"""The channel kind -> the code its rules tell a GTIN that is not one by (``checks.gtin_problem``'s text)."""


def _text_within(e: pl.Expr, limit: int, listed: bool) -> pl.Expr:
    """Where the text (each of the list's texts) is within ``limit`` characters, or there is none (an expression
    of fewer nodes than ``is_null() | ...``: each costs a batch about 8 µs whatever its rows)."""
    if listed:
        return e.list.eval(pl.element().str.len_chars() <= limit).list.all().fill_null(True)
    return (e.str.len_chars() <= limit).fill_null(True)


def _prices_clean(values: Mapping[str, pl.Expr]) -> pl.Expr:
    price, sale = values.get("price"), values.get("sale_price")
    if price is None:
        return pl.lit(False)
    amount, currency = (price.str.extract(_PRICE, i) for i in (1, 2))
    clean = amount.is_not_null() & currency.is_in(_CURRENCIES) & (amount.cast(pl.Float64) > 0)
    if sale is not None:
        reduced, unit = (sale.str.extract(_PRICE, i) for i in (1, 2))
        fits = reduced.is_not_null() & (unit == currency) & (reduced.cast(pl.Float64) < amount.cast(pl.Float64))
        clean = clean & (sale.is_null() | fits)
    return clean


def _seen(value: pl.Expr, listed: bool) -> pl.Expr:
    """Where a required value is there and (a text) shows something (``checks.unseen``: a doubt is a False)."""
    if listed:
        return value.is_not_null()
    return value.is_not_null() & ~value.str.contains(UNSEEN_PATTERN)


def google(
    values: Mapping[str, pl.Expr],
    lists: set[str],
    ask: Ask,
    bind: Bind = unbound,
    *,
    gtin_checked: bool = True,
    needs_checked: bool = True,
    prices_checked: bool = True,
) -> pl.Expr:
    """Where ``google.screen.clean`` says True of the item's values (``bind``: the compiler's ``let``; without
    ``gtin_checked``, whatever the GTIN's check finds: ``gtin_clear`` asks it; without ``needs_checked``, whatever
    its category needs that it lacks: ``_needs_met``; without ``prices_checked``, whatever its prices are:
    ``_prices_clean``)."""
    present = set(values)
    checks = [pl.lit(set(google_screen._REQUIRED) <= present)]
    checks.append(~gtin_reserved(values, lists))  # Google's own refusal of a GTIN, whatever ``gtin_checked``
    checks += [_seen(values[attr], attr in lists) for attr in google_screen._REQUIRED if attr in values]
    checks += [_text_within(values[a], limit, a in lists) for a, limit in google_screen._LIMITS if a in values]
    if prices_checked:
        checks.append(_prices_clean(values))
    for attr, allowed in google_screen._CHOICES:
        if attr in values:
            checks.append(values[attr].is_null() | values[attr].is_in(sorted(allowed)))
    if "sale_price_effective_date" in values:
        window = values["sale_price_effective_date"]
        checks.append(window.is_null() | ask(window, lambda text: interval_problem(text) is None, pl.Boolean))
    if "availability_date" in values:  # GMC019 and GMC020 are the rules' to tell, as the pass leaves them
        checks.append(values["availability_date"].is_null())
    if "availability" in values:
        checks.append(~values["availability"].is_in(sorted(DATED_AVAILABILITY)).fill_null(False))
    if gtin_checked:
        checks.append(gtin_clear(values, bind))
    no = pl.lit(False)
    if "identifier_exists" in values:  # the pass lowers it: ASCII alone, where Rust lowers alike
        exists = values["identifier_exists"]
        checks.append(exists.is_null() | ~exists.str.contains("[^\\x00-\\x7f]"))
        no = exists.str.to_lowercase().is_in(["no", "false"]).fill_null(False)

    def present(attr: str) -> pl.Expr:
        return values[attr].is_not_null() if attr in values else pl.lit(False)

    checks.append(~(no & (present("gtin") | present("mpn"))))  # GMC009
    checks.append(present("gtin") | (present("brand") & present("mpn")) | no)  # GMC003
    for attr in (attr for attr in google_screen._URLS if attr in values):
        entry = pl.element() if attr in lists else values[attr]
        plain = entry.str.contains(_PLAIN_URL) & ~entry.str.contains("[^!-~]")
        plain = plain & (entry.str.len_chars() <= google_screen._URL_LIMIT)
        checks.append(values[attr].is_null() | (values[attr].list.eval(plain).list.all() if attr in lists else plain))
    needs = _needs(values, ask)
    if needs is not None:
        checks.append(needs != "unknown")
        if needs_checked:
            checks.append(_needs_met(values, needs))
    elif google_screen._category_needs(None) != frozenset():
        checks.append(pl.lit(False))
    title = values.get("title")
    if title is not None:
        checks.append(_title_clean(title, ask))
    else:
        checks.append(pl.lit(False))
    return pl.all_horizontal(checks).fill_null(False)


def _needs(values: Mapping[str, pl.Expr], ask: Ask) -> pl.Expr | None:
    """What each item's category needs (``google.screen._category_needs``: a key of ``_NEEDS``), None without a
    category field."""
    category = values.get("google_product_category")
    if category is None:
        return None
    needs = ask(category, lambda text: _needs_key(google_screen._category_needs(text)), pl.String)
    return needs.fill_null(_needs_key(google_screen._category_needs(None)))


def _needs_met(values: Mapping[str, pl.Expr], needs: pl.Expr) -> pl.Expr:
    """Where the item has every attribute its category needs (``needs``: ``_needs``; unknown: none)."""
    met = []
    for key, required in _NEEDS.items():
        if required:
            have = [values[a].is_not_null() if a in values else pl.lit(False) for a in sorted(required)]
            met.append((needs != key) | pl.all_horizontal([pl.lit(True), *have]))
    return pl.all_horizontal(met)


FOUND = "\x1d"
"""What begins the text of findings a channel's rules make alone of an item (``quick_pass``); each finding is its
code, attribute, value ("" for none, else ``=`` and the value) and message joined by ``\x1e``, the findings by
``\x1f``."""
_SEPARATORS = "\x1c\x1d\x1e\x1f"


def finding_text(code: str, attr: str, message: str, value: str | None) -> str | None:
    """A finding as ``FOUND``'s texts hold it (None where its message or value holds a separator)."""
    if any(c in _SEPARATORS for c in message) or (value is not None and any(c in _SEPARATORS for c in value)):
        return None
    return "\x1e".join((code, attr, "" if value is None else "=" + value, message))


def findings_of(text: str) -> list[tuple[str, str, str | None, str]] | None:
    """The findings a ``FOUND`` text holds, as (code, field, value, message); None where one does not split into
    its fields (never: ``finding_text`` leaves a text holding a separator out)."""
    found = []
    for finding in text[1:].split("\x1f"):
        fields = finding.split("\x1e")
        if len(fields) != 4:
            return None
        code, attr, value, message = fields
        found.append((code, attr, value[1:] if value else None, message))
    return found


def apparel_lacking(values: Mapping[str, pl.Expr], ask: Ask) -> pl.Expr | None:
    """Per item of an apparel category (``_NEEDS``): GMC011 of each attribute it needs that it lacks, in the order
    Google's rules tell them, naming the category's path, as ``FOUND``'s texts ("" where it lacks none, or its
    category is no apparel; null where its path holds a separator). None without a category field."""
    needs = _needs(values, ask)
    if needs is None:
        return None
    category = values["google_product_category"]

    def named(text: str) -> str | None:
        path = google_rules.category_path(text) or ""
        return None if any(c in _SEPARATORS for c in path) else path

    path = ask(category, named, pl.String)

    def lacking(names: list[str]) -> pl.Expr:
        lacks = []
        for a in names:  # the rules' own message, the path put in where the NUL stands
            text = finding_text("GMC011", a, google_rules.apparel_message(a, "\x00"), None)
            assert text is not None
            head, tail = text.split("\x00")
            lacks.append(pl.concat_str([pl.lit(head), path, pl.lit(tail)]))
        lacks = [pl.when(values[a].is_null()).then(t) if a in values else t for a, t in zip(names, lacks, strict=True)]
        return pl.concat_str(lacks, separator="\x1f", ignore_nulls=True)

    apparel = ["color", "gender", "age_group"]  # (``google.rules.check_item``'s order)
    if set(apparel) != _NEEDS["apparel"] or {*apparel, "size"} != _NEEDS["sized"]:
        raise AssertionError("the attributes apparel needs")
    return (
        pl.when(needs.is_in(["apparel", "sized"]) & path.is_null())
        .then(pl.lit(None, pl.String))
        .when(needs == "apparel")
        .then(lacking(apparel))
        .when(needs == "sized")
        .then(lacking([*apparel, "size"]))
        .otherwise(pl.lit(""))
    )


def price_found(values: Mapping[str, pl.Expr], lists: set[str], ask: Ask) -> pl.Expr | None:
    """What Google's rules find of each item's price and sale price (``rules.price_findings``, asked once per
    pair), as ``FOUND``'s texts ("" where nothing; null where a finding holds a separator, or a price holds NUL).
    None without a price field, or with prices that are lists."""
    price, sale = values.get("price"), values.get("sale_price")
    if price is None or "price" in lists or "sale_price" in lists:
        return None
    sale = sale if sale is not None else pl.lit(None, pl.String)
    had = [pl.when(e.is_null()).then(pl.lit("-")).otherwise(pl.lit("+")) for e in (price, sale)]
    key = pl.concat_str([*had, price.fill_null(""), pl.lit("\x00"), sale.fill_null("")])

    def found(text: str) -> str | None:
        rest = text[2:]
        if rest.count("\x00") != 1:
            return None
        first, _, second = rest.partition("\x00")
        findings = google_rules.price_findings(first if text[0] == "+" else None, second if text[1] == "+" else None)
        made = [finding_text(*finding) for finding in findings]
        return None if None in made else "\x1f".join(made)  # type: ignore[arg-type]

    return ask(key, found, pl.String)


_NEEDS: dict[str, frozenset[str] | None] = {
    "unknown": None,
    "none": frozenset(),
    "apparel": frozenset(("color", "gender", "age_group")),
    "sized": frozenset(("color", "gender", "age_group", "size")),
}


def _title_clean(title: pl.Expr, ask: Ask) -> pl.Expr:
    """``google.screen._title_clean`` of each title: of an ASCII one, here (not ``isupper``: no lower case letter
    among upper case ones; no promotional phrase in it lower-cased), of any other, asked of Python (its letters as
    ``str.isalpha`` and ``str.isupper`` tell them)."""
    lower = title.str.to_lowercase()
    shouting = (title == title.str.to_uppercase()) & (title != lower)
    plain = ~shouting & ~lower.str.contains_any(list(PROMOTIONAL))
    wider = title.str.contains(r"[^\x00-\x7f]")
    asked = ask(pl.when(wider).then(title), google_screen._title_clean, pl.Boolean)
    return pl.when(wider).then(asked).otherwise(plain).fill_null(False)


def _needs_key(needs: frozenset[str] | None) -> str:
    for key, value in _NEEDS.items():
        if value == needs:
            return key
    raise AssertionError(f"a category needs {needs}")


def meta(
    values: Mapping[str, pl.Expr], lists: set[str], ask: Ask, bind: Bind = unbound, *, gtin_checked: bool = True
) -> pl.Expr:
    """Where ``meta.screen.clean`` says True of the item's values (as ``google``)."""
    del ask
    present = set(values)
    checks = [pl.lit(set(meta_screen._REQUIRED) <= present and not meta_screen._IDENTIFIERS.isdisjoint(present))]
    checks += [_seen(values[attr], attr in lists) for attr in meta_screen._REQUIRED if attr in values]
    identifiers = [values[a].is_not_null() for a in sorted(meta_screen._IDENTIFIERS) if a in values]
    checks.append(pl.any_horizontal([pl.lit(False), *identifiers]))
    checks += [_text_within(values[a], limit, a in lists) for a, limit in meta_screen._LIMITS if a in values]
    for attr, allowed in meta_screen._CHOICES:
        if attr in values:
            checks.append(values[attr].is_null() | values[attr].is_in(sorted(allowed)))
    for attr in ("price", "sale_price"):
        if attr in values:
            known = values[attr].str.extract(_PRICE, 2).is_in(_CURRENCIES)
            checks.append(values[attr].is_null() | (values[attr].str.contains(_PRICE) & known))
    if "item_group_id" in values:
        variant = [values[a].is_not_null() for a in sorted(meta_screen._VARIANT_FIELDS) if a in values]
        checks.append(values["item_group_id"].is_null() | pl.any_horizontal([pl.lit(False), *variant]))
    if gtin_checked:
        checks.append(gtin_clear(values, bind))
    return pl.all_horizontal(checks).fill_null(False)


def _sku_ok(e: pl.Expr) -> pl.Expr:
    """``amazon.rules.sku_problem`` is None: 1 to MAX_SKU_LENGTH characters, each printable ASCII."""
    return (e.str.len_chars() <= MAX_SKU_LENGTH) & e.str.contains("^[\\x20-\\x7e]+$")


def amazon(
    values: Mapping[str, pl.Expr],
    lists: set[str],
    ask: Ask,
    bind: Bind = unbound,
    *,
    gtin_checked: bool = True,
    presence_checked: bool = True,
) -> pl.Expr:
    """Where ``amazon.screen.clean`` says True of the item's values (every field it reads a text; as ``google``;
    without ``presence_checked``, whatever fields of a listing it lacks: ``listing_lacking``)."""
    numbers = ("price", "sale_price", "quantity", "weight_value", "weight_unit")
    if any(a in lists for a in ("sku", "item_name", "product_type", "parent_sku", "gtin", "asin", *numbers)):
        return pl.lit(False)
    present = set(values)
    checks = [pl.lit(True)]
    if presence_checked:
        checks.append(pl.lit(present >= amazon_screen._LISTING))
        checks += [values[attr].is_not_null() for attr in sorted(amazon_screen._LISTING) if attr in values]
    if "asin" in values:
        checks.append(values["asin"].is_null())
    if "sku" in values:
        checks.append(values["sku"].is_null() | _sku_ok(values["sku"]))
    if "item_name" in values:
        checks.append(values["item_name"].is_null() | (values["item_name"].str.len_chars() <= MAX_ITEM_NAME))
    if "product_type" in values:  # ``re.match`` with ``$``: a final line end is taken too
        kind = values["product_type"]
        checks.append(kind.is_null() | kind.str.contains("^[A-Z0-9_]{1,100}\n?$"))
    if "parent_sku" in values:
        checks.append(values["parent_sku"].is_null() | _sku_ok(values["parent_sku"]))
    if gtin_checked:
        checks.append(gtin_clear(values, bind))
    # ``rules.number_problem``: an offer's numbers the listing can carry (a weight in a unit feedsync converts)
    unit = values.get("weight_unit")
    for attr, whole in (("price", False), ("sale_price", False), ("quantity", True), ("weight_value", False)):
        value = values.get(attr)
        if value is None or (attr == "weight_value" and unit is None):
            continue
        number = value.is_null() | ~ask(value, lambda text, whole=whole: not_a_number(text, whole), pl.Boolean)
        if attr == "weight_value":
            assert unit is not None
            number = number | ~unit.is_in(sorted(WEIGHT_UNITS)).fill_null(False)
        checks.append(number)
    price, sale = values.get("price"), values.get("sale_price")
    if price is not None and sale is not None:  # (a sale price not below the price: made per row)
        checks.append(sale.is_null() | price.is_null() | below(sale, price))
    return pl.all_horizontal(checks).fill_null(False)


def below(sale: pl.Expr, price: pl.Expr) -> pl.Expr:
    """Whether the amount ``sale`` is surely below ``price`` (texts): as floats (a decimal's float is never above a
    larger decimal's, so a float below is a decimal below); false where either is no float or the two are one float
    (such a row is made per row, where ``rules.number_problem`` compares the decimals)."""
    return (sale.cast(pl.Float64, strict=False) < price.cast(pl.Float64, strict=False)).fill_null(False)


def listing_lacking(values: Mapping[str, pl.Expr]) -> pl.Expr:
    """What Amazon's rules tell a listing of the fields it lacks (``rules.LISTING_NEEDS``, in their order), as
    ``FOUND``'s texts; null where it lacks none."""
    lacks = []
    for code, attr, message in amazon_rules.LISTING_NEEDS:
        text = finding_text(code, attr, message, None)
        assert text is not None
        lacks.append(pl.when(values[attr].is_null()).then(pl.lit(text)) if attr in values else pl.lit(text))
    lacking = pl.concat_str(lacks, separator="\x1f", ignore_nulls=True)
    return pl.when(lacking != "").then(lacking)


def amazon_notes(values: Mapping[str, pl.Expr], tracked: pl.Expr | None = None) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """What ``amazon.rules.prepare_item`` notes of the item: its quantity where it is negative (AMZ013: sent as 0),
    else null; where the shop does not track the variant's stock and no quantity is sent (AMZ012: ``tracked``, the
    products' ``inventory_tracked``; a native catalog never says it, so never there); and where it has a sale price
    without both dates and a price (AMZ014)."""
    absent = pl.lit(None, pl.String)
    quantity = values.get("quantity", absent)
    negative = pl.when(quantity.str.strip_chars_start().str.starts_with("-")).then(quantity)
    untracked = (
        (tracked == pl.lit(False)).fill_null(False) & quantity.is_null() if tracked is not None else pl.lit(False)
    )
    sale, start, end, price = (values.get(n, absent) for n in ("sale_price", "sale_start", "sale_end", "price"))
    undated = sale.is_not_null() & ~(start.is_not_null() & end.is_not_null()) & price.is_not_null()
    return negative, untracked, undated


def amazon_broken(values: Mapping[str, pl.Expr], lists: set[str], bind: Bind = unbound) -> pl.Expr:
    """Where ``amazon.rules.check_item`` surely finds an error in the item (its every finding is one): a listing
    (no ASIN) without a SKU, product type, name, brand, price or main image (AMZ003, AMZ001, AMZ006), a SKU it does
    not take (AMZ002), a GTIN of digits that is not one (AMZ007). It may be false where the rules find one all the
    same (the item then goes per row where its quick pass does not clear it)."""
    if any(a in lists for a in ("sku", "asin", "parent_sku", "gtin")):
        return pl.lit(False)
    absent = pl.lit(None, pl.String)
    listing = values.get("asin", absent).is_null()
    needed = [values.get(a, absent).is_null() for a in ("sku", "product_type", "item_name", "brand", "price")]
    needed.append(values.get("main_image", absent).is_null())
    broken = [listing & pl.any_horizontal(needed)]
    if "sku" in values:
        broken.append(values["sku"].is_not_null() & ~_sku_ok(values["sku"]))
    wrong = gtin_refused(values, lists, bind)
    if wrong is not None:
        broken.append(wrong)
    return pl.any_horizontal(broken).fill_null(False)


SCREENS: dict[str, Callable[..., pl.Expr]] = {
    "google": google,
    "meta": meta,
    "amazon": amazon,
}
"""The channel kind (``ChannelSpec``'s) -> its quick pass a column at a time."""


def quick_pass(
    name: str, values: Mapping[str, pl.Expr], lists: set[str], ask: Ask, bind: Bind
) -> tuple[pl.Expr, pl.Expr]:
    """The channel kind ``name``'s quick pass (``SCREENS``; ``bind``: the compiler's ``let``), and what its rules
    find alone in the item, made without them, else null: its GTIN where they find that alone in it
    (``gtin_refused``: the rest of the pass clear; ``GTIN_CODES``), or, where the rest of the pass and the GTIN are
    clear, ``FOUND`` and the findings: of Google's, those of its prices and of the attributes its apparel category
    needs that it lacks (``price_found``, ``apparel_lacking``); of Amazon's, those of the fields a listing lacks
    (``listing_lacking``)."""
    if name == "amazon":
        rest = bind(SCREENS[name](values, lists, ask, bind, gtin_checked=False, presence_checked=False))
        lacking = bind(listing_lacking(values))
        whole = bind(rest & lacking.is_null())
        found = lacking
    elif name != "google":
        rest = whole = bind(SCREENS[name](values, lists, ask, bind, gtin_checked=False))
        found = None
    else:
        rest = bind(google(values, lists, ask, bind, gtin_checked=False, needs_checked=False, prices_checked=False))
        needs = _needs(values, ask)
        met = _needs_met(values, needs) if needs is not None else pl.lit(True)
        whole = bind(rest & met & _prices_clean(values))
        priced = price_found(values, lists, ask)  # (None: no price, which the rules require, or a list of them)
        parts = [e for e in (priced, apparel_lacking(values, ask)) if e is not None]
        found = None
        if priced is not None:  # (each part known: not null)
            parts = [bind(e) for e in parts]
            found = pl.concat_str([pl.when(e != "").then(e) for e in parts], separator="\x1f", ignore_nulls=True)
            found = pl.when(pl.all_horizontal([e.is_not_null() for e in parts]) & (found != "")).then(found)
    clear = gtin_clear(values, bind)
    cleared = (whole & clear).fill_null(False)
    wrong = gtin_refused(values, lists, bind)
    alone = pl.lit(None, pl.String) if wrong is None else pl.when(whole & wrong).then(values["gtin"])
    if found is not None:
        alone = pl.coalesce(alone, pl.when(rest & clear).then(pl.lit(FOUND) + found))
    return cleared, alone
