"""The folder of Amazon product type definitions (``settings.definitions``), indexed by content.

A definition file is the JSON schema Amazon's Product Type Definitions API links to: its product type is the end
of ``$id`` (``…/product-types/schema/v1/HOME``), its marketplace ``$defs.marketplace_id.default``. File names do
not matter; other JSON files (the meta-schema, API responses) are skipped. The folder is read once per run, when
the first message needs it; each definition is compiled once per requirement set, when first used.

Requirement sets. Amazon serves one document per set: ``LISTING`` (product facts and offer),
``LISTING_PRODUCT_ONLY`` (parents) and ``LISTING_OFFER_ONLY`` (offers on existing products). ``feedsync amazon
definitions pull`` stores all three and notes the set in the document's ``x-feedsync-pulled.requirements``; a
document without that note is a ``LISTING`` one. Parents and offer-only messages are checked against the
document Amazon served for their set. Where the folder has only the ``LISTING`` document (e.g. one saved by hand),
feedsync derives the other two by keeping the rules and dropping required attributes, as Amazon describes them:
``LISTING_PRODUCT_ONLY`` drops the offer attributes (:data:`OFFER_ATTRIBUTES`) from every ``required`` of the
document's top level and of its ``allOf``/``anyOf``/``oneOf``/``then``/``else`` (never from an ``if`` or ``not``,
which are conditions); ``LISTING_OFFER_ONLY`` keeps only the offer attributes there.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from feedsync.channels.amazon.schema_check import CompiledSchema, UnsupportedKeyword, shared_schema
from feedsync.errors import ConfigError

SCHEMA_ID_PREFIX = "https://schemas.amazon.com/selling-partners/definitions/product-types/schema/"
OFFER_ATTRIBUTES = frozenset(
    {
        "purchasable_offer", "fulfillment_availability", "condition_type", "condition_note", "list_price",
        "merchant_shipping_group", "merchant_release_date", "max_order_quantity", "main_offer_image_locator",
        "other_offer_image_locator_1", "other_offer_image_locator_2", "other_offer_image_locator_3",
        "other_offer_image_locator_4", "other_offer_image_locator_5", "product_tax_code", "skip_offer",
        "gift_options", "map_policy", "uvp_list_price", "business_price", "quantity_price_type", "quantity_price",
        "pricing_action", "merchant_suggested_asin",
    }
)  # fmt: skip
REQUIREMENT_SETS = ("LISTING", "LISTING_PRODUCT_ONLY", "LISTING_OFFER_ONLY")
PULLED = "x-feedsync-pulled"  # what feedsync.destinations.amazon_definitions notes in a pulled document


def derive(schema: Any, keep: Callable[[str], bool]) -> Any:
    """The schema with the ``required`` attributes ``keep`` refuses dropped at the message level."""
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    if isinstance(out.get("required"), list):
        out["required"] = [name for name in out["required"] if keep(name)]
    for key in ("allOf", "anyOf", "oneOf"):
        if isinstance(out.get(key), list):
            out[key] = [derive(sub, keep) for sub in out[key]]
    for key in ("then", "else"):
        if key in out:
            out[key] = derive(out[key], keep)
    return out


@dataclass
class Definition:
    product_type: str
    marketplace_id: str
    path: Path
    schema: dict[str, Any]
    served: dict[str, tuple[Path, dict[str, Any]]] = field(default_factory=dict)
    """The documents Amazon served for the other requirement sets, by set."""
    _compiled: dict[str, CompiledSchema] = field(default_factory=dict)

    def served_for(self, requirements: str) -> bool:
        """True when the requirement set is checked against Amazon's own document, not a derived one."""
        return requirements == "LISTING" or requirements in self.served

    def checker(self, requirements: str) -> CompiledSchema:
        """The compiled check of the message attributes for a requirement set (compiled once)."""
        if requirements not in self._compiled:
            path, schema = self.served.get(requirements, (self.path, self.schema))
            # top-level x- keys are feedsync's notes (x-feedsync-pulled: the version pulled), not rules
            schema = {k: v for k, v in schema.items() if not k.startswith("x-")}
            if requirements not in self.served and requirements == "LISTING_PRODUCT_ONLY":
                schema = derive(schema, lambda name: name not in OFFER_ATTRIBUTES)
            elif requirements not in self.served and requirements == "LISTING_OFFER_ONLY":
                schema = derive(schema, lambda name: name in OFFER_ATTRIBUTES)
            try:
                self._compiled[requirements] = shared_schema(schema)
            except (UnsupportedKeyword, KeyError, TypeError) as exc:
                raise ConfigError(f"product type definition cannot be checked: {exc}", path=str(path)) from None
            except RecursionError:
                raise ConfigError(
                    "product type definition cannot be checked: nested too deeply", path=str(path)
                ) from None
        return self._compiled[requirements]


def requirement_set(document: dict[str, Any]) -> str:
    """The requirement set a definition document was served for (LISTING when it does not say)."""
    note = document.get(PULLED)
    named = note.get("requirements") if isinstance(note, dict) else None
    return named if named in REQUIREMENT_SETS else "LISTING"


def identify(document: Any) -> tuple[str, str] | None:
    """(product type, marketplace id) of a definition document, or None when it is not one."""
    if not isinstance(document, dict):
        return None
    schema_id = document.get("$id")
    defs = document.get("$defs")
    if not isinstance(schema_id, str) or not schema_id.startswith(SCHEMA_ID_PREFIX) or not isinstance(defs, dict):
        return None
    marketplace = (defs.get("marketplace_id") or {}).get("default")
    product_type = schema_id.rstrip("/").rsplit("/", 1)[-1]
    if not isinstance(marketplace, str) or not product_type or not isinstance(document.get("properties"), dict):
        return None
    return product_type, marketplace


PULLED_NAME = re.compile(r"[A-Z0-9_]+\.[A-Z0-9]+(\.[A-Z_]+)?\.json")
"""The name ``amazon definitions pull`` gives a definition's file: TYPE.MARKETPLACE[.REQUIREMENTS].json."""


def _json_files(folder: Path) -> list[Path]:
    """The JSON files under ``folder``, sorted; a folder that cannot be listed is a ConfigError (its definitions
    were taken for missing ones: AMZ008, a warning, "run pull")."""

    def unlisted(exc: OSError) -> None:
        raise ConfigError(f"settings.definitions: cannot list {exc.filename}: {exc.strerror}")

    found = []
    for root, _, names in os.walk(folder, onerror=unlisted):
        found += [Path(root) / name for name in names if name.endswith(".json")]
    return sorted(found)


class DefinitionIndex:
    """The definitions of one folder by (product type, marketplace id)."""

    def __init__(self, folder: Path) -> None:
        if not folder.is_dir():
            raise ConfigError(f"settings.definitions: {folder} is not a folder")
        self.folder = folder
        self._by_key: dict[tuple[str, str], Definition] = {}
        newest: dict[tuple[str, str, str], int] = {}
        documents: dict[tuple[str, str], dict[str, tuple[Path, dict[str, Any]]]] = {}
        for path in _json_files(folder):
            try:
                document = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise ConfigError(f"unreadable product type definition: {exc}", path=str(path)) from None
            key = identify(document)
            if key is None:
                if PULLED_NAME.fullmatch(path.name):  # (other JSON may lie beside: a meta-schema, notes)
                    raise ConfigError(
                        "named as a product type definition `feedsync amazon definitions pull` writes, but not one "
                        "(no $id of Amazon's product type schemas, $defs and properties): pull it again",
                        path=str(path),
                    )
                continue
            requirements = requirement_set(document)
            stamp = path.stat().st_mtime_ns
            which = (*key, requirements)
            if which not in newest or stamp > newest[which]:  # two files of one type, marketplace and set: the newer
                newest[which] = stamp
                documents.setdefault(key, {})[requirements] = (path, document)
        for key, sets in documents.items():
            # the LISTING document is the definition; without one (a folder holding only another set) the
            # attributes come from the set there is, and LISTING messages are checked against it as well
            path, document = sets.get("LISTING") or next(iter(sets.values()))
            served = {name: found for name, found in sets.items() if name != "LISTING"}
            self._by_key[key] = Definition(key[0], key[1], path, document, served)

    def find(self, product_type: str, marketplace_id: str) -> Definition | None:
        return self._by_key.get((product_type, marketplace_id))

    def of_marketplace(self, marketplace_id: str) -> dict[str, dict[str, Any]]:
        """Product type -> its attribute schemas, for the definitions of one marketplace."""
        return {t: d.schema["properties"] for (t, m), d in sorted(self._by_key.items()) if m == marketplace_id}

    def marketplaces_of(self, product_type: str) -> list[str]:
        return sorted(m for t, m in self._by_key if t == product_type)

    def __len__(self) -> int:
        return len(self._by_key)


_INDEXES: dict[tuple[str, tuple[tuple[str, int, int], ...]], DefinitionIndex] = {}


def definition_index(folder: str | os.PathLike[str]) -> DefinitionIndex:
    """The index of a folder, read once while its files are unchanged (encoders of one run share it)."""
    path = Path(folder)
    stamp = tuple(
        sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in path.rglob("*.json")) if path.is_dir() else ()
    )
    key = (str(path), stamp)
    if key not in _INDEXES:
        _INDEXES.clear()
        _INDEXES[key] = DefinitionIndex(path)
    return _INDEXES[key]
