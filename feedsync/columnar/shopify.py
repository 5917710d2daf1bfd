"""A Shopify product export's variants a column at a time: what ``sources.shopify`` hands ``build_product`` for each
variant row (its product's fields from the first row of its handle, its images from all of the handle's rows, its
options put in the variant fields they name, its price, stock and weight as the reader reads them), written as the
cells of a native catalog's row (``columnar.source.normalized`` normalizes them as ``build_product`` does), with the
guard of the rows the columns are exact for. A row it is not exact for (a finding the reader tells of it or of its
product, a form only Python reads alike) is the per-row reader's.

The first stage of a Shopify export made a column at a time (``tests/columnar/test_shopify.py`` holds it to the
reader's products on generated exports, the benchmark's and real stores'): the stream's gate (``columnar.gate``)
makes the channels' items of these columns as of a native catalog's, and the reader offers it each product
(``Gate.take``).
"""

from __future__ import annotations

from typing import NamedTuple

import polars as pl

from feedsync.columnar.source import _BAD
from feedsync.columnar.text import holds_any, stripped
from feedsync.config import SourceConfig
from feedsync.ids import fit_id, slug
from feedsync.sources.options import option_field
from feedsync.sources.shopify import _STATUS_LIVE, _STATUSES, PRODUCT_LEVEL, TAXONOMY, Layout, _weight

ID_LIMIT = 50
"""``shopify.variant_id``'s limit."""
_RECORD = "__record"
_PLAIN = "^[0-9]+(?:\\.[0-9]+)?$"
"""A price ``Decimal`` reads as written; two of at most ``_DIGITS`` digits in all compare alike as floats."""
_DIGITS = 15
"""Digits a decimal has at most that is the same float only as the same value (two such floats compare as the
decimals do)."""
_QUANTITY = "^[0-9]{1,9}$"
_SCIENTIFIC = "^[0-9]+(?:\\.[0-9]+)?[eE][+-]?[0-9]+$"
_NON_ASCII = "[^\\x00-\\x7f]"
_OWN = ("sku", "mpn", "price", "compare", "qty", "tracker", "policy", "grams", "unit", "barcode", "variant_image")
"""The columns a variant row has of its own (the rest are its product's, from the handle's first row)."""
FIELDS = (
    *("id", "title", "description", "brand", "product_type", "google_product_category", "condition", "gender"),
    *("age_group", "mpn", *(f"custom_label_{i}" for i in range(5)), "color", "size", "material", "pattern"),
    *("group_id", "link", "image_link", "additional_image_links", "price", "sale_price", "quantity"),
    *("availability", "weight", "gtin"),
)
"""The native catalog's columns a variant's cells fill (``build_product``'s raw fields, as text)."""
_OPTION_FIELDS = ("color", "size", "material", "pattern")
_BEFORE_OPTIONS = (
    *("title", "description", "brand", "product_type", "google_product_category", "condition", "gender"),
    *("age_group", "mpn", *(f"custom_label_{i}" for i in range(5))),
)
"""The raw fields the reader fills before the options (an option names one of them only where it is empty)."""
ATTRIBUTES = ("handle", "sku", "tags", "category", "type")
"""The attributes the reader gives a variant, in its order, before its product's metafields (``meta:KEY``)."""


def attribute_names(found: Layout) -> list[str]:
    """The attributes a variant of an export of ``found`` columns can have, in the reader's order (each one the
    output's ``attribute:NAME`` column, null where the variant has none)."""
    return [*ATTRIBUTES, *dict.fromkeys(f"meta:{key}" for key in found.metafields.values())]


def attribute_columns(found: Layout) -> dict[str, str]:
    """Each of ``attribute_names`` by the column of a batch the channels read it from (``__attributeN``, as a native
    catalog's own columns are named)."""
    return {name: f"__attribute{index}" for index, name in enumerate(attribute_names(found))}


class Options(NamedTuple):
    """How a variant's options of no variant field (the reader's attributes of their names, its ``variant_options``
    of those that differ among the product's variants) are taken: a row with one is exact only where ``columns``
    (its variant options are columns, else it has none), and its attributes are named neither as another of its
    own nor as one of ``refused`` (asked of by the channels' templates, the reader's own, the stream's) nor begin
    with one of ``prefixes`` (a channel's overrides)."""

    columns: bool
    refused: frozenset[str]
    prefixes: tuple[str, ...] = ()


class Made(NamedTuple):
    """A piece's variants (``variants``) and per record the number of its product among the piece's (None: a
    record before the first handle)."""

    variants: pl.DataFrame
    groups: list[int | None]


def variants(
    frame: pl.DataFrame, found: Layout, config: SourceConfig, *, clean: bool = False, options: Options | None = None
) -> Made:
    """One row per variant row of ``frame`` (records of a Shopify export, each handle's rows whole, all cells text
    or null), in order: ``__record`` (its record's index in ``frame``), ``exact``, ``left_out`` (its product is a
    draft, archived or unlisted one the run leaves out), the native cells of ``FIELDS`` (null where the reader's
    raw field is missing or empty), ``inventory_tracked`` (null where the export has no tracker column), the
    ``attribute:NAME`` columns of ``attribute_names``, and per option of the export (``option_columns``) the name
    and value of the attribute it is where it names no variant field (``__attrnameN``, ``__attrvalueN``) and of the
    variant option it is where its values differ among the product's variants too (``__optnameN``,
    ``__optvalueN``). ``clean``: no cell holds a character the reader cleans (``normalize.utf8_clean`` of the
    frame's bytes), so that is not asked of each row; ``options``: how a row with such an option is taken (None:
    it is not exact)."""
    names = frame.columns

    def cell(name: str) -> pl.Expr:
        index = found.idx[name]
        return stripped(pl.col(names[index])).fill_null("") if index is not None else pl.lit("", pl.String)

    def own(index: int | None) -> pl.Expr:
        return stripped(pl.col(names[index])).fill_null("") if index is not None else pl.lit("", pl.String)

    handle = cell("handle")
    named = pl.when(handle != "").then(handle)
    rows = frame.lazy().with_row_index(_RECORD).with_columns(__handle=named)
    rows = rows.with_columns(__product=pl.col("__handle").forward_fill())
    starts = pl.col("__product").is_not_null() & (pl.col("__product") != pl.col("__product").shift(1)).fill_null(True)
    rows = rows.with_columns(__start=starts).with_columns(__group=pl.col("__start").cum_sum())

    keyed: dict[str, list[pl.Expr]] = {}
    for index, key in found.metafields.items():  # (two columns of one key: the last one filled)
        keyed.setdefault(f"meta:{key}", []).append(own(index))
    meta = {name: pl.coalesce([pl.when(e != "").then(e) for e in reversed(columns)]) for name, columns in keyed.items()}
    values = [own(value) for _, value in found.options]
    in_product = pl.col("__product").is_not_null() & pl.col("__handle").is_not_null()
    variant = in_product & pl.any_horizontal([*(o != "" for o in values), cell("sku") != "", cell("price") != ""])
    image, position = cell("image"), cell("position")
    rows = rows.with_columns(
        **{f"__ov{n}": e for n, e in enumerate(values)},
        __variant=variant,
        __image=pl.when(in_product & (image != "")).then(image),
        __position=pl.when(position.str.contains("^[0-9]{1,18}$"))
        .then(position.cast(pl.Int64, strict=False))
        .otherwise(10**6),
        # a row of no handle among a product's rows (SRC001), a handle that comes again (SRC004), a position
        # Python reads as a number of another script's digits: the reader's
        __told=(pl.col("__product").is_not_null() & pl.col("__handle").is_null())
        | (pl.col("__start") & ~pl.col("__product").is_first_distinct())
        | ((image != "") & position.str.contains(f"{_NON_ASCII}|^[0-9]{{19,}}$")),
    )
    rows = rows.with_columns(__told=pl.col("__told").any().over("__group")).collect()
    groups = rows.select(pl.when(pl.col("__product").is_not_null()).then(pl.col("__group")))["__group"].to_list()
    images = (
        rows.filter(pl.col("__image").is_not_null())
        .sort("__group", "__position", _RECORD)
        .group_by("__group", maintain_order=True)
        .agg(__images=pl.col("__image"))
    )
    products = rows.filter(pl.col("__start")).select(  # each product's values, of its handle's first row
        "__group",
        **{f"__p_{name}": cell(name) for name in PRODUCT_LEVEL},
        **{f"__m_{name}": e for name, e in meta.items()},
        **{f"__on{n}": own(name) for n, (name, _) in enumerate(found.options)},
    )
    made = rows.filter(pl.col("__variant")).select(
        _RECORD, "__group", "__handle", "__told", *(f"__ov{n}" for n in range(len(values))),
        **{f"__v_{name}": cell(name) for name in _OWN},
    )  # fmt: skip
    made = made.join(products, on="__group", how="left", maintain_order="left")
    made = made.join(images, on="__group", how="left", maintain_order="left")
    made = made.with_columns(
        __images=pl.col("__images").fill_null(pl.lit([], pl.List(pl.String))),
        __multi=pl.len().over("__group") > 1,
    )
    return Made(_cells(made, found, config, clean, options), groups)


def _or_taxonomy(given: pl.Expr, made: pl.DataFrame, key: str) -> pl.Expr:
    """``given`` where it is not empty, else what the product's category metafield ``key`` says (``TAXONOMY``: one
    ASCII value looked up; the rest of ``from_taxonomy``'s work is the reader's)."""
    column = f"__m_{key}"
    if column not in made.columns:
        return given
    said = pl.col(column).fill_null("").str.strip_chars().str.to_lowercase()
    mapped = said.replace_strict(TAXONOMY[key][1], default="", return_dtype=pl.String())
    return pl.when(given != "").then(given).otherwise(mapped)


def _cells(
    made: pl.DataFrame, found: Layout, config: SourceConfig, clean: bool, options: Options | None
) -> pl.DataFrame:
    """The native cells of the variant rows ``made`` (their product's values and images gathered), made a step at a
    time (each step's columns read by the next: an expression that read another's would make it again)."""
    made = made.join(_weights(made), on=["__v_grams", "__v_unit"], how="left", maintain_order="left")
    p = {name: pl.col(f"__p_{name}") for name in PRODUCT_LEVEL}
    v = {name: pl.col(f"__v_{name}") for name in _OWN}
    count = len(found.options)
    fields = _option_fields(made, found, config)
    fillable = sorted(set(fields.values()) & {*_OPTION_FIELDS, *_BEFORE_OPTIONS})
    slugs = _slugs(made, count)
    age = p["age_group"].str.split("(").list.first()
    images = pl.col("__images")
    price, compare = v["price"], v["compare"]
    both = (price != "") & (compare != "")
    plain = pl.all_horizontal(
        [e.str.contains(_PLAIN) & (e.str.count_matches("[0-9]") <= _DIGITS) for e in (price, compare)]
    )
    swap = both & plain & (compare.cast(pl.Float64, strict=False) > price.cast(pl.Float64, strict=False))
    quantity = v["qty"]
    tracked = (v["tracker"] != "") & pl.lit(found.idx["qty"] is not None)
    counted = tracked & (quantity != "")
    barcode = v["barcode"]
    status = p["status"].str.to_lowercase()
    frame = made.with_columns(
        title=p["title"],
        description=p["body"],
        brand=p["vendor"],
        product_type=pl.when(p["type"] != "").then(p["type"]).otherwise(p["category"]),
        google_product_category=p["google_category"],
        condition=p["condition"].str.to_lowercase(),
        gender=_or_taxonomy(p["gender"], made, "meta:shopify.target-gender"),
        age_group=_or_taxonomy(stripped(age).fill_null("").str.to_lowercase(), made, "meta:shopify.age-group"),
        mpn=v["mpn"],
        **{f"custom_label_{i}": p[f"label{i}"] for i in range(5)},
        **{field: pl.lit("") for field in _OPTION_FIELDS},
        group_id=pl.when(pl.col("__multi")).then(pl.col("__handle")),
        link=pl.lit(f"{config.base_url}/products/") + pl.col("__handle")
        if config.base_url
        else pl.lit(None, pl.String),
        image_link=pl.when(v["variant_image"] != "")
        .then(v["variant_image"])
        .otherwise(images.list.first().fill_null("")),
        price=pl.when(swap).then(compare).otherwise(price),
        sale_price=pl.when(swap).then(price),
        quantity=quantity,
        availability=pl.when(~counted)
        .then(pl.lit("in_stock"))
        .when(quantity.cast(pl.Int64, strict=False) > 0)
        .then(pl.lit("in_stock"))
        .when(v["policy"].str.to_lowercase() == "continue")
        .then(pl.lit("backorder"))
        .otherwise(pl.lit("out_of_stock")),
        weight=pl.col("__weight"),
        gtin=pl.when(barcode.str.starts_with("'")).then(barcode.str.slice(1)).otherwise(barcode),
        inventory_tracked=tracked if found.idx["tracker"] is not None else pl.lit(None, pl.Boolean),
        left_out=~status.is_in(sorted(_STATUS_LIVE)) & pl.lit(not config.include_unpublished),
        __strange=pl.lit(False),
        __slugs=slugs,
        __exact=pl.all_horizontal(
            ~pl.col("__told"),
            ~p["status"].str.contains(_NON_ASCII) & status.is_in(sorted(_STATUSES)),
            # casefold is to_lowercase but for a few letters outside ASCII: such texts are the reader's
            ~p["condition"].str.contains(_NON_ASCII),
            ~p["age_group"].str.contains(_NON_ASCII),
            # (a category metafield of several values, or one outside ASCII, is the reader's: ``from_taxonomy``)
            *(
                ~pl.col(f"__m_{key}").fill_null("").str.contains(f";|{_NON_ASCII}")
                for key in TAXONOMY
                if f"__m_{key}" in made.columns
            ),
            # (the additional links are a native cell of links between commas: a link with a comma is the reader's)
            ~images.list.eval(pl.element().str.contains(",", literal=True)).list.any(),
            ~both | plain,
            ~counted | quantity.str.contains(_QUANTITY),
        ),
    )
    for n in range(count):  # each option in turn fills the variant field it names, where that is still empty
        name, value = pl.col(f"__on{n}"), pl.col(f"__ov{n}")
        real = (value != "") & ~((value == "Default Title") & name.str.to_lowercase().is_in(["title", ""]))
        target = name.replace_strict(fields, default=None, return_dtype=pl.String)
        fills = {field: real & (target == field).fill_null(False) & (pl.col(field) == "") for field in fillable}
        taken = pl.any_horizontal([pl.lit(False), *fills.values()])
        # a field the reader fills that is none of these (one its later steps set again): the reader's
        strange = real & target.is_not_null() & ~target.is_in(fillable).fill_null(False)
        attribute = real & ~taken & ~strange  # an attribute of the option's name, a variant option where it differs
        named = pl.when(name != "").then(name).otherwise(pl.lit("option"))
        frame = frame.with_columns(
            **{field: pl.when(fill).then(value).otherwise(pl.col(field)) for field, fill in fills.items()},
            __strange=pl.col("__strange") | strange,
            **{f"__attrname{n}": pl.when(attribute).then(named), f"__attrvalue{n}": pl.when(attribute).then(value)},
            **{f"__part{n}": pl.when(real).then(pl.col("__slugs").list.get(n, null_on_oob=True))},
        )
    frame = frame.with_columns(**_variant_options(frame, count))
    frame = frame.with_columns(id=pl.concat_str(["__handle", *(f"__part{n}" for n in range(count))], separator="-",
                                                ignore_nulls=True))  # fmt: skip
    attributes = {
        "handle": pl.col("__handle"),
        "sku": v["sku"],
        **{name: p[name] for name in ("tags", "category", "type")},
        **{name: pl.col(f"__m_{name}") for name in dict.fromkeys(f"meta:{key}" for key in found.metafields.values())},
    }
    texts = [name for name in FIELDS if name != "additional_image_links"]
    gtin = pl.col("gtin")
    exact = [
        pl.col("__exact"),
        ~pl.col("__strange"),
        ~gtin.str.contains(_SCIENTIFIC) & ~gtin.str.contains(_NON_ASCII),  # MDL010: the reader's
        _options_exact(count, options, list(attributes)),
    ]
    if not clean:  # a character the reader cleans and tells (SRC011), in any value it keeps
        kept = [*map(pl.col, texts), *attributes.values(), *(pl.col(f"__attrvalue{n}") for n in range(count))]
        exact.append(~holds_any([*kept, images.list.join("")], _BAD).fill_null(False))
    out = frame.select(
        pl.col(_RECORD),
        pl.all_horizontal(exact).fill_null(False).alias("exact"),
        pl.col("left_out"),
        *(pl.when(pl.col(name) != "").then(pl.col(name)).alias(name) for name in texts),
        images.alias("__images"),
        pl.col("inventory_tracked"),
        *(pl.when(e != "").then(e).alias(f"attribute:{name}") for name, e in attributes.items()),
        *(pl.col(f"__{part}{n}") for n in range(count) for part in ("attrname", "attrvalue", "optname", "optvalue")),
    )
    additional = (
        out.select(_RECORD, "__images", "image_link")
        .explode("__images")
        .filter(pl.col("__images").is_not_null() & (pl.col("__images") != pl.col("image_link").fill_null("")))
        .group_by(_RECORD, maintain_order=True)
        .agg(additional_image_links=pl.col("__images").str.join(","))
    )
    out = out.join(additional, on=_RECORD, how="left", maintain_order="left").drop("__images")
    return out.with_columns(id=_fitted(out["id"]))


def _variant_options(frame: pl.DataFrame, count: int) -> dict[str, pl.Expr]:
    """Each option's variant option (``__optnameN``, ``__optvalueN``): its attribute where the option's values
    differ among its product's variants (asked only of an option that is some variant's attribute)."""
    made: dict[str, pl.Expr] = {}
    for n in range(count):
        name, value = pl.col(f"__attrname{n}"), pl.col(f"__attrvalue{n}")
        if frame[f"__attrname{n}"].null_count() == frame.height:
            made |= {f"__optname{n}": name, f"__optvalue{n}": value}  # (null: no variant has it)
            continue
        differs = pl.col(f"__ov{n}").n_unique().over("__group") > 1
        made |= {f"__optname{n}": pl.when(differs).then(name), f"__optvalue{n}": pl.when(differs).then(value)}
    return made


def _options_exact(count: int, options: Options | None, own: list[str]) -> pl.Expr:
    """Whether a row's options of no variant field are taken as ``options`` says (``own``: the attributes the
    reader gives every variant, which an option's name would set again)."""
    names = [pl.col(f"__attrname{n}") for n in range(count)]
    if options is None:
        return pl.all_horizontal(pl.lit(True), *(name.is_null() for name in names))
    refused = sorted({*options.refused, *own})
    fits = [pl.lit(True)]
    for n, name in enumerate(names):
        fits.append(~name.is_in(refused).fill_null(False))
        fits += [~name.str.starts_with(prefix).fill_null(False) for prefix in options.prefixes]
        fits += [~(name == other).fill_null(False) for other in names[n + 1 :]]  # (one attribute set twice)
        if not options.columns:
            fits.append(pl.col(f"__optname{n}").is_null())
    return pl.all_horizontal(fits)


def _option_fields(made: pl.DataFrame, found: Layout, config: SourceConfig) -> dict[str, str]:
    """Each option name of ``made`` that names a variant field (``option_field``, the config's options first)."""
    names: set[str] = set()
    for n in range(len(found.options)):
        names.update(made[f"__on{n}"].unique().to_list())
    fields = {name: option_field(name, config.options) for name in names if name is not None}
    return {name: field for name, field in fields.items() if field is not None}


def _slugs(made: pl.DataFrame, count: int) -> pl.Expr:
    """A list per row: ``slug`` of each option value (null for an empty slug), each distinct value made once."""
    found: dict[str, str | None] = {}
    for n in range(count):
        for value in made[f"__ov{n}"].unique().to_list():
            if value is not None and value not in found:
                found[value] = slug(value) or None
    columns = [pl.col(f"__ov{n}").replace_strict(found, default=None, return_dtype=pl.String) for n in range(count)]
    return pl.concat_list(columns) if columns else pl.lit([], pl.List(pl.String))


def _weights(made: pl.DataFrame) -> pl.DataFrame:
    """``shopify._weight`` of each distinct pair of grams and unit among ``made``'s rows (``__weight``)."""
    pairs = made.select("__v_grams", "__v_unit").unique()
    weights = [_weight(grams, unit) for grams, unit in pairs.iter_rows()]
    return pairs.with_columns(__weight=pl.Series(weights, dtype=pl.String))


def _fitted(ids: pl.Series) -> pl.Series:
    """``fit_id`` of each id (the few longer than the limit made in Python)."""
    long = ids.str.len_chars() > ID_LIMIT
    if not long.any():
        return ids
    made = [fit_id(value, ID_LIMIT) if value is not None and len(value) > ID_LIMIT else value for value in ids]
    return pl.Series(ids.name, made, dtype=pl.String)
