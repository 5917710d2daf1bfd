"""Category maps: the merchant's ``product_type`` path -> channel categories, by longest matching prefix.

A map is a YAML list (or a CSV with the same columns)::

    - product_type: Men > Tops              # the merchant's path (a prefix of product_type)
      google_product_category: 212          # a Google taxonomy id or path, checked against the taxonomy
      fb_product_category: clothing & accessories > clothing > men's clothing > men's shirts
      amazon_product_type: SHIRT

Every column but ``product_type`` is a field the map sets, when the product has no value of its own (or a variable
the profile's templates read). A column named close to a name feedsync reads but not one (``amazon_prodct_type``) is
refused: what it set would reach no feed.
"""

from __future__ import annotations

import csv
import difflib
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feedsync import yamlpos
from feedsync.decoding import undecodable
from feedsync.errors import ConfigError
from feedsync.model.product import PRODUCT_FIELDS
from feedsync.resources import data_dir
from feedsync.taxonomy import is_google_category

SEPARATOR = ">"
_REMEMBERED = 10_000
"""Product types whose lookup a map remembers (catalogs repeat a few hundred; a hostile one stops adding)."""
_CLOSE = 0.8
"""How alike a column's name and a name feedsync reads are for the column to be taken for a misspelling of it."""


def _segments(path: str) -> tuple[str, ...]:
    return tuple(" ".join(part.split()).casefold() for part in path.split(SEPARATOR) if part.strip())


@dataclass
class CategoryMap:
    path: Path
    entries: dict[tuple[str, ...], dict[str, str]]
    fields: list[str]
    unmapped: set[str] = field(default_factory=set)
    suspects: dict[str, ConfigError] = field(default_factory=dict)
    """Its columns close to a name feedsync reads but not one (``amazon_prodct_type``), each with its error: the
    profile raises it unless its own templates read that column (``categories.refuse_unread``)."""
    _found: dict[str, dict[str, str] | None] = field(default_factory=dict, repr=False, compare=False)

    def lookup(self, product_type: str | None) -> dict[str, str] | None:
        if not product_type:
            return None
        if type(product_type) is str:
            try:
                return self._found[product_type]
            except KeyError:
                found = self._find(product_type)
                if len(self._found) < _REMEMBERED:
                    self._found[product_type] = found
                return found
        return self._find(product_type)

    def _find(self, product_type: str) -> dict[str, str] | None:
        segments = _segments(product_type)
        for length in range(len(segments), 0, -1):
            found = self.entries.get(segments[:length])
            if found is not None:
                return found
        return None


@functools.cache
def _read_names() -> frozenset[str]:
    """The names a map's column sets that feedsync itself reads: the product's fields and the variables the built-in
    profiles declare (``amazon_product_type``, ``fb_product_category``)."""
    names = set(PRODUCT_FIELDS)
    for profile in sorted(data_dir("channel_profiles").glob("*.yaml")):
        data, _ = yamlpos.load(profile)
        names.update(str(name) for name in (data or {}).get("variables") or ())
    return frozenset(names)


def _misspelt(key: str, path: Path, position: tuple[int, int] | None) -> ConfigError | None:
    """A column whose name is close to a name feedsync reads but not one: what it sets would reach no feed (a name
    like none is a variable of the user's own templates)."""
    known = _read_names()
    if key == "product_type" or key in known:
        return None
    near = difflib.get_close_matches(key, sorted(known), n=1, cutoff=_CLOSE)
    if not near:
        return None
    line, column = position or (None, None)
    return ConfigError(
        f"{key!r} is not a field feedsync reads from a category map (did you mean {near[0]!r}?): what it sets would "
        f"reach no feed; rename it {near[0]}",
        path=str(path),
        line=line,
        column=column,
    )


def load_category_map(path: Path) -> CategoryMap:
    rows: list[tuple[dict[str, Any], tuple[int, int] | None]] = []
    suspects: dict[str, ConfigError] = {}
    if path.suffix.lower() == ".csv":
        rows = _csv_rows(path, suspects)
    else:
        data, node = yamlpos.load(path)
        if not isinstance(data, list):
            raise ConfigError(
                "a category map is a list of {product_type: ..., <field>: ...}", path=str(path), line=1, column=1
            )
        rows = [(row, yamlpos.locate(node, [i])) for i, row in enumerate(data)]
        checked: set[str] = set()  # (a column is judged once, at its first row)
        for i, row in enumerate(data):
            for key in row if isinstance(row, dict) else ():
                if str(key) not in checked:
                    checked.add(str(key))
                    if wrong := _misspelt(str(key), path, yamlpos.locate(node, [i, key])):
                        suspects[str(key)] = wrong
    entries: dict[tuple[str, ...], dict[str, str]] = {}
    fields: list[str] = []
    for row, position in rows:
        line, column = position or (None, None)
        if not isinstance(row, dict) or not row.get("product_type"):
            raise ConfigError("each entry needs a product_type", path=str(path), line=line, column=column)
        values = {str(k): str(v).strip() for k, v in row.items() if k != "product_type" and v not in (None, "")}
        google = values.get("google_product_category")
        if google and not is_google_category(google):
            raise ConfigError(
                f"google_product_category {google!r} is not in Google's product taxonomy",
                path=str(path),
                line=line,
                column=column,
            )
        key = _segments(str(row["product_type"]))
        if key in entries:
            raise ConfigError(
                f"product_type {row['product_type']!r} is mapped twice", path=str(path), line=line, column=column
            )
        entries[key] = values
        fields += [k for k in values if k not in fields]
    return CategoryMap(path, entries, fields, suspects=suspects)


def refuse_unread(category_map: CategoryMap, read: set[str]) -> None:
    """Raise the error of a map's column close to a name feedsync reads but not one, unless the profile's own
    templates read it (``google_product_category_name`` a field of the user's shows is theirs, not a typo)."""
    for key, error in category_map.suspects.items():
        if key not in read:
            raise error


def _csv_rows(path: Path, suspects: dict[str, ConfigError]) -> list[tuple[dict[str, Any], tuple[int, int] | None]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            for column, key in enumerate(reader.fieldnames or (), start=1):
                if (wrong := _misspelt(key, path, (1, column))) is not None:
                    suspects.setdefault(key, wrong)
            return [(row, (n, 1)) for n, row in enumerate(reader, start=2)]
    except OSError as exc:
        raise ConfigError(f"cannot read category map {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        at = undecodable(path, "utf-8-sig")
        raise ConfigError(
            f"the category map is not UTF-8 text{f' ({at.what})' if at else ''}; save it as UTF-8 (Excel: CSV UTF-8)",
            path=str(path),
            line=at.line if at else None,
        ) from None
