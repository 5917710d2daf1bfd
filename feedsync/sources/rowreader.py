"""A delimited file's rows -> Products by a reader compiled once per header: straight-line Python source in which
the column -> field -> parser decisions of ``build_product`` are made once, the cheap rules inlined.

``build_product`` stays the reference (every other reader ends there); the compiled reader gives the same products
and the same findings in the same order, and hands a row with a control or broken character (rare: SRC011, which
rewrites the values) to the reference whole. tests/sources/test_rowreader.py proves the two identical over hostile
rows and headers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from feedsync import values as v
from feedsync.diagnostics import Emit, locate
from feedsync.diagnostics.codes import make
from feedsync.model.construct import construct, maker
from feedsync.model.money import minor_units
from feedsync.model.product import Availability, Product, SourceRef
from feedsync.sources import normalize
from feedsync.sources.normalize import NormalizeContext, build_product

RowReader = Callable[[int, list[str], Emit], "Product | None"]
"""``read(row, cells, emit)``: a row's cells (padded to the header's width) -> its Product, or None (reported)."""
Prepare = Callable[[dict[str, Any], dict[str, str], SourceRef, Emit], bool]
"""``prepare(raw, attributes, ref, emit)``: a format's adjustment of a row's record before it is normalized; False
leaves the row out (the hook reports why)."""
Options = Callable[[dict[str, Any], dict[str, str], SourceRef], "dict[str, str] | None"]
"""``options(raw, attributes, ref)``: a format's variant options of a prepared row (``build_product``'s
``variant_options``: what tells the variant apart but maps to no variant field)."""


def record(
    cells: Sequence[str], mapped: Sequence[tuple[int, str]], unmapped: Sequence[tuple[int, str]]
) -> tuple[dict[str, Any], dict[str, str]]:
    """A row as ``build_product`` takes it: model field -> its first cell that is not blank, and every other
    column's non-empty cell as an attribute."""
    raw: dict[str, Any] = {}
    for index, target in mapped:
        cell = cells[index]
        if cell.strip() and target not in raw:
            raw[target] = cell
    return raw, {name: cells[index] for index, name in unmapped if cells[index]}


def reference_reader(
    path: str, names: Sequence[str], targets: Sequence[str | None], columns: dict[str, tuple[str, int | None]],
    ctx: NormalizeContext, prepare: Prepare | None = None, options: Options | None = None,
) -> RowReader:  # fmt: skip
    """What the compiled reader does, by ``build_product``: the reader of a row the compiled one hands over, and of
    every row of a format that adjusts its rows (``prepare``) or reads variant options of its own (``options``)."""
    mapped = [(index, target) for index, target in enumerate(targets) if target is not None]
    unmapped = [(index, names[index]) for index, target in enumerate(targets) if target is None]

    def read(row: int, cells: list[str], emit: Emit) -> Product | None:
        raw, attributes = record(cells, mapped, unmapped)
        ref = construct(SourceRef, path=path, row=row, columns=columns)
        if prepare is not None and not prepare(raw, attributes, ref, emit):
            return None
        return build_product(raw, attributes, ref, ctx, emit, options(raw, attributes, ref) if options else None)

    return read


class _Source:
    """The lines of the generated reader and the objects they name."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: dict[str, Any] = {}

    def ref(self, name: str, value: Any) -> str:
        self.names[name] = value
        return name

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)


_INLINE_ATTRIBUTES = 64
"""Columns kept as attributes that the reader names one by one; beyond, it loops over them."""
_RAW = ("additional_image_links", "price", "sale_price", "sale_price_effective_date")
"""The fields whose cell as written (not stripped) a rule reads."""


def _text(src: _Source, var: str, indices: list[int], raw: bool) -> None:
    """``var`` = the first of ``indices``' cells that is not blank, stripped ("" if none); with ``raw`` (or more
    than one column), ``var_raw`` = that cell as written (as ``record`` keeps it; only read when ``var`` is not
    empty)."""
    first, *rest = indices
    if not rest and not raw:
        src.add(f"    {var} = cells[{first}].strip()")
        return
    src.add(f"    {var}_raw = cells[{first}]", f"    {var} = {var}_raw.strip()")
    for index in rest:
        src.add(f"    if not {var}:", f"        {var}_raw = cells[{index}]", f"        {var} = {var}_raw.strip()")


def compile_reader(
    path: str, names: Sequence[str], targets: Sequence[str | None], columns: dict[str, tuple[str, int | None]],
    ctx: NormalizeContext, *, clean: bool = False,
) -> RowReader:  # fmt: skip
    """The reader of rows under this header (``targets``: each column's model field or None), made once. ``clean``:
    every cell it will be given is known to pass ``normalize.is_clean`` (the file was scanned whole), so a row is
    not asked again."""
    fields: dict[str, list[int]] = {}
    for index, target in enumerate(targets):
        if target is not None:
            fields.setdefault(target, []).append(index)
    src = _Source()
    slow = src.ref("_slow", reference_reader(path, names, targets, columns, ctx))
    clean_text = src.ref("_clean", normalize.is_clean)
    src.ref("_columns", columns)
    src.ref("_path", path)
    src.ref("_source_ref", maker(SourceRef))
    src.ref("_product", maker(Product))
    src.ref("_Problem", v.ValueProblem)
    src.ref("_make", make)
    src.ref("_locate", locate)
    src.add("def read(row, cells, emit):")
    if not clean:
        src.add(
            f"    if not {clean_text}(''.join(cells)):",  # every value of the row: clean, so is each
            f"        return {slow}(row, cells, emit)",
        )
    src.add(
        "    ref = _source_ref({'path': _path, 'row': row, 'columns': _columns})",
        "    problems = []",
        "    out = {}",
    )
    texts = {field: f"t{n}" for n, field in enumerate(fields)}
    for field, indices in fields.items():
        _text(src, texts[field], indices, field in _RAW)
    for field in ("id", "title", "price"):
        empty = f"problems.append(('MDL001', {field!r}, '', '{field} is empty'))"
        if field not in fields:
            src.add(f"    {empty}")
        elif field == "price":  # parsed below
            src.add(f"    if not {texts[field]}:", f"        {empty}")
        else:  # (a text that shows nothing: ``normalize.shows_nothing``, its first character looked at first)
            text = texts[field]
            nothing, message = (
                src.ref("_shows_nothing", normalize.shows_nothing),
                src.ref("_unseen_message", normalize.unseen_message),
            )
            src.add(
                f"    if {text}:",
                f"        if not ('!' <= {text}[0] <= '~') and {nothing}({text}):",
                f"            problems.append(('MDL001', {field!r}, {text}, {message}({field!r}, {text})))",
                "        else:",
                f"            out[{field!r}] = {text}",
                "    else:",
                f"        {empty}",
            )
    for n, (field, parse) in enumerate(normalize._parsers(ctx)):
        if field not in fields:
            continue
        text, rep = texts[field], src.ref(f"_parse{n}", parse)
        memo = src.ref(f"_memo{n}", parse.memo)  # an equal cell is parsed once (normalize._Repeated)
        src.add(
            f"    if {text}:",
            f"        value = {memo}.get({text}, {memo})",
            f"        if value is not {memo}:",
            f"            out[{field!r}] = value",
            "        else:",
            "            try:",
            f"                value = {rep}.parse({text})",
            "            except _Problem as problem:",
            f"                problems.append((problem.code, {field!r}, {text}, problem.message))",
            "            else:",
            f"                out[{field!r}] = value",
            f"                if len({memo}) >= {normalize._REMEMBERED}:",  # ``_Repeated.keep``, without the call
            f"                    {memo}.clear()",
            f"                {memo}[{text}] = value",
        )
    if "additional_image_links" in fields:
        text, images = texts["additional_image_links"], src.ref("_images", normalize._image_links(ctx))
        src.add(
            f"    if not {text}:",  # no cell: no links (as a blank one makes none)
            "        out['additional_image_links'] = ()",
            "    else:",
            f"        last = {images}.last",
            f"        if last is not None and last[0] == {text}_raw:",
            "            out['additional_image_links'] = last[1]",
            "        else:",
            f"            out['additional_image_links'] = {images}({text}_raw, problems)",
        )
    else:
        src.add("    out['additional_image_links'] = ()")
    for field in normalize._TEXT_FIELDS:
        if field in fields:
            src.add(f"    if {texts[field]}:", f"        out[{field!r}] = {texts[field]}")
    if "quantity" in fields:
        src.ref("_IN_STOCK", Availability.IN_STOCK)
        src.ref("_OUT_OF_STOCK", Availability.OUT_OF_STOCK)
        src.add(
            "    if 'availability' not in out and 'quantity' in out "
            "and not any(p[1] == 'availability' for p in problems):",
            "        out['availability'] = _IN_STOCK if out['quantity'] > 0 else _OUT_OF_STOCK",
        )
    if "sale_price" in fields and "price" in fields:
        src.add(
            "    if 'sale_price' in out and 'price' in out and out['sale_price'].currency != out['price'].currency:",
            f"        problems.append(('MDL007', 'sale_price', {texts['sale_price']}_raw, "
            "'sale_price is in another currency than price'))",
        )
    if "sale_price_effective_date" in fields:
        src.add(
            "    if 'sale_price_effective_date' in out and 'sale_price' not in out "
            "and not any(p[1] == 'sale_price' for p in problems):",
            "        problems.append(('MDL007', 'sale_price_effective_date', "
            f"{texts['sale_price_effective_date']}_raw, 'sale_price_effective_date is set but sale_price is empty'))",
        )
    src.add(
        "    if problems:",
        "        product_id = out.get('id')",
        "        for code, field, value, message in problems:",
        "            emit(_make(code, message, product_id=product_id, field=field, value=value, "
        "location=_locate(ref, field)))",
        "        return None",
    )
    src.ref("_minor_units", minor_units)
    src.ref("_rounded", normalize.rounded)
    for field in ("price", "sale_price"):  # ``build_product``'s MDL019
        if field in fields:
            src.add(
                f"    money = out.get({field!r})",
                "    if money is not None and money.amount.as_tuple().exponent < -_minor_units(money.currency):",
                f"        _rounded(money, {field!r}, {texts[field]}_raw, out.get('id'), ref, emit)",
            )
    src.add("    attributes = {}")
    unmapped = [(index, names[index]) for index, target in enumerate(targets) if target is None]
    if len(unmapped) > _INLINE_ATTRIBUTES:  # a wide export: a loop, not a page of code per row
        src.ref("_unmapped", tuple(unmapped))
        src.add("    for index, name in _unmapped:", "        cell = cells[index]", "        if cell:")
        src.add("            attributes[name] = cell")
    else:
        for index, name in unmapped:
            src.add(f"    cell = cells[{index}]", "    if cell:", f"        attributes[{name!r}] = cell")
    src.add(
        "    out['attributes'] = attributes",
        "    out['source'] = ref",
        "    return _product(out)",
    )
    text = "\n".join(src.lines) + "\n"
    scope = dict(src.names)
    exec(compile(text, "<feedsync reader>", "exec"), scope)  # the source built above
    read: RowReader = scope["read"]
    return read
