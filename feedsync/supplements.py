"""Supplemental sources: extra files joined to the catalog on a key, like Feedonomics' "join" imports.

A one-to-one supplement adds or overrides columns of each product (cost price, performance labels); a
one-to-many supplement (``as: NAME``) gives each product the list of its matching rows under ``NAME`` (stock per
store), which profiles can read and expand into one item per row. Supplements are read into memory, keyed by
the join value: they are meant to be much smaller than the catalog.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from feedsync import values as v
from feedsync.config import SourceConfig, SupplementConfig
from feedsync.diagnostics import Emit, Location
from feedsync.diagnostics.codes import make
from feedsync.errors import ConfigError, SourceError
from feedsync.model.money import Money
from feedsync.model.product import PRODUCT_FIELDS, Product
from feedsync.sources.native import attribute_text, iter_json_array, iter_json_lines, open_text
from feedsync.sources.normalize import rounding
from feedsync.sources.tabular import open_table


@dataclass
class Supplement:
    config: SupplementConfig
    rows: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    columns: frozenset[str] = frozenset()
    """Its columns but the key, casefolded."""

    @property
    def many(self) -> bool:
        return self.config.as_ is not None


def joined_columns(supplements: list[Supplement]) -> frozenset[str]:
    """The columns (casefolded) the one-to-one supplements set on a product (a field, else an attribute): the
    one-to-many ones only add lists of their own (``join``)."""
    return frozenset(column for supplement in supplements if not supplement.many for column in supplement.columns)


def load_supplements(configs: list[SupplementConfig], emit: Emit) -> list[Supplement]:
    loaded = []
    for index, config in enumerate(configs):
        supplement = Supplement(config)
        columns: set[str] = set()
        for row, record in _records(config, emit, f"supplements[{index}].encoding"):
            columns.update(name for name in record if name != config.key)
            key = record.get(config.key, "").strip()
            if not key:
                emit(make("SRC001", f"row has no {config.key}", location=Location(str(config.path), row)))
                continue
            values = {name: text.strip() for name, text in record.items() if name != config.key and text.strip()}
            supplement.rows.setdefault(key, []).append((row, values))
        supplement.columns = frozenset(name.casefold() for name in columns)
        loaded.append(supplement)
    return loaded


def _records(config: SupplementConfig, emit: Emit, encoding_key: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(row, column -> text) of each record of the supplement: a CSV or TSV file's rows (its header's columns), or,
    by the file's extension, a JSON array's or a JSON Lines file's objects (a number or Boolean as the catalog's
    reader makes it text, a list or an object as JSON). A file none of whose records has the ``key`` is a
    ConfigError naming its columns. ``encoding_key``: the setting an encoding finding names."""
    suffix = config.path.suffix.lower()
    source = SourceConfig(path=config.path, encoding=config.encoding)
    if suffix in (".json", ".jsonl", ".ndjson"):
        handle, _ = open_text(source, emit, encoding_key)
        seen: set[str] = set()
        with handle, _decoded(config, encoding_key):
            lines = suffix != ".json"
            objects = (
                iter_json_lines(handle, str(config.path), emit) if lines else iter_json_array(handle, str(config.path))
            )
            for line, obj in objects:
                if not isinstance(obj, dict):
                    where = Location(str(config.path), line)
                    emit(make("SRC001", f"not a JSON object ({type(obj).__name__})", location=where))
                    continue
                record = {str(name): attribute_text(value) for name, value in obj.items() if value is not None}
                seen.update(record)
                yield line, record
        if seen and config.key not in seen:
            raise _no_key(config, sorted(seen))
        return
    with open_table(source, emit, encoding_key=encoding_key) as table:
        if table.col(config.key) is None:
            raise _no_key(config, table.header)
        for row, cells in table.rows:
            yield row, {name: cells[i] for i, name in enumerate(table.header) if i < len(cells)}


@contextmanager
def _decoded(config: SupplementConfig, encoding_key: str) -> Iterator[None]:
    """A JSON supplement's text that is not its encoding, as the source error of a CSV one (exit 2)."""
    try:
        yield
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"{config.path}: not valid {exc.encoding} at byte {exc.start} ({exc.reason}); set {encoding_key}"
        ) from None


def _no_key(config: SupplementConfig, columns: list[str]) -> ConfigError:
    return ConfigError(
        f"supplement {config.path} has no column {config.key!r} to join on (its columns: {', '.join(columns)})"
    )


def join(
    product: Product, supplements: list[Supplement], currency: str | None, emit: Emit
) -> tuple[Product | None, dict[str, Any]]:
    """The product with one-to-one columns applied (None when a value is unusable: reported, left out), and the
    one-to-many lists keyed by their ``as`` names."""
    extras: dict[str, Any] = {}
    update: dict[str, Any] = {}
    attributes: dict[str, str] | None = None
    for supplement in supplements:
        key = str(getattr(product, supplement.config.join_on, None) or "")
        matches = supplement.rows.get(key, [])
        if supplement.many:
            assert supplement.config.as_ is not None
            extras[supplement.config.as_] = [values for _, values in matches]
            continue
        for row, values in matches[:1]:
            for column, text in values.items():
                name = column.casefold()
                if name in PRODUCT_FIELDS and name not in ("id", "attributes"):
                    try:
                        value = update[name] = _typed(name, text, currency or product.price.currency)
                    except v.ValueProblem as problem:
                        emit(
                            make(
                                problem.code,
                                problem.message,
                                product_id=product.id,
                                field=name,
                                value=text,
                                location=Location(str(supplement.config.path), row, None, column),
                            )
                        )
                        return None, extras
                    message = rounding(value, name) if isinstance(value, Money) else None
                    if message is not None:
                        where = Location(str(supplement.config.path), row, None, column)
                        emit(make("MDL019", message, product_id=product.id, field=name, value=text, location=where))
                else:
                    attributes = attributes if attributes is not None else dict(product.attributes)
                    attributes[column] = text
    if attributes is not None:
        update["attributes"] = attributes
    return (product.model_copy(update=update) if update else product), extras


def _typed(name: str, text: str, currency: str) -> Any:
    from zoneinfo import ZoneInfo

    from feedsync.model.product import AgeGroup, Availability, Condition, Gender

    if name in ("price", "sale_price"):
        return v.parse_money(text, currency, what=name)
    if name == "quantity":
        return v.parse_int(text, what=name)
    if name == "weight":
        return v.parse_weight(text)
    if name == "sale_price_effective_date":
        return v.parse_date_range(text, ZoneInfo("UTC"))
    enums = {"availability": Availability, "condition": Condition, "gender": Gender, "age_group": AgeGroup}
    if name in enums:
        return v.parse_enum(text, enums[name], what=name)
    if name == "additional_image_links":
        return tuple(u.strip() for u in text.split(",") if u.strip())
    return text
