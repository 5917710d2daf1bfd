"""A native CSV catalog's variants as a family survey reads them (``channels.amazon.family.FamilySurvey.add``: the
group id, the variant fields, the catalog's own columns), a column at a time: what a run whose Amazon channel has
definitions reads before its rows, instead of reading every row into a product.

Every piece of the catalog must be a line per record that Polars writes back as it is (the csv reader reads it into
the same cells). A row of the forms the columns normalize exactly (a product, nothing told of it) is read from the
columns; any other row is read by the per-row reader, quietly (the run's read tells what it tells). The first piece
that is not raises ``Unread`` before its variants are told: the run surveys the catalog per row instead.
tests/columnar/test_survey.py holds the survey's answers to those of the per-row read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import polars as pl

from feedsync.columnar.read import pieces, read_piece, records
from feedsync.columnar.source import _ALL, _BAD, normalized
from feedsync.columnar.text import holds_any
from feedsync.sources.base import normalize_context

if TYPE_CHECKING:
    from feedsync.config import Config
    from feedsync.sources.tabular import ByteRange

CHUNK = 2 << 20
"""Bytes of the catalog a piece holds, about (its rows are Python objects while it is surveyed: a larger piece only
holds more memory, about 70 MB more a process at 8 MB)."""
_AXES = ("color", "size", "material", "pattern")


class Unread(Exception):
    """A piece of the catalog the columns do not read as the per-row reader does."""


def variants(config: Config, targets: list[str], header: list[str], share: ByteRange | None = None) -> Iterator[Any]:
    """The catalog's variants (those of ``share``, when the run is split by rows) in the file's order (``targets``:
    each column's model field, ``__attributeN`` for the catalog's own; ``header``: the columns' names): the rows the
    columns normalize exactly as runs of a family's variants (``batch_variants``), any other row read into a product
    by the per-row reader (None: none is made of it, so it is not surveyed). Unread: a piece whose records are not
    each a line the csv reader reads into the cells Polars reads."""
    from feedsync.columnar.gate import _fields, lines_alike  # the gate's columns and lines as the reader has them
    from feedsync.sources.base import field_columns
    from feedsync.sources.normalize import utf8_clean
    from feedsync.sources.rowreader import compile_reader

    mapped = [t for t in targets if not t.startswith("__attribute")]
    if len(set(mapped)) != len(mapped) or not set(mapped) <= set(_ALL):
        raise Unread("two columns feed one field, or a column feeds a field not translated")
    context = normalize_context(config.source)
    columns, exact = normalized(mapped, context)
    exact_clean = normalized(mapped, context, clean=True)[1]  # a piece of no control character (``utf8_clean``)
    own = [pl.col(t) for t in targets if t.startswith("__attribute")]
    if own:
        exact = exact & ~holds_any(own, _BAD)
    named = {t: name for t, name in zip(targets, header, strict=True) if t.startswith("__attribute")}
    picked = [columns.get(a, pl.lit(None, pl.String)).alias(a) for a in ("id", "group_id", *_AXES)]
    path = config.source.path
    fields = _fields(targets)
    read = compile_reader(str(path), header, fields, field_columns(header, fields), context)
    with records(path, share) as (first, handle, row):
        row -= 1  # the row before the piece's
        for data in pieces(handle, CHUNK):
            try:
                frame = read_piece(first, data)
            except pl.exceptions.PolarsError as exc:
                raise Unread(str(exc)) from None
            if frame.width != len(targets) or not lines_alike(data, frame):
                raise Unread("a record the reader reads otherwise")
            frame = frame.rename(dict(zip(frame.columns, targets, strict=True)))
            checked = exact_clean if utf8_clean(data) else exact
            made = frame.select(checked.alias("exact"), *picked, *(pl.col(t) for t in named))
            yield from batch_variants(made, frame, row, read, named)
            row += frame.height


def batch_variants(
    made: pl.DataFrame, frame: pl.DataFrame, row: int, read: Callable[..., Any], named: dict[str, str]
) -> list[Any]:
    """A piece's variants as a family survey reads them (``made``: its normalized columns, with ``exact`` where a
    row's are the per-row reader's; ``frame``: its cells, each record a line the csv reader reads into them;
    ``row``: the row before its first; ``named``: the catalog's own columns a survey reads, by name): the rows
    ``exact`` of a family one after another as a ``Run`` (those of no family are nothing to a survey), the per-row
    reader's product of any other row (None: none is made of it, not surveyed)."""
    from feedsync.channels.amazon.family import AXES, Run

    if tuple(_AXES) != AXES:
        raise AssertionError("the survey's axes")
    axes = [pl.col(a) if a in made.columns else pl.lit(None, pl.String).alias(a) for a in ("id", "group_id", *_AXES)]
    picked = made.select(pl.col("exact").fill_null(False), *axes[:2], *(a.fill_null("") for a in axes[2:]))
    owned = {name: made[t].to_list() for t, name in named.items()}
    ids = picked["id"].to_list()
    found: list[Any] = []
    others = picked["exact"].not_().arg_true()  # the rows read by the per-row reader: their cells alone listed
    cells = dict(zip(others, frame[others].select(pl.all().fill_null("")).rows(), strict=True)) if len(others) else {}
    run: Run | None = None
    first: tuple[str, ...] = ()
    for at, cells_of in enumerate(picked.iter_rows()):
        whole, group, values = cells_of[0], cells_of[2], cells_of[3:]
        if whole:
            if not group:
                continue  # (a variant of no family: nothing to a survey)
            if run is not None and run.group_id == group and run.end == at:
                run.end = at + 1
                if values != first:
                    run.differ.update(a for a, v, f in zip(_AXES, values, first, strict=True) if v != f)
                continue
            first = values
            run = Run(group, dict(zip(_AXES, values, strict=True)), set(), owned, ids, at, at + 1)
            found.append(run)
            continue
        product = read(row + 1 + at, list(cells[at]), _quiet)
        if product is not None:
            found.append(product)
    return found


def _quiet(diagnostic: Any) -> None:
    """What the per-row reader tells of a row: told by the run's own read."""
