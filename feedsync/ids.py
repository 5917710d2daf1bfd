"""Ids built from real data: option values in any script slugged apart, and ids fitted into a channel's limit.

Both are pure functions of their input, so a product keeps the same id on every run.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

_ASCII_RUN = re.compile(r"[^a-z0-9]+")
_NOT_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e]+")
_WORD_RUN = re.compile(r"[\W_]+")
DIGEST_LENGTH = 8


def id_key(value: str) -> str:
    """What an id is to a channel that tells ids apart: Google reads a run of whitespace in an id as one space and
    drops it at the ends (answer/6324405), so ``A B`` and ``A  B`` are one product. Most ids hold no run and no
    other whitespace than a space (``isprintable``): they are their own key."""
    if "  " not in value and value.isprintable():
        return value
    return " ".join(value.split())


ID_KEY_DIFFERS = "  |[\\p{C}\\p{Z}&&[^ ]]"
"""A Rust (Polars) regular expression of an id ``id_key`` may change (a doubt: the columnar reader leaves the row
to the per-row one)."""


def _latin(char: str) -> bool:
    return char.isascii() or unicodedata.name(char, "").startswith("LATIN")


@lru_cache(maxsize=4096)  # a catalog's option values are a few colours and sizes, met again on every product
def slug(text: str) -> str:
    """``Dark Blue`` -> ``dark-blue``. Latin text keeps the ASCII slug feedsync has always made (``Grün`` ->
    ``gr-n``), so existing ids do not change; text with letters or digits of another script (Arabic, Cyrillic,
    Greek, CJK, …) keeps them (``Синий`` -> ``синий``, ``خ`` -> ``خ``), so its values stay apart."""
    folded = text.casefold()
    if all(_latin(c) for c in folded if c.isalnum()):
        made = _ASCII_RUN.sub("-", folded).strip("-")
    else:
        made = _WORD_RUN.sub("-", unicodedata.normalize("NFC", folded)).strip("-")
    if made or not text.strip():
        return made
    # Nothing but symbols (``🔥``, ``★★``): a short hash keeps such values apart.
    return hashlib.sha1(text.strip().encode("utf-8")).hexdigest()[:DIGEST_LENGTH]


def fit_id(value: str, limit: int) -> str:
    """``value`` when it fits in ``limit`` characters; else a readable prefix, ``-`` and the first 8 hex digits of
    the SHA-1 of the whole value (``a-very-long-handle-4f1c2b9e``): distinct values stay distinct and the
    same value always gives the same id."""
    if len(value) <= limit:
        return value
    digest = hashlib.sha1(value.encode("utf-8")).hexdigest()
    if limit <= DIGEST_LENGTH + 1:
        return digest[:limit]
    return f"{value[: limit - DIGEST_LENGTH - 1].rstrip('-')}-{digest[:DIGEST_LENGTH]}"


def printable_ascii(value: str) -> bool:
    """Whether every character of ``value`` is printable ASCII (U+0020 to U+007E): what ``isprintable`` says of
    ASCII text (a line break, even a final one, is not)."""
    return value.isascii() and value.isprintable()


def fit_ascii_id(value: str, limit: int) -> str:
    """Like ``fit_id`` for a channel whose ids are printable ASCII (Amazon SKUs): an id that fits and is printable
    ASCII stays as it is; otherwise its printable ASCII characters (others dropped, runs of them becoming ``-``),
    within the limit, then ``-`` and the hash of the whole id (``icey-initial-gold-خ`` ->
    ``icey-initial-gold-1a2b3c4d``)."""
    if len(value) <= limit and printable_ascii(value):
        return value
    digest = hashlib.sha1(value.encode("utf-8")).hexdigest()
    if limit <= DIGEST_LENGTH + 1:
        return digest[:limit]
    prefix = _NOT_PRINTABLE_ASCII.sub("-", value)[: limit - DIGEST_LENGTH - 1].strip("- ")
    return f"{prefix}-{digest[:DIGEST_LENGTH]}" if prefix else digest[:DIGEST_LENGTH]
