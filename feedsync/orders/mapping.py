"""Marketplace SKU -> catalog id: what feedsync published to the marketplace's channel (state), overridden by
an optional mapping file for SKUs listed some other way."""

from __future__ import annotations

import csv
from pathlib import Path

from feedsync.decoding import undecodable
from feedsync.errors import ConfigError
from feedsync.state import State


class SkuMap:
    def __init__(self, state: State, channel: str | None, mapping_file: Path | None = None) -> None:
        self.state = state
        self.channel = channel
        self.overrides = _read_mapping(mapping_file) if mapping_file else {}

    def catalog_id(self, sku: str) -> tuple[str | None, str | None]:
        """(catalog id, None), or (None, why it cannot be mapped)."""
        if sku in self.overrides:
            return self.overrides[sku], None
        if self.channel is None:
            return None, f"SKU {sku!r} is not in the SKU map and no channel publishes to this marketplace"
        found = self.state.catalog_ids(self.channel, sku)
        if len(found) == 1:
            return found[0], None
        if not found:
            return None, (
                f"SKU {sku!r} is not a listing feedsync published to channel {self.channel!r}; push the catalog or "
                "add the SKU to orders.sku_map"
            )
        return (
            None,
            f"SKU {sku!r} was published for several catalog items ({', '.join(found)}); add it to orders.sku_map",
        )


def _read_mapping(path: Path) -> dict[str, str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or not {"marketplace_sku", "catalog_id"} <= set(reader.fieldnames):
                raise ConfigError(f"{path}:1: the SKU map needs the columns marketplace_sku,catalog_id")
            mapping: dict[str, str] = {}
            for number, row in enumerate(reader, start=2):
                sku, catalog_id = (row.get("marketplace_sku") or "").strip(), (row.get("catalog_id") or "").strip()
                if not sku or not catalog_id:
                    raise ConfigError(f"{path}:{number}: both marketplace_sku and catalog_id are needed")
                if mapping.get(sku, catalog_id) != catalog_id:
                    raise ConfigError(
                        f"{path}:{number}: SKU {sku!r} is mapped twice, to {mapping[sku]!r} and {catalog_id!r}"
                    )
                mapping[sku] = catalog_id
            return mapping
    except OSError as exc:
        raise ConfigError(f"cannot read the SKU map {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        at = undecodable(path, "utf-8-sig")
        raise ConfigError(
            f"{path}:{at.line if at else 1}: the SKU map is not UTF-8 text{f' ({at.what})' if at else ''}; save it as "
            "UTF-8 (Excel: CSV UTF-8)"
        ) from None
