"""Google's product taxonomy (shipped as package data): id <-> path lookups for category checks."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_FILE = Path(__file__).resolve().parent / "data" / "google_taxonomy.en-US.txt"


@lru_cache(maxsize=1)
def google_taxonomy() -> dict[str, str]:
    """Taxonomy id -> full path (``212`` -> ``Apparel & Accessories > Clothing > Shirts & Tops``)."""
    ids: dict[str, str] = {}
    with _FILE.open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#") or " - " not in line:
                continue
            number, _, path = line.rstrip("\n").partition(" - ")
            ids[number.strip()] = path.strip()
    return ids


@lru_cache(maxsize=1)
def _paths() -> dict[str, str]:
    return {p.casefold(): p for p in google_taxonomy().values()}


def google_path(value: str) -> str | None:
    """The full path of a taxonomy id (``212``) or of a path in any letter case, as Google spells it; None when the
    taxonomy has neither."""
    text = value.strip()
    return google_taxonomy().get(text) if text.isdigit() else _paths().get(text.casefold())


def is_google_category(value: str) -> bool:
    """A taxonomy id (``212``) or a full path, compared without regard to case."""
    return google_path(value) is not None
